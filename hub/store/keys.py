"""Data keys in the `data_keys` table: one per referral, one per child, one for keyed digests.

Per-child keys mean one child's records can be crypto-shredded (retention) without touching
the rest of the household's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hub.crypto import Keyring, WrappedKey
from hub.store.tables import DataKey

DIGEST_KEY_ID = "hub:digest"


def referral_key_id(referral_id: str) -> str:
    """Encrypts the referral document and its agency replies."""
    return f"referral:{referral_id}"


def child_key_id(referral_id: str, subject_id: str) -> str:
    """Encrypts one child's chronology versions."""
    return f"child:{referral_id}:{subject_id}"


def existing_key(session: Session, keyring: Keyring, key_id: str) -> bytes | None:
    """The plaintext data key for `key_id`, or None if none is stored."""
    row = session.get(DataKey, key_id)
    if row is None:
        return None
    return keyring.unwrap(WrappedKey(row.key_id, row.wrapped_key, row.kek_id))


def data_key(session: Session, keyring: Keyring, key_id: str, *, now: datetime) -> bytes:
    """The plaintext data key for `key_id`, creating and storing it on first use.

    Callers hold the hub's write lock, so two processes cannot both create the same key.
    """
    known = existing_key(session, keyring, key_id)
    if known is not None:
        return known
    wrapped, dek = keyring.create(key_id)
    session.add(DataKey(key_id=key_id, wrapped_key=wrapped.wrapped, kek_id=wrapped.kek_id, created_at=now))
    session.flush()
    return dek
