from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def airflow_db() -> Iterator[None]:
    """Airflow's metadata database for in-process `dag.test` runs (SQLite under the tests' AIRFLOW_HOME)."""
    from airflow.utils import db

    db.initdb()
    yield
