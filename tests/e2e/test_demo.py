"""`hub demo` end to end: real sandboxes, real Airflow scheduler on SQLite, and no personal data left in Airflow."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from connectors.sdk.jobs import MIN_POLL_VARIABLE
from hub.agencies import load_registry
from hub.settings import HubSettings
from hub.store.home import open_store
from tests.markers import files_containing, sample_family_markers

pytestmark = pytest.mark.airflow
HUB = str(Path(sys.executable).parent / "hub")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    home = tmp_path_factory.mktemp("demo") / "hub-home"
    environment = {**os.environ, "HUB_HOME": str(home), "COLUMNS": "220"}
    for name in [name for name in environment if name.startswith(("AIRFLOW", "HUB_AGENCY_", "HUB_AIRFLOW"))]:
        environment.pop(name)
    # Checks that defer to the triggerer are polled again after 10 s, not 30 (a test knob; the demo's
    # asynchronous agencies answer within seconds, so a user's demo, too, only waits out the floor).
    environment[MIN_POLL_VARIABLE] = "10"
    result = subprocess.run([HUB, "demo"], capture_output=True, text=True, env=environment, timeout=600)
    return result, home


def test_demo_prints_a_family_history_with_all_four_agencies(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, home = demo_run
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    output = result.stdout
    for heading in ("Household", "Agency checks", "Chronology: Amara Joy Okafor-Reid", "Chronology: Tyler Okafor-Reid"):
        assert heading in output
    for agency in ("health", "police", "education", "housing"):
        assert f"{agency} " in output
    assert "run success" in output
    report = home / "reports" / "REF-2026-000417.html"
    assert f"HTML report written to {report}" in " ".join(output.split())
    html = report.read_text()
    assert "Okafor-Reid" in html and "<table>" in html


def test_demo_stops_everything_it_started(demo_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, home = demo_run
    assert not (home / "run" / "airflow-api.json").exists()
    assert not (home / "run" / "sandbox-endpoints.json").exists()
    leftover = subprocess.run(["pgrep", "-f", str(home)], capture_output=True, text=True)
    assert leftover.stdout.strip() == ""


def test_no_personal_data_reaches_airflow_or_the_hub_database(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, home = demo_run
    markers = sample_family_markers()
    airflow_files = list((home / "airflow").rglob("*"))
    assert any(path.name == "airflow.db" for path in airflow_files)
    assert any("dag_id=mash_referral" in str(path) for path in airflow_files), "expected task logs to scan"
    assert files_containing(home / "airflow", markers) == {}
    assert not any(marker.encode() in (home / "hub.db").read_bytes() for marker in markers)


def test_each_agencys_checks_ran_in_its_own_pool_sized_from_the_registry(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    """The scheduler never starts a task whose pool is missing, so the demo finishing proves they exist."""
    _, home = demo_run
    registry = load_registry(HubSettings.from_env({"HUB_HOME": str(home)}))
    with sqlite3.connect(home / "airflow" / "airflow.db") as database:
        ran = set(database.execute("SELECT task_id, pool, state FROM task_instance WHERE task_id LIKE '%.check'"))
        pools = dict(database.execute("SELECT pool, slots FROM slot_pool WHERE pool LIKE 'agency_%'"))
    assert ran == {(f"{agency.id}.check", agency.pool_name, "success") for agency in registry.agencies}
    assert pools == {agency.pool_name: agency.pool.slots for agency in registry.agencies}


def test_every_access_in_the_demo_is_audited_and_the_chain_verifies(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, home = demo_run
    environment = {**os.environ, "HUB_HOME": str(home), "COLUMNS": "200"}
    # The demo leaves its practitioner signed in, who may not read the trail; its IG officer may.
    refused = subprocess.run([HUB, "audit", "show", "REF-2026-000417"], capture_output=True, text=True, env=environment)
    assert refused.returncode == 1 and "cannot read the audit trail" in " ".join(refused.stderr.split())
    accounts = dict(line.split("\t")[0::2] for line in (home / "demo-accounts.txt").read_text().splitlines())
    login = [HUB, "login", "demo.ig", "--password-stdin"]
    signed_in = subprocess.run(login, input=accounts["demo.ig"] + "\n", capture_output=True, text=True, env=environment)
    assert signed_in.returncode == 0, signed_in.stderr
    shown = subprocess.run([HUB, "audit", "show", "REF-2026-000417"], capture_output=True, text=True, env=environment)
    assert shown.returncode == 0, shown.stderr
    search = [HUB, "audit", "search", "--referral", "REF-2026-000417", "--json"]
    trail = subprocess.run(search, capture_output=True, text=True, env=environment)
    assert trail.returncode == 0, trail.stderr
    seen = {(event["actor"], event["role"], event["action"]) for event in map(json.loads, trail.stdout.splitlines())}
    for who, action in [
        (("user:demo.practitioner", "practitioner"), "referral.create"),
        (("user:demo.practitioner", "practitioner"), "referral.allocate"),
        (("service:pipeline", "service"), "referral.read"),
        (("service:pipeline", "service"), "reply.write"),
        (("service:pipeline", "service"), "chronology.write"),
        (("user:demo.practitioner", "practitioner"), "chronology.read"),
    ]:
        assert (*who, action) in seen, (who, action)
    # Agencies add their own gateways (e.g. health data's Art 9 condition), so bases differ by event,
    # but every access rests on the safeguarding statutes.
    events = open_store(HubSettings.from_env({"HUB_HOME": str(home)})).audit_trail(referral_id="REF-2026-000417")
    assert events and all(event.lawful_basis.startswith("Children Act 1989") for event in events)
    verify = subprocess.run([HUB, "audit", "verify"], capture_output=True, text=True, env=environment)
    assert verify.returncode == 0 and "Audit trail intact" in verify.stdout
