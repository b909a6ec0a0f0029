"""The retention schedule's reads and writes: facts in, schedules and key moves, destruction, legal holds.

A mixin of `HubStore` (see `hub.store.audited` for why). It knows nothing of the council's rules
(`hub.retention` decides, this stores): it gives the facts a schedule is computed from (plain columns, not
audited, like the referral list), stores the schedules, moves each referral's data keys into the epoch the
run chose, destroys one referral per transaction (its rows in every table of `hub.store.retention_purge`,
its data keys, a destruction record and a `retention.destroy` event bound to that record, together or not
at all), and destroys an epoch's secret once it holds no keys. Legal holds are placed and released with
their notes sealed under the referral's key, so the words go when the referral does.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, Result, delete, func, select, union, update
from sqlalchemy.orm import Session

from hub.audit import AuditAction
from hub.crypto import INTAKE_EPOCH_PREFIX, encrypt, row_aad
from hub.errors import UserError
from hub.store.audited import AuditedStore
from hub.store.bound_rows import destruction_digest, destruction_object_id
from hub.store.decision_tables import MashDecisionRow, MashDecisionSignOffRow
from hub.store.engine import upsert
from hub.store.errors import StoreError, UnknownReferral, UnreadableRecord
from hub.store.keys import HUB_KEY_PREFIX, destroy_epoch, epochs_in_use, move_to_epoch, referral_key_id
from hub.store.retention_purge import purged_tables
from hub.store.retention_tables import (
    DestructionRecordRow,
    LegalHoldRow,
    RetentionEpochRow,
    RetentionScheduleRow,
)
from hub.store.tables import DataKey, ReferralChecksRow, ReferralRow
from hub.store.unreadable import SealedRecord
from schemas import ChecksStage

CHECKS_RUNNING = frozenset({ChecksStage.NOT_STARTED.value, ChecksStage.TRIGGERED.value, ChecksStage.IN_PROGRESS.value})
"""Stages in which a referral's checks may still write to it: it is never destroyed then."""
RETURNED = "returned"


class HoldRefused(StoreError, UserError):
    """The hold cannot be placed or released as asked; nothing was changed."""


@dataclass(frozen=True)
class StoredSchedule:
    rule: str
    disposal_date: date
    epoch: str | None
    fingerprint: str


@dataclass(frozen=True)
class RetentionFacts:
    """A referral's plain facts (no content): what its schedule is computed from, and the schedule stored."""

    referral_id: str
    received_at: datetime
    stage: str | None
    """Its checks' `ChecksStage` value; None for a referral stored without checks (prior involvement)."""
    outcome: str | None
    """The standing decision's outcome: the newest decision unless a manager returned it; None if none stands."""
    decided_at: datetime | None
    schedule: StoredSchedule | None

    @property
    def imported(self) -> bool:
        return self.stage == ChecksStage.IMPORTED.value

    @property
    def checks_running(self) -> bool:
        return self.stage in CHECKS_RUNNING


@dataclass(frozen=True)
class NewSchedule:
    referral_id: str
    rule: str
    disposal_date: date
    fingerprint: str


@dataclass(frozen=True)
class LegalHold:
    """A hold as IG sees it; `note` and `release_note` are None unless read (`legal_holds(notes=True)`)."""

    hold_id: int
    referral_id: str
    reason: str
    placed_by: str
    placed_at: datetime
    released_by: str | None
    released_at: datetime | None
    note: str | None
    release_note: str | None
    referral_destroyed: bool
    unreadable: str | None = None
    """Why a note could not be read (`tampered`, `key shredded`, `key missing`), if one could not."""

    @property
    def active(self) -> bool:
        return self.released_at is None


class Skipped(StrEnum):
    """Why a referral the run meant to destroy was left, found again inside the destruction's own transaction."""

    GONE = "already destroyed"
    NOT_DUE = "not due"
    HELD = "held"
    CHECKS_RUNNING = "checks running"


@dataclass(frozen=True)
class DestructionRecord:
    record_id: int
    referral_id: str
    destroyed_at: datetime
    destroyed_by: str
    as_of: date
    rule: str
    disposal_date: date
    rows_deleted: dict[str, int]
    keys_deleted: int
    epochs: tuple[str, ...]


def _record(row: DestructionRecordRow) -> DestructionRecord:
    return DestructionRecord(
        record_id=row.record_id,
        referral_id=row.referral_id,
        destroyed_at=row.destroyed_at,
        destroyed_by=row.destroyed_by,
        as_of=row.as_of,
        rule=row.rule,
        disposal_date=row.disposal_date,
        rows_deleted=json.loads(row.rows_deleted),
        keys_deleted=row.keys_deleted,
        epochs=tuple(row.epochs.split()),
    )


def _count(result: Result[Any]) -> int:
    """Rows a DELETE or UPDATE touched (its result is a cursor result, which the ORM's typing does not say)."""
    return int(cast("CursorResult[Any]", result).rowcount)


def _hold_aad(hold_id: int) -> bytes:
    return row_aad("legal-hold", hold_id)


def _release_aad(hold_id: int) -> bytes:
    return row_aad("legal-hold-release", hold_id)


def _referral_keys(session: Session, referral_ids: Sequence[str] | None) -> dict[str, set[str]]:
    """Each referral's data key ids, from every purged table that names a key (so every key any of its rows
    was sealed under, child keys included), never a hub-wide key. One query: it runs once per destruction."""
    parts = []
    for table in purged_tables():
        if "key_id" in table.c and "referral_id" in table.c:
            part = select(table.c.referral_id.label("referral_id"), table.c.key_id.label("key_id"))
            part = part.where(table.c.key_id.is_not(None))
            if referral_ids is not None:
                part = part.where(table.c.referral_id.in_(referral_ids))
            parts.append(part)
    found: dict[str, set[str]] = defaultdict(set)
    for referral_id, key_id in session.execute(union(*parts)):
        if not key_id.startswith(HUB_KEY_PREFIX):
            found[referral_id].add(key_id)
    return found


def _epochs_of(session: Session, key_ids: Iterable[str]) -> dict[str, str | None]:
    """The epoch of each stored key (None: a legacy key from before epochs); ids with no stored key left out."""
    ids = sorted(set(key_ids))
    epochs: dict[str, str | None] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(DataKey.key_id, DataKey.epoch).where(DataKey.key_id.in_(ids[start : start + 500]))
        )
        epochs.update({key_id: epoch for key_id, epoch in rows})
    return epochs


def _active_holds(session: Session, referral_id: str) -> list[int]:
    query = select(LegalHoldRow.hold_id).where(
        LegalHoldRow.referral_id == referral_id, LegalHoldRow.released_at.is_(None)
    )
    return sorted(session.scalars(query))


class RetentionRecords(AuditedStore):
    """Schedules, key epochs, destruction and legal holds, for `hub.retention`."""

    # Facts and schedules

    def retention_facts(self) -> list[RetentionFacts]:
        """Every stored referral's plain facts and stored schedule, by id; ids, codes and times only, not audited."""
        with self._sessions() as session:
            decisions: dict[str, MashDecisionRow] = {}
            for row in session.scalars(select(MashDecisionRow).order_by(MashDecisionRow.number)):
                decisions[row.referral_id] = row  # The newest wins.
            returned = {
                (referral_id, number)
                for referral_id, number in session.execute(
                    select(MashDecisionSignOffRow.referral_id, MashDecisionSignOffRow.number).where(
                        MashDecisionSignOffRow.verdict == RETURNED
                    )
                )
            }
            schedules = {row.referral_id: row for row in session.scalars(select(RetentionScheduleRow))}
            stages = dict(
                session.execute(select(ReferralChecksRow.referral_id, ReferralChecksRow.state)).tuples().all()
            )
            facts = []
            query = select(ReferralRow.referral_id, ReferralRow.received_at).order_by(ReferralRow.referral_id)
            for referral_id, received_at in session.execute(query):
                decision = decisions.get(referral_id)
                if decision is not None and (referral_id, decision.number) in returned:
                    decision = None
                stored = schedules.get(referral_id)
                facts.append(
                    RetentionFacts(
                        referral_id=referral_id,
                        received_at=received_at,
                        stage=stages.get(referral_id),
                        outcome=None if decision is None else decision.outcome,
                        decided_at=None if decision is None else decision.recorded_at,
                        schedule=None
                        if stored is None
                        else StoredSchedule(stored.rule, stored.disposal_date, stored.epoch, stored.fingerprint),
                    )
                )
            return facts

    def save_retention_schedules(self, schedules: Sequence[NewSchedule], *, actor: str, purpose: str) -> None:
        """Store computed schedules (a referral destroyed meanwhile is skipped); its epoch stays until keys move."""
        if not schedules:
            return
        with self._audited(actor, purpose) as (session, _access, now):
            present = set(
                session.scalars(
                    select(ReferralRow.referral_id).where(
                        ReferralRow.referral_id.in_([s.referral_id for s in schedules])
                    )
                )
            )
            for each in schedules:
                if each.referral_id not in present:
                    continue
                values = {
                    "referral_id": each.referral_id,
                    "rule": each.rule,
                    "disposal_date": each.disposal_date,
                    "fingerprint": each.fingerprint,
                    "computed_at": now,
                }
                upsert(session, RetentionScheduleRow.__table__, values, ["referral_id"])  # type: ignore[arg-type]

    # Key epochs

    def referral_key_epochs(self) -> dict[str, dict[str, str | None]]:
        """Each referral's data keys and the epoch each is in now (ids only, not audited)."""
        with self._sessions() as session:
            keys = _referral_keys(session, None)
            epochs = _epochs_of(session, (key for ids in keys.values() for key in ids))
            return {
                referral_id: {key: epochs[key] for key in sorted(ids) if key in epochs}
                for referral_id, ids in keys.items()
            }

    def move_referral_keys(self, targets: Mapping[str, str], *, actor: str, purpose: str) -> int:
        """Put every data key of each referral (id -> epoch) in its epoch, in one transaction; how many keys moved.

        Each target epoch is remembered (`retention_epochs`) in the same transaction, so an epoch that later
        empties is never forgotten. A referral destroyed meanwhile has no keys left and moves nothing.
        """
        if not targets:
            return 0
        with self._audited(actor, purpose) as (session, _access, now):
            keys = _referral_keys(session, sorted(targets))
            by_epoch: dict[str, list[str]] = defaultdict(list)
            for referral_id, epoch in targets.items():
                by_epoch[epoch] += keys.get(referral_id, ())
            moved = 0
            for epoch, key_ids in sorted(by_epoch.items()):
                if session.get(RetentionEpochRow, epoch) is None:
                    session.add(RetentionEpochRow(epoch=epoch, first_used_at=now, destroyed_at=None))
                moved += move_to_epoch(session, self._keyring, key_ids, epoch)
            for referral_id, epoch in targets.items():
                session.execute(
                    update(RetentionScheduleRow)
                    .where(RetentionScheduleRow.referral_id == referral_id)
                    .values(epoch=epoch)
                )
            return moved

    def retention_epochs(self) -> dict[str, datetime | None]:
        """Every epoch the schedule has used, with when its secret was destroyed (None: still live)."""
        with self._sessions() as session:
            return dict(session.execute(select(RetentionEpochRow.epoch, RetentionEpochRow.destroyed_at)).tuples().all())

    def epoch_key_counts(self) -> dict[str, int]:
        """How many data keys each epoch holds now (`hub.store.keys.epochs_in_use`)."""
        with self._sessions() as session:
            return epochs_in_use(session)

    def live_intake_epochs(self) -> list[str]:
        """The intake epochs (`intake-YYYY-MM`) whose secrets the key provider still holds."""
        epochs = self._keyring.provider.epochs()
        return sorted(
            epoch for epoch, state in epochs.items() if state == "live" and epoch.startswith(INTAKE_EPOCH_PREFIX)
        )

    def destroy_retention_epoch(self, epoch: str, *, actor: str, purpose: str) -> bool:
        """Destroy the secret of an epoch the schedule used, if it holds no key; True if it was destroyed now.

        Under the write lock, so no key can be moved into it between the check and the destruction. Every
        deletion of its keys committed before (each destruction's own transaction), as `destroy_epoch` asks.
        Recorded as a `retention.run` event naming the epoch, in the transaction that marks it destroyed.
        """
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(RetentionEpochRow, epoch)
            if row is None and epoch.startswith(INTAKE_EPOCH_PREFIX):  # Made at intake, not by a schedule.
                row = RetentionEpochRow(epoch=epoch, first_used_at=now, destroyed_at=None)
                session.add(row)
            if row is None or row.destroyed_at is not None:
                return False
            held = session.scalar(select(func.count()).select_from(DataKey).where(DataKey.epoch == epoch)) or 0
            if held:
                return False
            destroy_epoch(self._keyring, epoch)  # Idempotent: a crash before the commit is finished next time.
            row.destroyed_at = now
            self._audit(session, access, now, AuditAction.RETENTION_RUN, f"epoch/{epoch}/destroyed", None)
            return True

    # Destruction

    def destroy_referral(
        self, referral_id: str, *, as_of: date, actor: str, purpose: str
    ) -> DestructionRecord | Skipped:
        """Destroy one referral due before `as_of`, checked again under the write lock, or say why not.

        One transaction: every row in every purged table, its data keys, erased hold notes, the destruction
        record and its `retention.destroy` event (bound to the record by digest) commit together, so a crash
        leaves the referral whole or wholly gone, and a re-run finishes the job.
        """
        with self._audited(actor, purpose) as (session, access, now):
            if session.get(ReferralRow, referral_id) is None:
                return Skipped.GONE
            schedule = session.get(RetentionScheduleRow, referral_id)
            if schedule is None or not schedule.disposal_date < as_of:
                return Skipped.NOT_DUE
            if _active_holds(session, referral_id):
                return Skipped.HELD
            checks = session.get(ReferralChecksRow, referral_id)
            if checks is not None and checks.state in CHECKS_RUNNING:
                return Skipped.CHECKS_RUNNING
            rule, disposal = schedule.rule, schedule.disposal_date
            key_ids = _referral_keys(session, [referral_id]).get(referral_id, set()) | {referral_key_id(referral_id)}
            key_epochs = _epochs_of(session, key_ids)
            counts: dict[str, int] = {}
            for table in purged_tables():
                deleted = _count(session.execute(delete(table).where(table.c.referral_id == referral_id)))
                if deleted:
                    counts[table.name] = deleted
            session.execute(
                update(LegalHoldRow)
                .where(LegalHoldRow.referral_id == referral_id)
                .values(note_ciphertext=None, release_ciphertext=None)
            )
            keys_deleted = _count(session.execute(delete(DataKey).where(DataKey.key_id.in_(sorted(key_epochs)))))
            epochs = " ".join(sorted({epoch or "legacy" for epoch in key_epochs.values()}))
            row = DestructionRecordRow(
                referral_id=referral_id,
                destroyed_at=now,
                destroyed_by=actor,
                as_of=as_of,
                rule=rule,
                disposal_date=disposal,
                rows_deleted=json.dumps(counts, sort_keys=True),
                keys_deleted=keys_deleted,
                epochs=epochs,
            )
            session.add(row)
            session.flush()
            digest = destruction_digest(
                row.record_id, referral_id, rule, disposal, row.rows_deleted, keys_deleted, epochs
            )
            object_id = destruction_object_id(referral_id, row.record_id)
            self._audit(session, access, now, AuditAction.RETENTION_DESTROY, object_id, referral_id, digest)
            return _record(row)

    def destruction_records(self, referral_ids: Iterable[str] | None = None) -> list[DestructionRecord]:
        """Destruction records, oldest first (ids, rules, dates and counts only: not audited)."""
        with self._sessions() as session:
            query = select(DestructionRecordRow).order_by(DestructionRecordRow.record_id)
            if referral_ids is not None:
                query = query.where(DestructionRecordRow.referral_id.in_(list(referral_ids)))
            return [_record(row) for row in session.scalars(query)]

    def record_retention_run(self, summary: str, *, actor: str, purpose: str) -> None:
        """A `retention.run` event whose object id is the run's summary: the day and counts, never a referral."""
        with self._audited(actor, purpose) as (session, access, now):
            self._audit(session, access, now, AuditAction.RETENTION_RUN, summary[:200], None)

    # Legal holds

    def place_legal_hold(self, referral_id: str, *, reason: str, note: str, actor: str, purpose: str) -> int:
        """Hold a stored referral (its note sealed under its key); the hold's number. Audited `legal_hold.place`."""
        with self._audited(actor, purpose) as (session, access, now):
            referral = session.get(ReferralRow, referral_id)
            if referral is None:
                destroyed = session.scalar(
                    select(DestructionRecordRow.record_id).where(DestructionRecordRow.referral_id == referral_id)
                )
                if destroyed is not None:
                    raise HoldRefused(
                        f"Referral {referral_id} was destroyed under the retention schedule (destruction record "
                        f"{destroyed}); there is nothing left to hold."
                    )
                raise UnknownReferral(referral_id)
            row = LegalHoldRow(referral_id=referral_id, reason=reason, placed_by=actor, placed_at=now)
            session.add(row)
            session.flush()
            key = self._stored_key(session, referral.key_id)
            row.note_ciphertext = encrypt(key, note.encode("utf-8"), _hold_aad(row.hold_id))
            self._audit(session, access, now, AuditAction.LEGAL_HOLD_PLACE, f"legal-hold/{row.hold_id}", referral_id)
            return row.hold_id

    def release_legal_hold(self, hold_id: int, *, note: str, actor: str, purpose: str) -> str:
        """Release an active hold, saying why (sealed); the referral's id. Audited `legal_hold.release`."""
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(LegalHoldRow, hold_id)
            if row is None:
                raise HoldRefused(f"There is no legal hold {hold_id}; `hub retention holds --all` lists them.")
            if row.released_at is not None:
                raise HoldRefused(f"Legal hold {hold_id} was already released ({row.released_at:%Y-%m-%d}).")
            referral = session.get(ReferralRow, row.referral_id)
            if referral is None:  # A hold stops destruction, so an active one's referral is never gone.
                raise HoldRefused(f"Legal hold {hold_id}'s referral {row.referral_id} is not stored.")
            key = self._stored_key(session, referral.key_id)
            row.released_by, row.released_at = actor, now
            row.release_ciphertext = encrypt(key, note.encode("utf-8"), _release_aad(hold_id))
            self._audit(session, access, now, AuditAction.LEGAL_HOLD_RELEASE, f"legal-hold/{hold_id}", row.referral_id)
            return row.referral_id

    def active_legal_holds(self) -> dict[str, list[int]]:
        """Each held referral's active holds, oldest first (ids only, not audited)."""
        with self._sessions() as session:
            held: dict[str, list[int]] = defaultdict(list)
            query = select(LegalHoldRow.referral_id, LegalHoldRow.hold_id).where(LegalHoldRow.released_at.is_(None))
            for referral_id, number in session.execute(query.order_by(LegalHoldRow.hold_id)):
                held[referral_id].append(number)
            return dict(held)

    def released_legal_holds(self) -> list[int]:
        """The numbers of released holds (their epochs can go once empty)."""
        with self._sessions() as session:
            return list(session.scalars(select(LegalHoldRow.hold_id).where(LegalHoldRow.released_at.is_not(None))))

    def legal_holds(self, *, include_released: bool, actor: str, purpose: str) -> list[LegalHold]:
        """The holds with their notes, oldest first; reading each note is audited as a read of its referral
        (`referral.read` of `legal-hold/N`), as a break-glass note is."""
        with self._audited(actor, purpose) as (session, access, now):
            query = select(LegalHoldRow).order_by(LegalHoldRow.hold_id)
            if not include_released:
                query = query.where(LegalHoldRow.released_at.is_(None))
            holds = []
            for row in session.scalars(query):
                referral = session.get(ReferralRow, row.referral_id)
                notes: dict[str, str | None] = {"note": None, "release_note": None}
                unreadable = None
                sealed = (
                    ("note", row.note_ciphertext, SealedRecord.legal_hold_note),
                    ("release_note", row.release_ciphertext, SealedRecord.legal_hold_release),
                )
                for name, ciphertext, record in sealed:
                    if referral is None or ciphertext is None:
                        continue
                    try:
                        opened = self._open(session, record(row.hold_id, row.referral_id), referral.key_id, ciphertext)
                    except UnreadableRecord as failure:  # Listed as unreadable (and audited), the rest still shown.
                        self._unreadable(session, access, now, failure)
                        unreadable = failure.cause.words
                        continue
                    notes[name] = opened.decode("utf-8")
                if notes["note"] is not None or notes["release_note"] is not None:
                    object_id = f"legal-hold/{row.hold_id}"
                    self._audit(session, access, now, AuditAction.REFERRAL_READ, object_id, row.referral_id)
                holds.append(
                    LegalHold(
                        hold_id=row.hold_id,
                        referral_id=row.referral_id,
                        reason=row.reason,
                        placed_by=row.placed_by,
                        placed_at=row.placed_at,
                        released_by=row.released_by,
                        released_at=row.released_at,
                        note=notes["note"],
                        release_note=notes["release_note"],
                        referral_destroyed=referral is None,
                        unreadable=unreadable,
                    )
                )
            return holds
