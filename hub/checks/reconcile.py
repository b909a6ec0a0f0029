"""Housekeeping the scheduler runs every few minutes and at start-up: no referral is left unchecked, no
overdue check goes unnoticed.

* A referral stored for checking whose run was never triggered (Airflow refused, the CLI was killed) is
  triggered here; so is one whose run was triggered long ago but never planned its checks (the run was
  lost). Until then its history says "the checks have not started yet".
* A check still without a final answer after its working-time due time is escalated once: a log line of
  ids and an email to the MASH managers (`hub.deadlines.escalation`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from hub.settings import HubSettings
from hub.store.home import open_store
from schemas import ChecksStage

log = logging.getLogger(__name__)

SETTLE = timedelta(minutes=1)
"""A referral stored this recently may still be being triggered by the command that stored it."""
LOST_RUN = timedelta(minutes=30)
"""A run triggered this long ago that has not planned its checks is taken as lost, and triggered again."""


def referrals_to_trigger(settings: HubSettings | None = None, *, now: datetime | None = None) -> list[str]:
    """Referral ids whose checks must be triggered now, each marked triggered so the next sweep skips it."""
    store = open_store(settings)
    now = now or datetime.now(UTC)
    waiting = store.referrals_in_stage(ChecksStage.NOT_STARTED, updated_before=now - SETTLE)
    lost = store.referrals_in_stage(ChecksStage.TRIGGERED, updated_before=now - LOST_RUN)
    for referral_id in [*waiting, *lost]:
        store.mark_checks(referral_id, ChecksStage.TRIGGERED, trigger_attempt=True)
        log.warning(
            "Referral %s: checks %s; triggering them", referral_id, "not started" if referral_id in waiting else "lost"
        )
    return [*waiting, *lost]


def escalate_overdue(settings: HubSettings | None = None, *, now: datetime | None = None) -> dict[str, int]:
    """Escalate each referral with checks past their due time, once; returns how many were sent and failed."""
    from hub.deadlines.config import load_deadlines
    from hub.deadlines.escalation import EscalationStatus, Overdue, escalate

    settings = settings or HubSettings.from_env()
    store = open_store(settings)
    now = now or datetime.now(UTC)
    overdue = store.overdue_checks(now)
    if not overdue:
        return {"sent": 0, "failed": 0}
    config = load_deadlines(settings)
    outcome = {"sent": 0, "failed": 0}
    for referral_id, checks in overdue.items():
        due_at = min(check.due_at or now for check in checks)
        agencies = {check.agency for check in checks}
        subjects = {check.subject_id for check in checks}
        result = escalate(
            config,
            Overdue(
                referral_id,
                due_at,
                agency_id=next(iter(agencies)) if len(agencies) == 1 else None,
                subject_id=next(iter(subjects)) if len(subjects) == 1 else None,
            ),
            now=now,
        )
        if result.status is EscalationStatus.SENT:
            store.mark_escalated(referral_id, checks)
            outcome["sent"] += 1
        else:
            outcome["failed"] += 1  # tried again at the next sweep; `escalate` has logged why
    return outcome
