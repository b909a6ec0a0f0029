"""The Prometheus figures, computed at scrape time from a real database (SQLite and PostgreSQL).

Checks run in many worker processes, so the figures come from the database rather than any process's
counters: this writes checks, replies, circuit state and a decision through the store as the workers and
practitioners would, then scrapes the collector through a real HTTP server, bearer token and all.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from hub.checks.metrics import DECISION_BUCKETS, circuit_state, registry_for
from hub.errors import UserError
from hub.observability.exposition import metrics_server, serve_in_thread
from hub.store import HubStore
from hub.store.decision_tables import MashDecisionRow
from schemas import CheckPhase, CheckProgress, ReplyStatus
from tests.hub.builders import COMPLETED_AT, REFERRAL_ID, example_referral, reply

NOW = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
RECEIVED_AT = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
DECIDED_AT = RECEIVED_AT + timedelta(hours=3)


@pytest.fixture
def registry(store: HubStore) -> CollectorRegistry:
    """Two agencies' checks for four subjects: health answered all, police one failed, one retrying, two due."""
    store.save_referral(example_referral(), actor="service:pipeline", purpose="test")
    subjects = ["S1", "S2", "S3", "S4"]
    store.plan_checks(REFERRAL_ID, ["health", "police"], subjects, due_at=NOW - timedelta(hours=1))
    for subject in subjects:
        answered = CheckProgress(agency="health", subject_id=subject, phase=CheckPhase.ANSWERED, attempts=1)
        store.save_reply(reply("health", subject), actor="service:pipeline", progress=answered)
    failed = {"agency": "police", "attempts": 3, "reason": "http_503"}
    store.save_reply(
        reply("police", "S1", status=ReplyStatus.FAILED, error_code="http_503"),
        actor="service:pipeline",
        progress=CheckProgress(**failed, subject_id="S1", phase=CheckPhase.GAVE_UP),
    )
    store.record_progress(
        REFERRAL_ID,
        CheckProgress(**failed, subject_id="S2", phase=CheckPhase.RETRYING, next_attempt_at=NOW + timedelta(minutes=1)),
    )
    state = store.resilience_state()
    for _ in range(3):  # three failures in a row open police's circuit for a minute from NOW
        state.record("police", NOW.timestamp(), success=False, threshold=3, reset_after=60.0, cause="http_503")
    state.record("health", NOW.timestamp(), success=True, threshold=3, reset_after=60.0)
    store.record_decision(
        REFERRAL_ID, outcome="early_help", level=2, rationale="Rationale words", actor="u:pat", purpose="test"
    )
    with store.engine.begin() as connection:  # the decision's time as if recorded three hours after receipt
        connection.execute(update(MashDecisionRow).values(recorded_at=DECIDED_AT))
    return registry_for(store.engine, clock=lambda: NOW)


def test_the_figures_come_from_the_database(registry: CollectorRegistry) -> None:
    value = registry.get_sample_value
    assert value("hub_checks", {"agency": "health", "state": "answered"}) == 4
    assert value("hub_checks", {"agency": "police", "state": "gave_up"}) == 1
    assert value("hub_checks", {"agency": "police", "state": "retrying"}) == 1
    assert value("hub_checks", {"agency": "police", "state": "not_asked"}) == 2
    assert value("hub_check_failures", {"agency": "police", "state": "gave_up", "reason": "http_503"}) == 1
    assert value("hub_check_failures", {"agency": "police", "state": "retrying", "reason": "http_503"}) == 1
    # Overdue: police's retrying and two never-asked checks (unfinished, due an hour ago); health's all ended.
    assert value("hub_checks_overdue", {"agency": "police"}) == 3
    assert value("hub_checks_overdue", {"agency": "health"}) is None
    assert value("hub_referrals_overdue") == 1
    # Latency: every reply took a minute (builders' requested and completed times).
    assert value("hub_check_latency_seconds_count", {"agency": "health"}) == 4
    assert value("hub_check_latency_seconds_sum", {"agency": "health"}) == pytest.approx(240, abs=0.01)
    assert value("hub_check_latency_seconds_bucket", {"agency": "health", "le": "30.0"}) == 0
    assert value("hub_check_latency_seconds_bucket", {"agency": "health", "le": "60.0"}) == 4
    assert value("hub_check_latency_seconds_bucket", {"agency": "police", "le": "+Inf"}) == 1
    assert value("hub_circuit_state", {"agency": "police", "state": "open"}) == 1
    assert value("hub_circuit_state", {"agency": "police", "state": "closed"}) == 0
    assert value("hub_circuit_state", {"agency": "health", "state": "closed"}) == 1
    assert value("hub_circuit_consecutive_failures", {"agency": "police"}) == 3
    assert value("hub_time_to_decision_seconds_count") == 1
    assert value("hub_time_to_decision_seconds_sum") == pytest.approx(3 * 3600, abs=0.01)
    assert value("hub_time_to_decision_seconds_bucket", {"le": str(DECISION_BUCKETS[1])}) == 0  # 2 hours
    assert value("hub_time_to_decision_seconds_bucket", {"le": str(DECISION_BUCKETS[2])}) == 1  # 4 hours
    assert COMPLETED_AT < NOW


def test_a_circuit_is_half_open_once_its_time_is_up() -> None:
    assert circuit_state(None, 100.0) == "closed"
    assert circuit_state(160.0, 100.0) == "open"
    assert circuit_state(160.0, 160.0) == "half_open"


@pytest.fixture
def served(registry: CollectorRegistry) -> Iterator[str]:
    server = metrics_server(registry, host="127.0.0.1", port=0, token="s3cret-token")
    serve_in_thread(server)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_endpoint_wants_its_bearer_token(served: str) -> None:
    assert _get(f"{served}/metrics")[0] == 401
    assert _get(f"{served}/metrics", token="wrong")[0] == 401
    assert _get(f"{served}/elsewhere", token="s3cret-token")[0] == 404
    status, body = _get(f"{served}/metrics", token="s3cret-token")
    assert status == 200
    names = {family.name for family in text_string_to_metric_families(body)}
    assert {"hub_checks", "hub_check_latency_seconds", "hub_circuit_state", "hub_time_to_decision_seconds"} <= names
    assert "python_gc_objects_collected" not in names  # this process's own figures say nothing of the workers


def test_serving_beyond_this_machine_needs_a_token() -> None:
    with pytest.raises(UserError, match="HUB_METRICS_TOKEN"):
        metrics_server(CollectorRegistry(), host="0.0.0.0", port=0, token=None)
