"""Partial histories and late replies, through the checks' own steps against real sandboxes and databases.

Measured before: while a reply was outstanding every cell read "not checked", no partial history
existed, and a late reply appeared only after someone submitted the referral again by hand.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text

from hub.checks.steps import ReplyAwaited, plan_checks, run_check
from hub.runtime.sandboxes import record_sandboxes
from hub.settings import HubSettings
from hub.store.home import open_store
from sandbox.common.async_replies import AsyncConfig
from sandbox.common.settings import SandboxSettings
from sandbox.server import SandboxCluster
from schemas import CheckPhase, ChecksStage, CheckState, Referral
from tests.conftest import SAMPLE_REFERRAL

AGENCIES = ("health", "police", "education", "housing")
POLICE_REPLY_DELAY = 0.1
"""Seconds police takes to have a reply ready: long enough that every police request is first answered 202."""
UNLIMITED = {"per_second": 1000, "burst": 1000}


@pytest.fixture(scope="module")
def police_later(signing_keys_parsed_once: None) -> Iterator[SandboxCluster]:
    """The four sandboxes as configured, except that police replies shortly after it is asked, education at once.

    The checks run in this process, so health's signing key is parsed once (`signing_keys_parsed_once`).
    """
    defaults = SandboxSettings()
    later = AsyncConfig(delay_seconds=POLICE_REPLY_DELAY, retry_after_seconds=1)
    education_now = AsyncConfig(mode="sync")
    settings = defaults.model_copy(
        update={
            "police": defaults.for_agency("police").model_copy(update={"asynchronous": later}),
            "education": defaults.for_agency("education").model_copy(update={"asynchronous": education_now}),
        }
    )
    with SandboxCluster(settings=settings) as cluster:
        yield cluster


@pytest.fixture
def settings(database_url: str, hub_home: Path, config_copy: Path, monkeypatch: pytest.MonkeyPatch) -> HubSettings:
    """The hub's settings on SQLite, and on a PostgreSQL schema of its own (`police_defers_at_once`)."""
    police_defers_at_once(config_copy)
    if database_url.startswith("postgresql"):
        monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    return HubSettings.from_env()


def police_defers_at_once(config: Path) -> None:
    """Police never waits in place, so its checks defer at its first 202; no agency's client-side rate limit
    spaces the checks' requests out (health's, 5 a second, would add a second or two a test)."""
    registry = yaml.safe_load((config / "agencies.yaml").read_text())
    for entry in registry["agencies"]:
        entry["rate_limit"] = UNLIMITED
        if entry["id"] == "police":
            entry["wait_in_place"] = "0s"
    (config / "agencies.yaml").write_text(yaml.safe_dump(registry, sort_keys=False))


def until_answered(referral_id: str, agency: str, subject_id: str, settings: HubSettings) -> int:
    """Run one check as Airflow would, resuming it after each deferral; returns how many times it ran."""
    runs = 0
    while True:
        runs += 1
        try:
            run_check(referral_id, agency, subject_id, settings, defer=True)
            return runs
        except ReplyAwaited as waiting:
            assert runs < 30
            assert (waiting.poll_at - datetime.now(UTC)).total_seconds() >= 25  # the triggerer waits this long
            time.sleep(1.5 * POLICE_REPLY_DELAY)  # the sandbox answers sooner; run again as the resumed task would


def test_a_partial_history_comes_first_and_each_late_reply_makes_a_new_version(
    settings: HubSettings, police_later: SandboxCluster
) -> None:
    record_sandboxes(settings, police_later)
    referral = Referral.model_validate_json(SAMPLE_REFERRAL.read_text())
    store = open_store(settings)
    store.save_referral(referral, actor="test", purpose="referral_intake", for_checks=True)
    subjects = plan_checks(referral.referral_id, settings)
    assert {item.phase for item in store.check_progress(referral.referral_id)} == {CheckPhase.NOT_ASKED}

    waiting = []
    for agency in AGENCIES:
        for subject_id in subjects:
            try:
                run_check(referral.referral_id, agency, subject_id, settings, defer=True)
            except ReplyAwaited:
                waiting.append((agency, subject_id))
    assert {agency for agency, _ in waiting} == {"police"}  # police promised its replies for later

    first = {
        chronology.child_subject_id: chronology
        for chronology in store.latest_chronologies(referral.referral_id, actor="test", purpose="test")
    }
    assert {chronology.version for chronology in first.values()} == {1}
    outstanding = first["S1"].outstanding
    assert {(check.agency, check.state) for check in outstanding} == {("police", CheckState.AWAITING_REPLY)}
    assert not any(entry.source.agency == "police" for entry in first["S1"].entries)

    for agency, subject_id in waiting:
        assert until_answered(referral.referral_id, agency, subject_id, settings) >= 1

    latest = {
        chronology.child_subject_id: chronology
        for chronology in store.latest_chronologies(referral.referral_id, actor="test", purpose="test")
    }
    assert latest["S1"].version > first["S1"].version  # the late replies made new versions by themselves
    assert latest["S1"].outstanding == []
    assert any(entry.source.agency == "police" for entry in latest["S1"].entries)
    assert len(store.load_replies(referral.referral_id, actor="test", purpose="test")) == len(AGENCIES) * len(subjects)
    with store.engine.connect() as connection:  # every check ended, so no job is left in the book
        assert connection.execute(text("SELECT count(*) FROM pending_jobs")).scalar_one() == 0
    checks = store.referral_checks(referral.referral_id)
    assert checks is not None and checks.stage is ChecksStage.IN_PROGRESS  # closed by the run's assemble


def test_an_attempt_overtaken_by_a_newer_one_stores_nothing(
    settings: HubSettings, police_later: SandboxCluster
) -> None:
    from hub.checks.attempts import Attempt
    from hub.checks.steps import SUPERSEDED

    record_sandboxes(settings, police_later)
    referral = Referral.model_validate_json(SAMPLE_REFERRAL.read_text())
    store = open_store(settings)
    store.save_referral(referral, actor="test", purpose="referral_intake", for_checks=True)
    plan_checks(referral.referral_id, settings)
    newer = Attempt(number=2, tries=4)
    assert run_check(referral.referral_id, "housing", "S1", settings, attempt=newer) != SUPERSEDED

    older = Attempt(number=1, tries=4)
    assert run_check(referral.referral_id, "housing", "S1", settings, attempt=older) == SUPERSEDED
    progress = {(item.agency, item.subject_id): item for item in store.check_progress(referral.referral_id)}
    assert progress[("housing", "S1")].attempts == 2


def test_a_council_can_choose_to_see_histories_only_when_every_check_ended(
    hub_home: Path, config_copy: Path, police_later: SandboxCluster
) -> None:
    deadlines = yaml.safe_load((config_copy / "deadlines.yaml").read_text())
    deadlines["partial_history"] = {"assemble": "end_only"}
    (config_copy / "deadlines.yaml").write_text(yaml.safe_dump(deadlines))
    police_defers_at_once(config_copy)
    settings = HubSettings.from_env()
    record_sandboxes(settings, police_later)
    referral = Referral.model_validate_json(SAMPLE_REFERRAL.read_text())
    store = open_store(settings)
    store.save_referral(referral, actor="test", purpose="referral_intake", for_checks=True)
    for agency in ("health", "housing", "police"):
        with contextlib.suppress(ReplyAwaited):  # police answers later, and may say so
            run_check(referral.referral_id, agency, "S1", settings, defer=True)
    assert store.latest_chronologies(referral.referral_id, actor="test", purpose="test") == []


def test_the_deferral_floor_is_30_s_and_a_test_may_only_lower_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """`HUB_TEST_MIN_POLL_SECONDS` is a test knob: a lower floor for tests through the real triggerer."""
    from connectors.sdk.jobs import MIN_POLL_VARIABLE, poll_delay

    monkeypatch.delenv(MIN_POLL_VARIABLE, raising=False)
    assert (poll_delay(1), poll_delay(45)) == (30, 45)
    monkeypatch.setenv(MIN_POLL_VARIABLE, "5")
    assert (poll_delay(1), poll_delay(45)) == (5, 45)
    for bad in ("soon", "0", "31"):
        monkeypatch.setenv(MIN_POLL_VARIABLE, bad)
        with pytest.raises(ValueError, match=f"^{MIN_POLL_VARIABLE} must be a number of seconds above 0, at most 30$"):
            poll_delay(1)
