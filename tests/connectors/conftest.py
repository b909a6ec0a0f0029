"""Real sandbox servers and the sample referral, shared by the connector tests."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.common.settings import SandboxSettings
from sandbox.server import SandboxCluster
from schemas import Referral

REFERRAL_PATH = Path(__file__).parents[2] / "config" / "examples" / "referral.json"


@pytest.fixture(scope="session")
def cluster() -> Iterator[SandboxCluster]:
    with SandboxCluster(settings=SandboxSettings.unauthenticated()) as running:
        yield running


@pytest.fixture(scope="session")
def referral() -> Referral:
    return Referral.model_validate(json.loads(REFERRAL_PATH.read_text(encoding="utf-8")))


@pytest.fixture
def closed_port_url() -> str:
    """A local URL nothing listens on: bind an ephemeral port, then release it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
