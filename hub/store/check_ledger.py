"""The checks ledger: where every agency check, and each referral's checks as a whole, stand.

A mixin of `HubStore` (see `hub.store.audited` for why the store is put together this way). It holds
ids, codes, counts and times only, never personal data, so reading it is not audited; writing it goes
through the audited transaction all the same, so it commits with whatever reply it describes.

Attempts are numbered (Airflow's try number). A write from an older attempt than the one on record is
ignored, so a duplicated or zombie attempt that finishes late can never overwrite a newer result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hub.store.audited import AuditedStore
from hub.store.engine import increment, upsert
from hub.store.errors import UnknownReferral
from hub.store.tables import (
    AssemblyRevisionRow,
    CallbackDeliveryRow,
    CheckProgressRow,
    PendingJobRow,
    ReferralChecksRow,
    ReferralRow,
)
from schemas import CheckPhase, CheckProgress, ChecksStage

LEDGER_ACTOR = "service:checks-ledger"
LEDGER_PURPOSE = "MASH checks progress"
UNFINISHED = (CheckPhase.NOT_ASKED, CheckPhase.ASKED, CheckPhase.RETRYING, CheckPhase.AWAITING_REPLY)


@dataclass(frozen=True)
class ReferralChecks:
    """A referral's checks as a whole (`ChecksStage`), the run that took them, and their due time."""

    referral_id: str
    stage: ChecksStage
    run_id: str | None
    trigger_attempts: int
    due_at: datetime | None
    updated_at: datetime


def _progress(row: CheckProgressRow) -> CheckProgress:
    return CheckProgress(
        agency=row.agency,
        subject_id=row.subject_id,
        phase=CheckPhase(row.phase),
        attempts=row.attempts,
        reason=row.reason,
        cause=row.cause,
        cause_count=row.cause_count,
        due_at=row.due_at,
        next_attempt_at=row.next_attempt_at,
        updated_at=row.updated_at,
    )


def write_progress(session: Session, referral_id: str, progress: CheckProgress, now: datetime) -> bool:
    """Record one check's progress unless a newer attempt is already on record; True if written."""
    row = session.get(CheckProgressRow, (referral_id, progress.agency, progress.subject_id))
    if row is not None and row.attempts > progress.attempts:
        return False
    due_at = progress.due_at or (row.due_at if row is not None else None)
    values = {
        "referral_id": referral_id,
        "agency": progress.agency,
        "subject_id": progress.subject_id,
        "phase": progress.phase.value,
        "attempts": progress.attempts,
        "reason": progress.reason,
        "cause": progress.cause,
        "cause_count": progress.cause_count,
        "due_at": due_at,
        "next_attempt_at": progress.next_attempt_at,
        "updated_at": now,
        "escalated_at": row.escalated_at if row is not None else None,
    }
    upsert(session, CheckProgressRow.__table__, values, ["referral_id", "agency", "subject_id"])  # type: ignore[arg-type]
    bump_revision(session, referral_id)
    return True


def bump_revision(session: Session, referral_id: str) -> None:
    """Something a chronology is assembled from changed (see `AssemblyRevisionRow`)."""
    increment(session, AssemblyRevisionRow.__table__, {"referral_id": referral_id}, "revision")  # type: ignore[arg-type]


def current_revision(session: Session, referral_id: str) -> int:
    row = session.get(AssemblyRevisionRow, referral_id)
    return 0 if row is None else int(row.revision)


class CheckLedger(AuditedStore):
    """Writes and reads of the checks ledger (see the module docstring)."""

    def mark_checks(
        self, referral_id: str, stage: ChecksStage, *, run_id: str | None = None, trigger_attempt: bool = False
    ) -> None:
        """Set a referral's checks stage (and the run that took them, when known)."""
        with self._audited(LEDGER_ACTOR, LEDGER_PURPOSE) as (session, _, now):
            if session.get(ReferralRow, referral_id) is None:
                raise UnknownReferral(referral_id)
            row = session.get(ReferralChecksRow, referral_id)
            if row is None:
                row = ReferralChecksRow(referral_id=referral_id, trigger_attempts=0, state=stage.value, updated_at=now)
                session.add(row)
            row.state, row.updated_at = stage.value, now
            row.run_id = run_id or row.run_id
            row.trigger_attempts = (row.trigger_attempts or 0) + int(trigger_attempt)

    def plan_checks(
        self, referral_id: str, agencies: Iterable[str], subject_ids: Iterable[str], *, due_at: datetime | None
    ) -> None:
        """Every agency × subject check is on record as not yet asked, with the referral's due time.

        Planning again (a referral submitted again) starts every check afresh; earlier replies stay
        until a new answer replaces them.
        """
        subjects = list(subject_ids)
        with self._audited(LEDGER_ACTOR, LEDGER_PURPOSE) as (session, _, now):
            if session.get(ReferralRow, referral_id) is None:
                raise UnknownReferral(referral_id)
            row = session.get(ReferralChecksRow, referral_id)
            if row is None:
                row = ReferralChecksRow(referral_id=referral_id, trigger_attempts=0, state="", updated_at=now)
                session.add(row)
            row.state, row.due_at, row.updated_at = ChecksStage.IN_PROGRESS.value, due_at, now
            session.execute(
                update(CheckProgressRow).where(CheckProgressRow.referral_id == referral_id).values(attempts=0)
            )
            session.execute(delete(PendingJobRow).where(PendingJobRow.referral_id == referral_id))
            session.execute(delete(CallbackDeliveryRow).where(CallbackDeliveryRow.referral_id == referral_id))
            for agency in agencies:
                for subject_id in subjects:
                    progress = CheckProgress(
                        agency=agency, subject_id=subject_id, phase=CheckPhase.NOT_ASKED, due_at=due_at
                    )
                    write_progress(session, referral_id, progress, now)

    def record_progress(self, referral_id: str, progress: CheckProgress) -> bool:
        """One check's progress without a reply (asked, awaiting a later reply); False if a newer attempt won."""
        with self._audited(LEDGER_ACTOR, LEDGER_PURPOSE) as (session, _, now):
            return write_progress(session, referral_id, progress, now)

    def check_progress(self, referral_id: str) -> list[CheckProgress]:
        """Every check's progress for a referral, by agency then subject."""
        with self._sessions() as session:
            rows = session.scalars(
                select(CheckProgressRow)
                .where(CheckProgressRow.referral_id == referral_id)
                .order_by(CheckProgressRow.agency, CheckProgressRow.subject_id)
            )
            return [_progress(row) for row in rows]

    def referral_checks(self, referral_id: str) -> ReferralChecks | None:
        with self._sessions() as session:
            row = session.get(ReferralChecksRow, referral_id)
            if row is None:
                return None
            return ReferralChecks(
                referral_id=row.referral_id,
                stage=ChecksStage(row.state),
                run_id=row.run_id,
                trigger_attempts=row.trigger_attempts or 0,
                due_at=row.due_at,
                updated_at=row.updated_at,
            )

    def close_checks(self, referral_id: str, *, plan_failed: bool) -> list[CheckProgress]:
        """End a referral's checks: anything still unfinished gave up, saying why; returns those.

        Called once every check task has ended, so nothing unfinished can still be running: a check
        left "asked" or "retrying" lost its worker, and one never asked could not start.
        """
        closed = []
        with self._audited(LEDGER_ACTOR, LEDGER_PURPOSE) as (session, _, now):
            every = session.scalars(select(CheckProgressRow).where(CheckProgressRow.referral_id == referral_id)).all()
            # A plan that put the checks on record and then died, with no check ever run, could not start them.
            never_asked = bool(every) and all(row.phase == CheckPhase.NOT_ASKED.value for row in every)
            rows = [row for row in every if row.phase in {phase.value for phase in UNFINISHED}]
            for row in rows:
                reason = "checks_not_started" if row.phase == CheckPhase.NOT_ASKED.value else "worker_lost"
                row.phase, row.reason, row.next_attempt_at, row.updated_at = (
                    CheckPhase.GAVE_UP.value,
                    row.reason if row.phase == CheckPhase.RETRYING.value and row.reason else reason,
                    None,
                    now,
                )
                closed.append(_progress(row))
            stage = ChecksStage.COULD_NOT_START if plan_failed or never_asked else ChecksStage.COMPLETE
            checks = session.get(ReferralChecksRow, referral_id)
            if checks is None and stage is ChecksStage.COULD_NOT_START:
                checks = ReferralChecksRow(referral_id=referral_id, trigger_attempts=0, state="", updated_at=now)
                session.add(checks)
            if checks is not None:
                checks.state, checks.updated_at = stage.value, now
        return closed

    def referrals_in_stage(self, stage: ChecksStage, *, updated_before: datetime) -> list[str]:
        """Referral ids whose checks have been in `stage` since before a time (for the reconciler)."""
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(ReferralChecksRow.referral_id)
                    .where(ReferralChecksRow.state == stage.value, ReferralChecksRow.updated_at < updated_before)
                    .order_by(ReferralChecksRow.updated_at)
                )
            )

    def overdue_checks(self, now: datetime) -> dict[str, list[CheckProgress]]:
        """Unfinished checks past their due time and not yet escalated, by referral id."""
        with self._sessions() as session:
            rows = session.scalars(
                select(CheckProgressRow)
                .where(
                    CheckProgressRow.phase.in_([phase.value for phase in UNFINISHED]),
                    CheckProgressRow.due_at < now,
                    CheckProgressRow.escalated_at.is_(None),
                )
                .order_by(CheckProgressRow.referral_id, CheckProgressRow.agency, CheckProgressRow.subject_id)
            )
            overdue: dict[str, list[CheckProgress]] = {}
            for row in rows:
                overdue.setdefault(row.referral_id, []).append(_progress(row))
            return overdue

    def mark_escalated(self, referral_id: str, checks: Iterable[CheckProgress]) -> None:
        """Record that these overdue checks were escalated, so each is escalated once."""
        with self._audited(LEDGER_ACTOR, LEDGER_PURPOSE) as (session, _, now):
            for check in checks:
                row = session.get(CheckProgressRow, (referral_id, check.agency, check.subject_id))
                if row is not None:
                    row.escalated_at = now
