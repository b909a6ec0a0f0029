"""Housing connector: a council housing system's API gateway (JSON, RFC 7807 errors).

People are found by surname (the system also matches previous surnames) and forename with a
birth-date range a week either side of the referral's (a record keyed a day out is returned, and
identity checking decides) and, when the referral has one, the postcode: housing records often lack
a birth date, and the gateway then matches them on surname and the postcode of a tenancy they were
on. Each candidate's
records become chronology entries: tenancies, rent arrears, notices and possession proceedings,
anti-social behaviour cases and H-CLIC style homelessness cases with their whole household. A birth
date or postcode in a person record that is no real one is left out of that record, with a note; it
never fails the reply.

`parse_document` normalises one captured reply offline (`hub connectors parse housing FILE`): a
people search (a JSON array) or one person's records (the person, as a candidate, and the entries).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from connectors.sdk.allowlist import ReturnedFields
from connectors.sdk.auth import ClientSecretCredentials, NoCredentials
from connectors.sdk.base import (
    SAFEGUARDING_BASIS,
    Connector,
    ConnectorError,
    MalformedReply,
    birth_window,
    json_of,
    names_to_search,
    parsing,
)
from connectors.sdk.fields import RecordFields
from connectors.sdk.wording import count, long_date, sentence
from schemas import (
    Address,
    AgencyPerson,
    ChronologyEntry,
    EntryCategory,
    Identifiers,
    Involvement,
    InvolvementRole,
    NormalisedDocument,
    Person,
    PersonName,
    RelatedPerson,
    Sensitivity,
    Sex,
    SourceRef,
)

AGENCY = "housing"
TOO_MANY_MATCHES_STATUS = "http_422"
MAX_ARREARS = Decimal(10_000_000)
"""No tenancy owes £10m: a balance beyond it (or `1e999999999`, which would print a billion digits) is malformed."""
PLURALS = {"child": "children", "other_relative": "other relatives"}
RELATIONSHIP_WORDS = {"other_relative": "other relative", "other": "other person", "joint_tenant": "joint tenant"}
NOTICE_NAMES = {
    "notice_seeking_possession": "Notice seeking possession",
    "section_8": "Section 8 notice seeking possession",
    "section_21": "Section 21 notice",
    "notice_to_quit": "Notice to quit",
}
PROCEEDING_NAMES = {
    "possession_claim": "Possession claim issued",
    "possession_order_suspended": "Suspended possession order made",
    "possession_order_outright": "Outright possession order made",
    "warrant_of_possession": "Warrant of possession issued",
    "eviction": "Eviction carried out",
}
DUTIES = {"prevention": "prevention duty", "relief": "relief duty", "main_duty": "main housing duty"}
REASONS = {
    "family_or_friends_no_longer_willing": "family or friends no longer willing or able to accommodate",
    "end_of_private_tenancy": "end of a private tenancy",
    "end_of_social_tenancy": "end of a social tenancy",
    "rent_arrears": "rent arrears",
    "domestic_abuse": "domestic abuse",
    "relationship_breakdown": "relationship breakdown",
    "other_violence_or_harassment": "violence or harassment",
    "left_institution": "leaving an institution",
    "left_asylum_support": "leaving asylum support accommodation",
    "property_disrepair": "property disrepair",
    "mortgage_repossession": "mortgage repossession",
}
ACCOMMODATION = {
    "bed_and_breakfast": "bed and breakfast",
    "nightly_paid": "nightly paid accommodation",
    "private_sector_leased": "private sector leased accommodation",
    "council_or_housing_association_stock": "council or housing association home",
}
ASB_OUTCOMES = {"open": "case open", "no_further_action": "closed with no further action"}
SEXES = {"male": Sex.MALE, "female": Sex.FEMALE}
SENSITIVE_CODES = frozenset({"domestic_abuse", "hate_incident", "other_violence_or_harassment", "violence"})
"""ASB categories and reasons for losing a home that disclose abuse or violence: shown with care."""


def _words(code: Any) -> str:
    """A code the connector has no wording for, read aloud: local codes still reach the chronology."""
    return str(code).replace("_", " ")


def person_to_candidate(person: dict[str, Any]) -> AgencyPerson:
    """A person record as a candidate; a birth date or postcode that is no real one is left out, with a note."""
    given_names = str(person["forename"]).split()
    current = person["current_address"]
    fields = RecordFields()
    born = fields.birth_date(person["date_of_birth"])
    return AgencyPerson(
        agency_person_id=person["person_ref"],
        person=Person(
            name=PersonName(given_names=given_names, family_name=person["surname"]),
            aliases=[PersonName(given_names=given_names, family_name=name) for name in person["previous_surnames"]],
            birth_date=born,
            sex=SEXES.get(str(person["sex"]), Sex.UNKNOWN),
            address=Address(line=current["line"], postcode=fields.postcode(current["postcode"])) if current else None,
            identifiers=Identifiers(housing_reference=person["person_ref"]),
        ),
        set_aside=fields.set_aside,
    )


def parse_people(payload: Any) -> list[AgencyPerson]:
    with parsing():
        if not isinstance(payload, list):
            raise TypeError("expected a list of people")
        return [person_to_candidate(person) for person in payload]


def _members_phrase(members: Iterable[dict[str, Any]], lead: str) -> str | None:
    """'household also includes two children and one partner' (the lead person left out)."""
    relationships = Counter(str(member["relationship"]) for member in members)
    relationships.pop(lead, None)
    if not relationships:
        return None
    parts = [count(n, RELATIONSHIP_WORDS.get(rel, _words(rel)), PLURALS.get(rel)) for rel, n in relationships.items()]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"household also includes {listed}"


def _household(tenancy: dict[str, Any]) -> list[Involvement]:
    tenant = Involvement(agency_person_id=tenancy["tenant"]["person_ref"], role=InvolvementRole.TENANT)
    members = [
        Involvement(agency_person_id=member["person_ref"], role=InvolvementRole.HOUSEHOLD_MEMBER)
        for member in tenancy["household"]
    ]
    return [tenant, *members]


def _entry(
    occurred_on: str,
    category: EntryCategory,
    summary: str,
    record_id: str,
    people: list[Involvement],
    *,
    ended_on: date | None = None,
    sensitive: bool = False,
) -> ChronologyEntry:
    return ChronologyEntry(
        occurred_on=date.fromisoformat(occurred_on),
        ended_on=ended_on,
        category=category,
        summary=summary,
        source=SourceRef(agency=AGENCY, record_id=record_id),
        people=people,
        sensitivity=Sensitivity.SENSITIVE if sensitive else Sensitivity.STANDARD,
    )


def _balance(value: Any) -> Decimal:
    balance = Decimal(value)
    if not balance.is_finite() or balance.copy_abs() >= MAX_ARREARS:  # copy_abs: no context, so no Overflow
        raise MalformedReply(message="a rent arrears balance is out of range")
    return balance


def _arrears_entries(tenancy: dict[str, Any], people: list[Involvement]) -> list[ChronologyEntry]:
    ref, address = tenancy["tenancy_ref"], tenancy["address"]["line"]
    entries = []
    for arrears in tenancy["arrears"]:
        balance, weeks = _balance(arrears["balance"]), int(arrears["weeks_in_arrears"])
        summary = sentence(f"Rent arrears of £{balance:,.2f} ({count(weeks, 'week')}) on the tenancy at {address}")
        entries.append(
            _entry(arrears["as_at"], EntryCategory.RENT_ARREARS, summary, f"{ref}/arrears/{arrears['as_at']}", people)
        )
    return entries


def _possession_entries(tenancy: dict[str, Any], people: list[Involvement]) -> list[ChronologyEntry]:
    """Notices served, then each court stage: claim, order, warrant and eviction."""
    address = tenancy["address"]["line"]
    entries = []
    for notice in tenancy["notices"]:
        name = NOTICE_NAMES.get(notice["type"], _words(notice["type"]).capitalize())
        summary = sentence(f"{name} served on the tenancy at {address}", notice["ground"])
        entries.append(_entry(notice["served_on"], EntryCategory.HOUSING_NOTICE, summary, notice["notice_ref"], people))
    for stage in tenancy["possession_proceedings"]:
        name = PROCEEDING_NAMES.get(stage["stage"], _words(stage["stage"]).capitalize())
        place = f"from {address}" if stage["stage"] == "eviction" else f"on the tenancy at {address}"
        summary = sentence(f"{name} {place}", stage["ground"])
        record_id = f"{stage['reference']}/{stage['stage']}"
        entries.append(_entry(stage["date"], EntryCategory.HOUSING_NOTICE, summary, record_id, people))
    return entries


def _asb_entries(tenancy: dict[str, Any], people: list[Involvement]) -> list[ChronologyEntry]:
    address = tenancy["address"]["line"]
    entries = []
    for case in tenancy["asb_cases"]:
        named = case["responsible_person_ref"]
        involved = [person for person in people if person.agency_person_id != named]
        if named is not None:
            involved.insert(0, Involvement(agency_person_id=named, role=InvolvementRole.SUBJECT))
        outcome = ASB_OUTCOMES.get(case["outcome"], f"outcome: {_words(case['outcome'])}")
        summary = sentence(
            f"Anti-social behaviour case ({_words(case['category'])}) about the tenancy at {address}",
            "a household member was named as responsible" if named else None,
            outcome,
        )
        sensitive = case["category"] in SENSITIVE_CODES
        category = EntryCategory.ANTI_SOCIAL_BEHAVIOUR
        entries.append(_entry(case["opened"], category, summary, case["case_ref"], involved, sensitive=sensitive))
    return entries


def tenancy_entries(tenancy: dict[str, Any]) -> list[ChronologyEntry]:
    ref, address = tenancy["tenancy_ref"], tenancy["address"]["line"]
    people = _household(tenancy)
    start = date.fromisoformat(tenancy["start_date"])
    end = date.fromisoformat(tenancy["end_date"]) if tenancy["end_date"] else None
    period = f"from {long_date(start)}" + (f" to {long_date(end)}" if end else "")
    summary = sentence(
        f"{str(tenancy['tenure']).capitalize()} at {address} {period}",
        _members_phrase(tenancy["household"], "tenant"),
    )
    return [
        _entry(tenancy["start_date"], EntryCategory.TENANCY, summary, ref, people, ended_on=end),
        *_arrears_entries(tenancy, people),
        *_possession_entries(tenancy, people),
        *_asb_entries(tenancy, people),
    ]


def homelessness_entry(case: dict[str, Any]) -> ChronologyEntry:
    """One entry per case, naming why the home was lost, the duty owed and any temporary accommodation."""
    applicant = case["applicant_ref"]
    people = [
        Involvement(
            agency_person_id=member["person_ref"],
            role=InvolvementRole.APPLICANT if member["person_ref"] == applicant else InvolvementRole.HOUSEHOLD_MEMBER,
        )
        for member in case["household"]
    ]
    if all(person.agency_person_id != applicant for person in people):
        people.insert(0, Involvement(agency_person_id=applicant, role=InvolvementRole.APPLICANT))
    reason = case["reason_for_loss_of_last_settled_home"]
    accommodation = case["temporary_accommodation_type"]
    placed = (
        "household placed in temporary accommodation"
        + (f" ({ACCOMMODATION.get(accommodation, _words(accommodation))})" if accommodation else "")
        if case["temporary_accommodation"]
        else None
    )
    summary = sentence(
        "Homelessness application",
        f"last settled home lost through {REASONS.get(reason, _words(reason))}" if reason != "other" else None,
        f"{DUTIES.get(case['duty'], _words(case['duty']))} owed",
        _members_phrase(case["household"], "applicant"),
        placed,
    )
    sensitive = reason in SENSITIVE_CODES
    return _entry(
        case["application_date"], EntryCategory.HOMELESSNESS, summary, case["case_ref"], people, sensitive=sensitive
    )


def _member_name(member: dict[str, Any]) -> PersonName | None:
    if not member.get("surname"):
        return None
    return PersonName(given_names=str(member.get("forename") or "").split(), family_name=member["surname"])


def _stated(lead_ref: str, members: Iterable[dict[str, Any]], record: str) -> list[RelatedPerson]:
    """What each member of a household is to its tenant or applicant, as the record states it."""
    return [
        RelatedPerson(
            agency_person_id=lead_ref,
            relationship=RELATIONSHIP_WORDS.get(str(member["relationship"]), _words(member["relationship"])),
            relationship_code=str(member["relationship"]),
            name=_member_name(member),
            related_agency_person_id=member["person_ref"],
            source=SourceRef(agency=AGENCY, record_id=record),
        )
        for member in members
        if member["person_ref"] != lead_ref
    ]


def parse_relationships(payload: Any) -> list[RelatedPerson]:
    """Every relationship the person's tenancies and homelessness cases state about their households."""
    with parsing():
        stated = [
            person
            for tenancy in payload["tenancies"]
            for person in _stated(tenancy["tenant"]["person_ref"], tenancy["household"], tenancy["tenancy_ref"])
        ]
        return stated + [
            person
            for case in payload["homelessness"]
            for person in _stated(case["applicant_ref"], case["household"], case["case_ref"])
        ]


def parse_records(payload: Any) -> list[ChronologyEntry]:
    with parsing():
        entries = [entry for tenancy in payload["tenancies"] for entry in tenancy_entries(tenancy)]
        return entries + [homelessness_entry(case) for case in payload["homelessness"]]


def search_body(person: Person, name: PersonName) -> dict[str, str]:
    """Surname and forename, with the birth dates a week either side and the postcode when the referral has them.

    Not the exact birth date: a record keyed a day out was never returned, so the check read "no record"
    while housing held the person (issue 13). The forename stays, so a sibling is not returned with them.
    """
    body = {"surname": name.family_name, "forename": name.given_names[0]}
    if person.birth_date is not None:
        window = birth_window(person.birth_date)
        body["date_of_birth_from"] = window.earliest.isoformat()
        body["date_of_birth_to"] = window.latest.isoformat()
    if person.address is not None and person.address.postcode:
        body["postcode"] = person.address.postcode
    return body


def parse_document(document: bytes) -> NormalisedDocument:
    """One captured housing reply body, normalised; anything else is `MalformedReply` (never quoting it)."""
    with parsing():
        payload = json_of(document)
        if isinstance(payload, list):
            return NormalisedDocument(agency=AGENCY, kind="people-search", candidates=parse_people(payload))
        if isinstance(payload, dict) and "tenancies" in payload and "person" in payload:
            return NormalisedDocument(
                agency=AGENCY,
                kind="records",
                candidates=[person_to_candidate(payload["person"])],
                entries=parse_records(payload),
                related_people=parse_relationships(payload),
            )
        raise MalformedReply(message="document is not a housing reply this connector reads")


class HousingConnector(Connector):
    agency = AGENCY
    title = "Housing (tenancy, arrears, homelessness)"
    lawful_basis = SAFEGUARDING_BASIS
    returns = ReturnedFields(
        person=frozenset({"aliases", "birth_date", "sex", "address", "identifiers.housing_reference"}),
        entry=frozenset({"ended_on", "sensitivity"}),
        related=frozenset({"relationship_code", "name", "related_agency_person_id"}),
        categories=frozenset(
            {
                EntryCategory.TENANCY,
                EntryCategory.RENT_ARREARS,
                EntryCategory.HOUSING_NOTICE,
                EntryCategory.ANTI_SOCIAL_BEHAVIOUR,
                EntryCategory.HOMELESSNESS,
            }
        ),
    )
    credential_types = (ClientSecretCredentials, NoCredentials)

    @classmethod
    def parse_document(cls, document: bytes) -> NormalisedDocument:
        return parse_document(document)

    def search(self, person: Person) -> list[AgencyPerson]:
        if person.birth_date is None and (person.address is None or not person.address.postcode):
            raise ConnectorError("insufficient_identifiers")
        for name in names_to_search(person):
            try:
                payload = self.post_json("/api/people/search", search_body(person, name))
            except ConnectorError as error:
                if error.code == TOO_MANY_MATCHES_STATUS:
                    raise ConnectorError("too_many_matches") from None
                raise
            if found := parse_people(payload):
                return found
        return []

    def fetch(self, candidate: AgencyPerson) -> NormalisedDocument:
        """Records and the households they list, from one request."""
        payload = self.post_json("/api/records", {"person_ref": candidate.agency_person_id})
        return NormalisedDocument(
            agency=AGENCY, kind="records", entries=parse_records(payload), related_people=parse_relationships(payload)
        )

    def fetch_entries(self, candidate: AgencyPerson) -> list[ChronologyEntry]:
        return self.fetch(candidate).entries
