"""Key-encryption key (KEK) providers: they wrap and unwrap data keys and never see data.

`LocalKeyProvider` keeps the KEK in a 0600 file under `$HUB_HOME/keys/`. A KMS or HSM provider
can replace it later by implementing the same three members.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from hub.crypto.aead import KEY_BYTES, new_data_key
from hub.crypto.errors import KeyFileError, KeyUnwrapError


@runtime_checkable
class KeyProvider(Protocol):
    """Wraps data keys under a key-encryption key identified by `kek_id`."""

    @property
    def kek_id(self) -> str:
        """A stable, non-secret name for the KEK, stored beside each wrapped key."""
        ...

    def wrap(self, dek: bytes) -> bytes:
        """Encrypt a data key for storage."""
        ...

    def unwrap(self, wrapped: bytes) -> bytes:
        """Recover a data key; raise `KeyUnwrapError` if this KEK did not wrap it."""
        ...


class LocalKeyProvider:
    """A 32-byte KEK in a local file, created with mode 0600 on first use; AES key wrap (RFC 3394).

    The file is created atomically (written aside, then hard-linked into place), so processes that
    start together agree on one key.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._kek: bytes | None = None
        self._lock = threading.Lock()

    @property
    def kek_id(self) -> str:
        # A fingerprint of a random 256-bit key reveals nothing about it, and changes if the file does.
        return "local:" + hashlib.sha256(b"hub-kek-id|" + self._key()).hexdigest()[:16]

    def wrap(self, dek: bytes) -> bytes:
        return aes_key_wrap(self._key(), dek)

    def unwrap(self, wrapped: bytes) -> bytes:
        try:
            return aes_key_unwrap(self._key(), wrapped)
        except (InvalidUnwrap, ValueError):
            raise KeyUnwrapError(
                f"a stored data key does not unwrap with the key file {self.path}; "
                "restore the key file that was in use when the data was written"
            ) from None

    def _key(self) -> bytes:
        with self._lock:
            if self._kek is None:
                if not self.path.exists():
                    self._create()
                self._kek = self._read()
            return self._kek

    def _create(self) -> None:
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".kek-")
            try:
                os.fchmod(descriptor, 0o600)
                os.write(descriptor, new_data_key())
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            try:
                os.link(temporary, self.path)
            except FileExistsError:
                pass  # Another process created it first; use theirs.
            finally:
                os.unlink(temporary)
        except OSError as error:
            raise KeyFileError(
                f"cannot create the key file {self.path} ({error.strerror}); "
                "check that its directory exists and is writable by the hub"
            ) from None

    def _read(self) -> bytes:
        try:
            mode = self.path.stat().st_mode
            data = self.path.read_bytes()
        except OSError as error:
            raise KeyFileError(
                f"cannot read the key file {self.path} ({error.strerror}); "
                "check that it exists and is readable by the hub's user"
            ) from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyFileError(f"the key file {self.path} is readable by others; run: chmod 600 {self.path}")
        if len(data) != KEY_BYTES:
            raise KeyFileError(
                f"the key file {self.path} is corrupt (expected {KEY_BYTES} bytes, found {len(data)}); "
                "restore it from backup; without it, stored data cannot be decrypted"
            )
        return data
