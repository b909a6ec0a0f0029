"""The DAG imports cleanly, fans out from the registry, and runs end to end against the real sandboxes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.agencies import load_registry
from hub.sandboxes import record_sandboxes
from hub.services import open_store
from hub.settings import HubSettings
from sandbox.server import SandboxCluster
from schemas import Referral, ReplyStatus
from schemas.models import OPAQUE_ID_PATTERN
from tests.conftest import REPO_ROOT, SAMPLE_REFERRAL
from tests.markers import files_containing, sample_family_markers

pytestmark = pytest.mark.airflow
ACTOR = "test"


def load_dag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO_ROOT / "dags"))
    assert bag.import_errors == {}
    return bag.get_dag("mash_referral")


def stored_sample(settings: HubSettings) -> Referral:
    referral = Referral.model_validate_json(SAMPLE_REFERRAL.read_text())
    open_store(settings).save_referral(referral, actor=ACTOR, purpose="test")
    return referral


def test_dag_imports_and_fans_out_one_group_per_registered_agency(hub_home: Path) -> None:
    dag = load_dag()
    agencies = load_registry(HubSettings.from_env()).ids
    assert {f"{agency}.check" for agency in agencies} | {"plan", "assemble"} == set(dag.task_ids)
    assert dag.params.get_param("referral_id").schema["pattern"] == OPAQUE_ID_PATTERN
    assert dag.schedule is None


def test_dag_refuses_a_run_without_a_referral_id(hub_home: Path, airflow_db: None) -> None:
    from airflow.sdk.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError):
        load_dag().test(run_conf={"referral_id": "not an id!"})


def test_dag_run_assembles_an_encrypted_chronology_from_all_four_agencies(
    hub_home: Path, sandbox_cluster: SandboxCluster, airflow_db: None
) -> None:
    settings = HubSettings.from_env()
    record_sandboxes(settings, sandbox_cluster)
    referral = stored_sample(settings)

    run = load_dag().test(run_conf={"referral_id": referral.referral_id})

    assert run.state == "success"
    chronologies = {
        chronology.child_subject_id: chronology
        for chronology in open_store(settings).latest_chronologies(referral.referral_id, actor=ACTOR, purpose="test")
    }
    assert set(chronologies) == {"S1", "S2"}
    subject_child = chronologies["S1"]
    assert {entry.source.agency for entry in subject_child.entries} == {"health", "police", "education", "housing"}
    assert [entry.occurred_on for entry in subject_child.entries] == sorted(
        e.occurred_on for e in subject_child.entries
    )
    assert len(subject_child.checks) == len(referral.subjects) * 4
    # The store holds ciphertext only: none of the family's details appear in the database file.
    assert files_containing(hub_home, sample_family_markers()) == {}


def test_a_failed_agency_shows_as_check_failed_and_the_rest_still_assembles(
    hub_home: Path, sandbox_cluster: SandboxCluster, airflow_db: None
) -> None:
    settings = HubSettings.from_env()
    record_sandboxes(
        settings, sandbox_cluster, endpoints={**sandbox_cluster.endpoints, "housing": "http://127.0.0.1:9"}
    )
    referral = stored_sample(settings)

    run = load_dag().test(run_conf={"referral_id": referral.referral_id})

    states = {(ti.task_id, ti.map_index): ti.state for ti in run.get_task_instances()}
    assert states[("housing.check", 0)] == "failed"
    assert states[("assemble", -1)] == "success"
    chronology = open_store(settings).latest_chronologies(referral.referral_id, actor=ACTOR, purpose="test")[0]
    housing = {check.status for check in chronology.checks if check.agency == "housing"}
    assert housing == {ReplyStatus.FAILED}
    assert "housing" not in {entry.source.agency for entry in chronology.entries}
