"""Housekeeping: a stored referral is never left unchecked, and an overdue check is escalated once.

Measured before: with 20 referrals submitted back to back, Airflow refused 2 triggers (HTTP 500,
SQLite locked); those referrals were stored but never checked, and nothing showed it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import yaml

from hub.checks.reconcile import LOST_RUN, SETTLE, escalate_overdue, referrals_to_trigger
from hub.settings import HubSettings
from hub.store.home import open_store
from schemas import CheckPhase, CheckProgress, ChecksStage, Referral
from tests.conftest import SAMPLE_REFERRAL
from tests.smtp import Inbox


def stored_for_checks(settings: HubSettings) -> Referral:
    referral = Referral.model_validate_json(SAMPLE_REFERRAL.read_text())
    open_store(settings).save_referral(referral, actor="test", purpose="referral_intake", for_checks=True)
    return referral


def test_a_referral_stored_but_never_triggered_is_triggered_once(hub_home: Path) -> None:
    settings = HubSettings.from_env()
    referral = stored_for_checks(settings)
    store = open_store(settings)
    checks = store.referral_checks(referral.referral_id)
    assert checks is not None and checks.stage is ChecksStage.NOT_STARTED
    now = checks.updated_at

    assert referrals_to_trigger(settings, now=now) == []  # the command that stored it may still trigger it
    assert referrals_to_trigger(settings, now=now + SETTLE * 2) == [referral.referral_id]
    assert referrals_to_trigger(settings, now=now + SETTLE * 3) == []  # triggered: not again
    checks = store.referral_checks(referral.referral_id)
    assert checks is not None and (checks.stage, checks.trigger_attempts) == (ChecksStage.TRIGGERED, 1)


def test_a_triggered_run_that_never_planned_its_checks_is_triggered_again(hub_home: Path) -> None:
    settings = HubSettings.from_env()
    referral = stored_for_checks(settings)
    store = open_store(settings)
    store.mark_checks(referral.referral_id, ChecksStage.TRIGGERED, run_id="referral__lost", trigger_attempt=True)
    checks = store.referral_checks(referral.referral_id)
    assert checks is not None

    assert referrals_to_trigger(settings, now=checks.updated_at + SETTLE * 2) == []
    assert referrals_to_trigger(settings, now=checks.updated_at + LOST_RUN * 2) == [referral.referral_id]


def test_a_referral_whose_checks_started_is_left_alone(hub_home: Path) -> None:
    settings = HubSettings.from_env()
    referral = stored_for_checks(settings)
    store = open_store(settings)
    store.plan_checks(referral.referral_id, ["police"], ["S1"], due_at=None)
    assert referrals_to_trigger(settings, now=datetime.now(UTC) + LOST_RUN * 2) == []


def test_an_overdue_check_is_escalated_by_email_once_with_ids_only(
    hub_home: Path, config_copy: Path, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    deadlines = yaml.safe_load((config_copy / "deadlines.yaml").read_text())
    deadlines["escalation"]["smtp"] = {"host": "127.0.0.1", "port": port, "starttls": False, "timeout_seconds": 5}
    (config_copy / "deadlines.yaml").write_text(yaml.safe_dump(deadlines))
    settings = HubSettings.from_env()
    referral = stored_for_checks(settings)
    store = open_store(settings)
    due = datetime.now(UTC) - timedelta(hours=1)
    store.plan_checks(referral.referral_id, ["police", "housing"], ["S1"], due_at=due)
    answered = CheckProgress(agency="police", subject_id="S1", phase=CheckPhase.ANSWERED, attempts=1)
    store.record_progress(referral.referral_id, answered)

    assert escalate_overdue(settings) == {"sent": 1, "failed": 0}
    assert escalate_overdue(settings) == {"sent": 0, "failed": 0}  # once only

    (envelope,) = inbox.envelopes
    assert isinstance(envelope.content, bytes)
    message = message_from_bytes(envelope.content, policy=policy.default)
    body = str(message)
    assert referral.referral_id in body and "housing" in body
    for subject in referral.subjects:
        assert subject.person.name.family_name not in body
    assert envelope.rcpt_tos == deadlines["escalation"]["email_to"]


def test_an_escalation_that_could_not_be_sent_is_tried_again(hub_home: Path) -> None:
    """The shipped config points at a placeholder server: nothing is sent, and nothing is marked as sent."""
    settings = HubSettings.from_env()
    referral = stored_for_checks(settings)
    store = open_store(settings)
    store.plan_checks(referral.referral_id, ["police"], ["S1"], due_at=datetime.now(UTC) - timedelta(minutes=5))

    assert escalate_overdue(settings) == {"sent": 0, "failed": 1}
    assert list(store.overdue_checks(datetime.now(UTC))) == [referral.referral_id]


def test_checks_put_on_record_but_never_asked_could_not_start(hub_home: Path) -> None:
    """A plan that recorded the checks and then died at every try: the stage says so, whatever plan wrote."""
    settings = HubSettings.from_env()
    referral = stored_for_checks(settings)
    store = open_store(settings)
    store.plan_checks(referral.referral_id, ["police", "health"], ["S1", "S2"], due_at=None)

    closed = store.close_checks(referral.referral_id, plan_failed=False)

    assert {(item.phase, item.reason) for item in closed} == {(CheckPhase.GAVE_UP, "checks_not_started")}
    checks = store.referral_checks(referral.referral_id)
    assert checks is not None and checks.stage is ChecksStage.COULD_NOT_START
