"""The education agency's contract test double: its sandbox, authenticating as the real one does (api_key)."""

from __future__ import annotations

from pathlib import Path

from connectors.testing import ContractAgency
from tests.contract.agencies._sandboxed import sandboxed_agency


def contract_agency(workdir: Path) -> ContractAgency:
    return sandboxed_agency("education", workdir, auth="api_key")
