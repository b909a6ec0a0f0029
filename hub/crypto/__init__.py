"""Envelope encryption: per-child and per-referral data keys, wrapped by a key-encryption key.

Thin public module: import from here, not from the submodules.
"""

from hub.crypto.aead import decrypt, encrypt, new_data_key, row_aad
from hub.crypto.digest import canonical_json, keyed_digest
from hub.crypto.errors import CryptoError, DecryptionError, KeyFileError, KeyUnwrapError
from hub.crypto.keyring import Keyring, WrappedKey
from hub.crypto.providers import KeyProvider, LocalKeyProvider

__all__ = [
    "CryptoError",
    "DecryptionError",
    "KeyFileError",
    "KeyProvider",
    "KeyUnwrapError",
    "Keyring",
    "LocalKeyProvider",
    "WrappedKey",
    "canonical_json",
    "decrypt",
    "encrypt",
    "keyed_digest",
    "new_data_key",
    "row_aad",
]
