"""The DAG imports cleanly, fans out from the registry, and runs end to end against the real sandboxes.

Agencies' credentials reach the tasks through Airflow's own secrets backend only: each test moves the
Connections `hub sandbox up` would write into the file that backend reads, so a check that succeeds
proves the DAG asked Airflow, not the hub's local file.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.sdk.connections import ConnectionFields
from hub.agencies import load_registry
from hub.runtime.airflow import agency_pools
from hub.runtime.sandboxes import record_sandboxes
from hub.settings import HubSettings
from hub.store.home import open_store
from sandbox.server import SandboxCluster
from schemas import CheckState, Chronology, Referral, ReplyStatus
from schemas.models import OPAQUE_ID_PATTERN
from tests.conftest import REPO_ROOT, SAMPLE_REFERRAL
from tests.dags.conftest import create_pools
from tests.markers import files_containing, sample_family_markers

pytestmark = pytest.mark.airflow
ACTOR = "test"
DAG_FILE = REPO_ROOT / "dags" / "mash_referral.py"
CLOSED_PORT = "http://127.0.0.1:9"


def load_dag(*, with_deadline_alert: bool = False) -> Any:
    """The DAG as the dag-processor parses it, for `dag.test()` without its Deadline Alert by default.

    Airflow 3.3.2's `dag.test()` keeps the alert's definition where a successful run looks up the
    alert's stored id, and fails (`'dict' object has no attribute 'hex'`); the real scheduler, which
    runs the serialized DAG, is unaffected (the demo's run ends in success with the alert declared).
    """
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE.parent))
    assert bag.import_errors == {}
    dag = bag.get_dag("mash_referral")
    if not with_deadline_alert:
        dag.deadline = None
    return dag


def stored_sample(settings: HubSettings) -> Referral:
    referral = Referral.model_validate_json(SAMPLE_REFERRAL.read_text())
    open_store(settings).save_referral(referral, actor=ACTOR, purpose="test")
    return referral


def connections_for_airflow(
    settings: HubSettings, cluster: SandboxCluster, airflow_file: Path, *, endpoints: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Record the sandboxes, then hand their Connections to Airflow's backend and nobody else."""
    record_sandboxes(settings, cluster, endpoints=endpoints)
    settings.connections_file.replace(airflow_file)
    connections: dict[str, Any] = json.loads(airflow_file.read_text())
    return connections


def latest_chronologies(settings: HubSettings, referral_id: str) -> dict[str, Chronology]:
    chronologies = open_store(settings).latest_chronologies(referral_id, actor=ACTOR, purpose="test")
    return {chronology.child_subject_id: chronology for chronology in chronologies}


def task_states(run: Any) -> dict[tuple[str, int], str]:
    return {(ti.task_id, ti.map_index): ti.state for ti in run.get_task_instances()}


def test_dag_imports_and_fans_out_one_group_per_registered_agency_each_in_its_pool(hub_home: Path) -> None:
    dag = load_dag()
    agencies = load_registry(HubSettings.from_env()).agencies
    assert {f"{agency.id}.check" for agency in agencies} | {"plan", "assemble"} == set(dag.task_ids)
    assert not any(task.is_mapped for task in dag.tasks)  # one task per agency, asking about every person
    assert {agency.id: dag.get_task(f"{agency.id}.check").pool for agency in agencies} == {
        agency.id: f"agency_{agency.id}" for agency in agencies
    }
    for agency in agencies:  # each agency's check_retry, as Airflow's own exponential backoff
        task = dag.get_task(f"{agency.id}.check")
        retry = agency.check_retry
        assert (task.retries, task.retry_delay, task.max_retry_delay) == (retry.tries - 1, retry.delay, retry.max_delay)
        assert task.retry_exponential_backoff == 2.0
    assert dag.params.get_param("referral_id").schema["pattern"] == OPAQUE_ID_PATTERN
    assert dag.schedule is None


def test_under_a_backlog_a_started_referral_is_finished_before_a_new_one_is_started(hub_home: Path) -> None:
    """The scheduler takes the highest priority first: `assemble`, then the checks, then a new run's `plan`.

    Each weight is the one the scheduler gives a task instance: the serialized DAG's weight rule applied.
    """
    from types import SimpleNamespace

    from airflow.serialization.serialized_objects import DagSerialization

    serialized = DagSerialization.from_dict(DagSerialization.to_dict(load_dag()))

    def weight(task_id: str) -> int:
        task = serialized.get_task(task_id)
        return int(task.weight_rule.get_weight(SimpleNamespace(task=task)))

    checks = {weight(task_id) for task_id in serialized.task_ids if task_id.endswith(".check")}
    assert weight("assemble") > max(checks)
    assert min(checks) > weight("plan")


def test_the_dag_declares_a_deadline_alert_whose_callback_escalates(hub_home: Path) -> None:
    """A backstop per run (Airflow's alerts have one interval for every run); due times are swept by housekeeping."""
    dag = load_dag(with_deadline_alert=True)
    (alert,) = dag.deadline if isinstance(dag.deadline, list) else [dag.deadline]
    assert alert.callback.path == "hub.checks.deadline_alert.run_past_deadline"
    assert alert.interval == timedelta(days=5)


def test_a_new_registry_entry_gets_its_own_group_pool_and_checks_without_a_dag_edit(
    hub_home: Path, config_copy: Path, sandbox_cluster: SandboxCluster, airflow_connections: Path
) -> None:
    """A second police force on the existing connector class: one YAML entry, nothing else."""
    registry = yaml.safe_load((config_copy / "agencies.yaml").read_text())
    police = next(entry for entry in registry["agencies"] if entry["id"] == "police")
    west = {**police, "id": "police_west", "name": "Police (West force)", "pool": {"slots": 3}}
    registry["agencies"].append({**west, "endpoint": sandbox_cluster.endpoints["police"]})
    (config_copy / "agencies.yaml").write_text(yaml.safe_dump(registry, sort_keys=False))
    settings = HubSettings.from_env()

    dag = load_dag()

    assert "police_west.check" in dag.task_ids
    assert dag.get_task("police_west.check").pool == "agency_police_west"
    assert agency_pools(settings)["agency_police_west"]["slots"] == 3
    create_pools(settings)
    connections_for_airflow(settings, sandbox_cluster, airflow_connections)
    referral = stored_sample(settings)
    run = dag.test(run_conf={"referral_id": referral.referral_id})
    assert run.state == "success"
    states = task_states(run)
    assert states[("police_west.check", -1)] == "success"
    child = latest_chronologies(settings, referral.referral_id)["S1"]
    assert {"police", "police_west"} <= {entry.source.agency for entry in child.entries}


def test_dag_run_assembles_an_encrypted_chronology_from_all_four_agencies(
    hub_home: Path, sandbox_cluster: SandboxCluster, airflow_connections: Path
) -> None:
    settings = HubSettings.from_env()
    connections = connections_for_airflow(settings, sandbox_cluster, airflow_connections)
    assert not settings.connections_file.exists()
    assert {agency.credentials for agency in load_registry(settings).agencies} == set(connections)
    referral = stored_sample(settings)

    run = load_dag().test(run_conf={"referral_id": referral.referral_id})

    assert run.state == "success"
    chronologies = latest_chronologies(settings, referral.referral_id)
    assert set(chronologies) == {"S1", "S2"}
    subject_child = chronologies["S1"]
    assert {entry.source.agency for entry in subject_child.entries} == {"health", "police", "education", "housing"}
    assert [entry.occurred_on for entry in subject_child.entries] == sorted(
        e.occurred_on for e in subject_child.entries
    )
    assert len(subject_child.checks) == len(referral.subjects) * 4
    # The store holds ciphertext only: none of the family's details appear in the database file.
    assert files_containing(hub_home, sample_family_markers()) == {}


def with_quick_retries(config_dir: Path, agency_id: str, tries: int = 2) -> None:
    """Shorten one agency's check retries so `dag.test`, which waits them out, stays quick."""
    registry = yaml.safe_load((config_dir / "agencies.yaml").read_text())
    for entry in registry["agencies"]:
        if entry["id"] == agency_id:
            entry["check_retry"] = {"tries": tries, "delay": "0.1s", "max_delay": "0.2s"}
    (config_dir / "agencies.yaml").write_text(yaml.safe_dump(registry, sort_keys=False))


def test_an_unreachable_agency_is_retried_then_fails_the_run_with_ids_and_a_code_and_the_rest_still_assembles(
    hub_home: Path,
    config_copy: Path,
    sandbox_cluster: SandboxCluster,
    airflow_connections: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with_quick_retries(config_copy, "housing")
    settings = HubSettings.from_env()
    endpoints = {**sandbox_cluster.endpoints, "housing": CLOSED_PORT}
    connections_for_airflow(settings, sandbox_cluster, airflow_connections, endpoints=endpoints)
    referral = stored_sample(settings)

    run = load_dag().test(run_conf={"referral_id": referral.referral_id})

    states = task_states(run)
    subject_ids = [subject.subject_id for subject in referral.subjects]
    assert (states[("housing.check", -1)], states[("police.check", -1)]) == ("failed", "success")
    assert states[("assemble", -1)] == "failed"  # the history is stored, then the run's verdict given
    assert run.state == "failed"  # a run in which a check gave up never reads as success
    tries = {ti.try_number for ti in run.get_task_instances() if ti.task_id == "housing.check"}
    assert tries == {2}  # retried once (tries: 2), then given up
    chronology = latest_chronologies(settings, referral.referral_id)["S1"]
    housing = [check for check in chronology.checks if check.agency == "housing"]
    assert {check.state for check in housing} == {CheckState.FAILED}
    assert {check.reason for check in housing} <= {"connection_error", "circuit_open"}
    assert {check.attempts for check in housing} == {2}
    assert "housing" not in {entry.source.agency for entry in chronology.entries}
    task_log = capsys.readouterr().out
    for subject_id in subject_ids:
        assert re.search(rf"housing check for {subject_id} failed: (connection_error|circuit_open)", task_log)
    assert re.search(r"housing: 4 of 4 checks failed \((circuit_open, )?connection_error\)", task_log)
    assert_nothing_personal_in_airflow(task_log)


def test_an_agency_without_its_connection_fails_its_tasks_naming_the_connection_only(
    hub_home: Path,
    sandbox_cluster: SandboxCluster,
    airflow_connections: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = HubSettings.from_env()
    connections = connections_for_airflow(settings, sandbox_cluster, airflow_connections)
    del connections["hub_agency_housing"]
    airflow_connections.write_text(json.dumps(connections))
    referral = stored_sample(settings)

    run = load_dag().test(run_conf={"referral_id": referral.referral_id})

    states = task_states(run)
    assert (states[("housing.check", -1)], states[("health.check", -1)]) == ("failed", "success")
    assert states[("assemble", -1)] == "failed" and run.state == "failed"
    assert set(latest_chronologies(settings, referral.referral_id)) == {"S1", "S2"}  # stored before the verdict
    task_log = capsys.readouterr().out
    assert "agency 'housing': No Airflow Connection 'hub_agency_housing'" in task_log
    assert_nothing_personal_in_airflow(task_log)
    replies = open_store(settings).load_replies(referral.referral_id, actor="test", purpose="test")
    housing = [reply for reply in replies if reply.agency == "housing"]
    assert len(housing) == len(referral.subjects)  # the history says "check failed", not "pending"
    assert {(reply.status, reply.error_code) for reply in housing} == {(ReplyStatus.FAILED, "missing_credentials")}


def test_a_registry_whose_connector_will_not_load_still_loads_the_dag_and_fails_every_check_with_a_code(
    hub_home: Path, config_copy: Path, sandbox_cluster: SandboxCluster, airflow_connections: Path
) -> None:
    """Parsing reads only the registry's entries; the checks load it whole, and say so when they cannot."""
    settings = HubSettings.from_env()
    connections_for_airflow(settings, sandbox_cluster, airflow_connections)  # while the registry still loads
    registry = config_copy / "agencies.yaml"
    registry.write_text(registry.read_text().replace("connectors.health:", "connectors.nowhere:"))
    referral = stored_sample(settings)

    run = load_dag().test(run_conf={"referral_id": referral.referral_id})

    states = task_states(run)
    checks = {state for (task, _), state in states.items() if task.endswith(".check")}
    assert checks == {"failed"} and states[("assemble", -1)] == "failed"
    assert set(latest_chronologies(settings, referral.referral_id)) == {"S1", "S2"}
    replies = open_store(settings).load_replies(referral.referral_id, actor="test", purpose="test")
    assert len(replies) == 4 * len(referral.subjects)  # every check is "check failed", none "not checked"
    assert {(reply.status, reply.error_code) for reply in replies} == {(ReplyStatus.FAILED, "registry_invalid")}


def assert_nothing_personal_in_airflow(task_log: str) -> None:
    """Neither the task output nor any file under Airflow's home (task logs, metadata DB) names the family."""
    markers = sample_family_markers()
    assert [marker for marker in markers if marker in task_log] == []
    assert files_containing(Path(os.environ["AIRFLOW_HOME"]), markers) == {}


def airflow_connection_adapter() -> Any:
    """The DAG file's Connection lookup, imported on its own (the DAG file is not a package module)."""
    spec = importlib.util.spec_from_file_location("mash_referral_dag", DAG_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.airflow_connection


def test_the_dag_reads_connections_through_airflow_and_a_missing_one_is_none(
    hub_home: Path, airflow_connections: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookup = airflow_connection_adapter()
    assert lookup("hub_agency_health") is None  # the backend's file does not exist yet: no Connection, no error

    extra = {"auth": "api_key", "header": "X-Agency-Key"}
    stored = {"conn_type": "http", "host": "http://agency.test", "password": "k-123", "extra": json.dumps(extra)}
    airflow_connections.write_text(json.dumps({"hub_agency_health": stored}))
    found = lookup("hub_agency_health")
    assert isinstance(found, ConnectionFields)
    assert (found.conn_type, found.host, found.login, found.extra) == ("http", "http://agency.test", None, extra)
    assert found.password is not None and found.password.get_secret_value() == "k-123"

    monkeypatch.setenv("AIRFLOW_CONN_HUB_AGENCY_POLICE", json.dumps({"conn_type": "http", "host": "https://p"}))
    assert lookup("hub_agency_police").host == "https://p"  # Airflow's other backends still count
    assert lookup("hub_agency_unknown") is None


def test_dag_refuses_a_run_without_a_referral_id(hub_home: Path) -> None:
    from airflow.sdk.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError):
        load_dag().test(run_conf={"referral_id": "not an id!"})
