"""One task per agency: every person of the referral asked at once, each person's check still its own.

Against the real sandboxes and the hub's store, without Airflow (`run_agency_checks` is what the
DAG's `AgencyCheck` calls). Measured before: one Airflow task per agency and person, about a second
of CPU each before any check began (docs/deployment.md, "Throughput").
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from hub.checks.attempts import Attempt
from hub.checks.steps import (
    PipelineError,
    ReplyAwaited,
    _agency_verdict,
    _SubjectResult,
    plan_checks,
    run_agency_checks,
)
from hub.runtime.sandboxes import record_sandboxes
from hub.settings import HubSettings
from hub.store.home import open_store
from sandbox.server import SandboxCluster
from schemas import CheckPhase, Referral
from tests.conftest import SAMPLE_REFERRAL

LATENCY_MS = 1000
UNLIMITED = {"per_second": 1000, "burst": 1000}


@pytest.fixture
def settings(hub_home: Path, config_copy: Path) -> HubSettings:
    """No client-side rate limit, so requests are spaced by nothing but the agency's own latency."""
    registry = yaml.safe_load((config_copy / "agencies.yaml").read_text())
    for entry in registry["agencies"]:
        entry["rate_limit"] = UNLIMITED
    (config_copy / "agencies.yaml").write_text(yaml.safe_dump(registry, sort_keys=False))
    return HubSettings.from_env()


@pytest.fixture
def planned(settings: HubSettings, sandbox_cluster: SandboxCluster) -> Iterator[Referral]:
    record_sandboxes(settings, sandbox_cluster)
    referral = Referral.model_validate_json(SAMPLE_REFERRAL.read_text())
    open_store(settings).save_referral(referral, actor="test", purpose="referral_intake", for_checks=True)
    plan_checks(referral.referral_id, settings)
    yield referral
    sandbox_cluster.agency("housing").faults.reset()


def housing_ledger(settings: HubSettings, referral_id: str) -> dict[str, tuple[CheckPhase, int]]:
    return {
        item.subject_id: (item.phase, item.attempts)
        for item in open_store(settings).check_progress(referral_id)
        if item.agency == "housing"
    }


def test_every_person_is_asked_at_once_and_each_check_is_recorded_on_its_own(
    settings: HubSettings, planned: Referral, sandbox_cluster: SandboxCluster
) -> None:
    housing = sandbox_cluster.agency("housing").faults
    housing.set_config({"latency": {"distribution": "fixed", "fixed_ms": LATENCY_MS}})
    before = housing.counters["requests"]

    started = time.monotonic()
    outcomes = run_agency_checks(planned.referral_id, "housing", settings)
    elapsed = time.monotonic() - started

    requests = housing.counters["requests"] - before
    assert requests >= 2 * len(planned.subjects)  # a search and at least one fetch each
    one_at_a_time = requests * LATENCY_MS / 1000
    assert elapsed < one_at_a_time / 2, f"{elapsed:.1f} s for {requests} requests of {LATENCY_MS} ms each"
    assert sum(outcomes.values()) == len(planned.subjects)
    ledger = housing_ledger(settings, planned.referral_id)
    assert ledger == {subject.subject_id: (CheckPhase.ANSWERED, 1) for subject in planned.subjects}
    replies = open_store(settings).load_replies(planned.referral_id, actor="test", purpose="test")
    assert sorted(reply.subject_id for reply in replies if reply.agency == "housing") == sorted(ledger)


def test_a_later_attempt_asks_only_people_without_a_final_answer(
    settings: HubSettings, planned: Referral, sandbox_cluster: SandboxCluster
) -> None:
    housing = sandbox_cluster.agency("housing").faults
    run_agency_checks(planned.referral_id, "housing", settings)
    before = housing.counters["requests"]

    assert run_agency_checks(planned.referral_id, "housing", settings, attempt=Attempt(number=2, tries=3)) == {}

    assert housing.counters["requests"] == before  # nobody asked twice
    assert {attempts for _, attempts in housing_ledger(settings, planned.referral_id).values()} == {1}


def test_a_failure_that_may_pass_makes_the_task_retry_and_the_retry_asks_again(
    settings: HubSettings, planned: Referral, sandbox_cluster: SandboxCluster
) -> None:
    housing = sandbox_cluster.agency("housing").faults
    housing.set_config({"error_rate": 1.0, "error_statuses": [503]})
    with pytest.raises(PipelineError) as failed:
        run_agency_checks(planned.referral_id, "housing", settings, attempt=Attempt(number=1, tries=2))
    assert failed.value.retryable
    assert set(housing_ledger(settings, planned.referral_id).values()) == {(CheckPhase.RETRYING, 1)}
    for subject in planned.subjects:  # one clause per person, ids and codes only
        assert f"housing check for {subject.subject_id} failed: http_503" in str(failed.value)

    housing.reset()
    run_agency_checks(planned.referral_id, "housing", settings, attempt=Attempt(number=2, tries=2))
    assert set(housing_ledger(settings, planned.referral_id).values()) == {(CheckPhase.ANSWERED, 2)}


def test_the_attempts_end_retries_before_it_defers_and_defers_before_it_fails() -> None:
    soon, later = datetime.now(UTC) + timedelta(seconds=30), datetime.now(UTC) + timedelta(seconds=90)
    answered = _SubjectResult("S1", outcome="found")
    gave_up = _SubjectResult("S2", error=PipelineError("housing check for S2 failed: http_400", retryable=False))
    retrying = _SubjectResult("S3", error=PipelineError("housing check for S3 failed: http_503"))
    waiting = [_SubjectResult("S4", awaited=ReplyAwaited(later)), _SubjectResult("S5", awaited=ReplyAwaited(soon))]

    with pytest.raises(PipelineError) as retry:
        _agency_verdict("housing", [answered, gave_up, retrying, *waiting])
    assert retry.value.retryable and "S3" in str(retry.value) and "S2" not in str(retry.value)
    with pytest.raises(ReplyAwaited) as deferred:
        _agency_verdict("housing", [answered, gave_up, *waiting])
    assert deferred.value.poll_at == soon  # the earliest job due
    with pytest.raises(PipelineError) as final:
        _agency_verdict("housing", [answered, gave_up])
    assert not final.value.retryable and "S2" in str(final.value)
    assert _agency_verdict("housing", [answered, _SubjectResult("S2", outcome="no_record")]) == {
        "found": 1,
        "no_record": 1,
    }
