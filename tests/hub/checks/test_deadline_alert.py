"""The checks DAG's Airflow Deadline Alert: its callback escalates a run whose checks have not all ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from hub.checks.deadline_alert import run_past_deadline
from hub.settings import HubSettings
from hub.store.home import open_store
from schemas import CheckPhase, CheckProgress, ChecksStage, Referral
from tests.conftest import SAMPLE_REFERRAL
from tests.event_loops import run_apart
from tests.smtp import Inbox


@pytest.fixture
def settings(hub_home: Path, config_copy: Path, smtp_server: tuple[Inbox, int]) -> HubSettings:
    _, port = smtp_server
    deadlines = yaml.safe_load((config_copy / "deadlines.yaml").read_text())
    deadlines["escalation"]["smtp"] = {"host": "127.0.0.1", "port": port, "starttls": False, "timeout_seconds": 5}
    (config_copy / "deadlines.yaml").write_text(yaml.safe_dump(deadlines))
    return HubSettings.from_env()


def planned(settings: HubSettings) -> Referral:
    referral = Referral.model_validate_json(SAMPLE_REFERRAL.read_text())
    store = open_store(settings)
    store.save_referral(referral, actor="test", purpose="referral_intake", for_checks=True)
    store.plan_checks(referral.referral_id, ["police"], ["S1"], due_at=datetime.now(UTC) - timedelta(days=4))
    return referral


def fire(referral_id: object) -> None:
    """As Airflow's triggerer calls it: the run's context, with the run's conf inside."""
    run_apart(run_past_deadline(context={"dag_run": {"conf": {"referral_id": referral_id}}, "deadline": {}}))


def test_a_run_with_checks_still_open_is_escalated(settings: HubSettings, smtp_server: tuple[Inbox, int]) -> None:
    inbox, _ = smtp_server
    referral = planned(settings)
    fire(referral.referral_id)
    (envelope,) = inbox.envelopes
    assert isinstance(envelope.content, bytes) and referral.referral_id.encode() in envelope.content


def test_a_run_whose_checks_all_ended_is_not_escalated(settings: HubSettings, smtp_server: tuple[Inbox, int]) -> None:
    inbox, _ = smtp_server
    referral = planned(settings)
    store = open_store(settings)
    answered = CheckProgress(agency="police", subject_id="S1", phase=CheckPhase.ANSWERED, attempts=1)
    store.record_progress(referral.referral_id, answered)
    store.close_checks(referral.referral_id, plan_failed=False)
    checks = store.referral_checks(referral.referral_id)
    assert checks is not None and checks.stage is ChecksStage.COMPLETE
    fire(referral.referral_id)
    assert inbox.envelopes == []


@pytest.mark.parametrize("referral_id", [None, "", "../../etc/passwd", 42])
def test_a_context_without_a_valid_referral_id_escalates_nothing(
    settings: HubSettings, smtp_server: tuple[Inbox, int], referral_id: object
) -> None:
    inbox, _ = smtp_server
    fire(referral_id)
    assert inbox.envelopes == []
