"""`hub airflow up` publishes `run/airflow-api.json` once its api-server answers, and only it removes it.

A second `AirflowServices` for the same `$HUB_HOME` (a second `hub airflow up`, or `hub demo` while
one runs) must neither take over the running Airflow's files (its runtime file, its password) nor
remove them when it stops.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
from pathlib import Path

import pytest

from hub.checks.airflow_api import AirflowApi, AirflowClient
from hub.errors import UserError
from hub.runtime.airflow import AirflowServices
from hub.settings import HubSettings
from tests.hub.checks.airflow_double import FakeAirflow
from tests.hub.cli.test_bad_input import HUB, assert_clean_refusal, run_hub


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_second_instance_refuses_while_the_first_answers_and_never_removes_its_file(tmp_path: Path) -> None:
    """The api-server is a stand-in here (no Airflow processes): what is under test is the file handling."""
    settings = HubSettings.from_env({"HUB_HOME": str(tmp_path / "home")})
    with FakeAirflow() as api_server:
        port = int(api_server.api.base_url.rsplit(":", 1)[1])
        first = AirflowServices(settings, port=port)
        api_server.password = first.api.password
        assert not settings.airflow_api_file.exists()  # not before the api-server answers
        first.wait_until_ready(timeout=10)
        assert AirflowApi.locate(settings) == first.api
        published = _digest(settings.airflow_api_file)

        second = AirflowServices(settings)
        for step in (second.prepare, second.start):
            with pytest.raises(UserError, match=f"already running for this HUB_HOME at {first.api.base_url}"):
                step()
        second.stop()

        assert _digest(settings.airflow_api_file) == published
        assert not (settings.airflow_home / "passwords.json").exists()  # the second wrote no password either
        first.stop()
    assert not settings.airflow_api_file.exists()


def test_an_instance_leaves_a_runtime_file_another_has_written_since(tmp_path: Path) -> None:
    settings = HubSettings.from_env({"HUB_HOME": str(tmp_path / "home")})
    with FakeAirflow() as api_server:
        first = AirflowServices(settings, port=int(api_server.api.base_url.rsplit(":", 1)[1]))
        api_server.password = first.api.password
        first.wait_until_ready(timeout=10)
    newer = AirflowApi("http://127.0.0.1:1", "hub", "newer")  # written by an Airflow started since
    newer.save(settings.airflow_api_file)
    first.stop()
    assert AirflowApi.locate(settings) == newer


@pytest.mark.airflow
def test_a_second_airflow_up_fails_in_one_line_and_the_first_keeps_serving(tmp_path: Path) -> None:
    """Real `hub airflow up` processes on one HUB_HOME; the first is stopped by its PID afterwards."""
    home = tmp_path / "home"
    settings = HubSettings.from_env({"HUB_HOME": str(home)})
    environment = {**os.environ, "HUB_HOME": str(home), "COLUMNS": "200"}
    for name in [name for name in environment if name.startswith(("AIRFLOW", "HUB_AIRFLOW"))]:
        environment.pop(name)
    first = subprocess.Popen(
        [HUB, "airflow", "up"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment
    )
    try:
        assert first.stdout is not None
        announced = ""
        while "Press Ctrl-C to stop" not in announced and (line := first.stdout.readline()):
            announced += line
        assert "Press Ctrl-C to stop" in announced, announced
        api = AirflowApi.locate(settings)
        published = _digest(settings.airflow_api_file)
        passwords = _digest(settings.airflow_home / "passwords.json")

        second = run_hub("airflow", "up", home=home)

        assert_clean_refusal(second, "Airflow is already running for this HUB_HOME", api.base_url, "hub airflow up")
        assert _digest(settings.airflow_api_file) == published
        assert _digest(settings.airflow_home / "passwords.json") == passwords
        assert first.poll() is None and AirflowClient(api).dag_is_ready(patient=True)

        os.kill(first.pid, signal.SIGINT)
        assert first.wait(timeout=60) == 0
        assert not settings.airflow_api_file.exists()
    finally:
        if first.poll() is None:
            os.kill(first.pid, signal.SIGINT)
            try:
                first.wait(timeout=60)
            except subprocess.TimeoutExpired:
                first.kill()
