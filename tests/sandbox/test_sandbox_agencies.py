"""The four agency sandboxes together (per agency: test_sandbox_health.py, test_sandbox_police.py,
test_sandbox_education.py, test_sandbox_housing.py)."""

from __future__ import annotations

from sandbox.assembly import AGENCY_MODULES
from sandbox.server import SandboxCluster


def test_cluster_exposes_the_four_agencies_on_localhost(cluster: SandboxCluster) -> None:
    assert set(cluster.endpoints) == set(AGENCY_MODULES) == {"health", "police", "education", "housing"}
    assert all(url.startswith("http://127.0.0.1:") for url in cluster.endpoints.values())
