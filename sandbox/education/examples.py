"""A small handcrafted education population that shows every element the education sandbox can send.

Kaiden "Kai" Brennan-Lowe (born 19 May 2012) was Kaiden Lowe until his mother remarried and goes
by Brennan at school. He moved up to Northbridge Academy, his attendance fell, he was suspended
three times (once at lunchtime) and permanently excluded; after a month missing education he
started at Tyneside Road High School. He has SEN support, then an EHCP, and two periods of free
school meals. His old temporary UPN is his former UPN.

Rosa Delgado (3 February 2017) has been missing education since her family moved away; she is
eligible for free school meals with no recorded start. Noor and Zain Haddad are twins. Ellis Hart
holds no optional details at all, and a second record for Ellis under a temporary UPN is the kind
of duplicate a school creates before the previous school's file arrives. The examples in
`docs/sandboxes/education.md` and the education tests are written against exactly these records.
"""

from __future__ import annotations

from datetime import date

from sandbox.model.places import LARCHFIELD_PRIMARY, LEA, PRIMARY_SCHOOLS, SECONDARY_SCHOOLS
from sandbox.model.records import (
    Address,
    AttendancePeriod,
    EducationRecords,
    Exclusion,
    FsmPeriod,
    MissingEducation,
    Pupil,
    SchoolSpell,
    SenRecord,
)
from sandbox.model.truth import Population
from schemas.identifiers import upn_check_letter

ST_AIDANS, MILLBROOK = PRIMARY_SCHOOLS[1], PRIMARY_SCHOOLS[2]
NORTHBRIDGE_ACADEMY, TYNESIDE_ROAD = SECONDARY_SCHOOLS


def _upn(body: str) -> str:
    """A UPN with its check letter, from the 12 characters after it."""
    return upn_check_letter(body) + body


KAI_UPN = _upn(f"{LEA}201612004")
KAI_FORMER_UPN = _upn(f"{LEA}20311601A")
ROSA_UPN = _upn(f"{LEA}204421007")
NOOR_UPN = _upn(f"{LEA}201519021")
ZAIN_UPN = _upn(f"{LEA}201519022")
ELLIS_UPN = _upn(f"{LEA}203120011")
ELLIS_TEMPORARY_UPN = _upn(f"{LEA}20312500B")

TERMS = (
    (date(2025, 9, 3), date(2025, 12, 19), 142),
    (date(2026, 1, 5), date(2026, 3, 27), 116),
    (date(2026, 4, 13), date(2026, 7, 22), 130),
    (date(2026, 9, 3), date(2026, 10, 30), 78),
)


def _term(index: int, attended: int, authorised: int) -> AttendancePeriod:
    start, end, possible = TERMS[index]
    return AttendancePeriod(start, end, possible, attended, authorised, possible - attended - authorised)


KAI = Pupil(
    upn=KAI_UPN,
    person_id="X-KAI",
    surname="Brennan-Lowe",
    forenames=("Kaiden", "Joseph"),
    dob=date(2012, 5, 19),
    gender="male",
    school=TYNESIDE_ROAD,
    entry_date=date(2026, 4, 20),
    attendance=(_term(0, 131, 6), _term(1, 88, 8), _term(2, 98, 20), _term(3, 51, 9)),
    exclusions=(
        Exclusion(date(2025, 11, 12), "FIXD", "DB", 4),
        Exclusion(date(2026, 1, 14), "LNCH", "VP", 1),
        Exclusion(date(2026, 2, 10), "FIXD", "PA", 6),
        Exclusion(date(2026, 3, 20), "PERM", "OW", 0),
    ),
    sen=(SenRecord(date(2024, 1, 10), "K", "SEMH"), SenRecord(date(2026, 6, 1), "E", "SLCN")),
    school_history=(
        SchoolSpell(ST_AIDANS, date(2016, 9, 5), date(2023, 7, 21), "transfer_to_secondary"),
        SchoolSpell(NORTHBRIDGE_ACADEMY, date(2023, 9, 4), date(2026, 3, 20), "permanent_exclusion"),
    ),
    address=Address("Flat 3, 41 Foundry Lane, Northbridge", "NE4 7FL"),
    preferred_forename="Kai",
    former_surname="Lowe",
    fsm_eligible=True,
    missing_education=(MissingEducation(date(2026, 3, 21), date(2026, 4, 19), "awaiting_placement"),),
    former_upn=KAI_FORMER_UPN,
    preferred_surname="Brennan",
    fsm_periods=(FsmPeriod(date(2019, 1, 7), date(2021, 4, 30)), FsmPeriod(date(2024, 9, 2))),
)

ROSA = Pupil(
    upn=ROSA_UPN,
    person_id="X-ROSA",
    surname="Delgado",
    forenames=("Rosa",),
    dob=date(2017, 2, 3),
    gender="female",
    school=MILLBROOK,
    entry_date=date(2021, 9, 6),
    attendance=(_term(0, 120, 14), _term(1, 101, 10), _term(2, 99, 12)),
    fsm_eligible=True,
    missing_education=(MissingEducation(date(2026, 9, 10), None, "moved_away"),),
)

NOOR = Pupil(
    upn=NOOR_UPN,
    person_id="X-NOOR",
    surname="Haddad",
    forenames=("Noor",),
    dob=date(2014, 10, 1),
    gender="female",
    school=LARCHFIELD_PRIMARY,
    entry_date=date(2018, 9, 5),
    attendance=(_term(3, 76, 2),),
)
ZAIN = Pupil(
    upn=ZAIN_UPN,
    person_id="X-ZAIN",
    surname="Haddad",
    forenames=("Zain", "Omar"),
    dob=date(2014, 10, 1),
    gender="male",
    school=LARCHFIELD_PRIMARY,
    entry_date=date(2018, 9, 5),
    attendance=(_term(3, 74, 4),),
)

ELLIS = Pupil(
    upn=ELLIS_UPN,
    person_id="X-ELLIS",
    surname="Hart",
    forenames=("Ellis",),
    dob=date(2015, 12, 24),
    gender="unknown",
    school=ST_AIDANS,
    entry_date=date(2020, 9, 3),
)
ELLIS_DUPLICATE = Pupil(
    upn=ELLIS_TEMPORARY_UPN,
    person_id="X-ELLIS",
    surname="Hart",
    forenames=("Ellis",),
    dob=date(2015, 12, 24),
    gender="unknown",
    school=ST_AIDANS,
    entry_date=date(2025, 9, 3),
)

PUPILS = (KAI, ROSA, NOOR, ZAIN, ELLIS, ELLIS_DUPLICATE)


def example_population() -> Population:
    """The pupils above: education records only (no other agency knows them)."""
    return Population(seed=0, education=EducationRecords(pupils=list(PUPILS)))
