"""`hub referral submit --wait` through the real CLI against a flaky, restarting stand-in api-server.

Measured (issue 11): after an Airflow restart a waiting `submit --wait` died with
`internal error: ConnectionError`, and a 500 "Database error" on the trigger left the referral
stored but unchecked. The CLI runs as its own process here, with its default timeouts and retries
(where the whole retry budget is spent, with its pauses shortened through `HUB_TEST_AIRFLOW_RETRY_BACKOFF`).
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from hub.checks.airflow_api import BACKOFF_VARIABLE, DEFAULT_BACKOFF_SECONDS, retry_policy
from hub.errors import UserError
from hub.settings import HubSettings
from hub.store.home import open_store
from schemas import ChecksStage
from tests.conftest import SAMPLE_REFERRAL
from tests.hub.checks.airflow_double import FakeAirflow, Runs
from tests.hub.cli.test_bad_input import HUB
from tests.staff import signed_in_home

NOT_ANSWERING = "Airflow is not answering; still waiting (retrying)"
QUICK_RETRIES = {BACKOFF_VARIABLE: "0.01"}
"""The CLI's own retry budget (six tries, five pauses), with 0.01 s as the pauses' base instead of 0.5 s."""


def _environment(home: Path, **extra: str) -> dict[str, str]:
    environment = {**os.environ, "HUB_HOME": str(home), "COLUMNS": "200", **extra}
    environment.pop("HUB_AIRFLOW_URL", None)
    return environment


def _until(condition: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out waiting for the CLI"
        time.sleep(0.05)


def test_submit_wait_rides_out_a_database_error_a_lost_answer_and_an_airflow_restart(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = HubSettings.from_env({"HUB_HOME": str(home)})
    signed_in_home(home)
    runs = Runs(finish_after=5)
    first = FakeAirflow(runs).start()
    first.api.save(settings.airflow_api_file)  # as `hub airflow up` does once its api-server answers
    first.fail("trigger", "500", "done-then-drop")
    command = [HUB, "referral", "submit", str(SAMPLE_REFERRAL), "--wait"]
    # Short pauses: the three-second outage must outlast the client's own retries, or urllib3 would quietly
    # ride it out with its default pauses (0, 1, 2, 4 s) and the wait loop would never see Airflow gone.
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_environment(home, **QUICK_RETRIES)
    )
    second: FakeAirflow | None = None
    try:
        _until(lambda: any(runs.polls(run_id) >= 2 for run_id in list(runs.runs)) or process.poll() is not None)
        first.stop()  # Airflow restarts: its runtime file goes, then comes back with a new port and password
        settings.airflow_api_file.unlink()
        time.sleep(3)
        second = FakeAirflow(runs).start()
        second.api.save(settings.airflow_api_file)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
        if second is not None:
            second.stop()

    output = stdout + stderr
    assert process.returncode == 0, output
    assert "internal error" not in output and "Traceback" not in output
    assert output.count(NOT_ANSWERING) == 1, output
    assert "run success" in output and "Checks finished" in output
    (run_id,) = runs.runs  # triggered exactly once, though the first POST failed and the second lost its answer
    assert runs.runs[run_id].conf == {"referral_id": "REF-2026-000417"}
    assert first.count("trigger") == 3 and second is not None and second.count("token") == 1


def test_submit_wait_gives_one_line_when_airflow_stays_down(tmp_path: Path) -> None:
    """Past the retry budget, a trigger that keeps failing is one line saying what to do, not a traceback.

    The budget is spent with short pauses (`QUICK_RETRIES`): how many tries it holds is what is tested here.
    """
    home = tmp_path / "home"
    settings = HubSettings.from_env({"HUB_HOME": str(home)})
    signed_in_home(home)
    with FakeAirflow() as airflow:
        airflow.api.save(settings.airflow_api_file)
        airflow.fail("trigger", *["500"] * 20)
        result = subprocess.run(
            [HUB, "referral", "submit", str(SAMPLE_REFERRAL)],
            capture_output=True,
            text=True,
            env=_environment(home, **QUICK_RETRIES),
            timeout=120,
        )
    assert result.returncode == 1
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert "kept answering 500 (Database error)" in result.stderr
    assert airflow.count("trigger") == 6, "the whole budget: the first try and five retries"
    assert "checks have not started" in result.stderr and "housekeeping starts them" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2
    # Stored for checking, so the housekeeping DAG triggers it once Airflow answers again.
    checks = open_store(settings).referral_checks("REF-2026-000417")
    assert checks is not None and checks.stage is ChecksStage.NOT_STARTED


def test_the_retry_backoff_knob_takes_seconds_up_to_the_default_and_refuses_anything_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(BACKOFF_VARIABLE, "0.01")
    assert retry_policy().backoff_factor == 0.01
    monkeypatch.delenv(BACKOFF_VARIABLE)
    assert retry_policy().backoff_factor == DEFAULT_BACKOFF_SECONDS
    for bad in ("soon", "-1", "5"):
        monkeypatch.setenv(BACKOFF_VARIABLE, bad)
        with pytest.raises(UserError, match=f"^{BACKOFF_VARIABLE} must be a number of seconds from 0, at most 0.5.$"):
            retry_policy()
