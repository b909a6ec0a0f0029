"""The daily retention DAG: scheduled once a day, thin, idempotent, and only counts in Airflow."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hub.settings import HubSettings
from hub.store.home import open_store
from tests.dags.test_mash_housekeeping import load_dag
from tests.hub.retention.population import Case, store_referral

pytestmark = pytest.mark.airflow


def test_the_daily_run_destroys_what_is_due_once_and_passes_only_counts(hub_home: Path) -> None:
    settings = HubSettings.from_env()
    store = open_store(settings)
    store_referral(store, Case("R-DUE", date(2015, 1, 5), ("2010-01-01",), "nfa", date(2015, 1, 6)))
    store_referral(store, Case("R-KEPT", date(2025, 1, 5), ("2015-01-01",), "nfa", date(2025, 1, 6)))
    dag = load_dag("mash_retention")
    assert (dag.catchup, dag.max_active_runs, dag.timetable.expression) == (False, 1, "30 1 * * *")
    dag.get_task("apply_retention_schedule").retries = 0

    counts: list[Any] = []
    for _ in range(2):  # Twice: the second run finds nothing more to do.
        run = dag.test()
        [instance] = run.get_task_instances()
        assert instance.state == "success"
        counts.append(instance.xcom_pull(task_ids="apply_retention_schedule"))
    assert (counts[0]["destroyed"], counts[1]["destroyed"]) == (1, 0)
    assert counts[1]["scheduled"] == 1 and counts[1]["keys_moved"] == 0
    assert "R-" not in json.dumps(counts)  # Ids never pass through Airflow.
    assert not store.referral_exists("R-DUE") and store.referral_exists("R-KEPT")
    assert [record.destroyed_by for record in store.destruction_records()] == ["service:retention"]
    assert store.verify_audit_trail().ok
    store.close()
