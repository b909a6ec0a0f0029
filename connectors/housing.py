"""Housing connector: people by name and birth date, then tenancies, arrears, notices and
homelessness (H-CLIC style) records by the housing person reference.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from connectors.base import Connector, birth_date_of, names_to_search, parsing
from connectors.wording import count, long_date, sentence
from schemas import (
    Address,
    AgencyPerson,
    ChronologyEntry,
    EntryCategory,
    Identifiers,
    Involvement,
    InvolvementRole,
    Person,
    PersonName,
    SourceRef,
)

AGENCY = "housing"
PLURALS = {"child": "children"}
NOTICE_NAMES = {"notice_seeking_possession": "Notice seeking possession", "section_21": "Section 21 notice"}
DUTIES = {"prevention": "prevention duty", "relief": "relief duty", "main_duty": "main housing duty"}


def person_to_candidate(person: dict[str, Any]) -> AgencyPerson:
    current = person.get("current_address")
    return AgencyPerson(
        agency_person_id=person["person_ref"],
        person=Person(
            name=PersonName(given_names=str(person["forename"]).split(), family_name=person["surname"]),
            birth_date=date.fromisoformat(person["date_of_birth"]),
            address=Address(line=current.get("line"), postcode=current.get("postcode")) if current else None,
            identifiers=Identifiers(housing_reference=person["person_ref"]),
        ),
    )


def parse_people(payload: Any) -> list[AgencyPerson]:
    with parsing():
        if not isinstance(payload, list):
            raise TypeError("expected a list of people")
        return [person_to_candidate(person) for person in payload]


def _household(tenancy: dict[str, Any]) -> list[Involvement]:
    tenant = Involvement(agency_person_id=tenancy["tenant"]["person_ref"], role=InvolvementRole.TENANT)
    members = [
        Involvement(agency_person_id=member["person_ref"], role=InvolvementRole.HOUSEHOLD_MEMBER)
        for member in tenancy["household"]
    ]
    return [tenant, *members]


def _members_phrase(tenancy: dict[str, Any]) -> str | None:
    relationships = Counter(str(member["relationship"]) for member in tenancy["household"])
    if not relationships:
        return None
    parts = [count(n, rel, PLURALS.get(rel)) for rel, n in relationships.items()]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"household also includes {listed}"


def tenancy_entries(tenancy: dict[str, Any]) -> list[ChronologyEntry]:
    ref, address = tenancy["tenancy_ref"], tenancy["address"]["line"]
    people = _household(tenancy)
    start = date.fromisoformat(tenancy["start_date"])
    entries = [
        ChronologyEntry(
            occurred_on=start,
            ended_on=date.fromisoformat(tenancy["end_date"]) if tenancy.get("end_date") else None,
            category=EntryCategory.TENANCY,
            summary=sentence(
                f"{str(tenancy['tenure']).capitalize()} at {address} from {long_date(start)}", _members_phrase(tenancy)
            ),
            source=SourceRef(agency=AGENCY, record_id=ref),
            people=people,
        )
    ]
    for arrears in tenancy.get("arrears", []):
        as_at = date.fromisoformat(arrears["as_at"])
        balance = Decimal(arrears["balance"])
        entries.append(
            ChronologyEntry(
                occurred_on=as_at,
                category=EntryCategory.RENT_ARREARS,
                summary=sentence(
                    f"Rent arrears of £{balance:,.2f} ({count(int(arrears['weeks_in_arrears']), 'week')}) "
                    f"on the tenancy at {address}"
                ),
                source=SourceRef(agency=AGENCY, record_id=f"{ref}/arrears/{as_at.isoformat()}"),
                people=people,
            )
        )
    for notice in tenancy.get("notices", []):
        name = NOTICE_NAMES.get(notice["type"], str(notice["type"]).replace("_", " ").capitalize())
        entries.append(
            ChronologyEntry(
                occurred_on=date.fromisoformat(notice["served_on"]),
                category=EntryCategory.HOUSING_NOTICE,
                summary=sentence(f"{name} served on the tenancy at {address}", notice.get("ground")),
                source=SourceRef(agency=AGENCY, record_id=notice["notice_ref"]),
                people=people,
            )
        )
    return entries


def homelessness_entry(case: dict[str, Any]) -> ChronologyEntry:
    applicant = Involvement(agency_person_id=case["applicant_ref"], role=InvolvementRole.APPLICANT)
    members = [
        Involvement(agency_person_id=member["person_ref"], role=InvolvementRole.HOUSEHOLD_MEMBER)
        for member in case["household"]
    ]
    duty = DUTIES.get(case["duty"], str(case["duty"]).replace("_", " "))
    return ChronologyEntry(
        occurred_on=date.fromisoformat(case["application_date"]),
        category=EntryCategory.HOMELESSNESS,
        summary=sentence(
            "Homelessness application",
            f"{duty} owed",
            "household placed in temporary accommodation" if case.get("temporary_accommodation") else None,
        ),
        source=SourceRef(agency=AGENCY, record_id=case["case_ref"]),
        people=[applicant, *members],
    )


def parse_records(payload: Any) -> list[ChronologyEntry]:
    with parsing():
        entries = [entry for tenancy in payload["tenancies"] for entry in tenancy_entries(tenancy)]
        return entries + [homelessness_entry(case) for case in payload["homelessness"]]


class HousingConnector(Connector):
    agency = AGENCY

    def search(self, person: Person) -> list[AgencyPerson]:
        birth_date = birth_date_of(person)
        for name in names_to_search(person):
            body = {
                "surname": name.family_name,
                "forename": name.given_names[0],
                "date_of_birth": birth_date.isoformat(),
            }
            if found := parse_people(self.post_json("/api/people/search", body)):
                return found
        return []

    def fetch_entries(self, candidate: AgencyPerson) -> list[ChronologyEntry]:
        return parse_records(self.post_json("/api/records", {"person_ref": candidate.agency_person_id}))
