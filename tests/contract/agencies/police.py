"""The police agency's contract test double: its sandbox over HTTPS, requiring a client certificate (mutual_tls)."""

from __future__ import annotations

from pathlib import Path

from connectors.testing import ContractAgency
from tests.contract.agencies._sandboxed import sandboxed_agency


def contract_agency(workdir: Path) -> ContractAgency:
    return sandboxed_agency("police", workdir, auth="mutual_tls")
