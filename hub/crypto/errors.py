"""Crypto failures, typed so callers can tell a missing key file from a tampered row.

Messages name files, key ids and what to do; never plaintext or personal data.
"""

from __future__ import annotations

from hub.errors import UserError


class CryptoError(Exception):
    """Base class for every failure raised by `hub.crypto`."""


class KeyFileError(CryptoError, UserError):
    """The key-encryption key file is missing, unreadable, too open or corrupt."""


class KeyUnwrapError(CryptoError):
    """A stored data key could not be unwrapped with the configured key-encryption key."""


class DecryptionError(CryptoError):
    """A ciphertext failed authentication: it was altered, or moved from another row."""
