"""Airflow for in-process `dag.test` runs: its metadata DB, the agencies' pools, and a secrets backend.

Airflow builds its secrets backends once per process, so the backend reads one fixed file for the
whole session (`AIRFLOW_CONNECTIONS_FILE`); a test puts the Connections it wants Airflow to see there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from hub.runtime.airflow import agency_pools, secrets_backend_environment
from hub.settings import HubSettings

if TYPE_CHECKING:
    from sandbox.server import SandboxCluster

AIRFLOW_CONNECTIONS_FILE = Path(os.environ["AIRFLOW_HOME"]) / "connections.json"
os.environ.update(secrets_backend_environment(AIRFLOW_CONNECTIONS_FILE))


def create_pools(settings: HubSettings) -> None:
    """The agencies' pools, as `hub airflow up` and `hub airflow init` create them."""
    from airflow.models.pool import Pool

    for name, pool in agency_pools(settings).items():
        Pool.create_or_update_pool(name, pool["slots"], pool["description"], pool["include_deferred"])


@pytest.fixture(scope="session", autouse=True)
def quick_signing_keys(signing_keys_parsed_once: None) -> None:
    """`dag.test` runs every check in this process: health's signing key is parsed once, not twice a check."""


@pytest.fixture(scope="session", autouse=True)
def airflow_db() -> Iterator[None]:
    """Airflow's metadata database for in-process `dag.test` runs (SQLite under the tests' AIRFLOW_HOME)."""
    from airflow.utils import db

    db.initdb()
    create_pools(HubSettings.from_env())
    yield


@pytest.fixture
def airflow_connections() -> Iterator[Path]:
    """The file Airflow's secrets backend reads; absent unless the test writes it, removed afterwards."""
    AIRFLOW_CONNECTIONS_FILE.unlink(missing_ok=True)
    yield AIRFLOW_CONNECTIONS_FILE
    AIRFLOW_CONNECTIONS_FILE.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def sandbox_cluster() -> Iterator[SandboxCluster]:
    """The sandboxes with their real auth, TLS and asynchronous replies, ready at once.

    `dag.test` runs every check in turn, so the default two-second reply delay would cost minutes.
    """
    from sandbox.common.async_replies import AsyncConfig
    from sandbox.common.settings import SandboxSettings
    from sandbox.server import SandboxCluster

    defaults = SandboxSettings()
    ready_at_once = AsyncConfig(delay_seconds=0, retry_after_seconds=0)
    settings = defaults.model_copy(
        update={
            agency: defaults.for_agency(agency).model_copy(update={"asynchronous": ready_at_once})
            for agency in ("police", "education")
        }
    )
    with SandboxCluster(settings=settings) as cluster:
        yield cluster
