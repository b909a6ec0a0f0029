"""Shared fixtures. Airflow reads its configuration at import, so it is set here, before any test imports it."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.smtp import smtp_server

__all__ = ["smtp_server"]  # a fixture for any test: a real SMTP server and its inbox

if TYPE_CHECKING:
    from sandbox.server import SandboxCluster

REPO_ROOT = Path(__file__).resolve().parent.parent
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="hub-tests-airflow-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
    }
)
os.environ.pop("HUB_AIRFLOW_URL", None)
for _name in [name for name in os.environ if name.startswith("HUB_AGENCY_")]:
    os.environ.pop(_name)

SAMPLE_REFERRAL = REPO_ROOT / "config" / "examples" / "referral.json"


@pytest.fixture
def hub_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean `$HUB_HOME` for one test."""
    home = tmp_path / "hub-home"
    monkeypatch.setenv("HUB_HOME", str(home))
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    return home


@pytest.fixture
def config_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of `config/` that `HUB_CONFIG_DIR` points at, for a test to edit (the checkout's stays as it is)."""
    copy = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", copy)
    monkeypatch.setenv("HUB_CONFIG_DIR", str(copy))
    return copy


@pytest.fixture(scope="session")
def sandbox_cluster() -> Iterator[SandboxCluster]:
    """The four agency sandboxes as configured by default (auth, TLS for police), on ephemeral ports."""
    from sandbox.server import SandboxCluster

    with SandboxCluster() as cluster:
        yield cluster
