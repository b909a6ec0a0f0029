"""The archive file: a tar of `manifest.json` and the members it lists, owner-only, written all or nothing.

Writing: members are staged as files in a private folder beside the archive (a tar header needs each
member's size first, and the manifest, which comes first, needs every member's SHA-256), then packed
into `<name>.tar.partial` (0600 from its first byte), synced, and linked into place under its final
name. A crash leaves at most a `.partial` file and the staging folder, never a short archive under a
backup's name; the next backup into the folder removes them (one backup at a time holds its lock).

Reading: `VerifiedArchive.open` checks the manifest and every member's size and SHA-256 before anything
is restored, so a corrupt, truncated or altered archive is refused with nothing written. Members are
found by the names the manifest lists, never extracted by the names the tar carries. Reading a member
again during the restore checks its digest again at its end, so a file changed in between is caught too.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from pydantic import ValidationError

from hub.backup.errors import ArchiveRefused, BackupError
from hub.backup.manifest import FORMAT, FORMAT_VERSION, MANIFEST_MEMBER, Manifest, MemberDigest
from hub.settings import PRIVATE_FILE_MODE, private_folder

CHUNK = 1 << 20
LOCK_FILE = ".backup.lock"
MAX_MANIFEST_BYTES = 16 << 20


class _HashingFile:
    """A file being written that keeps its SHA-256 and size."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._handle.write(data)
        self._hash.update(data)
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def digest(self) -> MemberDigest:
        return MemberDigest(sha256=self._hash.hexdigest(), size=self.size)


class ArchiveWriter:
    """Stages members, then packs them with their manifest into one owner-only tar."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder = private_folder(folder)
        self._lock = _folder_lock(self.folder)
        try:
            _clear_leftovers(self.folder)
            self.name = self._free_name(name)
            """The archive's name without `.tar`: a timestamp, with `-1`, `-2`... if one of that second exists."""
            self.path = self.folder / f"{self.name}.tar"
            self._staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=self.folder))
        except BaseException:
            os.close(self._lock)
            raise
        self._digests: dict[str, MemberDigest] = {}

    @contextlib.contextmanager
    def member(self, name: str) -> Iterator[_HashingFile]:
        """Write one member (a table's rows, a key file, a witness file)."""
        path = self._staging / name
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE), "wb") as handle:
            writing = _HashingFile(handle)
            yield writing
        self._digests[name] = writing.digest()

    def add(self, name: str, content: bytes) -> None:
        with self.member(name) as writing:
            writing.write(content)

    @property
    def digests(self) -> dict[str, MemberDigest]:
        return dict(self._digests)

    def finish(self, manifest: Manifest) -> tuple[Path, str]:
        """Pack the archive; returns its path and SHA-256 (for the operator to note down elsewhere)."""
        final = self.path
        partial = final.with_name(final.name + ".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
        try:
            with os.fdopen(descriptor, "wb") as raw:
                hashing = _HashingFile(raw)
                with tarfile.open(fileobj=hashing, mode="w", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                    mtime = int(manifest.created_at.timestamp())
                    body = manifest.model_dump_json(indent=2).encode("utf-8") + b"\n"
                    _add(tar, MANIFEST_MEMBER, len(body), mtime, _Bytes(body))
                    for name in sorted(manifest.members):
                        with open(self._staging / name, "rb") as member:
                            _add(tar, name, manifest.members[name].size, mtime, member)
                raw.flush()
                os.fsync(raw.fileno())
            os.link(partial, final)  # Never replaces an archive already there.
        finally:
            partial.unlink(missing_ok=True)
        return final, hashing.digest().sha256

    def _free_name(self, name: str) -> str:
        for number in range(100):
            candidate = name if number == 0 else f"{name}-{number}"
            if not (self.folder / f"{candidate}.tar").exists():
                return candidate
        raise ArchiveRefused(f"{self.folder} already holds 100 backups named {name}; choose another folder")

    def close(self) -> None:
        shutil.rmtree(self._staging, ignore_errors=True)
        os.close(self._lock)  # Releases the folder's lock.

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _folder_lock(folder: Path) -> int:
    """One backup at a time into a folder; the lock is held by the open descriptor returned."""
    descriptor = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise BackupError(f"another backup is being written in {folder}; let it finish") from None
    return descriptor


def _clear_leftovers(folder: Path) -> None:
    """What a backup killed part-way left (its staging folder holds key files): under the lock, nobody's."""
    for path in folder.glob(".mash-hub-backup-*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
    for path in folder.glob("mash-hub-backup-*.tar.partial"):
        path.unlink(missing_ok=True)


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self._data, self._at = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._at + size
        chunk, self._at = self._data[self._at : end], min(end, len(self._data))
        return chunk


def _add(tar: tarfile.TarFile, name: str, size: int, mtime: int, content: object) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, PRIVATE_FILE_MODE
    tar.addfile(info, content)  # type: ignore[arg-type]


@dataclass(frozen=True)
class VerifiedArchive:
    """An archive whose manifest parsed and whose every member matched its size and SHA-256."""

    path: Path
    manifest: Manifest

    @classmethod
    def open(cls, path: Path) -> VerifiedArchive:
        """Check everything before anything is restored; `ArchiveRefused` (one line) if anything is wrong."""
        try:
            with tarfile.open(path, mode="r:") as tar:
                manifest = _manifest(tar, path)
                members = _regular_members(tar, path)
                unexpected = sorted(set(members) - set(manifest.members) - {MANIFEST_MEMBER})
                if unexpected:
                    raise ArchiveRefused(f"{path.name} holds a member its manifest does not list ({unexpected[0]})")
                for name, expected in manifest.members.items():
                    if name not in members:
                        raise ArchiveRefused(f"{path.name} is incomplete: {name} is missing (truncated or altered)")
                    if members[name].size != expected.size or _sha256(tar, members[name]) != expected.sha256:
                        raise ArchiveRefused(
                            f"{path.name} is corrupt: {name} does not match its checksum (altered or damaged)"
                        )
        except FileNotFoundError:
            raise ArchiveRefused(f"there is no backup at {path}") from None
        except IsADirectoryError:
            raise ArchiveRefused(f"{path} is a folder; give the backup's .tar file") from None
        except (tarfile.TarError, EOFError) as error:
            raise ArchiveRefused(
                f"{path.name} is not a readable backup archive ({error}); it may be truncated"
            ) from None
        except PermissionError:
            raise ArchiveRefused(f"cannot read {path} (permission denied)") from None
        return cls(path, manifest)

    @contextlib.contextmanager
    def reading(self, name: str) -> Iterator[IO[bytes]]:
        """A member's content; its digest is checked again when the block ends (the file may have changed)."""
        expected = self.manifest.members[name]
        with tarfile.open(self.path, mode="r:") as tar:
            stream = _extract(tar, tar.getmember(name))
            checked = _CheckedReader(stream)
            yield checked  # type: ignore[misc]
            checked.drain()
            if checked.hash.hexdigest() != expected.sha256:
                raise ArchiveRefused(f"{self.path.name} changed while it was being restored ({name})")

    def content(self, name: str) -> bytes:
        with self.reading(name) as stream:
            return stream.read()


class _CheckedReader:
    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.hash.update(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self._stream.readline(size)
        self.hash.update(data)
        return data

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def drain(self) -> None:
        while self.read(CHUNK):
            pass


def _manifest(tar: tarfile.TarFile, path: Path) -> Manifest:
    try:
        info = tar.getmember(MANIFEST_MEMBER)
    except KeyError:
        raise ArchiveRefused(f"{path.name} is not a MASH Hub backup (it has no {MANIFEST_MEMBER})") from None
    if not info.isfile() or info.size > MAX_MANIFEST_BYTES:
        raise ArchiveRefused(f"{path.name} is not a MASH Hub backup ({MANIFEST_MEMBER} is not a plain file)")
    try:
        document = json.loads(_extract(tar, info).read())
    except ValueError:
        raise ArchiveRefused(f"{path.name}: its {MANIFEST_MEMBER} is not valid JSON (altered or damaged)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ArchiveRefused(f"{path.name} is not a MASH Hub backup (its manifest names another format)")
    if document.get("format_version") != FORMAT_VERSION:
        raise ArchiveRefused(
            f"{path.name} is backup format {document.get('format_version')}; this release reads format "
            f"{FORMAT_VERSION}. Restore it with the release that made it."
        )
    try:
        return Manifest.model_validate(document)
    except ValidationError as error:
        detail = error.errors()[0]
        where = ".".join(str(part) for part in detail["loc"]) or "(top level)"
        raise ArchiveRefused(f"{path.name}: its manifest is not valid ({where}: {detail['msg']})") from None


def _regular_members(tar: tarfile.TarFile, path: Path) -> dict[str, tarfile.TarInfo]:
    members: dict[str, tarfile.TarInfo] = {}
    for info in tar.getmembers():
        if not info.isfile():
            raise ArchiveRefused(f"{path.name} holds something other than plain files ({info.name}); refused")
        if info.name in members:
            raise ArchiveRefused(f"{path.name} holds {info.name} twice; refused")
        members[info.name] = info
    return members


def _extract(tar: tarfile.TarFile, info: tarfile.TarInfo) -> IO[bytes]:
    stream = tar.extractfile(info)
    if stream is None:
        raise ArchiveRefused(f"{info.name} is not a plain file in the archive")
    return stream


def _sha256(tar: tarfile.TarFile, info: tarfile.TarInfo) -> str:
    digest = hashlib.sha256()
    stream = _extract(tar, info)
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()
