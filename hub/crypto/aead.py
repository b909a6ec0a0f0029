"""AES-256-GCM sealing with associated data that binds each ciphertext to its row.

A sealed blob is `nonce (12 bytes) || ciphertext || tag (16 bytes)`. The associated data names the
row (e.g. `b"chronology|REF-1|S1|3"`), so a ciphertext copied into another row fails to open.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hub.crypto.errors import DecryptionError

KEY_BYTES = 32
NONCE_BYTES = 12
_SEPARATOR = "|"


def new_data_key() -> bytes:
    """A fresh random 256-bit data key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def row_aad(kind: str, *ids: str | int) -> bytes:
    """Associated data for one row: its kind then its key columns, joined with `|`.

    Parts may not contain the separator, so two different rows can never share associated data.
    """
    parts = [kind, *(str(part) for part in ids)]
    if any(not part or _SEPARATOR in part for part in parts):
        raise ValueError("associated data parts must be non-empty and must not contain '|'")
    return _SEPARATOR.join(parts).encode("utf-8")


def encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Seal `plaintext` under `key`, bound to `aad`, with a fresh random 96-bit nonce."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Open a blob from `encrypt`; raise `DecryptionError` if it was altered or belongs elsewhere."""
    if len(sealed) < NONCE_BYTES + 16:
        raise DecryptionError("ciphertext is truncated")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except InvalidTag:
        raise DecryptionError(
            "ciphertext failed authentication: it was altered, belongs to another row, or the key is wrong"
        ) from None
