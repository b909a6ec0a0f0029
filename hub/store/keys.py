"""Data keys in the `data_keys` table: one per referral, one per child, one per hub-wide purpose.

Per-child and per-referral keys mean one child's records can be crypto-shredded (retention) without
touching the rest of the household's. Each key sits in a retention epoch (`hub.crypto.providers`): new
referral and child keys in the month's intake epoch (`intake-2026-12`) until the retention run moves them to
their disposal epoch, hub-wide
keys (`hub:*`) in `permanent`. Legacy keys from the previous release have no epoch (unmasked).

The one rule this module adds to the key provider's: **no key-encryption key or epoch secret is ever made
while the database holds data keys that would need the missing one.** A deleted key file used to be
silently replaced by a new key, after which every earlier record failed to decrypt with nothing saying why;
now the first write refuses with `KeyMissing`, naming what to restore.

Functions for the retention run (called inside its own audited transaction): `move_to_epoch`,
`key_ids_in_epoch`, `epochs_in_use`, and `destroy_epoch` once the transaction deleting the epoch's rows
has committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.crypto import (
    PERMANENT_EPOCH,
    WELL_KNOWN_EPOCHS,
    KeyMissing,
    Keyring,
    KeyShredded,
    WrappedKey,
    check_epoch_name,
    intake_epoch,
)
from hub.store.tables import DataKey

DIGEST_KEY_ID = "hub:digest"
HUB_KEY_PREFIX = "hub:"
"""Hub-wide keys (`hub:digest`, `hub:person-index`, `hub:staff`): epoch `permanent`, never destroyed."""
_KEK_CHECKED = "kek"
_BATCH = 500


def referral_key_id(referral_id: str) -> str:
    """Encrypts the referral document and its agency replies."""
    return f"referral:{referral_id}"


def child_key_id(referral_id: str, subject_id: str) -> str:
    """Encrypts one child's chronology versions."""
    return f"child:{referral_id}:{subject_id}"


def default_epoch(key_id: str, now: datetime) -> str:
    """The epoch a new key starts in: `permanent` for hub-wide keys, the month's intake epoch for the rest."""
    return PERMANENT_EPOCH if key_id.startswith(HUB_KEY_PREFIX) else intake_epoch(now)


def stored_key(row: DataKey) -> WrappedKey:
    """A `data_keys` row as the keyring takes it."""
    return WrappedKey(row.key_id, row.wrapped_key, row.kek_id, row.kek_version, row.epoch)


def existing_key(session: Session, keyring: Keyring, key_id: str) -> bytes | None:
    """The plaintext data key for `key_id`, or None if none is stored."""
    row = session.get(DataKey, key_id)
    if row is None:
        return None
    return keyring.unwrap(stored_key(row))


def data_key(session: Session, keyring: Keyring, key_id: str, *, now: datetime, epoch: str | None = None) -> bytes:
    """The plaintext data key for `key_id`, creating and storing it on first use in `epoch`.

    `epoch` defaults to `default_epoch(key_id, now)`; an existing key is returned whatever its epoch.
    Callers hold the hub's write lock, so two processes cannot both create the same key.
    """
    known = existing_key(session, keyring, key_id)
    if known is not None:
        return known
    epoch = check_epoch_name(epoch or default_epoch(key_id, now))
    _ready(session, keyring, epoch)
    wrapped, dek = keyring.create(key_id, epoch)
    session.add(
        DataKey(
            key_id=key_id,
            wrapped_key=wrapped.wrapped,
            kek_id=wrapped.kek_id,
            kek_version=wrapped.kek_version,
            epoch=wrapped.epoch,
            created_at=now,
        )
    )
    session.flush()
    return dek


def ensure_kek(session: Session, keyring: Keyring) -> int:
    """The current KEK version, made first only in development and only while the database holds no data key.

    Every path that wraps a key comes here first (new keys, epoch moves, rotation, retirement), so a KEK that
    went missing is reported as missing (`KeyMissing`), never silently replaced.
    """
    provider = keyring.provider
    if _KEK_CHECKED not in keyring.checked:
        if not provider.versions():
            held = session.scalar(select(func.count()).select_from(DataKey)) or 0
            if held:
                raise KeyMissing(
                    f"the key provider ({provider.describe()}) holds no key-encryption key, but the database "
                    f"holds {_data_keys(held)} wrapped by one: restore the key files or HSM token from backup "
                    "(the hub never makes a new key over existing data, since every record would become unreadable)"
                )
        keyring.checked.add(_KEK_CHECKED)
    return provider.current_version()  # Development: makes version 1 if none; production: KekNotInitialised.


def _ready(session: Session, keyring: Keyring, epoch: str) -> None:
    """Before a key is wrapped: the KEK exists, and the epoch's secret exists, or is made only if nothing needs it.

    Checked once per keyring (process) for the KEK and once per epoch; a KEK or epoch secret found missing
    while the database holds keys under it is `KeyMissing`, never a new secret.
    """
    provider = keyring.provider
    ensure_kek(session, keyring)
    if epoch not in keyring.checked:
        state = provider.epoch_state(epoch)
        if state == "destroyed":
            raise KeyShredded(f"epoch {epoch} was destroyed; no data key can be put in it again")
        if state == "unknown":
            held = session.scalar(select(func.count()).select_from(DataKey).where(DataKey.epoch == epoch)) or 0
            if held:
                raise KeyMissing(
                    f"the secret of epoch {epoch} is missing from the key provider ({provider.describe()}), but "
                    f"{_data_keys(held)} {'is' if held == 1 else 'are'} in it: restore the key files or HSM token "
                    "from backup"
                )
            provider.create_epoch(epoch)
        keyring.checked.add(epoch)


def _data_keys(count: int) -> str:
    return f"{count} data key{'' if count == 1 else 's'}"


def move_to_epoch(session: Session, keyring: Keyring, key_ids: Iterable[str], epoch: str) -> int:
    """Put each stored key of `key_ids` in `epoch` (rewrapped under the current KEK); how many moved.

    Keys already in `epoch`, and ids with no stored key, are left alone. The epoch is created if needed.
    Runs in the caller's transaction: if it rolls back, the keys stay where they were (an epoch secret
    made meanwhile is harmless). Moving out of a destroyed epoch raises `KeyShredded`.
    """
    check_epoch_name(epoch)
    ids = sorted(set(key_ids))
    if not ids:
        return 0
    _ready(session, keyring, epoch)
    version = keyring.provider.current_version()
    moved = 0
    for start in range(0, len(ids), _BATCH):
        rows = session.scalars(select(DataKey).where(DataKey.key_id.in_(ids[start : start + _BATCH]))).all()
        for row in rows:
            if row.epoch == epoch:
                continue
            new = keyring.move(stored_key(row), epoch, version)
            row.wrapped_key, row.kek_id, row.kek_version, row.epoch = (
                new.wrapped,
                new.kek_id,
                new.kek_version,
                new.epoch,
            )
            moved += 1
    session.flush()
    return moved


def key_ids_in_epoch(session: Session, epoch: str) -> list[str]:
    """The ids of the data keys in `epoch`, sorted."""
    check_epoch_name(epoch)
    return list(session.scalars(select(DataKey.key_id).where(DataKey.epoch == epoch).order_by(DataKey.key_id)))


def epochs_in_use(session: Session) -> dict[str, int]:
    """How many data keys each epoch holds (legacy keys, with no epoch, are not counted here)."""
    rows = session.execute(
        select(DataKey.epoch, func.count()).where(DataKey.epoch.is_not(None)).group_by(DataKey.epoch)
    )
    return {epoch: count for epoch, count in rows if epoch is not None}


def legacy_key_count(session: Session) -> int:
    """Data keys from before retention epochs (no mask): the retention run moves them into epochs."""
    return session.scalar(select(func.count()).select_from(DataKey).where(DataKey.epoch.is_(None))) or 0


def keys_per_version(session: Session) -> dict[int, int]:
    """How many data keys each KEK version wraps."""
    rows = session.execute(select(DataKey.kek_version, func.count()).group_by(DataKey.kek_version))
    return {version: count for version, count in rows}


def destroy_epoch(keyring: Keyring, epoch: str) -> None:
    """Destroy an epoch's secret, for good; call only after the transaction deleting its rows committed.

    Any data key still in the epoch (in this database or an old copy of it) can never be unwrapped again.
    The well-known epochs hold keys that are still wanted, so destroying them is refused.
    """
    if check_epoch_name(epoch) in WELL_KNOWN_EPOCHS:
        raise ValueError(f"epoch {epoch} holds every new or hub-wide key and is never destroyed")
    keyring.provider.destroy_epoch(epoch)
    keyring.forget(epoch)
    keyring.checked.discard(epoch)
