"""The housing agency's contract test double: its sandbox (OAuth2 client secret), whose 422 means "too many matches"."""

from __future__ import annotations

from pathlib import Path

from connectors.testing import ContractAgency
from tests.contract.agencies._sandboxed import sandboxed_agency


def contract_agency(workdir: Path) -> ContractAgency:
    return sandboxed_agency("housing", workdir, auth="client_secret", status_codes={422: "too_many_matches"})
