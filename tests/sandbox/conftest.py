"""One set of real sandbox servers, on ephemeral ports, for the whole test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.server import SandboxCluster


@pytest.fixture(scope="session")
def cluster() -> Iterator[SandboxCluster]:
    with SandboxCluster() as running:
        yield running
