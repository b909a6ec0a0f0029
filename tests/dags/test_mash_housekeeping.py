"""The housekeeping DAG: it triggers the checks of a referral stored but never triggered, ids only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.checks import reconcile
from hub.settings import HubSettings
from hub.store.home import open_store
from schemas import ChecksStage, Referral
from tests.conftest import REPO_ROOT, SAMPLE_REFERRAL

pytestmark = pytest.mark.airflow


def load_dag(dag_id: str) -> Any:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO_ROOT / "dags"))
    assert bag.import_errors == {}
    return bag.get_dag(dag_id)


def test_housekeeping_is_scheduled_and_triggers_a_referral_left_unchecked(
    hub_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = HubSettings.from_env()
    referral = Referral.model_validate_json(SAMPLE_REFERRAL.read_text())
    store = open_store(settings)
    store.save_referral(referral, actor="test", purpose="referral_intake", for_checks=True)
    monkeypatch.setattr(reconcile, "SETTLE", timedelta(0))
    dag = load_dag("mash_housekeeping")
    assert (dag.schedule, dag.catchup, dag.max_active_runs) == (timedelta(minutes=5), False, 1)

    run = dag.test()

    states = {(ti.task_id, ti.map_index): ti.state for ti in run.get_task_instances()}
    assert states[("unstarted_referrals", -1)] == "success"
    assert states[("trigger_checks", 0)] == "success"
    assert states[("escalate_overdue", -1)] == "success"
    checks = store.referral_checks(referral.referral_id)
    assert checks is not None and checks.stage is ChecksStage.TRIGGERED
