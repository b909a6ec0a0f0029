"""Every registered agency, its test double, served with faults, and its connector configured for speed.

Tests taking `agency_id` run once per agency in the registry (`config/agencies.yaml`, or the one in
`HUB_CONFIG_DIR`), with the agency id as test id. Each agency's test double comes from
`tests/contract/agencies/<agency_id>.py`; without that module the agency's contract tests are
skipped and `test_agency_has_a_test_double` fails once, naming the file to create.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.sdk.base import Connector
from connectors.sdk.registry import AgencyRegistry, RegisteredAgency
from connectors.testing import ContractAgency, ServedAgency, contract_connector
from sandbox.common.faults import FaultConfig
from tests.contract.doubles import ConnectorFactory, has_double, load_double, load_registry

FAULTS = FaultConfig(hang_seconds=5, retry_after_seconds=0)
"""Hangs outlast the connectors' short read timeout; a 429's Retry-After is 0 so retries are quick."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "agency_id" in metafunc.fixturenames:
        ids = load_registry().ids
        metafunc.parametrize("agency_id", ids, ids=ids, scope="session")


@pytest.fixture(scope="session")
def registry() -> AgencyRegistry:
    return load_registry()


@pytest.fixture(scope="session")
def registered(registry: AgencyRegistry, agency_id: str) -> RegisteredAgency:
    return registry.get(agency_id)


@pytest.fixture(scope="session")
def contract_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("contract")


@pytest.fixture(scope="session")
def contract_agency(agency_id: str, contract_workdir: Path) -> ContractAgency:
    if not has_double(agency_id):
        pytest.skip(f"no test double for '{agency_id}' (see test_agency_has_a_test_double)")
    return load_double(agency_id, contract_workdir)


@pytest.fixture(scope="session")
def served_agency(contract_agency: ContractAgency) -> Iterator[ServedAgency]:
    with ServedAgency(contract_agency, FAULTS) as served:
        yield served


@pytest.fixture
def served(served_agency: ServedAgency) -> ServedAgency:
    """The agency's server with no faults scripted and an empty request log."""
    served_agency.reset()
    return served_agency


@pytest.fixture
def connect(registered: RegisteredAgency, contract_agency: ContractAgency, served: ServedAgency) -> ConnectorFactory:
    """A fresh connector (own resilience state) for the served agency; keyword arguments override settings."""

    def build(**overrides: Any) -> Connector:
        return contract_connector(registered, contract_agency, served.url, **overrides)

    return build
