"""Police connector: POLE-style nominal search, then each nominal's occurrences and Public Protection Notices.

Police hold no identifier the referral carries, so the search is name and birth year (the years a
few days either side of the birth date reach), once for the referral's name and once for each alias;
the nominals found are pooled and identity checking judges each one. The force also
returns nominals whose date of birth it never recorded: they stay candidates (without a birth
date) and the hub's identity checking decides about them, as do nominals whose birth date or
postcode is no real one (30 February): that field is left out, with a note, and the nominal kept.
Occurrences become chronology entries with every linked person's role (domestic abuse with its DASH
risk, missing episodes with their return, child sexual exploitation concerns); each PPN becomes an
entry of its own.

`parse_document` normalises one captured reply offline (`hub connectors parse police FILE`), told
apart by its top-level keys: a nominal search (`nominals`; a truncated one fails as
"too_many_matches", as in a check), one nominal (`GET /nominals/{id}`), occurrences or PPNs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from connectors.sdk.allowlist import ReturnedFields
from connectors.sdk.auth import MutualTlsCredentials, NoCredentials
from connectors.sdk.base import (
    SAFEGUARDING_BASIS,
    Connector,
    ConnectorError,
    MalformedReply,
    birth_date_of,
    birth_years_to_search,
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
    DashRisk,
    EntryCategory,
    EntryFacts,
    ExploitationKind,
    Identifiers,
    Involvement,
    InvolvementRole,
    NormalisedDocument,
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
    "missing_person": EntryCategory.MISSING_EPISODE,
    "child_sexual_exploitation": EntryCategory.CHILD_EXPLOITATION_CONCERN,
    "child_criminal_exploitation": EntryCategory.CHILD_EXPLOITATION_CONCERN,
    "anti_social_behaviour": EntryCategory.ANTI_SOCIAL_BEHAVIOUR,
    "antisocial_behaviour": EntryCategory.ANTI_SOCIAL_BEHAVIOUR,
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
    "subject": InvolvementRole.SUBJECT,
    "reporting_person": InvolvementRole.REPORTING_PERSON,
}
LOCATIONS = {
    "home_address": "at home address",
    "other_address": "at another address",
    "public_place": "in a public place",
    "school": "at school",
    "licensed_premises": "at licensed premises",
    "retail": "at a shop",
}
EVENT_NAMES = {
    "domestic_abuse": "Domestic abuse incident",
    "missing": "Missing person episode",
    "missing_person": "Missing person episode",
    "child_sexual_exploitation": "Child sexual exploitation concern",
    "child_criminal_exploitation": "Child criminal exploitation concern",
    "anti_social_behaviour": "Anti-social behaviour",
    "antisocial_behaviour": "Anti-social behaviour",
}
FLAG_CLAUSES = {
    "repeat_victim": "repeat victim",
    "repeat_missing": "repeat missing episode",
    "marac": "referred to MARAC",
}
"""Occurrence flags worth a clause (child_present is counted from the roles; cse_concern is below)."""
REPORTERS = {"parent_carer": "a parent or carer", "school": "the school", "care_home": "care home staff"}
CONCERNS = {
    "child_at_risk": "child at risk",
    "domestic_abuse": "domestic abuse",
    "child_sexual_exploitation": "child sexual exploitation",
    "missing": "missing person",
}
CSE_FLAG = "cse_concern"
MARAC_FLAG = "marac"
EXPLOITATION = {
    "child_sexual_exploitation": ExploitationKind.SEXUAL,
    "child_criminal_exploitation": ExploitationKind.CRIMINAL,
}
"""Occurrence types and PPN concerns that are an exploitation concern, and which kind."""
MAX_ALIAS_NAMES = 1000
"""Every alias surname is paired with every alias forename: past this many names, a nominal is malformed
(a few kilobytes of aliases would otherwise become millions of names)."""


def _words(code: object) -> str:
    return str(code).replace("_", " ")


def _event_name(kind: object) -> str:
    return EVENT_NAMES.get(str(kind), _words(kind).capitalize())


def _address(address: dict[str, Any] | None, fields: RecordFields) -> Address | None:
    """The nominal's address; a postcode the force mistyped beyond recognition is left out (noted), not fatal."""
    if not address:
        return None
    postcode = fields.postcode(address.get("postcode"))
    line = address.get("line")
    return Address(line=str(line) if line else None, postcode=postcode) if line or postcode else None


def _alias_names(nominal: dict[str, Any], name: PersonName) -> list[PersonName]:
    """Every other name the nominal is known by: each alias surname and forename, and their pairings."""
    aliases = nominal.get("aliases") or {}
    surnames = [name.family_name, *aliases.get("surnames", [])]
    forenames = [name.given_names, *([str(forename)] for forename in aliases.get("forenames", []))]
    if len(surnames) * len(forenames) > MAX_ALIAS_NAMES:
        raise MalformedReply(message="a nominal lists more aliases than the connector reads")
    names = {
        (tuple(given), str(surname)): PersonName(given_names=given, family_name=surname)
        for surname in surnames
        for given in forenames
    }
    names.pop((tuple(name.given_names), name.family_name), None)
    return list(names.values())


def nominal_to_candidate(nominal: dict[str, Any]) -> AgencyPerson:
    forenames = nominal["forenames"]
    if not isinstance(forenames, list):
        raise TypeError("forenames is not a list")
    name = PersonName(given_names=[str(forename) for forename in forenames], family_name=nominal["surname"])
    fields = RecordFields()
    born = fields.birth_date(nominal["date_of_birth"])
    sex = nominal.get("sex")
    return AgencyPerson(
        agency_person_id=nominal["nominal_id"],
        person=Person(
            name=name,
            aliases=_alias_names(nominal, name),
            birth_date=born,
            sex=Sex(sex) if sex in set(Sex) else Sex.UNKNOWN,
            address=_address(nominal.get("address"), fields),
            identifiers=Identifiers(police_nominal_id=nominal["nominal_id"]),
        ),
        set_aside=fields.set_aside,
    )


def parse_nominals(payload: Any) -> list[AgencyPerson]:
    """The candidates of one nominal search; a capped (truncated) answer cannot be trusted as complete."""
    with parsing():
        candidates = [nominal_to_candidate(nominal) for nominal in payload["nominals"]]
        if payload.get("truncated") is True:
            raise ConnectorError("too_many_matches")
        return candidates


def _missing_clauses(episode: dict[str, Any] | None) -> list[str | None]:
    if not episode:
        return []
    returned = episode.get("returned")
    risk = episode.get("risk")
    reporter = episode["reported_by"]
    reported = date.fromisoformat(episode["reported"])
    return [
        f"reported missing by {REPORTERS.get(reporter, _words(reporter))} on {long_date(reported)}",
        f"returned {long_date(date.fromisoformat(returned))}" if returned else "not returned when recorded",
        f"risk graded {_words(risk)}" if risk else None,
    ]


def occurrence_summary(occurrence: dict[str, Any]) -> str:
    """A structured first sentence a social worker can scan, then the force's own narrative."""
    kind = occurrence["type"]
    location = occurrence.get("location") or {}
    place = LOCATIONS.get(str(location.get("type")), "")
    risk = occurrence.get("dash_risk")
    children = sum(1 for person in occurrence["persons"] if person["role"] == "child_present")
    flags = set(occurrence.get("flags") or ())
    cse_noted = CSE_FLAG in flags and CATEGORIES.get(kind) is not EntryCategory.CHILD_EXPLOITATION_CONCERN
    lead = sentence(
        f"{_event_name(kind)} {place}".strip(),
        f"DASH risk assessed as {risk}" if risk else None,
        f"{count(children, 'child', 'children')} present" if children else None,
        *_missing_clauses(occurrence.get("missing_episode")),
        *(clause for flag, clause in FLAG_CLAUSES.items() if flag in flags),
        "child sexual exploitation concern flagged" if cse_noted else None,
    )
    narrative = occurrence.get("summary")
    return f"{lead} {narrative}" if narrative else lead


def _sensitivity(category: EntryCategory, flags: Any) -> Sensitivity:
    if CSE_FLAG in (flags or ()):
        return Sensitivity.RESTRICTED
    return SENSITIVITY.get(category, Sensitivity.STANDARD)


def _dash_risk(value: object) -> DashRisk | None:
    """The DASH level as the force graded it; a grade outside standard/medium/high is left to the words."""
    return DashRisk(str(value)) if value in set(DashRisk) else None


def occurrence_facts(occurrence: dict[str, Any]) -> EntryFacts | None:
    """What the hub's indicators read from an occurrence: its DASH level, MARAC referral and exploitation kind."""
    flags = set(occurrence.get("flags") or ())
    kinds = {EXPLOITATION[kind]} if (kind := str(occurrence["type"])) in EXPLOITATION else set()
    if CSE_FLAG in flags:
        kinds.add(ExploitationKind.SEXUAL)
    facts = EntryFacts(
        dash_risk=_dash_risk(occurrence.get("dash_risk")),
        marac=True if MARAC_FLAG in flags else None,
        exploitation=sorted(kinds),
    )
    return facts if facts != EntryFacts() else None


def occurrence_to_entry(occurrence: dict[str, Any]) -> ChronologyEntry:
    category = CATEGORIES.get(occurrence["type"], EntryCategory.POLICE_OCCURRENCE)
    people = [
        Involvement(agency_person_id=person["nominal_id"], role=ROLES.get(person["role"], InvolvementRole.OTHER))
        for person in occurrence["persons"]
    ]
    returned = (occurrence.get("missing_episode") or {}).get("returned")
    return ChronologyEntry(
        occurred_on=date.fromisoformat(occurrence["date"]),
        ended_on=date.fromisoformat(returned) if returned else None,
        category=category,
        summary=occurrence_summary(occurrence),
        action_taken=occurrence.get("outcome") or None,
        source=SourceRef(agency=AGENCY, record_id=occurrence["occurrence_id"]),
        people=people,
        sensitivity=_sensitivity(category, occurrence.get("flags")),
        facts=occurrence_facts(occurrence),
    )


def parse_occurrences(payload: Any) -> list[ChronologyEntry]:
    with parsing():
        occurrences = payload["occurrences"]
        if not isinstance(occurrences, list):
            raise MalformedReply(message="occurrences is not a list")
        return [occurrence_to_entry(occurrence) for occurrence in occurrences]


def ppn_summary(notice: dict[str, Any]) -> str:
    concern = notice["concern"]
    occurrence = notice.get("occurrence") or {}
    raised_after = None
    if occurrence.get("type") and occurrence.get("date"):
        event = _event_name(occurrence["type"]).lower()
        raised_after = f"after the {event} of {long_date(date.fromisoformat(occurrence['date']))}"
    return sentence(
        f"Public Protection Notice submitted: {CONCERNS.get(concern, _words(concern))}",
        f"risk assessed as {_words(notice['risk'])}" if notice.get("risk") else None,
        raised_after,
    )


def ppn_to_entry(notice: dict[str, Any]) -> ChronologyEntry:
    shared_with = notice.get("shared_with")
    restricted = notice["concern"] == "child_sexual_exploitation"
    return ChronologyEntry(
        occurred_on=date.fromisoformat(notice["submitted_on"]),
        category=EntryCategory.PUBLIC_PROTECTION_NOTICE,
        summary=ppn_summary(notice),
        action_taken=f"Shared with {shared_with}." if shared_with else None,
        source=SourceRef(agency=AGENCY, record_id=notice["ppn_id"]),
        people=[Involvement(agency_person_id=notice["nominal_id"], role=InvolvementRole.SUBJECT)],
        sensitivity=Sensitivity.RESTRICTED if restricted else Sensitivity.SENSITIVE,
        facts=EntryFacts(exploitation=[EXPLOITATION[notice["concern"]]]) if notice["concern"] in EXPLOITATION else None,
    )


def parse_ppns(payload: Any) -> list[ChronologyEntry]:
    with parsing():
        notices = payload["ppns"]
        if not isinstance(notices, list):
            raise MalformedReply(message="ppns is not a list")
        return [ppn_to_entry(notice) for notice in notices]


def parse_document(document: bytes) -> NormalisedDocument:
    """One captured police reply body, normalised; anything else is `MalformedReply` (never quoting it)."""
    with parsing():
        payload = json_of(document)
        if not isinstance(payload, dict):
            raise MalformedReply(message="document is not a police reply this connector reads")
        if "nominals" in payload:
            return NormalisedDocument(agency=AGENCY, kind="nominal-search", candidates=parse_nominals(payload))
        if "occurrences" in payload:
            return NormalisedDocument(agency=AGENCY, kind="occurrences", entries=parse_occurrences(payload))
        if "ppns" in payload:
            return NormalisedDocument(agency=AGENCY, kind="ppns", entries=parse_ppns(payload))
        if "nominal_id" in payload and "forenames" in payload:
            return NormalisedDocument(agency=AGENCY, kind="nominal", candidates=[nominal_to_candidate(payload)])
        raise MalformedReply(message="document is not a police reply this connector reads")


class PoliceConnector(Connector):
    agency = AGENCY
    title = "Police (POLE nominals, occurrences and PPNs)"
    lawful_basis = f"{SAFEGUARDING_BASIS}; DPA 2018 Sch 8 para 4 for the force's law-enforcement data"
    returns = ReturnedFields(
        person=frozenset({"aliases", "birth_date", "sex", "address", "identifiers.police_nominal_id"}),
        entry=frozenset(
            {"ended_on", "action_taken", "sensitivity", "facts.dash_risk", "facts.marac", "facts.exploitation"}
        ),
        categories=frozenset(
            {
                EntryCategory.DOMESTIC_ABUSE_INCIDENT,
                EntryCategory.MISSING_EPISODE,
                EntryCategory.CHILD_EXPLOITATION_CONCERN,
                EntryCategory.ANTI_SOCIAL_BEHAVIOUR,
                EntryCategory.POLICE_OCCURRENCE,
                EntryCategory.PUBLIC_PROTECTION_NOTICE,
            }
        ),
    )
    credential_types = (MutualTlsCredentials, NoCredentials)
    asynchronous = True

    @classmethod
    def parse_document(cls, document: bytes) -> NormalisedDocument:
        return parse_document(document)

    def search(self, person: Person) -> list[AgencyPerson]:
        """Nominals of each name born in the years around the referral's birth date; identity checking decides.

        Not the exact date: police records are the noisiest, and a nominal a day out was never returned, so
        the check read "no record" while the force held the child (issue 13).
        """
        birth_date = birth_date_of(person)
        found: dict[str, AgencyPerson] = {}
        for name in names_to_search(person):
            for year in birth_years_to_search(birth_date):
                body = {"surname": name.family_name, "forenames": " ".join(name.given_names), "birth_year": year}
                for candidate in parse_nominals(self.post_json("/nominals/search", body)):
                    found.setdefault(candidate.agency_person_id, candidate)
        return list(found.values())

    def fetch_entries(self, candidate: AgencyPerson) -> list[ChronologyEntry]:
        body = {"nominal_id": candidate.agency_person_id}
        occurrences = parse_occurrences(self.post_json("/occurrences/search", body))
        return [*occurrences, *parse_ppns(self.post_json("/ppns/search", body))]
