"""The health agency's contract test double: its sandbox, authenticating as the real one does (nhs_signed_jwt)."""

from __future__ import annotations

from pathlib import Path

from connectors.testing import ContractAgency
from tests.contract.agencies._sandboxed import sandboxed_agency


def contract_agency(workdir: Path) -> ContractAgency:
    return sandboxed_agency("health", workdir, auth="nhs_signed_jwt")
