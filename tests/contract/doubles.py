"""Finding the registry and each registered agency's test double (`tests/contract/agencies/<agency_id>.py`)."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path

from connectors.sdk.base import Connector
from connectors.sdk.registry import REGISTRY_FILE, AgencyRegistry, load_registry_file
from connectors.testing import ContractAgency
from hub.settings import HubSettings

AGENCIES_PACKAGE = "tests.contract.agencies"

ConnectorFactory = Callable[..., Connector]
"""Builds a fresh connector for the served test double; keyword arguments override `AgencyConfig` settings."""


def load_registry() -> AgencyRegistry:
    """The registry the hub would run with: `config/agencies.yaml`, or the one in `HUB_CONFIG_DIR`."""
    return load_registry_file(HubSettings.from_env().config_dir / REGISTRY_FILE)


def double_module(agency_id: str) -> str:
    return f"{AGENCIES_PACKAGE}.{agency_id}"


def double_path(agency_id: str) -> str:
    return f"tests/contract/agencies/{agency_id}.py"


def has_double(agency_id: str) -> bool:
    return importlib.util.find_spec(double_module(agency_id)) is not None


def load_double(agency_id: str, workdir: Path) -> ContractAgency:
    double: ContractAgency = importlib.import_module(double_module(agency_id)).contract_agency(workdir)
    return double
