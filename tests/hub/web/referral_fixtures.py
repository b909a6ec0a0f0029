"""Family histories for the referral page's tests, assembled for real and stored as the pipeline stores them.

On top of conftest's seed (MY_REFERRAL carries the marker name and is allocated to the practitioner):
- MY_REFERRAL gets two versions: the first with health's answers only (partial), the second with police
  and education too, police failing for the other adult and housing never answering, so the history is
  incomplete. Police restricted intelligence is in it, which a practitioner (not cleared for police
  restricted material in roles.yaml) must see only as a notice.
- CLEAR_REFERRAL, also the practitioner's: every agency answered "no record" for everyone, the one case
  the page may call free of key concerns.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.chronology.assembly import assemble
from hub.store import HubStore
from schemas import (
    AgencyReply,
    ChronologyEntry,
    EntryCategory,
    InvolvementRole,
    Referral,
    ReplyStatus,
    Sensitivity,
)
from tests.hub.builders import ASSEMBLED_AT, candidate, entry, example_referral, person, reply
from tests.hub.web.conftest import MARKER, MY_REFERRAL, PRACTITIONER

CLEAR_REFERRAL = "REF-2026-000555"
AGENCIES = ("education", "health", "housing", "police")
RESTRICTED_SUMMARY = "Intelligence about exploitation near the school gates."
"""What the police's restricted record says: never on a practitioner's page (they are not cleared)."""
ROLE = InvolvementRole


def _restricted(record: ChronologyEntry) -> ChronologyEntry:
    return record.model_copy(update={"sensitivity": Sensitivity.RESTRICTED})


def my_replies(referral: Referral, *, first: bool) -> list[AgencyReply]:
    """The agencies' answers about MY_REFERRAL's household: health's only in the first version."""
    amara = person("Amara Joy", MARKER, "2015-03-14", nhs_number="9990001014")
    rid = referral.referral_id
    health = [
        reply(
            "health",
            "S1",
            referral_id=rid,
            candidates=[candidate("H-1", amara)],
            entries=[
                entry(
                    "health",
                    "AE-1",
                    "2025-12-05",
                    [("H-1", ROLE.PATIENT)],
                    category=EntryCategory.EMERGENCY_ATTENDANCE,
                    summary="A&E attendance with a wrist injury.",
                ),
                entry(
                    "health",
                    "HV-1",
                    "2023-02-01",
                    [("H-1", ROLE.PATIENT)],
                    category=EntryCategory.HEALTH_CONTACT,
                    summary="Health visitor contact: growth checked.",
                ),
            ],
        ),
        reply("health", "S2", referral_id=rid, status=ReplyStatus.NO_RECORD),
    ]
    if first:
        return health
    police = [
        reply(
            "police",
            "S1",
            referral_id=rid,
            candidates=[candidate("P-1", person("Amara Joy", MARKER, "2015-03-14"))],
            entries=[
                entry(
                    "police",
                    "OCC-1",
                    "2026-11-01",
                    [("P-1", ROLE.CHILD_PRESENT), ("P-7", ROLE.SUSPECT)],
                    category=EntryCategory.DOMESTIC_ABUSE_INCIDENT,
                    summary="Domestic incident at the family home; children present.",
                ),
                entry(
                    "police",
                    "OCC-2",
                    "2024-05-10",
                    [("P-1", ROLE.WITNESS)],
                    summary="Police spoke to the child after a neighbour dispute.",
                ),
                _restricted(
                    entry(
                        "police",
                        "INT-1",
                        "2026-06-15",
                        [("P-1", ROLE.SUBJECT)],
                        category=EntryCategory.CHILD_EXPLOITATION_CONCERN,
                        summary=RESTRICTED_SUMMARY,
                    )
                ),
            ],
        ),
        reply("police", "S2", referral_id=rid, status=ReplyStatus.NO_RECORD),
        reply("police", "S3", referral_id=rid, status=ReplyStatus.NO_RECORD),
        reply("police", "S4", referral_id=rid, status=ReplyStatus.FAILED, error_code="timeout"),
        reply(
            "education",
            "S1",
            referral_id=rid,
            candidates=[candidate("E-1", amara)],
            entries=[
                entry(
                    "education",
                    "ENR-1",
                    "2022-09-05",
                    [("E-1", ROLE.PUPIL)],
                    category=EntryCategory.SCHOOL_ENROLMENT,
                    summary="Joined Larch Primary School.",
                ),
                entry(
                    "education",
                    "EXC-1",
                    "2025-03-03",
                    [("E-1", ROLE.PUPIL)],
                    category=EntryCategory.EXCLUSION,
                    summary="Permanently excluded from Larch Primary School.",
                ),
            ],
        ),
    ]
    return health + police


def clear_referral() -> Referral:
    return example_referral().model_copy(update={"referral_id": CLEAR_REFERRAL})


def seed_histories(store: HubStore) -> None:
    """Store MY_REFERRAL's two versions and CLEAR_REFERRAL's one (after conftest's `seed`)."""
    mine = store.load_referral(MY_REFERRAL, actor="service:test-setup", purpose="test histories")
    for number, first in enumerate((True, False)):
        for chronology in assemble(
            mine, my_replies(mine, first=first), assembled_at=ASSEMBLED_AT + timedelta(hours=number)
        ):
            store.save_chronology(chronology, actor="service:test-setup")
    clear = clear_referral()
    store.save_referral(clear, actor="service:test-setup", purpose="test referrals")
    store.allocate(CLEAR_REFERRAL, PRACTITIONER, actor="service:test-setup", purpose="test allocation")
    nothing = [
        reply(agency, subject.subject_id, referral_id=CLEAR_REFERRAL, status=ReplyStatus.NO_RECORD)
        for agency in AGENCIES
        for subject in clear.subjects
    ]
    for chronology in assemble(clear, nothing, assembled_at=datetime(2026, 11, 2, 11, 0, tzinfo=UTC)):
        store.save_chronology(chronology, actor="service:test-setup")
