"""Unwrapped data keys, cached per store instance so the KEK provider is asked once per key."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from hub.crypto.aead import new_data_key
from hub.crypto.errors import KeyUnwrapError
from hub.crypto.providers import KeyProvider


@dataclass(frozen=True)
class WrappedKey:
    """A data key as stored: its id, its wrapped bytes and the KEK that wrapped it."""

    key_id: str
    wrapped: bytes
    kek_id: str


class Keyring:
    """Creates and unwraps data keys through a `KeyProvider`, caching plaintext keys in memory.

    The cache is keyed by the wrapped bytes as well as the id, so a key created in a transaction
    that rolled back can never be mistaken for the key another process stored under the same id.
    """

    def __init__(self, provider: KeyProvider) -> None:
        self.provider = provider
        self._keys: dict[tuple[str, bytes], bytes] = {}
        self._lock = threading.Lock()

    def create(self, key_id: str) -> tuple[WrappedKey, bytes]:
        """A new data key for `key_id`: the wrapped form to store and the plaintext to use."""
        dek = new_data_key()
        wrapped = WrappedKey(key_id=key_id, wrapped=self.provider.wrap(dek), kek_id=self.provider.kek_id)
        with self._lock:
            self._keys[(key_id, wrapped.wrapped)] = dek
        return wrapped, dek

    def unwrap(self, stored: WrappedKey) -> bytes:
        """The plaintext data key for a stored wrapped key, unwrapping it at most once."""
        cache_key = (stored.key_id, stored.wrapped)
        with self._lock:
            known = self._keys.get(cache_key)
        if known is not None:
            return known
        if stored.kek_id != self.provider.kek_id:
            raise KeyUnwrapError(
                f"data key {stored.key_id} was wrapped by KEK {stored.kek_id}, "
                f"but the configured KEK is {self.provider.kek_id}; configure the original key file"
            )
        dek = self.provider.unwrap(stored.wrapped)
        with self._lock:
            self._keys[cache_key] = dek
        return dek

    def forget(self) -> None:
        """Drop every cached plaintext key (e.g. when the store closes)."""
        with self._lock:
            self._keys.clear()
