"""Referrals through Airflow's CeleryExecutor with two Celery workers, on PostgreSQL and Redis, for real.

One stack serves the module: Airflow's metadata in a PostgreSQL database of its own (created, then
dropped), the hub's store in a PostgreSQL schema of its own, Celery's queue in a Redis database index
no one else uses (flushed at the end, and only it), Airflow started by `AirflowServices` exactly as
`hub airflow up` starts it with `HUB_AIRFLOW_EXECUTOR=CeleryExecutor` and `HUB_CELERY_WORKERS=2`, and
the four agency sandboxes. Each worker records its own loopback address as the hostname of the task
instances it runs, which is how the cases tell the workers apart.

The cases: several referrals at once are each checked exactly once in effect, over both workers; a
circuit opened by one agency's failures refuses that agency's checks on both workers (its state is in
the hub's database); and a worker killed with SIGKILL mid-check loses nothing: the check runs again on
the other worker, and the history never reads as an all-clear. Airflow notices the dead worker's task
once it has sent no heartbeat for 15 s (shortened through the environment, as in test_crash_safety).
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
import shutil
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml
from rich.console import Console
from sqlalchemy import create_engine, text

from connectors.sdk.jobs import MIN_POLL_VARIABLE
from hub.checks.airflow_api import AirflowClient
from hub.checks.submission import submit_referral
from hub.chronology.reading import show_history
from hub.chronology.restricted import Clearance
from hub.runtime.airflow import AirflowServices, free_port
from hub.runtime.sandboxes import forget_sandboxes, record_sandboxes
from hub.settings import HubSettings
from hub.store.home import open_store
from schemas import CheckPhase, ChecksStage, Chronology
from tests.conftest import REPO_ROOT, SAMPLE_REFERRAL
from tests.e2e.airflow_probes import task_instances, wait_for
from tests.e2e.processes import Process, in_sessions, kill9
from tests.hub.conftest import fresh_database, postgres_database


def _missing_dependency() -> str | None:
    """Why this environment cannot run Airflow's CeleryExecutor on PostgreSQL, or None."""
    if importlib.util.find_spec("asyncpg") is None:
        return "Airflow 3 on PostgreSQL needs the asyncpg driver, which is not installed"
    database = importlib.import_module("celery.backends.database")
    if not hasattr(database, "retry"):  # apache-airflow-providers-celery imports it; celery 5.7 removed it
        return "celery >= 5.7 lacks celery.backends.database.retry, which the Celery provider imports (pin celery<5.7)"
    return None


pytestmark = [
    pytest.mark.airflow,
    pytest.mark.skipif(_missing_dependency() is not None, reason=str(_missing_dependency())),
]

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
HEARTBEAT_TIMEOUT_SECONDS = 15
RUN_TIMEOUT_SECONDS = 240.0
ACTOR = "test:celery"
PURPOSE = "practitioner_view"
WORKERS = 2
EVERY_AGENCY = Clearance(frozenset({"health", "police", "education", "housing"}))
_SAMPLE = json.loads(SAMPLE_REFERRAL.read_text())
FAMILY = {**_SAMPLE, "subjects": [subject for subject in _SAMPLE["subjects"] if subject["subject_id"] in ("S1", "S3")]}
"""The sample referral's child and her mother: 8 checks a referral."""
SUBJECTS = [subject["subject_id"] for subject in FAMILY["subjects"]]
"""In the order `plan` returns them, so a subject's check is the mapped task with its index."""
NO_ALL_CLEAR = "No agency holds records"


@dataclass
class Stack:
    settings: HubSettings
    services: AirflowServices
    cluster: Any  # sandbox.server.SandboxCluster
    folder: Path
    database_url: str

    @property
    def workers(self) -> dict[str, int]:
        """Each worker's address (the hostname of its task instances) → its service's session."""
        pids = self.services.pids
        return {self.services.worker_address(n): pids[f"worker-{n}"] for n in range(1, WORKERS + 1)}


def quicker_registry(config: Path) -> None:
    """Quick retries (2 s) so recovery is quick; housing's circuit opens at its first failure and stays open for
    the rest of the case that opens it, where each of its checks is refused twice, a second apart."""
    path = config / "agencies.yaml"
    registry = yaml.safe_load(path.read_text())
    for entry in registry["agencies"]:
        entry["check_retry"] = {"tries": 4, "delay": "2s", "max_delay": "4s"}
        if entry["id"] == "education":
            entry["wait_in_place"] = "1s"
        if entry["id"] == "housing":
            entry["check_retry"] = {"tries": 2, "delay": "1s", "max_delay": "1s"}
            entry["circuit_breaker"] = {"failure_threshold": 1, "reset_after": "600s"}
    path.write_text(yaml.safe_dump(registry, sort_keys=False))


def answering_at_once() -> Any:
    """The sandboxes as they run by default, except that asynchronous agencies have their reply ready at once."""
    from sandbox.common.async_replies import AsyncConfig
    from sandbox.common.settings import SandboxSettings

    defaults = SandboxSettings()
    ready = AsyncConfig(delay_seconds=0, retry_after_seconds=0)
    return defaults.model_copy(
        update={
            agency: defaults.for_agency(agency).model_copy(update={"asynchronous": ready})
            for agency in ("police", "education")
        }
    )


@pytest.fixture(scope="module")
def airflow_database() -> Iterator[str]:
    """A PostgreSQL database of its own for Airflow's metadata, dropped afterwards (with any connection left)."""
    with postgres_database("airflow_celery") as url:
        yield url


@pytest.fixture(scope="module")
def broker_url() -> Iterator[str]:
    """An empty Redis database index, claimed here so another run takes another; flushed after (it alone)."""
    claim = f"hub-test-celery-{uuid.uuid4().hex}"
    for index in range(15, 0, -1):
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=index)
        if client.dbsize() == 0 and client.set("hub-test-claim", claim, nx=True):
            break
        client.close()
    else:
        pytest.fail("no empty Redis database index (1-15) to use for the test")
    try:
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{index}"
    finally:
        client.flushdb()  # this index alone
        client.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, airflow_database: str, broker_url: str) -> Iterator[Stack]:
    from sandbox.server import SandboxCluster

    folder = tmp_path_factory.mktemp("celery")
    config = folder / "config"
    shutil.copytree(REPO_ROOT / "config", config)
    quicker_registry(config)
    with fresh_database("postgresql", "") as hub_database, pytest.MonkeyPatch.context() as patch:
        patch.setenv("HUB_HOME", str(folder / "hub-home"))
        patch.setenv("HUB_CONFIG_DIR", str(config))
        patch.setenv("HUB_DATABASE_URL", hub_database)
        patch.setenv("HUB_AIRFLOW_EXECUTOR", "CeleryExecutor")
        patch.setenv("HUB_AIRFLOW_DATABASE_URL", airflow_database)
        patch.setenv("HUB_CELERY_BROKER_URL", broker_url)
        patch.setenv("HUB_CELERY_WORKERS", str(WORKERS))
        patch.setenv("AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT", str(HEARTBEAT_TIMEOUT_SECONDS))
        patch.setenv("AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL", "5")
        patch.setenv("AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT", str(free_port()))
        patch.setenv(MIN_POLL_VARIABLE, "10")
        settings = HubSettings.from_env()
        settings.ensure_home()
        open_store(settings).close()  # the hub's schema, made once before any worker opens the store
        with SandboxCluster(settings=answering_at_once(), pki_dir=settings.sandbox_dir / "tls") as cluster:
            record_sandboxes(settings, cluster)
            services = AirflowServices(settings)
            assert services.services[-4:] == ("worker-1", "worker-1-logs", "worker-2", "worker-2-logs")
            try:
                services.prepare()
                services.start()
                services.wait_until_ready()
                yield Stack(settings, services, cluster, folder, hub_database)
            finally:
                sessions = list(services.sessions)
                services.stop()
                forget_sandboxes(settings)
                assert in_sessions(sessions) == [], "every process the stack started has stopped"


def submit(stack: Stack, referral_id: str, subjects: int = len(SUBJECTS)) -> tuple[str, AirflowClient]:
    """The sample family (its first `subjects`) under a new referral id, submitted as `hub referral submit` does;
    (run id, client)."""
    file = stack.folder / f"{referral_id}.json"
    file.write_text(json.dumps({**FAMILY, "subjects": FAMILY["subjects"][:subjects], "referral_id": referral_id}))
    console = Console(file=io.StringIO(), width=200)
    _, run_id, client = submit_referral(stack.settings, file, actor=ACTOR, console=console, api=stack.services.api)
    return run_id, client


def finished(client: AirflowClient, run_id: str) -> str:
    return client.wait(run_id, timeout=RUN_TIMEOUT_SECONDS, on_unreachable=lambda: None).state


def agency_check(stack: Stack, run_id: str, agency: str) -> dict[str, Any] | None:
    """An agency's check task instance of a run (one for every subject), or None while there is none."""
    for instance in task_instances(stack.services.api, run_id):
        if instance["task_id"] == f"{agency}.check" and instance["map_index"] == -1:
            return instance
    return None


def stored(settings: HubSettings, referral_id: str) -> dict[str, Any]:
    """What the hub stored for a referral, without ids or times that differ between two runs of one family."""
    store = open_store(settings)
    try:
        checks = store.referral_checks(referral_id)
        chronologies = store.latest_chronologies(referral_id, actor=ACTOR, purpose=PURPOSE)
        return {
            "stage": checks.stage if checks else None,
            "ledger": sorted(
                (item.agency, item.subject_id, item.phase, item.reason) for item in store.check_progress(referral_id)
            ),
            "chronologies": {chronology.child_subject_id: picture(chronology) for chronology in chronologies},
        }
    finally:
        store.close()


def picture(chronology: Chronology) -> dict[str, Any]:
    return {
        "entries": [entry.model_dump(mode="json") for entry in chronology.entries],
        "checks": sorted(
            (check.agency, check.subject_id, check.status, check.state, check.reason, check.record_count)
            for check in chronology.checks
        ),
    }


def assert_one_reply_per_check(settings: HubSettings, referral_id: str) -> None:
    store = open_store(settings)
    try:
        replies = [
            (reply.agency, reply.subject_id) for reply in store.load_replies(referral_id, actor=ACTOR, purpose=PURPOSE)
        ]
        planned = [(item.agency, item.subject_id) for item in store.check_progress(referral_id)]
    finally:
        store.close()
    assert sorted(replies) == sorted(planned), "one stored reply per planned check, none twice"


def history_text(settings: HubSettings, referral_id: str) -> str:
    console = Console(file=io.StringIO(), width=200)
    show_history(settings, referral_id, actor=ACTOR, clearance=EVERY_AGENCY, console=console)
    return " ".join(console.file.getvalue().split())  # type: ignore[attr-defined]


@dataclass
class Undisturbed:
    """Three referrals of the family submitted at once with nothing disturbed, once every run has ended."""

    referrals: list[str]
    runs: list[tuple[str, AirflowClient]]
    states: list[str]


@pytest.fixture(scope="module")
def undisturbed(stack: Stack) -> Undisturbed:
    referrals = [f"REF-CELERY-{n}" for n in range(1, 4)]
    started = time.monotonic()
    with ThreadPoolExecutor(len(referrals)) as pool:
        runs = list(pool.map(lambda referral_id: submit(stack, referral_id), referrals))
    states = [finished(client, run_id) for run_id, client in runs]
    print(f"{len(referrals)} referrals of {4 * len(SUBJECTS)} checks each ended in {time.monotonic() - started:.0f} s")
    return Undisturbed(referrals, runs, states)


def test_referrals_at_once_are_checked_exactly_once_over_both_workers(stack: Stack, undisturbed: Undisturbed) -> None:
    referrals, runs = undisturbed.referrals, undisturbed.runs
    assert undisturbed.states == ["success"] * len(referrals)

    pictures = [stored(stack.settings, referral_id) for referral_id in referrals]
    first = pictures[0]
    assert first["stage"] is ChecksStage.COMPLETE and first["chronologies"]
    assert len(first["ledger"]) == 4 * len(SUBJECTS)
    assert all(phase is CheckPhase.ANSWERED for _, _, phase, _ in first["ledger"])
    assert all(picture == first for picture in pictures[1:]), "every referral of the family stored the same history"
    for referral_id in referrals:
        assert_one_reply_per_check(stack.settings, referral_id)

    hostnames = [
        instance["hostname"]
        for run_id, _ in runs
        for instance in task_instances(stack.services.api, run_id)
        if instance["task_id"].endswith(".check")
    ]
    assert len(hostnames) == 4 * len(referrals)  # one task per agency and referral
    assert set(hostnames) == set(stack.workers), f"both workers took checks: {sorted(set(hostnames))}"


@pytest.fixture
def housing_circuit_reset(stack: Stack) -> Iterator[Any]:
    """Housing's fault injector; afterwards housing is healthy and its circuit closed (its row in the hub's store)."""
    housing = stack.cluster.agency("housing").faults
    try:
        yield housing
    finally:
        housing.reset()
        engine = create_engine(stack.database_url)
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM connector_state WHERE key = 'housing'"))
        engine.dispose()


def housing_checks(stack: Stack, referral_id: str, run_id: str) -> list[tuple[str, CheckPhase, str | None]]:
    """Housing's checks of a referral: (the hostname of the worker that ran them, each one's phase and reason)."""
    instance = agency_check(stack, run_id, "housing")
    assert instance is not None, f"no housing task in run {run_id}"
    ledger = stored(stack.settings, referral_id)["ledger"]
    return [(instance["hostname"], phase, reason) for agency, _, phase, reason in ledger if agency == "housing"]


def test_a_circuit_opened_on_one_worker_refuses_the_agency_on_both(
    stack: Stack, housing_circuit_reset: Any, undisturbed: Undisturbed
) -> None:
    """Housing's one check of a one-person referral meets HTTP 500, which opens housing's circuit.

    Housing is then healthy again, but its circuit stays open: referrals' housing checks, over both
    workers, are all refused without a request, also on the worker that never met a failure. Had each
    worker a circuit of its own, that worker would have called housing and had its answer. Referrals are
    sent two at a time until both workers have run a housing task (Celery chooses the worker).
    """
    housing = housing_circuit_reset
    housing.set_config({"error_rate": 1.0, "error_statuses": [500]})
    run_id, client = submit(stack, "REF-CELERY-OPENS", subjects=1)
    finished(client, run_id)
    ((opened_on, phase, reason),) = housing_checks(stack, "REF-CELERY-OPENS", run_id)
    assert phase is CheckPhase.GAVE_UP and reason in ("http_500", "circuit_open"), reason
    assert housing.counters["requests"] >= 1
    housing.reset()  # healthy from now on; the circuit, in the hub's database, is still open

    referrals: list[str] = []
    refused: list[tuple[str, CheckPhase, str | None]] = []
    for batch in range(1, 7):
        names = [f"REF-CELERY-CIRCUIT-{batch}-{n}" for n in (1, 2)]
        with ThreadPoolExecutor(len(names)) as pool:
            runs = list(pool.map(lambda referral_id: submit(stack, referral_id), names))
        for referral_id, (run_id, client) in zip(names, runs, strict=True):
            finished(client, run_id)  # a check that could not be done fails its run; the history says so
            refused += housing_checks(stack, referral_id, run_id)
        referrals += names
        if {hostname for hostname, _, _ in refused} == set(stack.workers):
            break
    assert len(refused) == len(referrals) * len(SUBJECTS)
    assert {(phase, reason) for _, phase, reason in refused} == {(CheckPhase.GAVE_UP, "circuit_open")}
    assert housing.counters["requests"] == 0, "no worker called housing while its circuit was open"
    assert {hostname for hostname, _, _ in refused} == set(stack.workers), "refused on both workers"
    assert opened_on in stack.workers
    for referral_id in referrals:
        history = history_text(stack.settings, referral_id)
        assert "could not be checked" in history and NO_ALL_CLEAR not in history
    # The other agencies were not touched by housing's circuit.
    others = [item for item in stored(stack.settings, referrals[0])["ledger"] if item[0] != "housing"]
    assert others == [
        item for item in stored(stack.settings, undisturbed.referrals[0])["ledger"] if item[0] != "housing"
    ]


def test_a_worker_killed_mid_check_loses_nothing(stack: Stack, undisturbed: Undisturbed) -> None:
    """Every process of the worker running health's checks killed with SIGKILL while its request for S1 waits."""
    referral_id = "REF-CELERY-KILL"
    health = stack.cluster.agency("health").faults
    health.set_config({"latency": {"distribution": "fixed", "fixed_ms": 6000}})
    try:
        run_id, client = submit(stack, referral_id)

        def asked_and_running() -> dict[str, Any] | None:
            store = open_store(stack.settings)
            try:
                asked = any(
                    (item.agency, item.subject_id, item.phase) == ("health", "S1", CheckPhase.ASKED)
                    for item in store.check_progress(referral_id)
                )
            finally:
                store.close()
            check = agency_check(stack, run_id, "health") if asked else None
            return check if check is not None and check["state"] == "running" else None

        check = wait_for("health's check for S1 to ask", asked_and_running, timeout=90.0, interval=0.2)
        victim = check["hostname"]
        assert victim in stack.workers
        worker: list[Process] = in_sessions([stack.workers[victim]])
        assert any(check["id"] in process.command for process in worker), "the check runs in that worker's session"
        assert kill9(worker), "the worker's processes were killed"
        killed_at = time.monotonic()
    finally:
        health.reset()

    state = finished(client, run_id)
    print(f"worker killed: the run ended ({state}) {time.monotonic() - killed_at:.0f} s later")
    assert state == "success"
    retried = agency_check(stack, run_id, "health")
    assert retried is not None
    assert retried["try_number"] == 2
    (survivor,) = set(stack.workers) - {victim}
    assert retried["hostname"] == survivor, "the check ran again on the worker still alive"
    picture = stored(stack.settings, referral_id)
    assert picture["stage"] is ChecksStage.COMPLETE
    assert all(phase is CheckPhase.ANSWERED for _, _, phase, _ in picture["ledger"])
    assert picture == stored(stack.settings, undisturbed.referrals[0]), (
        "the same history as the family's undisturbed run"
    )
    assert_one_reply_per_check(stack.settings, referral_id)
    assert NO_ALL_CLEAR not in history_text(stack.settings, referral_id)
