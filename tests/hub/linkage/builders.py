"""Synthetic records for linkage tests, built straight from `hub.linkage.records` (no sandbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from hub.linkage.records import BirthDate, LinkageRecord, build_record

REPO_ROOT = Path(__file__).resolve().parents[3]
SETTINGS = REPO_ROOT / "config" / "linkage.yaml"
VALID_NHS = ("9990001014", "9990001022", "9995761955")


def record(
    given: str | None,
    family: str | None,
    born: str | None,
    *,
    record_id: str = "R1",
    sex: str | None = None,
    line: str | None = None,
    postcode: str | None = None,
    other_given: Sequence[str] = (),
    other_family: Sequence[str] = (),
    previous: Sequence[tuple[str | None, str | None]] = (),
    nhs_number: str | None = None,
    upn: str | None = None,
) -> LinkageRecord:
    """A record from plain values: `given` is space-separated given names, `born` an ISO date (or partial)."""
    birth_date = None
    if born is not None:
        birth_date = BirthDate.parse(born) if len(born) < 10 else date.fromisoformat(born)
    return build_record(
        record_id,
        given_names=[given] if given else [],
        family_name=family,
        other_given_names=other_given,
        other_family_names=other_family,
        birth_date=birth_date,
        sex=sex,
        address_line=line,
        postcode=postcode,
        other_addresses=previous,
        identifiers={"nhs_number": nhs_number, "upn": upn},
    )
