"""Record digests: what a write event commits to, so a stored row is bound to the audit log.

A digest covers a domain tag (which kind of row), the row's identity and what was written (its
ciphertext, and the plain columns shown beside it). A row deleted, rolled back to an earlier
version or swapped with another row's then no longer matches the newest write event of its object.
Plain SHA-256 is enough: the ciphertext is already unintelligible without the data key.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

RECORD_TAG = b"mash-hub/record/1"


def record_digest(kind: str, fields: Sequence[str | int | None], ciphertext: bytes) -> str:
    """SHA-256 (hex) over the tag, `kind`, each field length-prefixed (None unlike any text), then the ciphertext."""
    parts = [RECORD_TAG]
    for field in (kind, *fields):
        encoded = b"\xff" if field is None else str(field).encode()
        parts.append(len(encoded).to_bytes(4, "big") + encoded)
    parts.append(ciphertext)
    return sha256(b"".join(parts)).hexdigest()
