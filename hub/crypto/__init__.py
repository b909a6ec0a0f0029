"""Envelope encryption: per-child and per-referral data keys, wrapped by versioned key-encryption keys.

Thin public module: import from here, not from the submodules. `Pkcs11KeyProvider` is imported from
`hub.crypto.pkcs11` when configured, so python-pkcs11 loads only where an HSM is used.
"""

from hub.crypto.aead import decrypt, encrypt, new_data_key, row_aad
from hub.crypto.digest import canonical_json, keyed_digest
from hub.crypto.errors import (
    CryptoError,
    DecryptionError,
    KekNotInitialised,
    KeyFileError,
    KeyMissing,
    KeyRetired,
    KeyShredded,
    KeyUnwrapError,
)
from hub.crypto.keyring import Keyring, WrappedKey
from hub.crypto.local import LocalKeyProvider
from hub.crypto.providers import (
    INTAKE_EPOCH_PREFIX,
    PERMANENT_EPOCH,
    WELL_KNOWN_EPOCHS,
    EpochState,
    KeyProvider,
    check_epoch_name,
    intake_epoch,
)

__all__ = [
    "INTAKE_EPOCH_PREFIX",
    "PERMANENT_EPOCH",
    "WELL_KNOWN_EPOCHS",
    "CryptoError",
    "DecryptionError",
    "EpochState",
    "KekNotInitialised",
    "KeyFileError",
    "KeyMissing",
    "KeyProvider",
    "KeyRetired",
    "KeyShredded",
    "KeyUnwrapError",
    "Keyring",
    "LocalKeyProvider",
    "WrappedKey",
    "canonical_json",
    "check_epoch_name",
    "decrypt",
    "encrypt",
    "intake_epoch",
    "keyed_digest",
    "new_data_key",
    "row_aad",
]
