"""Health connector: NHS PDS FHIR API searches and reads, then A&E Encounters and CP-IS Flags.

How a subject is looked for, least intrusive first (PDS's own advice: fuzzy only after a non-fuzzy
search has failed, since fuzzy searches bring back more false positives):

1. by NHS number, when the referral has one;
2. a non-fuzzy search on each of the subject's names (the referral's, then its aliases): family
   name, first given name and exact birth date, with `_history` so a previous surname matches;
3. only if nothing matched, a fuzzy search on the same names (spelling variants, homophones,
   a transposed birth date), keeping results that score at least `FUZZY_MIN_SCORE`.

PDS answers TOO_MANY_MATCHES rather than a long list. The connector then narrows the same search
with every given name, then with the postcode; if still too many, the check fails with
"too_many_matches" (never "no record"). Gender is not sent, as PDS recommends; the postcode only as
a last narrowing, since PDS never returns a restricted patient to a search that names one.

Each match is then read in full (`GET /Patient/{id}` with the opaque id the search gave, so no
personal detail is ever in a URL): the read carries old names, which become aliases. A restricted
(`R`) patient's address is never taken, and their A&E and CP-IS entries are marked restricted and
leave out the hospital and council names, which could reveal where they live.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.address import Address as FhirAddress
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from pydantic import BaseModel, ConfigDict, Field

from connectors.allowlist import ReturnedFields
from connectors.auth import NhsSignedJwtCredentials, NoCredentials
from connectors.base import (
    SAFEGUARDING_BASIS,
    Connector,
    ConnectorError,
    MalformedReply,
    birth_date_of,
    json_of,
    names_to_search,
    parsing,
)
from connectors.wording import sentence
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
    Sensitivity,
    Sex,
    SourceRef,
)

AGENCY = "health"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
RESTRICTED = "R"
"""`meta.security` code of a restricted (sensitive) PDS record."""
FUZZY_MIN_SCORE = 0.9
"""Fuzzy matches scoring below this are dropped: a near miss is more likely someone else."""
FLAG_CATEGORIES = {
    "CPP": (EntryCategory.CHILD_PROTECTION_PLAN, "Subject of a child protection plan"),
    "UPB": (EntryCategory.CHILD_PROTECTION_PLAN, "Subject of an unborn child protection plan"),
    "LAC": (EntryCategory.LOOKED_AFTER, "Looked after child"),
}


class TooManyMatches(ConnectorError):
    """PDS found more patients than it will return: the search must be narrowed, or the check fails."""

    default_code = "too_many_matches"


def _day(value: date | datetime | None) -> date:
    if value is None:
        raise MalformedReply(message="a required date is missing")
    return value.date() if isinstance(value, datetime) else value


def _person_name(name: HumanName) -> PersonName:
    return PersonName(given_names=list(name.given or []), family_name=name.family or "")


def is_restricted(patient: Patient) -> bool:
    security = patient.meta.security if patient.meta else None
    return any(label.code == RESTRICTED for label in security or [])


def _current_home(patient: Patient) -> FhirAddress | None:
    """The home address without an end date (PDS keeps former homes as `home` with `period.end`)."""
    homes = [a for a in patient.address or [] if a.use in (None, "home") and (a.period is None or a.period.end is None)]
    return homes[0] if homes else None


def patient_to_person(patient: Patient) -> Person:
    """A Person from a Patient: usual name first, other names as aliases; a restricted patient has no address."""
    names = sorted(patient.name or [], key=lambda name: name.use not in ("usual", "official"))
    if not names:
        raise MalformedReply(message="Patient has no name")
    nhs_number = next((i.value for i in patient.identifier or [] if i.system == NHS_NUMBER_SYSTEM), None)
    home = None if is_restricted(patient) else _current_home(patient)
    address = (
        Address(line=", ".join(line for line in home.line or [] if line) or None, postcode=home.postalCode)
        if home
        else None
    )
    return Person(
        name=_person_name(names[0]),
        aliases=[_person_name(name) for name in names[1:]],
        birth_date=patient.birthDate,
        sex=Sex(patient.gender) if patient.gender in set(Sex) else Sex.UNKNOWN,
        address=address,
        identifiers=Identifiers(nhs_number=nhs_number),
    )


def _searchset(payload: Any) -> Bundle:
    """The searchset Bundle, or TooManyMatches for PDS's HTTP 200 TOO_MANY_MATCHES OperationOutcome."""
    if isinstance(payload, dict) and payload.get("resourceType") == "OperationOutcome":
        outcome = OperationOutcome.model_validate(payload)
        codes = {c.code for issue in outcome.issue for c in (issue.details.coding if issue.details else None) or []}
        raise TooManyMatches() if "TOO_MANY_MATCHES" in codes else ConnectorError("operation_outcome")
    return Bundle.model_validate(payload)


def parse_patient_matches(payload: Any) -> list[tuple[str, float]]:
    """(Patient id, search score) for each match of a PDS searchset, best first as PDS sends them."""
    with parsing():
        matches = []
        for entry in _searchset(payload).entry or []:
            if not isinstance(entry.resource, Patient) or not entry.resource.id:
                raise MalformedReply(message="search result is not a Patient with an id")
            score = entry.search.score if entry.search and entry.search.score is not None else 1
            matches.append((entry.resource.id, float(score)))
        return matches


def parse_patient_search(payload: Any) -> list[AgencyPerson]:
    """Candidates from a PDS searchset Bundle; TOO_MANY_MATCHES is a failed check, not "none"."""
    with parsing():
        candidates = []
        for entry in _searchset(payload).entry or []:
            if not isinstance(entry.resource, Patient) or not entry.resource.id:
                raise MalformedReply(message="search result is not a Patient with an id")
            candidates.append(
                AgencyPerson(agency_person_id=entry.resource.id, person=patient_to_person(entry.resource))
            )
        return candidates


def parse_patient(payload: Any) -> AgencyPerson:
    """The candidate from a Patient read (old names included)."""
    with parsing():
        patient = Patient.model_validate(payload)
        if not patient.id:
            raise MalformedReply(message="Patient has no id")
        return AgencyPerson(agency_person_id=patient.id, person=patient_to_person(patient))


def _involving(patient_id: str) -> list[Involvement]:
    return [Involvement(agency_person_id=patient_id, role=InvolvementRole.PATIENT)]


def parse_gp_registration(payload: Any) -> list[ChronologyEntry]:
    """The GP registration recorded on a Patient read, as a chronology entry (none for a restricted patient)."""
    with parsing():
        patient = Patient.model_validate(payload)
        if is_restricted(patient):
            return []
        entries = []
        for gp in patient.generalPractitioner or []:
            if gp.identifier is None or gp.identifier.period is None or gp.identifier.period.start is None:
                continue
            practice = f"{gp.display} ({gp.identifier.value})" if gp.display else str(gp.identifier.value)
            entries.append(
                ChronologyEntry(
                    occurred_on=_day(gp.identifier.period.start),
                    category=EntryCategory.GP_REGISTRATION,
                    summary=sentence(f"Registered with GP practice {practice}"),
                    source=SourceRef(agency=AGENCY, record_id=f"Patient/{patient.id}"),
                    people=_involving(str(patient.id)),
                )
            )
        return entries


def _sensitivity(restricted: bool) -> Sensitivity:
    return Sensitivity.RESTRICTED if restricted else Sensitivity.SENSITIVE


def _encounter_entry(encounter: Encounter, patient_id: str, restricted: bool) -> ChronologyEntry:
    reason = "; ".join(r.text for r in encounter.reasonCode or [] if r.text) or "reason not recorded"
    where = encounter.serviceProvider.display if encounter.serviceProvider and not restricted else None
    is_emergency = encounter.class_fhir is not None and encounter.class_fhir.code == "EMER"
    what = "Attended A&E" if is_emergency else "Health contact"
    return ChronologyEntry(
        occurred_on=_day(encounter.period.start if encounter.period else None),
        category=EntryCategory.EMERGENCY_ATTENDANCE if is_emergency else EntryCategory.HEALTH_CONTACT,
        summary=f"{what}{f' at {where}' if where else ''}: {reason[:1].lower() + reason[1:]}.",
        source=SourceRef(agency=AGENCY, record_id=f"Encounter/{encounter.id}"),
        people=_involving(patient_id),
        sensitivity=_sensitivity(restricted),
    )


def _flag_entry(flag: Flag, patient_id: str, restricted: bool) -> ChronologyEntry:
    code = next((c.code for c in flag.code.coding or [] if c.code), None)
    category, wording = FLAG_CATEGORIES.get(code or "", (EntryCategory.OTHER, flag.code.text or "Health flag"))
    council = flag.author.display if flag.author and not restricted else None
    period = flag.period
    return ChronologyEntry(
        occurred_on=_day(period.start if period else None),
        ended_on=_day(period.end) if period and period.end else None,
        category=category,
        summary=sentence(wording, f"held by {council} (CP-IS)" if council else "recorded on CP-IS"),
        source=SourceRef(agency=AGENCY, record_id=f"Flag/{flag.id}"),
        people=_involving(patient_id),
        sensitivity=_sensitivity(restricted),
    )


def parse_encounters(payload: Any, patient_id: str, *, restricted: bool = False) -> list[ChronologyEntry]:
    with parsing():
        bundle = Bundle.model_validate(payload)
        return [
            _encounter_entry(entry.resource, patient_id, restricted)
            for entry in bundle.entry or []
            if isinstance(entry.resource, Encounter)
        ]


def parse_flags(payload: Any, patient_id: str, *, restricted: bool = False) -> list[ChronologyEntry]:
    with parsing():
        bundle = Bundle.model_validate(payload)
        return [
            _flag_entry(entry.resource, patient_id, restricted)
            for entry in bundle.entry or []
            if isinstance(entry.resource, Flag)
        ]


def parse_restricted(payload: Any) -> bool:
    with parsing():
        return is_restricted(Patient.model_validate(payload))


def _narrowings(person: Person, name: PersonName, born: date, *, fuzzy: bool) -> list[list[tuple[str, str]]]:
    """One demographic search, then the same search narrowed by every given name, then by postcode."""
    option = ("_fuzzy-match", "true") if fuzzy else ("_history", "true")
    search = [("family", name.family_name), ("given", name.given_names[0]), ("birthdate", f"eq{born}"), option]
    searches = [search]
    if len(name.given_names) > 1:
        searches.append([*search, *(("given", given) for given in name.given_names[1:])])
    if person.address and person.address.postcode:
        searches.append([*searches[-1], ("address-postalcode", person.address.postcode)])
    return searches


class HealthOptions(BaseModel):
    """Health's own settings (`options:` in config/agencies.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fuzzy_min_score: float = Field(
        default=FUZZY_MIN_SCORE, gt=0, le=1, description="Fuzzy PDS matches scoring below this are dropped."
    )
    max_results: int = Field(default=10, ge=1, le=50, description="PDS `_max-results` for each search.")


class HealthConnector(Connector):
    agency = AGENCY
    title = "NHS health (PDS demographics, A&E, CP-IS flags)"
    lawful_basis = f"{SAFEGUARDING_BASIS}; UK GDPR Art 9(2)(g) for health data"
    returns = ReturnedFields(
        person=frozenset({"aliases", "birth_date", "sex", "address", "identifiers.nhs_number"}),
        entry=frozenset({"ended_on", "sensitivity"}),
        categories=frozenset(
            {
                EntryCategory.GP_REGISTRATION,
                EntryCategory.EMERGENCY_ATTENDANCE,
                EntryCategory.HEALTH_CONTACT,
                EntryCategory.CHILD_PROTECTION_PLAN,
                EntryCategory.LOOKED_AFTER,
                EntryCategory.OTHER,
            }
        ),
        related=frozenset({"relationship_code", "name", "identifiers.nhs_number", "related_agency_person_id"}),
    )
    Options = HealthOptions
    credential_types = (NhsSignedJwtCredentials, NoCredentials)

    @classmethod
    def parse_document(cls, document: bytes) -> NormalisedDocument:
        return parse_document(document)

    def search(self, person: Person) -> list[AgencyPerson]:
        return [parse_patient(json_of(self.get(f"/Patient/{patient_id}"))) for patient_id in self._find(person)]

    def fetch_entries(self, candidate: AgencyPerson) -> list[ChronologyEntry]:
        patient_id = candidate.agency_person_id
        body = {"patient": f"Patient/{patient_id}"}
        patient = json_of(self.get(f"/Patient/{patient_id}"))
        restricted = parse_restricted(patient)
        encounters = json_of(self.post("/Encounter/_search", data=body))
        flags = json_of(self.post("/Flag/_search", data=body))
        return [
            *parse_gp_registration(patient),
            *parse_encounters(encounters, patient_id, restricted=restricted),
            *parse_flags(flags, patient_id, restricted=restricted),
        ]

    def _find(self, person: Person) -> list[str]:
        """Patient ids for the subject: by NHS number, else non-fuzzy on every name, else fuzzy."""
        nhs_number = person.identifiers.nhs_number
        if nhs_number and (found := self._matches([("identifier", f"{NHS_NUMBER_SYSTEM}|{nhs_number}")])):
            return [patient_id for patient_id, _ in found]
        born = birth_date_of(person)
        for fuzzy in (False, True):
            least = self.options.fuzzy_min_score if fuzzy else 0.0
            for name in names_to_search(person):
                matches = self._narrowed(_narrowings(person, name, born, fuzzy=fuzzy))
                if ids := [patient_id for patient_id, score in matches if score >= least]:
                    return ids
        return []

    def _narrowed(self, searches: list[list[tuple[str, str]]]) -> list[tuple[str, float]]:
        """The first of a search's narrowings that PDS answers without TOO_MANY_MATCHES."""
        for search in searches:
            try:
                return self._matches(search)
            except TooManyMatches:
                continue
        raise TooManyMatches()

    def _matches(self, search: list[tuple[str, str]]) -> list[tuple[str, float]]:
        """One PDS search, form-encoded in the body (a parameter may repeat, as `given` does)."""
        body = [*search, ("_max-results", str(self.options.max_results))]
        return parse_patient_matches(json_of(self.post("/Patient/_search", data=body)))
