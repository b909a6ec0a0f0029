"""The police sandbox's JSON: nominals, occurrences with every linked person's role, and PPNs.

Field names follow a force records system's research export (POLE: Person, Object, Location,
Event). Unknown values are null, never omitted, so clients can tell "not recorded" from a typo.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sandbox.model.records import MissingEpisode, PoliceNominal, PoliceOccurrence, ProtectionNotice

CHILD_PRESENT = "child_present"


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def nominal_json(nominal: PoliceNominal) -> dict[str, Any]:
    address = nominal.address
    return {
        "nominal_id": nominal.nominal_id,
        "pnc_id": nominal.pnc_id,
        "surname": nominal.surname,
        "forenames": list(nominal.forenames),
        "date_of_birth": _iso(nominal.date_of_birth),
        "sex": nominal.sex or None,
        "aliases": {"surnames": list(nominal.alias_surnames), "forenames": list(nominal.alias_forenames)},
        "address": {"line": address.line, "postcode": address.postcode} if address else None,
        "warning_markers": list(nominal.warning_markers),
    }


def linked_person_json(nominal_id: str, role: str, nominal: PoliceNominal | None) -> dict[str, Any]:
    """A person on an occurrence: their role, and enough of their nominal to recognise them."""
    return {
        "nominal_id": nominal_id,
        "role": role,
        "surname": nominal.surname if nominal else None,
        "forenames": list(nominal.forenames) if nominal else [],
        "date_of_birth": _iso(nominal.date_of_birth) if nominal else None,
    }


def missing_json(episode: MissingEpisode | None) -> dict[str, Any] | None:
    if episode is None:
        return None
    return {
        "reported": episode.reported.isoformat(),
        "returned": _iso(episode.returned),
        "risk": episode.risk,
        "reported_by": episode.reported_by,
    }


def occurrence_flags(occurrence: PoliceOccurrence) -> list[str]:
    """The recorded flags, plus child_present whenever a linked person has that role (the system sets it)."""
    implied = {CHILD_PRESENT} if any(role == CHILD_PRESENT for _, role in occurrence.persons) else set()
    return sorted({*occurrence.flags, *implied})


def occurrence_json(occurrence: PoliceOccurrence, nominals: Mapping[str, PoliceNominal]) -> dict[str, Any]:
    return {
        "occurrence_id": occurrence.occurrence_id,
        "type": occurrence.occurrence_type,
        "date": occurrence.occurred_on.isoformat(),
        "location": {
            "type": occurrence.location_type,
            "address": occurrence.location_address,
            "postcode": occurrence.location_postcode,
        },
        "summary": occurrence.summary,
        "outcome": occurrence.outcome,
        "dash_risk": occurrence.dash_risk,
        "missing_episode": missing_json(occurrence.missing),
        "flags": occurrence_flags(occurrence),
        "persons": [
            linked_person_json(nominal_id, role, nominals.get(nominal_id)) for nominal_id, role in occurrence.persons
        ],
    }


def ppn_json(notice: ProtectionNotice, occurrence: PoliceOccurrence | None) -> dict[str, Any]:
    return {
        "ppn_id": notice.ppn_id,
        "nominal_id": notice.nominal_id,
        "submitted_on": notice.submitted_on.isoformat(),
        "concern": notice.concern,
        "risk": notice.risk,
        "shared_with": notice.shared_with,
        "occurrence": {
            "occurrence_id": notice.occurrence_id,
            "type": occurrence.occurrence_type if occurrence else None,
            "date": occurrence.occurred_on.isoformat() if occurrence else None,
        },
    }
