"""Police connector: POLE-style nominal search, then the occurrences each nominal is linked to.

Police hold no identifier the referral carries, so the search is always name and birth date
(the referral's name first, then its aliases).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from connectors.base import Connector, MalformedReply, birth_date_of, names_to_search, parsing
from connectors.wording import count, sentence
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

AGENCY = "police"

CATEGORIES = {
    "domestic_abuse": EntryCategory.DOMESTIC_ABUSE_INCIDENT,
    "missing": EntryCategory.MISSING_EPISODE,
    "child_sexual_exploitation": EntryCategory.CHILD_EXPLOITATION_CONCERN,
    "child_criminal_exploitation": EntryCategory.CHILD_EXPLOITATION_CONCERN,
    "public_protection_notice": EntryCategory.PUBLIC_PROTECTION_NOTICE,
}
SENSITIVITY = {
    EntryCategory.DOMESTIC_ABUSE_INCIDENT: Sensitivity.SENSITIVE,
    EntryCategory.MISSING_EPISODE: Sensitivity.SENSITIVE,
    EntryCategory.PUBLIC_PROTECTION_NOTICE: Sensitivity.SENSITIVE,
    EntryCategory.CHILD_EXPLOITATION_CONCERN: Sensitivity.RESTRICTED,
}
ROLES = {
    "victim": InvolvementRole.VICTIM,
    "suspect": InvolvementRole.SUSPECT,
    "witness": InvolvementRole.WITNESS,
    "child_present": InvolvementRole.CHILD_PRESENT,
    "missing_person": InvolvementRole.SUBJECT,
    "reporting_person": InvolvementRole.REPORTING_PERSON,
}
LOCATIONS = {"home_address": "at home address", "public_place": "in a public place", "school": "at school"}
EVENT_NAMES = {"domestic_abuse": "Domestic abuse incident", "missing": "Missing person episode"}


def nominal_to_candidate(nominal: dict[str, Any]) -> AgencyPerson:
    forenames = str(nominal["forenames"]).split()
    sex = nominal.get("sex")
    return AgencyPerson(
        agency_person_id=nominal["nominal_id"],
        person=Person(
            name=PersonName(given_names=forenames, family_name=nominal["surname"]),
            aliases=[PersonName(given_names=forenames, family_name=a["surname"]) for a in nominal.get("aliases", [])],
            birth_date=date.fromisoformat(nominal["date_of_birth"]),
            sex=Sex(sex) if sex in set(Sex) else Sex.UNKNOWN,
            identifiers=Identifiers(police_nominal_id=nominal["nominal_id"]),
        ),
    )


def parse_nominals(payload: Any) -> list[AgencyPerson]:
    with parsing():
        return [nominal_to_candidate(nominal) for nominal in payload["nominals"]]


def occurrence_summary(occurrence: dict[str, Any]) -> str:
    """A structured first sentence a social worker can scan, then the force's own narrative."""
    kind = occurrence["type"]
    event = EVENT_NAMES.get(kind, str(kind).replace("_", " ").capitalize())
    location = occurrence.get("location") or {}
    place = LOCATIONS.get(str(location.get("type")), "")
    risk = occurrence.get("dash_risk")
    children = sum(1 for person in occurrence["persons"] if person["role"] == "child_present")
    lead = sentence(
        f"{event} {place}".strip(),
        f"DASH risk assessed as {risk}" if risk else None,
        f"{count(children, 'child', 'children')} present" if children else None,
    )
    narrative = occurrence.get("summary")
    return f"{lead} {narrative}" if narrative else lead


def occurrence_to_entry(occurrence: dict[str, Any]) -> ChronologyEntry:
    category = CATEGORIES.get(occurrence["type"], EntryCategory.POLICE_OCCURRENCE)
    people = [
        Involvement(agency_person_id=person["nominal_id"], role=ROLES.get(person["role"], InvolvementRole.OTHER))
        for person in occurrence["persons"]
    ]
    return ChronologyEntry(
        occurred_on=date.fromisoformat(occurrence["date"]),
        category=category,
        summary=occurrence_summary(occurrence),
        action_taken=occurrence.get("outcome") or None,
        source=SourceRef(agency=AGENCY, record_id=occurrence["occurrence_id"]),
        people=people,
        sensitivity=SENSITIVITY.get(category, Sensitivity.STANDARD),
    )


def parse_occurrences(payload: Any) -> list[ChronologyEntry]:
    with parsing():
        occurrences = payload["occurrences"]
        if not isinstance(occurrences, list):
            raise MalformedReply(message="occurrences is not a list")
        return [occurrence_to_entry(occurrence) for occurrence in occurrences]


class PoliceConnector(Connector):
    agency = AGENCY

    def search(self, person: Person) -> list[AgencyPerson]:
        birth_date = birth_date_of(person)
        for name in names_to_search(person):
            body = {
                "surname": name.family_name,
                "forenames": " ".join(name.given_names),
                "date_of_birth": birth_date.isoformat(),
            }
            if found := parse_nominals(self.post_json("/nominals/search", body)):
                return found
        return []

    def fetch_entries(self, candidate: AgencyPerson) -> list[ChronologyEntry]:
        payload = self.post_json("/occurrences/search", {"nominal_id": candidate.agency_person_id})
        return parse_occurrences(payload)
