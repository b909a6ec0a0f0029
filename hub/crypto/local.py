"""`LocalKeyProvider`: KEK versions and epoch secrets as owner-only files (development).

Layout, for `LocalKeyProvider(<home>/keys/kek.bin)`:
- `kek.bin` is KEK version 1 (the previous release's only key, unchanged), `kek-v2.bin`, `kek-v3.bin` ... the
  later versions; each 32 random bytes, mode 0600; AES key wrap (RFC 3394) of the data key.
- `kek-policy.json` holds the minimum decryption version (absent: 1).
- `epochs/<epoch>.key` is an epoch's secret (32 bytes, 0600); `epochs/<epoch>.destroyed` its tombstone.

Every file is created atomically (written aside, then hard-linked into place), so processes that start
together agree on one key. Files are read when first needed and KEKs kept in memory (they never change);
epoch secrets are read each time a mask is needed (once per data key per process, thanks to the
`Keyring` cache), so a destroyed epoch stops working in every process at once.

A key file holds the key itself, so anyone who can read `$HUB_HOME/keys/` and the database can read every
record: production deployments should use an HSM (`Pkcs11KeyProvider`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import stat
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from hub.crypto.aead import KEY_BYTES, new_data_key
from hub.crypto.errors import (
    KekNotInitialised,
    KeyFileError,
    KeyMissing,
    KeyRetired,
    KeyShredded,
    KeyUnwrapError,
)
from hub.crypto.providers import EpochState, check_epoch_name
from hub.settings import create_folders, write_private

_NO_NEW_KEY = "the hub never makes a new key where one is missing, since that would make every stored record unreadable"


class LocalKeyProvider:
    """KEK versions and epoch secrets in files beside `path` (KEK version 1).

    `create_missing` (development) makes version 1 on first use when no KEK exists at all; in production
    (`HUB_ENVIRONMENT=production`) it is False and a missing KEK is `KekNotInitialised` (run `hub keys init`).
    The store adds the other half of the rule: no KEK is made while the database holds data keys
    (`hub.store.keys`).
    """

    kind = "local"

    def __init__(self, path: Path, *, create_missing: bool = True, epochs_dir: Path | None = None) -> None:
        self.path = Path(path)
        self.create_missing = create_missing
        self.epochs_dir = Path(epochs_dir) if epochs_dir is not None else self.path.parent / "epochs"
        self._keks: dict[int, bytes] = {}
        self._kek_ids: dict[int, str] = {}
        self._lock = threading.RLock()
        self._version_file = re.compile(re.escape(self.path.stem) + r"-v([1-9][0-9]*)" + re.escape(self.path.suffix))

    # KEK versions

    def describe(self) -> str:
        return f"key files in {self.path.parent}"

    def version_path(self, version: int) -> Path:
        """The file of one KEK version: version 1 is `path` itself (the previous release's key file)."""
        if version < 1:
            raise ValueError("KEK versions start at 1")
        if version == 1:
            return self.path
        return self.path.with_name(f"{self.path.stem}-v{version}{self.path.suffix}")

    @property
    def policy_path(self) -> Path:
        return self.path.with_name(f"{self.path.stem}-policy.json")

    def versions(self) -> list[int]:
        try:
            names = os.listdir(self.path.parent)
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as error:
            raise KeyFileError(f"cannot list the key folder {self.path.parent} ({error.strerror})") from None
        found = {1} if self.path.name in names else set()
        for name in names:
            if match := self._version_file.fullmatch(name):
                found.add(int(match.group(1)))
        return sorted(found)

    def current_version(self) -> int:
        with self._lock:
            versions = self.versions()
            if versions:
                return versions[-1]
            if not self.create_missing:
                raise KekNotInitialised(
                    f"there is no key-encryption key ({self.path} does not exist). For a new hub run "
                    f"`hub keys init`; if the hub has stored data, restore {self.path.name} and the rest of "
                    f"{self.path.parent} from backup ({_NO_NEW_KEY})"
                )
            self._create_file(self.path, new_data_key())
            return 1

    def create_version(self) -> int:
        with self._lock:
            while True:
                version = (self.versions() or [0])[-1] + 1
                if self._create_file(self.version_path(version), new_data_key()):
                    return version

    def min_decryption_version(self) -> int:
        try:
            document = json.loads(self.policy_path.read_text(encoding="utf-8"))
            return int(document["min_decryption_version"])
        except FileNotFoundError:
            return 1
        except (OSError, ValueError, KeyError, TypeError):
            raise KeyFileError(
                f"the key policy file {self.policy_path} is unreadable or corrupt; restore it from backup "
                '(it holds the minimum decryption version as `{"min_decryption_version": N}`)'
            ) from None

    def set_min_decryption_version(self, version: int) -> None:
        current = self.current_version()
        if not 1 <= version <= current:
            raise ValueError(f"the minimum decryption version must be between 1 and {current}")
        document = {"min_decryption_version": version, "set_at": datetime.now(UTC).isoformat(timespec="seconds")}
        write_private(self.policy_path, json.dumps(document).encode("utf-8") + b"\n")

    def kek_id(self, version: int) -> str:
        with self._lock:
            known = self._kek_ids.get(version)
            if known is None:
                # A fingerprint of a random 256-bit key reveals nothing about it, and changes if the file does.
                # Version 1's is what the previous release stored as `kek_id`.
                known = "local:" + hashlib.sha256(b"hub-kek-id|" + self._kek(version)).hexdigest()[:16]
                self._kek_ids[version] = known
            return known

    def wrap(self, dek: bytes, version: int) -> bytes:
        return aes_key_wrap(self._kek(version), dek)

    def unwrap(self, wrapped: bytes, version: int) -> bytes:
        minimum = self.min_decryption_version()
        if version < minimum:
            raise KeyRetired(
                f"KEK version {version} is retired (the minimum decryption version is {minimum}); to read an old "
                f"backup, lower it with `hub keys retire --min-version {version}`, then run `hub keys rotate`"
            )
        try:
            return aes_key_unwrap(self._kek(version), wrapped)
        except (InvalidUnwrap, ValueError):
            raise KeyUnwrapError(
                f"a stored data key does not unwrap with KEK version {version} ({self.version_path(version)}): "
                "the wrapped key was altered, or the key file is not the one in use when it was written; "
                "restore the key file that was in use when the data was written"
            ) from None

    def _kek(self, version: int) -> bytes:
        with self._lock:
            known = self._keks.get(version)
            if known is None:
                path = self.version_path(version)
                if not path.exists():  # Never made here: only `current_version` makes the first key.
                    raise KeyMissing(
                        f"KEK version {version} is missing ({path} does not exist); restore it from backup "
                        f"({_NO_NEW_KEY})"
                    )
                known = self._read(path)
                self._keks[version] = known
            return known

    # Epochs

    def _epoch_key(self, epoch: str) -> Path:
        return self.epochs_dir / f"{check_epoch_name(epoch)}.key"

    def _tombstone(self, epoch: str) -> Path:
        return self.epochs_dir / f"{check_epoch_name(epoch)}.destroyed"

    def epoch_state(self, epoch: str) -> EpochState:
        if self._tombstone(epoch).exists():
            return "destroyed"
        return "live" if self._epoch_key(epoch).exists() else "unknown"

    def epochs(self) -> dict[str, EpochState]:
        try:
            names = sorted(os.listdir(self.epochs_dir))
        except FileNotFoundError:
            return {}
        found: dict[str, EpochState] = {}
        for name in names:
            epoch, _, suffix = name.rpartition(".")
            if suffix in ("key", "destroyed") and epoch and not epoch.startswith("."):
                found[epoch] = self.epoch_state(epoch)
        return found

    def create_epoch(self, epoch: str) -> None:
        with self._lock:
            if self.epoch_state(epoch) == "destroyed":
                raise KeyShredded(f"epoch {epoch} was destroyed; an epoch is never created again under its name")
            self._create_file(self._epoch_key(epoch), new_data_key())
            if self._tombstone(epoch).exists():  # Destroyed meanwhile by another process: do not keep a secret.
                self._shred(self._epoch_key(epoch))
                raise KeyShredded(f"epoch {epoch} was destroyed; an epoch is never created again under its name")

    def destroy_epoch(self, epoch: str) -> None:
        """Tombstone first, then overwrite and unlink the secret: a crash in between still reads as destroyed."""
        with self._lock:
            tombstone = self._tombstone(epoch)
            if not tombstone.exists():
                stamp = datetime.now(UTC).isoformat(timespec="seconds")
                write_private(tombstone, f"epoch {epoch} destroyed at {stamp}\n".encode())
            self._shred(self._epoch_key(epoch))

    def epoch_mask(self, epoch: str, key_id: str) -> bytes:
        path = self._epoch_key(epoch)
        if self._tombstone(epoch).exists():
            raise KeyShredded(f"epoch {epoch} was destroyed under the retention schedule")
        if not path.exists():
            raise KeyMissing(
                f"the secret of epoch {epoch} is missing ({path} does not exist); restore {self.epochs_dir} "
                f"from backup ({_NO_NEW_KEY})"
            )
        return hmac.new(self._read(path), key_id.encode("utf-8"), hashlib.sha256).digest()

    # Files

    def _create_file(self, path: Path, content: bytes) -> bool:
        """Create `path` atomically with `content`, 0600; False if it already existed (another process won)."""
        try:
            create_folders(path.parent)
            descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")
            try:
                os.fchmod(descriptor, 0o600)
                os.write(descriptor, content)
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            try:
                os.link(temporary, path)
            except FileExistsError:
                return False
            finally:
                os.unlink(temporary)
        except OSError as error:
            raise KeyFileError(
                f"cannot create the key file {path} ({error.strerror}); "
                "check that its directory exists and is writable by the hub"
            ) from None
        return True

    @staticmethod
    def _shred(path: Path) -> None:
        """Overwrite a key file with zeros before unlinking it (a best effort on journalling file systems)."""
        with contextlib.suppress(FileNotFoundError):
            with open(path, "r+b") as handle:
                handle.write(bytes(max(path.stat().st_size, KEY_BYTES)))
                handle.flush()
                os.fsync(handle.fileno())
            path.unlink()

    @staticmethod
    def _read(path: Path) -> bytes:
        try:
            mode = path.stat().st_mode
            data = path.read_bytes()
        except OSError as error:
            raise KeyFileError(
                f"cannot read the key file {path} ({error.strerror}); "
                "check that it exists and is readable by the hub's user"
            ) from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyFileError(f"the key file {path} is readable by others; run: chmod 600 {path}")
        if len(data) != KEY_BYTES:
            raise KeyFileError(
                f"the key file {path} is corrupt (expected {KEY_BYTES} bytes, found {len(data)}); "
                "restore it from backup; without it, stored data cannot be decrypted"
            )
        return data
