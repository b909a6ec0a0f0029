"""`KeyRecords`: the store's side of key management: first key, rotation batches, retirement, counts.

Each write is one audited transaction holding the hub's write lock, so a rotation batch either rewraps all
its keys and records its `keys.rotate` event, or changes nothing (a `kill -9` rolls it back). Events carry
KEK versions and counts only (`kek:v<N>` as the object), never a record's content.

The counts (`key_counts`) are metadata about keys, not personal data, so reading them is not audited.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.audit import AuditAction
from hub.crypto import PERMANENT_EPOCH, KeyProvider, KeyUnwrapError
from hub.errors import UserError
from hub.store.audited import AuditedStore
from hub.store.keys import ensure_kek, epochs_in_use, keys_per_version, legacy_key_count, stored_key
from hub.store.tables import AuditEventRow, DataKey

KEYS_ACTOR = "service:keys"


def kek_object(version: int) -> str:
    """The audit event object naming one KEK version."""
    return f"kek:v{version}"


@dataclass(frozen=True)
class KeyCounts:
    """How many data keys each KEK version wraps and each epoch holds (legacy: no epoch)."""

    total: int
    per_version: dict[int, int]
    per_epoch: dict[str, int]
    legacy: int


@dataclass(frozen=True)
class RotationStart:
    """The version a rotation rewraps to, whether this run made it, and how many keys are still below it."""

    version: int
    created: bool
    remaining: int


class KeysAlreadyInitialised(UserError):
    """`hub keys init` on a provider that already holds a KEK."""


class RotationStopped(UserError):
    """A data key does not unwrap, so rotation cannot carry it to the new KEK version."""


class RetireRefused(UserError):
    """`hub keys retire` while data keys are still wrapped by a version it would retire."""


class KeyRecords(AuditedStore):
    """Key management on the store's audited transaction (see `hub.keys` for the commands)."""

    @property
    def key_provider(self) -> KeyProvider:
        """The store's key provider (for `hub keys status`: versions, epochs, where the keys are)."""
        return self._keyring.provider

    def key_counts(self) -> KeyCounts:
        with self._sessions() as session:
            per_version = keys_per_version(session)
            return KeyCounts(sum(per_version.values()), per_version, epochs_in_use(session), legacy_key_count(session))

    def keys_below(self, version: int) -> int:
        """How many data keys are wrapped by a KEK version below `version` (a rotation's remaining work)."""
        with self._sessions() as session:
            return _below(session, version)

    def initialise_keys(self, *, actor: str = KEYS_ACTOR) -> int:
        """Make KEK version 1 and the well-known epochs on a new hub (`hub keys init`); returns 1.

        Refused if the provider already holds a KEK, and (by `hub.store.keys`) if the database holds data
        keys while the provider holds none: their KEK must be restored, never replaced.
        """
        provider = self._keyring.provider
        with self._audited(actor, "keys initialised: KEK version 1 made") as (session, access, now):
            if versions := provider.versions():
                raise KeysAlreadyInitialised(
                    f"the key provider ({provider.describe()}) already holds KEK versions "
                    f"{', '.join(map(str, versions))}; nothing to do (`hub keys status` shows them)"
                )
            held = session.scalar(select(func.count()).select_from(DataKey)) or 0
            if held:
                raise UserError(
                    f"the database holds {held} data keys but the key provider ({provider.describe()}) holds no "
                    "KEK: restore the key files or HSM token from backup; `hub keys init` is for a new hub only"
                )
            version = provider.create_version()
            if provider.epoch_state(PERMANENT_EPOCH) == "unknown":
                provider.create_epoch(PERMANENT_EPOCH)
            self._audit(session, access, now, AuditAction.KEYS_ROTATE, kek_object(version), None)
        return version

    def begin_rotation(self, *, actor: str = KEYS_ACTOR) -> RotationStart:
        """The rotation to work on: an unfinished one (keys below the current version), else a new KEK version.

        A new version's `keys.rotate` event is written here; if the process died between making the version
        and committing its event, the event is written when the rotation is resumed.
        """
        provider = self._keyring.provider
        with self._audited(actor, "key rotation") as (session, access, now):
            current = ensure_kek(session, self._keyring)
            remaining = _below(session, current)
            created = False
            if not remaining and _recorded(session, current):
                current, created = provider.create_version(), True
                remaining = _below(session, current)
            if not _recorded(session, current):
                made = replace(access, purpose=f"key rotation: KEK version {current} made")
                self._audit(session, made, now, AuditAction.KEYS_ROTATE, kek_object(current), None)
        return RotationStart(current, created, remaining)

    def rewrap_batch(self, version: int, *, batch_size: int = 500, actor: str = KEYS_ACTOR) -> int:
        """Rewrap up to `batch_size` data keys below KEK `version` under it, in one audited transaction.

        Returns how many (0: the rotation is complete). The keys' epoch masks are untouched, so no
        epoch secret and no plaintext data key is needed.
        """
        with self._audited(actor, "key rotation") as (session, access, now):
            rows = session.scalars(
                select(DataKey).where(DataKey.kek_version < version).order_by(DataKey.key_id).limit(batch_size)
            ).all()
            for row in rows:
                try:
                    new = self._keyring.rewrap(stored_key(row), version)
                except KeyUnwrapError as error:
                    raise RotationStopped(
                        f"rotation stopped at data key {row.key_id}: {error} (nothing in this batch was changed; "
                        "`hub audit verify` tells which records it protects)"
                    ) from error
                row.wrapped_key, row.kek_id, row.kek_version = new.wrapped, new.kek_id, new.kek_version
            if rows:
                purpose = f"key rotation: {len(rows)} data keys rewrapped under KEK version {version}"
                self._audit(
                    session, replace(access, purpose=purpose), now, AuditAction.KEYS_ROTATE, kek_object(version), None
                )
        return len(rows)

    def retire_versions(self, minimum: int | None = None, *, actor: str = KEYS_ACTOR) -> tuple[int, int]:
        """Set the minimum decryption version (default: the current version); returns (old, new) minimum.

        Raising it is refused while any data key is still wrapped by a version below it. Lowering it (to read
        an old backup) is allowed: the versions must still be present in the provider.
        """
        provider = self._keyring.provider
        with self._audited(actor, "key retirement") as (session, access, now):
            current = ensure_kek(session, self._keyring)
            target = current if minimum is None else minimum
            if not 1 <= target <= current:
                raise UserError(f"--min-version must be between 1 and the current KEK version {current}")
            old = provider.min_decryption_version()
            below = _below(session, target)
            if target > old and below:
                raise RetireRefused(
                    f"{below} data keys are still wrapped by KEK versions below {target}: "
                    "run `hub keys rotate` until it completes, then retire"
                )
            if target == old:
                return old, target
            provider.set_min_decryption_version(target)
            event = replace(access, purpose=f"key retirement: minimum decryption version {old} to {target}")
            self._audit(session, event, now, AuditAction.KEYS_RETIRE, kek_object(target), None)
        return old, target


def _below(session: Session, version: int) -> int:
    return session.scalar(select(func.count()).select_from(DataKey).where(DataKey.kek_version < version)) or 0


def _recorded(session: Session, version: int) -> bool:
    """Whether an event records KEK `version` being made (version 1 of a hub older than `hub keys init` has none)."""
    if version == 1:
        return True
    found = session.scalar(
        select(func.count())
        .select_from(AuditEventRow)
        .where(AuditEventRow.action == AuditAction.KEYS_ROTATE.value, AuditEventRow.object_id == kek_object(version))
    )
    return bool(found)
