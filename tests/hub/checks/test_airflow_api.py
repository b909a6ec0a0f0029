"""The CLI's Airflow client against a real local HTTP server playing a flaky, restarting api-server.

Measured (issue 11): under load the demo died with `internal error: ReadTimeout` (10 s, no retries),
the api-server's 500 "Database error" left a stored referral untriggered, and after an Airflow
restart a waiting `hub referral submit --wait` died with `internal error: ConnectionError`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.checks.airflow_api import AirflowApi, AirflowClient, AirflowUnavailable, retry_policy
from hub.errors import UserError
from hub.settings import HubSettings
from tests.hub.checks.airflow_double import FakeAirflow, Runs

FAST = {"timeout": (1.0, 0.5), "retry": retry_policy(backoff_factor=0.01), "poll_interval": 0.02}
REFERRAL = "REF-2026-000417"
RUN_ID = f"referral__{REFERRAL}__1"


@pytest.fixture
def airflow() -> Iterator[FakeAirflow]:
    with FakeAirflow(hang_seconds=3) as server:
        yield server


def client_for(airflow: FakeAirflow, **options: object) -> AirflowClient:
    return AirflowClient(airflow.api, **{**FAST, **options})  # type: ignore[arg-type]


def test_a_trigger_gets_through_database_errors_and_lost_answers_and_triggers_once(airflow: FakeAirflow) -> None:
    """500 "Database error", then a dropped connection after the run was created: the retry meets 409."""
    airflow.fail("trigger", "500", "429", "done-then-drop")
    client = client_for(airflow)

    assert client.trigger(REFERRAL, RUN_ID) == RUN_ID

    assert list(airflow.runs.runs) == [RUN_ID]  # one run, however many attempts
    assert airflow.count("trigger") == 4  # 500, 429, created but unanswered, then 409 Conflict
    assert airflow.runs.runs[RUN_ID].conf == {"referral_id": REFERRAL}


def test_a_trigger_whose_answer_timed_out_counts_as_triggered(airflow: FakeAirflow) -> None:
    """The run was created but the answer never came (read timeout): the retried POST meets 409 Conflict."""
    airflow.fail("trigger", "hang", "done-then-hang")
    client = client_for(airflow)
    started = time.monotonic()
    assert client.trigger(REFERRAL, RUN_ID) == RUN_ID
    assert time.monotonic() - started < 3  # the client's read timeout (0.5 s), not the server's hang
    assert airflow.count("trigger") == 3 and airflow.count("run") == 1  # the third met 409; the run was checked
    assert list(airflow.runs.runs) == [RUN_ID]


def test_wait_gets_through_500s_timeouts_drops_and_resets_and_reports_the_outcome(airflow: FakeAirflow) -> None:
    """The measured `ReadTimeout` (and its cousins) on a status poll are retried, never raised."""
    client = client_for(airflow)
    client.trigger(REFERRAL, RUN_ID)
    airflow.fail("run", "500", "hang", "drop", "reset", "429")
    airflow.fail("tasks", "drop", "500")
    seen: list[str] = []
    unanswered: list[bool] = []

    status = client.wait(
        RUN_ID, on_progress=lambda s: seen.append(s.state), on_unreachable=lambda: unanswered.append(True)
    )

    assert status.state == "success" and status.tasks == {"success": 1}
    assert seen[-1] == "success" and "running" in seen
    assert unanswered == []  # every fault was absorbed by the retries
    assert {"500", "hang", "drop", "reset", "429"} <= {fault for call, fault in airflow.calls if call == "run"}


def test_a_failed_run_is_reported_as_failed(airflow: FakeAirflow) -> None:
    airflow.runs.final_state = "failed"
    client = client_for(airflow)
    client.trigger(REFERRAL, RUN_ID)
    assert client.wait(RUN_ID).state == "failed"


def test_an_expired_token_is_fetched_again_once(airflow: FakeAirflow) -> None:
    client = client_for(airflow)
    client.trigger(REFERRAL, RUN_ID)
    airflow.fail("run", "401")
    assert client.wait(RUN_ID).state == "success"
    assert airflow.count("token") == 2


def test_credentials_that_stay_refused_are_one_line_saying_what_to_do(airflow: FakeAirflow) -> None:
    wrong = AirflowApi(airflow.api.base_url, "hub", "not-the-password")
    client = AirflowClient(wrong, **FAST)  # type: ignore[arg-type]
    with pytest.raises(UserError, match="refused the hub's credentials for user 'hub'") as raised:
        client.trigger(REFERRAL, RUN_ID)
    assert "\n" not in str(raised.value) and not isinstance(raised.value, AirflowUnavailable)
    assert airflow.runs.runs == {}


def test_database_errors_beyond_the_retry_budget_are_one_line_and_nothing_is_triggered(airflow: FakeAirflow) -> None:
    airflow.fail("trigger", *["500"] * 20)
    client = client_for(airflow)
    with pytest.raises(AirflowUnavailable) as raised:
        client.trigger(REFERRAL, RUN_ID)
    message = str(raised.value)
    assert "kept answering 500 (Database error)" in message
    assert "\n" not in message
    assert airflow.count("trigger") == 6  # the first try and five retries, then it says so
    assert airflow.runs.runs == {}


def test_wait_follows_airflow_to_a_new_port_and_password_after_a_restart(tmp_path: Path) -> None:
    """The runtime file is removed while Airflow is down and rewritten when it is back elsewhere."""
    settings = HubSettings.from_env({"HUB_HOME": str(tmp_path / "home")})
    runs = Runs(finish_after=6)
    first = FakeAirflow(runs).start()
    first.api.save(settings.airflow_api_file)
    client = AirflowClient(first.api, relocate=lambda: AirflowApi.locate(settings), **FAST)  # type: ignore[arg-type]
    client.trigger(REFERRAL, RUN_ID)
    restarted: list[FakeAirflow] = []

    def restart_airflow() -> None:
        while runs.polls(RUN_ID) < 2:
            time.sleep(0.01)
        first.stop()
        settings.airflow_api_file.unlink()
        time.sleep(0.5)  # down: the client finds no runtime file and waits
        second = FakeAirflow(runs).start()
        restarted.append(second)
        second.api.save(settings.airflow_api_file)

    restarter = threading.Thread(target=restart_airflow)
    restarter.start()
    unanswered: list[bool] = []
    try:
        status = client.wait(RUN_ID, on_unreachable=lambda: unanswered.append(True))
    finally:
        restarter.join()
        for server in restarted:
            server.stop()

    assert status.state == "success"
    assert unanswered == [True]  # one outage, said once
    (second,) = restarted
    assert client.api == second.api and second.api.password != first.api.password
    assert second.count("run") >= 1 and second.count("token") == 1


def test_wait_moves_at_once_when_the_runtime_file_already_names_the_new_port(tmp_path: Path) -> None:
    settings = HubSettings.from_env({"HUB_HOME": str(tmp_path / "home")})
    runs = Runs(finish_after=4)
    with FakeAirflow(runs) as first:
        first.api.save(settings.airflow_api_file)
        client = AirflowClient(first.api, relocate=lambda: AirflowApi.locate(settings), **FAST)  # type: ignore[arg-type]
        client.trigger(REFERRAL, RUN_ID)
    with FakeAirflow(runs) as second:
        second.api.save(settings.airflow_api_file)
        unanswered: list[bool] = []
        assert client.wait(RUN_ID, on_unreachable=lambda: unanswered.append(True)).state == "success"
        # A client without a token yet, still holding the old address: its first call (the token) moves too.
        fresh = AirflowClient(first.api, relocate=lambda: AirflowApi.locate(settings), **FAST)  # type: ignore[arg-type]
        assert fresh.trigger(REFERRAL, f"{RUN_ID}-again") == f"{RUN_ID}-again"
    assert unanswered == [] and client.api == second.api == fresh.api


def test_a_new_password_at_the_same_address_is_read_from_the_runtime_file(tmp_path: Path, airflow: FakeAirflow) -> None:
    """Airflow restarted on the same port with a new password: the 401 sends the client back to the file."""
    settings = HubSettings.from_env({"HUB_HOME": str(tmp_path / "home")})
    airflow.api.save(settings.airflow_api_file)
    client = AirflowClient(airflow.api, relocate=lambda: AirflowApi.locate(settings), **FAST)  # type: ignore[arg-type]
    client.trigger(REFERRAL, RUN_ID)
    airflow.password = "rotated-at-restart"
    airflow.tokens.clear()
    airflow.api.save(settings.airflow_api_file)

    assert client.wait(RUN_ID).state == "success"
    assert client.api.password == "rotated-at-restart" and airflow.count("token") == 2


def test_wait_gives_up_in_one_line_when_airflow_stays_away(airflow: FakeAirflow) -> None:
    client = client_for(airflow, patience=0.5)
    client.trigger(REFERRAL, RUN_ID)
    airflow.stop()
    started = time.monotonic()
    with pytest.raises(AirflowUnavailable, match="has not answered for 0 s") as raised:
        client.wait(RUN_ID)
    assert time.monotonic() - started < 10
    assert "hub airflow up" in str(raised.value) and "\n" not in str(raised.value)


def test_wait_follows_until_the_due_time_given(airflow: FakeAirflow) -> None:
    airflow.runs.finish_after = 10**6
    client = client_for(airflow)
    client.trigger(REFERRAL, RUN_ID)
    due = datetime.now(UTC) + timedelta(seconds=1)
    started = time.monotonic()
    with pytest.raises(UserError, match="had not finished by its due time") as raised:
        client.wait(RUN_ID, timeout=0.01, until=due)
    assert 0.9 < time.monotonic() - started < 5  # the due time, not the fixed timeout
    assert due.isoformat(timespec="minutes") in str(raised.value)


def test_wait_without_a_due_time_keeps_its_fixed_timeout(airflow: FakeAirflow) -> None:
    airflow.runs.finish_after = 10**6
    client = client_for(airflow)
    client.trigger(REFERRAL, RUN_ID)
    with pytest.raises(UserError, match="did not finish within 0 s"):
        client.wait(RUN_ID, timeout=0.2)


def test_readiness_probe_tries_once_and_the_patient_check_retries(airflow: FakeAirflow) -> None:
    airflow.fail("dag", "500")
    client = client_for(airflow)
    assert not client.dag_is_ready()  # polled by `hub airflow up` while it starts: one try per poll
    airflow.fail("dag", "500", "drop")
    assert client.dag_is_ready(patient=True)  # `hub referral submit`: rides out a busy moment
