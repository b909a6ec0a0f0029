"""Unwrapped data keys, cached per store instance so the key provider is asked once per key.

A data key is stored as `wrap(dek XOR epoch_mask(epoch, key_id), kek_version)`; a legacy key (no epoch,
written by the previous release) as `wrap(dek, 1)`. The cache means one chronology costs one unwrap (one HSM
or KMS call, plus one mask), not one per entry.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from hub.crypto.aead import KEY_BYTES, new_data_key
from hub.crypto.errors import KeyMissing
from hub.crypto.providers import KeyProvider, check_epoch_name


@dataclass(frozen=True)
class WrappedKey:
    """A data key as stored: its id, its wrapped bytes, the KEK (name and version) and the epoch masking it."""

    key_id: str
    wrapped: bytes
    kek_id: str
    kek_version: int = 1
    epoch: str | None = None
    """None: a legacy key from before retention epochs, wrapped without a mask."""


def _xor(first: bytes, second: bytes) -> bytes:
    if len(first) != KEY_BYTES or len(second) != KEY_BYTES:
        raise ValueError("data keys and epoch masks are 32 bytes")
    return bytes(a ^ b for a, b in zip(first, second, strict=True))


class Keyring:
    """Creates, unwraps and rewraps data keys through a `KeyProvider`, caching plaintext keys in memory.

    The cache is keyed by the wrapped bytes as well as the id, so a key created in a transaction
    that rolled back can never be mistaken for the key another process stored under the same id.
    `checked` is the store's note of which provider facts it has already checked against the database
    (`hub.store.keys`), so that check costs one query per process, not one per key.
    """

    def __init__(self, provider: KeyProvider) -> None:
        self.provider = provider
        self.checked: set[str] = set()
        self._keys: dict[tuple[str, bytes], tuple[bytes, str | None]] = {}
        self._lock = threading.Lock()

    def create(self, key_id: str, epoch: str | None = None) -> tuple[WrappedKey, bytes]:
        """A new data key for `key_id` in `epoch`: the wrapped form to store and the plaintext to use."""
        dek = new_data_key()
        return self._seal(key_id, dek, epoch, self.provider.current_version()), dek

    def unwrap(self, stored: WrappedKey) -> bytes:
        """The plaintext data key for a stored wrapped key, unwrapping it at most once."""
        cache_key = (stored.key_id, stored.wrapped)
        with self._lock:
            known = self._keys.get(cache_key)
        if known is not None:
            return known[0]
        masked = self._unwrap_masked(stored)
        dek = masked if stored.epoch is None else _xor(masked, self.provider.epoch_mask(stored.epoch, stored.key_id))
        self._remember(stored, dek)
        return dek

    def rewrap(self, stored: WrappedKey, version: int) -> WrappedKey:
        """The same data key wrapped under KEK `version` (rotation).

        The masked value moves as it is: rotation needs no epoch secret, so it also carries keys whose
        epoch was destroyed (they stay unreadable) and never puts a plaintext data key in memory.
        """
        masked = self._unwrap_masked(stored)
        wrapped = self.provider.wrap(masked, version)
        return replace(stored, wrapped=wrapped, kek_id=self.provider.kek_id(version), kek_version=version)

    def move(self, stored: WrappedKey, epoch: str, version: int | None = None) -> WrappedKey:
        """The same data key in another epoch (unmasked from its old epoch, masked by the new one), wrapped under
        KEK `version` (default: the current one; a caller moving many keys looks it up once)."""
        dek = self.unwrap(stored)
        return self._seal(stored.key_id, dek, epoch, version or self.provider.current_version())

    def forget(self, epoch: str | None = None) -> None:
        """Drop cached plaintext keys: all of them (the store closes), or one epoch's (it was destroyed)."""
        with self._lock:
            if epoch is None:
                self._keys.clear()
            else:
                self._keys = {key: value for key, value in self._keys.items() if value[1] != epoch}

    def _seal(self, key_id: str, dek: bytes, epoch: str | None, version: int) -> WrappedKey:
        masked = dek if epoch is None else _xor(dek, self.provider.epoch_mask(check_epoch_name(epoch), key_id))
        wrapped = WrappedKey(key_id, self.provider.wrap(masked, version), self.provider.kek_id(version), version, epoch)
        self._remember(wrapped, dek)
        return wrapped

    def _unwrap_masked(self, stored: WrappedKey) -> bytes:
        expected = self.provider.kek_id(stored.kek_version)
        if stored.kek_id != expected:
            raise KeyMissing(
                f"data key {stored.key_id} was wrapped by KEK {stored.kek_id} (version {stored.kek_version}), "
                f"but the key provider's version {stored.kek_version} is {expected}; configure the original key "
                "file or token (restore it from backup)"
            )
        return self.provider.unwrap(stored.wrapped, stored.kek_version)

    def _remember(self, stored: WrappedKey, dek: bytes) -> None:
        with self._lock:
            self._keys[(stored.key_id, stored.wrapped)] = (dek, stored.epoch)
