"""Making damaged and doctored copies of a backup archive, as an accident or an attacker would."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

from hub.backup.manifest import MANIFEST_MEMBER


def flip_byte(archive: Path, copy: Path, member: str, at: int = 40) -> Path:
    """A copy with one byte of `member`'s content changed in place (the manifest left as it was)."""
    with tarfile.open(archive) as tar:
        offset = tar.getmember(member).offset_data + at
    data = bytearray(archive.read_bytes())
    data[offset] ^= 0x01
    copy.write_bytes(bytes(data))
    return copy


def truncate(archive: Path, copy: Path, fraction: float = 0.6) -> Path:
    data = archive.read_bytes()
    copy.write_bytes(data[: int(len(data) * fraction)])
    return copy


def rewrite(archive: Path, copy: Path, changes: dict[str, Callable[[bytes], bytes]]) -> Path:
    """A copy with members changed *and* the manifest's checksums made to match: an archive that passes
    the checksum check but holds something else (what the restore's own checks must catch)."""
    with tarfile.open(archive) as tar:
        contents = {info.name: _read(tar, info) for info in tar.getmembers()}
    manifest = json.loads(contents[MANIFEST_MEMBER])
    for name, change in changes.items():
        contents[name] = change(contents[name])
        manifest["members"][name] = {"sha256": hashlib.sha256(contents[name]).hexdigest(), "size": len(contents[name])}
    contents[MANIFEST_MEMBER] = json.dumps(manifest).encode()
    with tarfile.open(copy, "w") as tar:
        for name, content in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return copy


def _read(tar: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    stream = tar.extractfile(info)
    assert stream is not None
    return stream.read()


def edit_rows(table: str, edit: Callable[[list[object]], list[object]]) -> dict[str, Callable[[bytes], bytes]]:
    """A change for `rewrite`: every row of `table` (a JSON array per line) passed through `edit`."""

    def change(content: bytes) -> bytes:
        rows = [json.loads(line) for line in content.splitlines()]
        return b"".join(json.dumps(edit(row)).encode() + b"\n" for row in rows)

    return {f"tables/{table}.jsonl": change}
