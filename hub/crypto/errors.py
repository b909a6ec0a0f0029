"""Crypto failures, typed so callers can tell a missing key from a shredded one from a tampered row.

Messages name files, key ids, KEK versions and epochs, and what to do; never plaintext or personal data.

How a failed read is classified (`hub.store.unreadable` relies on this order):
- `KeyShredded`: the data key's retention epoch was destroyed on purpose; the record is gone for good.
- `KeyMissing`: the KEK version or epoch secret it needs is absent (or retired) from the key provider;
  restoring the key file, epoch file or HSM token from backup brings the record back.
- any other `KeyUnwrapError`: the KEK it names is present but the wrapped key does not unwrap: it was altered.
- `DecryptionError`: the data key unwrapped but the ciphertext failed authentication: it was altered or moved.
`KeyShredded` and `KeyMissing` are `KeyUnwrapError`s, so code that only asks "could the key be unwrapped?"
keeps working.
"""

from __future__ import annotations

from hub.errors import UserError


class CryptoError(Exception):
    """Base class for every failure raised by `hub.crypto`."""


class KeyFileError(CryptoError, UserError):
    """The key-encryption key file is missing, unreadable, too open or corrupt."""


class KeyUnwrapError(CryptoError):
    """A stored data key could not be unwrapped with the configured key-encryption key."""


class KeyMissing(KeyUnwrapError, UserError):
    """A KEK version or an epoch secret a data key needs is absent from the key provider (restore it)."""


class KeyRetired(KeyMissing):
    """A data key is wrapped by a KEK version below the minimum decryption version (`hub keys retire`)."""


class KekNotInitialised(KeyMissing):
    """The key provider holds no KEK at all and may not make one by itself (production): run `hub keys init`."""


class KeyShredded(KeyUnwrapError, UserError):
    """A data key's retention epoch was destroyed: whatever it protected can never be decrypted again."""


class DecryptionError(CryptoError):
    """A ciphertext failed authentication: it was altered, or moved from another row."""
