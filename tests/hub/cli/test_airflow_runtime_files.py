"""`hub airflow up` publishes `run/airflow-api.json` once its api-server answers, and only it removes it.

A second `AirflowServices` for the same `$HUB_HOME` (a second `hub airflow up`, or `hub demo` while
one runs) must neither take over the running Airflow's files (its runtime file, its password) nor
remove them when it stops.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from hub.checks.airflow_api import AirflowApi
from hub.errors import UserError
from hub.runtime.airflow import AirflowServices
from hub.settings import HubSettings
from tests.hub.checks.airflow_double import FakeAirflow


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
