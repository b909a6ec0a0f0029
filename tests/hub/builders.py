"""Builders for referrals and agency replies, made straight from `schemas` (no sandbox dependency)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from schemas import (
    AgencyPerson,
    AgencyReply,
    ChronologyEntry,
    EntryCategory,
    Identifiers,
    Involvement,
    InvolvementRole,
    Person,
    PersonName,
    Referral,
    ReplyStatus,
    SourceRef,
)

EXAMPLE_REFERRAL = Path(__file__).resolve().parents[2] / "config" / "examples" / "referral.json"
REFERRAL_ID = "REF-2026-000417"
REQUESTED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
COMPLETED_AT = datetime(2026, 11, 2, 9, 31, tzinfo=UTC)
ASSEMBLED_AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def example_referral() -> Referral:
    return Referral.model_validate_json(EXAMPLE_REFERRAL.read_text(encoding="utf-8"))


def person(
    given: str,
    family: str,
    birth_date: str | None,
    *,
    aliases: Sequence[tuple[str, str]] = (),
    **identifiers: str,
) -> Person:
    return Person(
        name=PersonName(given_names=given.split(), family_name=family),
        aliases=[PersonName(given_names=g.split(), family_name=f) for g, f in aliases],
        birth_date=date.fromisoformat(birth_date) if birth_date else None,
        identifiers=Identifiers(**identifiers),
    )


def candidate(agency_person_id: str, who: Person) -> AgencyPerson:
    return AgencyPerson(agency_person_id=agency_person_id, person=who)


def entry(
    agency: str,
    record_id: str,
    occurred_on: str,
    people: Sequence[tuple[str, InvolvementRole]],
    *,
    category: EntryCategory = EntryCategory.POLICE_OCCURRENCE,
    summary: str = "Police attended a report at the family home.",
) -> ChronologyEntry:
    return ChronologyEntry(
        occurred_on=date.fromisoformat(occurred_on),
        category=category,
        summary=summary,
        source=SourceRef(agency=agency, record_id=record_id),
        people=[Involvement(agency_person_id=pid, role=role) for pid, role in people],
    )


def reply(
    agency: str,
    subject_id: str,
    *,
    status: ReplyStatus = ReplyStatus.FOUND,
    candidates: Sequence[AgencyPerson] = (),
    entries: Sequence[ChronologyEntry] = (),
    error_code: str | None = None,
    referral_id: str = REFERRAL_ID,
) -> AgencyReply:
    return AgencyReply(
        agency=agency,
        referral_id=referral_id,
        subject_id=subject_id,
        status=status,
        requested_at=REQUESTED_AT,
        completed_at=None if status is ReplyStatus.PENDING else COMPLETED_AT,
        candidates=list(candidates),
        entries=list(entries),
        error_code=error_code,
    )


ROLE = InvolvementRole


def household_replies() -> list[AgencyReply]:
    """Police and health replies for the example household.

    - police/S1 links P-1 (name + birth date) and rejects P-5 (same name, other birth date);
    - police/S3 links P-9 by alias; occurrence OCC-1 is reported via both S1 and S3 with
      different people listed, so it must appear once with the people merged;
    - health links H-1 and H-2 by NHS number; health has not answered for S3 or S4.
    """
    amara = person("Amara Joy", "Okafor-Reid", "2015-03-14")
    incident = "Domestic incident; children present."
    return [
        reply(
            "police",
            "S1",
            candidates=[candidate("P-1", amara), candidate("P-5", person("Amara Joy", "Okafor-Reid", "2015-04-14"))],
            entries=[
                entry(
                    "police",
                    "OCC-1",
                    "2026-11-01",
                    [("P-1", ROLE.CHILD_PRESENT), ("P-7", ROLE.SUSPECT)],
                    summary=incident,
                ),
                entry("police", "OCC-2", "2025-06-01", [("P-5", ROLE.VICTIM)], summary="Another child's record."),
            ],
        ),
        reply("police", "S2", status=ReplyStatus.NO_RECORD),
        reply(
            "police",
            "S3",
            candidates=[candidate("P-9", person("Grace", "Okafor-Reid", "1989-11-20"))],
            entries=[
                entry("police", "OCC-1", "2026-11-01", [("P-9", ROLE.VICTIM), ("P-7", ROLE.SUSPECT)], summary=incident),
                entry("police", "OCC-3", "2024-02-10", [("P-9", ROLE.VICTIM)], summary="Earlier incident."),
            ],
        ),
        reply("police", "S4", status=ReplyStatus.FAILED, error_code="timeout"),
        reply(
            "health",
            "S1",
            candidates=[candidate("H-1", person("Amara", "Okafor Reid", "2015-03-14", nhs_number="9990001014"))],
            entries=[
                entry(
                    "health",
                    "AE-1",
                    "2025-12-05",
                    [("H-1", ROLE.PATIENT)],
                    category=EntryCategory.EMERGENCY_ATTENDANCE,
                    summary="A&E attendance with a wrist injury.",
                )
            ],
        ),
        reply(
            "health",
            "S2",
            candidates=[candidate("H-2", person("Tyler", "Okafor-Reid", "2018-07-02", nhs_number="9990001022"))],
            entries=[
                entry(
                    "health",
                    "HV-1",
                    "2026-01-01",
                    [("H-2", ROLE.PATIENT)],
                    category=EntryCategory.HEALTH_CONTACT,
                    summary="Health visitor contact.",
                )
            ],
        ),
    ]
