"""The MASH decision's reads and writes: a practitioner's decision in, a manager's sign-off, the history out.

A mixin of `HubStore` (see `hub.store.audited` for why). Recording, signing off and reading the words are
audited (`decision.record`, `decision.sign_off`, `decision.read`), each write with the digest of the row it
wrote, and every read checks each row against the trail's newest write of it (`RecordTampered` otherwise),
as referrals and chronologies are. The store enforces the order of things inside the write lock, so two
people at once cannot both decide: a decision is recorded only when the referral has none, or its newest
was returned; a sign-off only of the newest decision, once, and never by the person who recorded it.
What may be asked and by whom (`decision.record`, `decision.sign_off`) is the access guard's; what a good
decision holds (a known outcome, a level, a rationale long enough) is `hub.decisions`'.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.audit import AuditAction
from hub.crypto import encrypt, row_aad
from hub.errors import UserError
from hub.store.audited import AuditedStore
from hub.store.bound_rows import check_written, decision_digest, decision_object_id, sign_off_digest, written
from hub.store.decision_tables import MashDecisionRow, MashDecisionSignOffRow
from hub.store.errors import StoreError, UnknownReferral
from hub.store.tables import ReferralRow
from hub.store.unreadable import SealedRecord

IMPORTED_BY = "imported"
"""Who signed off a decision imported from the council's earlier system (`import_decision`)."""
IMPORTED_RATIONALE = "Imported from the council's earlier system: the rationale is held there."


class Verdict(StrEnum):
    AGREED = "agreed"
    RETURNED = "returned"


class DecisionStatus(StrEnum):
    AWAITING_SIGN_OFF = "awaiting sign-off"
    AGREED = "agreed"
    RETURNED = "returned"


class DecisionRefused(StoreError, UserError):
    """The decision or sign-off does not fit where the referral's decision stands; nothing was stored."""


@dataclass(frozen=True)
class SignOff:
    verdict: Verdict
    signed_by: str
    signed_at: datetime
    note: str | None
    """The manager's note; None when none was given, or when the words were not read (a listing)."""


@dataclass(frozen=True)
class StoredDecision:
    """One recorded decision and its sign-off if it has one. Listings carry no words (`rationale` None)."""

    referral_id: str
    number: int
    outcome: str
    level: int
    recorded_by: str
    recorded_at: datetime
    rationale: str | None
    sign_off: SignOff | None

    @property
    def status(self) -> DecisionStatus:
        if self.sign_off is None:
            return DecisionStatus.AWAITING_SIGN_OFF
        return DecisionStatus.AGREED if self.sign_off.verdict is Verdict.AGREED else DecisionStatus.RETURNED


def _decision_digest(row: MashDecisionRow) -> str:
    return decision_digest(
        row.referral_id, row.number, row.outcome, row.level, row.recorded_by, row.rationale_ciphertext
    )


def _sign_off_digest(row: MashDecisionSignOffRow) -> str:
    return sign_off_digest(row.referral_id, row.number, row.verdict, row.signed_by, row.note_ciphertext)


def _same_moment(stored: datetime, given: datetime) -> bool:
    """Whether two times are the same instant; SQLite gives back a stored time without its zone (UTC)."""
    if stored.tzinfo is None:
        stored = stored.replace(tzinfo=UTC)
    return stored == given


def _decision_aad(referral_id: str, number: int) -> bytes:
    return row_aad("mash-decision", referral_id, number)


def _note_aad(referral_id: str, number: int) -> bytes:
    return row_aad("mash-decision-note", referral_id, number)


def _referral_and_newest(session: Session, referral_id: str) -> tuple[ReferralRow, MashDecisionRow | None]:
    """The stored referral (`UnknownReferral` if none) and its newest decision, before a decision is written."""
    referral = session.get(ReferralRow, referral_id)
    if referral is None:
        raise UnknownReferral(referral_id)
    return referral, _newest(session, referral_id)


def _newest(session: Session, referral_id: str) -> MashDecisionRow | None:
    query = select(MashDecisionRow).where(MashDecisionRow.referral_id == referral_id)
    return session.scalars(query.order_by(MashDecisionRow.number.desc()).limit(1)).first()


class DecisionRecords(AuditedStore):
    """Decisions on referrals and their sign-offs, kept as immutable rows."""

    def record_decision(
        self, referral_id: str, *, outcome: str, level: int, rationale: str, actor: str, purpose: str
    ) -> StoredDecision:
        """Store a decision (the rationale sealed) as the referral's next, or refuse where one stands or waits."""
        with self._audited(actor, purpose) as (session, access, now):
            referral, newest = _referral_and_newest(session, referral_id)
            if newest is not None:
                sign_off = session.get(MashDecisionSignOffRow, (referral_id, newest.number))
                if sign_off is None:
                    raise DecisionRefused(
                        f"Referral {referral_id} already has a decision awaiting a manager's sign-off (decision "
                        f"{newest.number}); it can be recorded again only if the manager returns it."
                    )
                if sign_off.verdict == Verdict.AGREED.value:
                    raise DecisionRefused(
                        f"Referral {referral_id}'s decision {newest.number} was agreed by a manager and stands."
                    )
            number = 1 if newest is None else newest.number + 1
            key = self._stored_key(session, referral.key_id)
            row = MashDecisionRow(
                referral_id=referral_id,
                number=number,
                outcome=outcome,
                level=level,
                recorded_by=actor,
                recorded_at=now,
                key_id=referral.key_id,
                rationale_ciphertext=encrypt(key, rationale.encode("utf-8"), _decision_aad(referral_id, number)),
            )
            session.add(row)
            object_id = decision_object_id(referral_id, number)
            digest = _decision_digest(row)
            self._audit(session, access, now, AuditAction.DECISION_RECORD, object_id, referral_id, digest)
            return _stored(row, None, rationale=rationale, note=None)

    def sign_off_decision(
        self, referral_id: str, number: int, *, agree: bool, note: str | None, actor: str, purpose: str
    ) -> StoredDecision:
        """A manager's verdict on decision `number`, which must be the referral's newest, unsigned, and not theirs."""
        with self._audited(actor, purpose) as (session, access, now):
            newest = _newest(session, referral_id)
            if newest is None or newest.number != number:
                raise DecisionRefused(
                    f"Referral {referral_id} has no decision {number} to sign off"
                    + ("." if newest is None else f"; its newest is decision {newest.number}.")
                )
            if session.get(MashDecisionSignOffRow, (referral_id, number)) is not None:
                raise DecisionRefused(f"Decision {number} on referral {referral_id} is already signed off.")
            if newest.recorded_by == actor:
                raise DecisionRefused("A manager cannot sign off a decision they recorded; ask another manager.")
            key = self._stored_key(session, newest.key_id)
            sealed = None if not note else encrypt(key, note.encode("utf-8"), _note_aad(referral_id, number))
            row = MashDecisionSignOffRow(
                referral_id=referral_id,
                number=number,
                verdict=(Verdict.AGREED if agree else Verdict.RETURNED).value,
                signed_by=actor,
                signed_at=now,
                key_id=newest.key_id,
                note_ciphertext=sealed,
            )
            session.add(row)
            object_id = decision_object_id(referral_id, number)
            digest = _sign_off_digest(row)
            self._audit(session, access, now, AuditAction.DECISION_SIGN_OFF, object_id, referral_id, digest)
            return _stored(newest, row, rationale=None, note=note or None)

    def import_decision(
        self, referral_id: str, *, outcome: str, level: int, decided_at: datetime, decided_by: str, actor: str,
        purpose: str,
    ) -> bool:  # fmt: skip
        """A past decision from the council's earlier system, recorded and agreed at `decided_at` in one write.

        Only `hub referral import-history` calls this (no page and no other command): a decision made and
        signed off before the hub existed is on record as it was, so the outcomes and timeliness reports
        count it. Both rows are audited as any decision's are, with the importer as the actor, and the
        sign-off is by `IMPORTED_BY`. True if stored; False if the referral already has this very decision
        (an import run again); `DecisionRefused` if it has any other.
        """
        with self._audited(actor, purpose) as (session, access, now):
            referral, newest = _referral_and_newest(session, referral_id)
            if newest is not None:
                same = (newest.number, newest.outcome, newest.level, newest.recorded_by) == (
                    1, outcome, level, decided_by
                )  # fmt: skip
                if same and _same_moment(newest.recorded_at, decided_at):
                    return False
                raise DecisionRefused(
                    f"Referral {referral_id} already has a different decision on record; the imported one was "
                    "not stored."
                )
            key = self._stored_key(session, referral.key_id)
            row = MashDecisionRow(
                referral_id=referral_id,
                number=1,
                outcome=outcome,
                level=level,
                recorded_by=decided_by,
                recorded_at=decided_at,
                key_id=referral.key_id,
                rationale_ciphertext=encrypt(key, IMPORTED_RATIONALE.encode("utf-8"), _decision_aad(referral_id, 1)),
            )
            sign_off = MashDecisionSignOffRow(
                referral_id=referral_id,
                number=1,
                verdict=Verdict.AGREED.value,
                signed_by=IMPORTED_BY,
                signed_at=decided_at,
                key_id=referral.key_id,
                note_ciphertext=None,
            )
            session.add_all([row, sign_off])
            object_id = decision_object_id(referral_id, 1)
            self._audit(
                session, access, now, AuditAction.DECISION_RECORD, object_id, referral_id, _decision_digest(row)
            )
            digest = _sign_off_digest(sign_off)
            self._audit(session, access, now, AuditAction.DECISION_SIGN_OFF, object_id, referral_id, digest)
            return True

    def read_decisions(self, referral_id: str, *, actor: str, purpose: str) -> list[StoredDecision]:
        """Every decision on a referral, oldest first, with the rationale and notes (audited once as a read)."""
        with self._audited(actor, purpose) as (session, access, now):
            decisions, sign_offs = self._rows(session, [referral_id])
            recorded = written(session, referral_id, AuditAction.DECISION_RECORD)
            signed = written(session, referral_id, AuditAction.DECISION_SIGN_OFF)
            found = []
            for row in decisions:
                object_id = decision_object_id(referral_id, row.number)
                check_written(recorded, AuditAction.DECISION_RECORD, object_id, _decision_digest(row))
                sign_off = sign_offs.get((referral_id, row.number))
                signed_digest = None if sign_off is None else _sign_off_digest(sign_off)
                check_written(signed, AuditAction.DECISION_SIGN_OFF, object_id, signed_digest)
                record = SealedRecord.decision(referral_id, row.number)
                sealed = self._open(session, record, row.key_id, row.rationale_ciphertext)
                note = None
                if sign_off is not None and sign_off.note_ciphertext is not None:
                    record = SealedRecord.sign_off_note(referral_id, row.number)
                    note = self._open(session, record, sign_off.key_id, sign_off.note_ciphertext).decode("utf-8")
                rationale = sealed.decode("utf-8")
                found.append(_stored(row, sign_off, rationale=rationale, note=note))
            # Every object the trail records writing must still have its row (a deleted decision is not "none").
            for object_id in sorted(set(recorded) - {decision_object_id(referral_id, d.number) for d in found}):
                check_written(recorded, AuditAction.DECISION_RECORD, object_id, None)
            if found:
                self._audit(session, access, now, AuditAction.DECISION_READ, f"{referral_id}/decisions", referral_id)
            return found

    def decision_listing(self, referral_ids: Iterable[str] | None = None) -> list[StoredDecision]:
        """Decisions without their words (codes, people, times: as a referral list shows), oldest first; not audited."""
        with self._sessions() as session:
            decisions, sign_offs = self._rows(session, None if referral_ids is None else list(referral_ids))
            return [
                _stored(row, sign_offs.get((row.referral_id, row.number)), rationale=None, note=None)
                for row in decisions
            ]

    @staticmethod
    def _rows(
        session: Session, referral_ids: list[str] | None
    ) -> tuple[list[MashDecisionRow], dict[tuple[str, int], MashDecisionSignOffRow]]:
        decisions = select(MashDecisionRow).order_by(MashDecisionRow.referral_id, MashDecisionRow.number)
        sign_offs = select(MashDecisionSignOffRow)
        if referral_ids is not None:
            decisions = decisions.where(MashDecisionRow.referral_id.in_(referral_ids))
            sign_offs = sign_offs.where(MashDecisionSignOffRow.referral_id.in_(referral_ids))
        return list(session.scalars(decisions)), {
            (row.referral_id, row.number): row for row in session.scalars(sign_offs)
        }


def _stored(
    row: MashDecisionRow, sign_off: MashDecisionSignOffRow | None, *, rationale: str | None, note: str | None
) -> StoredDecision:
    return StoredDecision(
        referral_id=row.referral_id,
        number=row.number,
        outcome=row.outcome,
        level=row.level,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
        rationale=rationale,
        sign_off=None
        if sign_off is None
        else SignOff(Verdict(sign_off.verdict), sign_off.signed_by, sign_off.signed_at, note),
    )
