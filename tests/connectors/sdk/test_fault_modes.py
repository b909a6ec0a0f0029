"""Every fault mode at once, against the four real sandboxes: no reply lost, none duplicated.

A household's checks (4 subjects x 4 agencies) run through the registered connectors while the
sandboxes inject latency, 5xx, 429 with Retry-After, hangs, dropped connections, malformed and
truncated replies (each scripted once per agency, then at seeded random rates), police and
education answering asynchronously (202, then polled; or called back, half the replies delivered
twice). A failed check is run again, as Airflow's task retries would, and every attempt's reply is
stored as the pipeline stores it. In the end each check has exactly one stored reply, equal to a
fault-free run's, and its recording.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from connectors.sdk.config import AgencyConfig
from connectors.sdk.registry import REGISTRY_FILE, AgencyRegistry, load_registry_file
from connectors.sdk.resilience import MemoryResilienceState, ResilienceState
from connectors.testing import fast_config
from hub.settings import HubSettings
from hub.store import HubStore
from sandbox.common.async_replies import AsyncConfig, AsyncReplies
from sandbox.common.faults import FaultConfig, LatencyConfig
from sandbox.common.settings import AgencySandbox, SandboxSettings
from sandbox.population.dataset import Dataset
from sandbox.server import SandboxCluster
from sandbox.world.default import write_default_population
from schemas import AgencyPerson, AgencyReply, ChronologyEntry, Referral, ReplyStatus
from tests.conftest import SAMPLE_REFERRAL
from tests.hub import conftest as core_fixtures

database_url = core_fixtures.database_url
sqlite_url = core_fixtures.sqlite_url
key_provider = core_fixtures.key_provider
store = core_fixtures.store
"""The encrypted store on SQLite and on PostgreSQL, built as the core tests build it."""

AGENCIES = ("health", "police", "education", "housing")
ACTOR = "pipeline"
ATTEMPTS = 10
"""Tries per check, the first included (an Airflow task with retries=9)."""
RETRY_DELAY_SECONDS = 0.05
EVERY_FAULT = (
    "latency",
    "http_500",
    "http_502",
    "http_503",
    "http_504",
    "http_429",
    "hang",
    "drop",
    "malformed",
    "truncate",
)
FAULTS = FaultConfig(
    latency=LatencyConfig(distribution="uniform", min_ms=0, max_ms=10),
    error_rate=0.06,
    rate_limit_rate=0.03,
    retry_after_seconds=0,  # sent, but 0: a real wait is proven in test_sdk.py, quicker alone
    hang_rate=0.01,
    hang_seconds=2,
    drop_rate=0.03,
    malformed_rate=0.02,
    truncate_rate=0.02,
)
POLLED = AsyncConfig(mode="poll", delay_seconds=0.02, retry_after_seconds=0)
CALLED_BACK = AsyncConfig(mode="callback", delay_seconds=0.02, retry_after_seconds=0, callback_backoff_seconds=0.01)
REPLY_STYLES = {"poll": (POLLED, FAULTS), "callback": (CALLED_BACK, FAULTS.model_copy(update={"duplicate_rate": 0.5}))}
"""How police and education answer later, and the faults that go with it (duplicates need callbacks)."""
ASYNC_AGENCIES = ("police", "education")
SETTINGS: dict[str, Any] = {
    "timeouts": {"connect": 0.5, "read": 0.5},
    "circuit_breaker": {"failure_threshold": 5, "reset_after": 0.2},
}


@dataclass(frozen=True)
class Run:
    """The replies a household's checks ended with, and how many tries each took."""

    replies: dict[tuple[str, str], AgencyReply]
    attempts: dict[tuple[str, str], int]


@pytest.fixture(scope="module")
def faulty_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxCluster]:
    """The four sandboxes over a small population, unauthenticated, police and education polled."""
    directory = tmp_path_factory.mktemp("fault-modes") / "population"
    dataset = Dataset(write_default_population(directory, people=300))
    plain = SandboxSettings.unauthenticated()
    settings = plain.model_copy(
        update={agency: AgencySandbox(auth="none", asynchronous=POLLED) for agency in ASYNC_AGENCIES}
    )
    with SandboxCluster(dataset, settings=settings, seed=17) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def registry(faulty_cluster: SandboxCluster) -> AgencyRegistry:
    registry = load_registry_file(HubSettings.from_env().config_dir / REGISTRY_FILE)
    return registry.with_endpoints({agency: faulty_cluster.endpoints[agency] for agency in AGENCIES})


@pytest.fixture(scope="module")
def referral() -> Referral:
    return Referral.model_validate_json(SAMPLE_REFERRAL.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def baseline(faulty_cluster: SandboxCluster, registry: AgencyRegistry, referral: Referral) -> Run:
    """The household's checks with no faults at all."""
    for agency in AGENCIES:
        faulty_cluster.agency(agency).faults.reset()
    return run_household(registry, referral, MemoryResilienceState(), reply_style="poll")


@pytest.fixture(params=list(REPLY_STYLES))
def reply_style(request: pytest.FixtureRequest) -> str:
    style: str = request.param
    return style


@pytest.fixture
def faults_on(faulty_cluster: SandboxCluster, reply_style: str) -> Iterator[SandboxCluster]:
    """Every fault once per agency, then the seeded rates, and the reply style; undone afterwards."""
    later, faults = REPLY_STYLES[reply_style]
    for agency in AGENCIES:
        injector = faulty_cluster.agency(agency).faults
        injector.reset()
        injector.set_config(faults)
        injector.script(EVERY_FAULT)
    for agency in ASYNC_AGENCIES:
        async_replies(faulty_cluster, agency).set_config(later)
    yield faulty_cluster
    for agency in AGENCIES:
        faulty_cluster.agency(agency).faults.reset()
    for agency in ASYNC_AGENCIES:
        async_replies(faulty_cluster, agency).set_config(POLLED)


def async_replies(cluster: SandboxCluster, agency: str) -> AsyncReplies:
    replies = cluster.agency(agency).replies
    assert replies is not None, f"{agency} does not answer later"
    return replies


def connector_config(registry: AgencyRegistry, agency: str, replies: str) -> AgencyConfig:
    config = registry.get(agency).config
    return fast_config(config, config.endpoint, **SETTINGS, replies=replies)


def run_household(
    registry: AgencyRegistry,
    referral: Referral,
    state: ResilienceState,
    hub_store: HubStore | None = None,
    *,
    reply_style: str,
) -> Run:
    """Every subject checked by every agency; a failed check is re-run up to `ATTEMPTS` tries in all."""
    replies: dict[tuple[str, str], AgencyReply] = {}
    attempts: dict[tuple[str, str], int] = {}
    for agency in AGENCIES:
        connector = registry.get(agency).connector_class(connector_config(registry, agency, reply_style), state=state)
        for subject in referral.subjects:
            key = (agency, subject.subject_id)
            for attempt in range(1, ATTEMPTS + 1):
                checked = connector.check_recorded(referral.referral_id, subject)
                if hub_store is not None:
                    hub_store.save_reply(checked.reply, actor=ACTOR, recording=checked.recording)
                replies[key], attempts[key] = checked.reply, attempt
                if checked.reply.status is not ReplyStatus.FAILED:
                    break
                time.sleep(RETRY_DELAY_SECONDS)
    return Run(replies, attempts)


def fault_counts(cluster: SandboxCluster) -> Counter[str]:
    counts: Counter[str] = Counter()
    for agency in AGENCIES:
        counts.update(cluster.agency(agency).faults.counters)
    return counts


def async_counts(cluster: SandboxCluster) -> Counter[str]:
    counts: Counter[str] = Counter()
    for agency in ASYNC_AGENCIES:
        counts.update(async_replies(cluster, agency).counters)
    return counts


def outcome(reply: AgencyReply) -> tuple[ReplyStatus, list[AgencyPerson], list[ChronologyEntry]]:
    return reply.status, reply.candidates, reply.entries


def entry_keys(reply: AgencyReply) -> list[tuple[str, str, str]]:
    return [(entry.source.record_id, entry.category.value, entry.summary) for entry in reply.entries]


def test_baseline_finds_the_household(baseline: Run) -> None:
    statuses = Counter(reply.status for reply in baseline.replies.values())
    assert statuses[ReplyStatus.FAILED] == 0
    assert statuses[ReplyStatus.FOUND] >= 12
    assert set(baseline.attempts.values()) == {1}


def test_every_fault_mode_loses_and_duplicates_no_reply(
    faults_on: SandboxCluster,
    reply_style: str,
    registry: AgencyRegistry,
    referral: Referral,
    baseline: Run,
    store: HubStore,
) -> None:
    store.save_referral(referral, actor=ACTOR, purpose="MASH checks")
    before = async_counts(faults_on)
    run = run_household(registry, referral, MemoryResilienceState(), store, reply_style=reply_style)

    counts = fault_counts(faults_on)
    assert all(counts[fault] >= len(AGENCIES) for fault in EVERY_FAULT), counts
    later = async_counts(faults_on) - before
    assert later["accepted"] > 0, "no agency answered later"
    if reply_style == "callback":
        assert later["delivered"] > 0 and later["duplicate_deliveries"] > 0, later
    assert sum(run.attempts.values()) > len(run.attempts), "no check needed a re-run, so faults were not felt"

    failed = [key for key, reply in run.replies.items() if reply.status is ReplyStatus.FAILED]
    assert failed == [], f"checks still failing after {ATTEMPTS} tries: {failed}"
    stored = store.load_replies(referral.referral_id, actor=ACTOR, purpose="MASH checks")
    keys = [(reply.agency, reply.subject_id) for reply in stored]
    assert sorted(keys) == sorted(baseline.replies), "a check has no stored reply, or more than one"
    for reply in stored:
        expected = baseline.replies[(reply.agency, reply.subject_id)]
        assert outcome(reply) == outcome(expected)
        assert len(set(entry_keys(reply))) == len(reply.entries), "an entry is duplicated"
    for agency in AGENCIES:
        recorded = store.recorded_checks(agency, referral.referral_id)
        assert sorted(recorded) == sorted((referral.referral_id, s.subject_id) for s in referral.subjects)
