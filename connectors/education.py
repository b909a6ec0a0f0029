"""Education connector: pupils from a DfE Common Transfer File (CTF) XML reply.

Searches by UPN when the referral has one, else surname, forename and birth date. The UPN is
the agency's person id. XML with a DOCTYPE is refused outright: without defusedxml that is the
simple, safe defence against entity-expansion and external-entity attacks.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

from connectors.base import Connector, MalformedReply, birth_date_of, names_to_search, parsing
from connectors.wording import count, long_date, sentence
from schemas import (
    AgencyPerson,
    ChronologyEntry,
    EntryCategory,
    Identifiers,
    Involvement,
    InvolvementRole,
    Person,
    PersonName,
    Sensitivity,
    Sex,
    SourceRef,
)

AGENCY = "education"
PERSISTENT_ABSENCE_BELOW = 90.0
"""DfE: a pupil missing 10% or more of possible sessions is persistently absent."""
GENDERS = {"M": Sex.MALE, "F": Sex.FEMALE}
EXCLUSION_REASONS = {
    "PP": "physical assault against a pupil",
    "PA": "physical assault against an adult",
    "VP": "verbal abuse or threatening behaviour against a pupil",
    "VA": "verbal abuse or threatening behaviour against an adult",
    "BU": "bullying",
    "RA": "racist abuse",
    "DA": "drug and alcohol related",
    "DB": "persistent disruptive behaviour",
    "DM": "damage",
    "TH": "theft",
    "SM": "sexual misconduct",
    "OT": "other reason",
}
SEN_PROVISION = {"K": "SEN support", "E": "Education, Health and Care plan"}
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_ctf(document: bytes) -> list[ET.Element]:
    """The Pupil elements of a CTF document, refusing anything with a DOCTYPE or entity."""
    if _DOCTYPE.search(document):
        raise MalformedReply(message="XML with a DOCTYPE or entity declaration is refused")
    with parsing():
        # Safe here: DOCTYPEs are refused above, and ElementTree never fetches external entities.
        root = ET.fromstring(document)  # noqa: S314
        if root.tag != "CTfile" or root.find("CTFpupilData") is None:
            raise MalformedReply(message="not a CTF document")
        return root.findall("CTFpupilData/Pupil")


def _text(element: ET.Element, path: str) -> str:
    value = element.findtext(path)
    if value is None or not value.strip():
        raise MalformedReply(message="a required CTF field is missing")
    return value.strip()


def _optional_date(element: ET.Element, path: str) -> date | None:
    value = element.findtext(path)
    return date.fromisoformat(value.strip()) if value and value.strip() else None


def pupil_to_candidate(pupil: ET.Element) -> AgencyPerson:
    upn = _text(pupil, "UPN")
    given = [_text(pupil, "Forename"), *(pupil.findtext("MiddleNames") or "").split()]
    return AgencyPerson(
        agency_person_id=upn,
        person=Person(
            name=PersonName(given_names=given, family_name=_text(pupil, "Surname")),
            birth_date=date.fromisoformat(_text(pupil, "DOB")),
            sex=GENDERS.get(pupil.findtext("Gender") or "", Sex.UNKNOWN),
            identifiers=Identifiers(upn=upn),
        ),
    )


def parse_pupils(document: bytes) -> list[AgencyPerson]:
    pupils = parse_ctf(document)
    with parsing():
        return [pupil_to_candidate(pupil) for pupil in pupils]


def _entry(upn: str, record: str, **fields: object) -> ChronologyEntry:
    people = [Involvement(agency_person_id=upn, role=InvolvementRole.PUPIL)]
    source = SourceRef(agency=AGENCY, record_id=f"CTF/{upn}/{record}")
    return ChronologyEntry.model_validate({"source": source, "people": people, **fields})


def _school_entries(upn: str, pupil: ET.Element) -> list[ChronologyEntry]:
    entries = []
    for school in pupil.findall("SchoolHistory/School"):
        code = f"{_text(school, 'LEA')}/{_text(school, 'Estab')}"
        entered = date.fromisoformat(_text(school, "EntryDate"))
        name = school.findtext("SchoolName") or "school"
        entries.append(
            _entry(
                upn,
                f"school/{code}",
                occurred_on=entered,
                ended_on=_optional_date(school, "LeavingDate"),
                category=EntryCategory.SCHOOL_ENROLMENT,
                summary=sentence(f"On roll at {name} ({code}) from {long_date(entered)}"),
            )
        )
    return entries


def _attendance_entries(upn: str, pupil: ET.Element) -> list[ChronologyEntry]:
    entries = []
    for year in pupil.findall("Attendance/YearData"):
        possible = int(_text(year, "SessionsPossible"))
        authorised = int(year.findtext("SessionsAuthorised") or 0)
        unauthorised = int(year.findtext("SessionsUnauthorised") or 0)
        attended = int(year.findtext("SessionsAttended") or possible - authorised - unauthorised)
        start = _optional_date(year, "AttendanceStartDate") or date(int(_text(year, "Year")), 9, 1)
        end = _optional_date(year, "AttendanceEndDate")
        percent = 100.0 * attended / possible if possible else 100.0
        span = f"from {long_date(start)} to {long_date(end)}" if end else f"since {long_date(start)}"
        entries.append(
            _entry(
                upn,
                f"attendance/{start.isoformat()}",
                occurred_on=start,
                ended_on=end,
                category=EntryCategory.ATTENDANCE,
                summary=sentence(
                    f"Attendance {percent:.0f}% ({attended} of {possible} sessions) {span}",
                    f"{count(unauthorised, 'session')} of unauthorised absence" if unauthorised else None,
                    "persistently absent" if percent < PERSISTENT_ABSENCE_BELOW else None,
                ),
            )
        )
    return entries


def _exclusion_entries(upn: str, pupil: ET.Element) -> list[ChronologyEntry]:
    entries = []
    for exclusion in pupil.findall("Exclusions/Exclusion"):
        started = date.fromisoformat(_text(exclusion, "ExclusionStartDate"))
        category = _text(exclusion, "Category")
        reason = EXCLUSION_REASONS.get(exclusion.findtext("Reason") or "", "reason not recorded")
        sessions = int(exclusion.findtext("Sessions") or 0)
        if category == "PERM":
            kind, what = EntryCategory.EXCLUSION, "Permanently excluded"
        else:
            lunchtime = " at lunchtime" if category == "LNCH" else ""
            length = f" for {count(sessions, 'session')}" if sessions else ""
            kind, what = EntryCategory.SUSPENSION, f"Suspended{lunchtime}{length}"
        entries.append(
            _entry(
                upn,
                f"exclusion/{started.isoformat()}",
                occurred_on=started,
                category=kind,
                summary=sentence(f"{what}: {reason}"),
            )
        )
    return entries


def _sen_entries(upn: str, pupil: ET.Element) -> list[ChronologyEntry]:
    entries = []
    for sen in pupil.findall("SENhistory/SEN"):
        started = _optional_date(sen, "StartDate")
        provision = SEN_PROVISION.get(sen.findtext("SENprovision") or "")
        if started is None or provision is None:
            continue
        entries.append(
            _entry(
                upn,
                f"sen/{started.isoformat()}",
                occurred_on=started,
                category=EntryCategory.SPECIAL_EDUCATIONAL_NEEDS,
                summary=sentence(f"Special educational needs: {provision}"),
                sensitivity=Sensitivity.SENSITIVE,
            )
        )
    return entries


def parse_pupil_entries(document: bytes, upn: str) -> list[ChronologyEntry]:
    """Chronology entries for the pupil with this UPN in a CTF document."""
    entries = []
    for pupil in parse_ctf(document):
        if pupil.findtext("UPN") != upn:
            continue
        with parsing():
            for extract in (_school_entries, _attendance_entries, _exclusion_entries, _sen_entries):
                entries += extract(upn, pupil)
    return entries


class EducationConnector(Connector):
    agency = AGENCY

    def search(self, person: Person) -> list[AgencyPerson]:
        upn = person.identifiers.upn
        if upn and (found := parse_pupils(self.post("/pupils/search", data={"upn": upn}).content)):
            return found
        birth_date = birth_date_of(person)
        for name in names_to_search(person):
            body = {"surname": name.family_name, "forename": name.given_names[0], "dob": birth_date.isoformat()}
            if found := parse_pupils(self.post("/pupils/search", data=body).content):
                return found
        return []

    def fetch_entries(self, candidate: AgencyPerson) -> list[ChronologyEntry]:
        upn = candidate.agency_person_id
        return parse_pupil_entries(self.post("/pupils/search", data={"upn": upn}).content, upn)
