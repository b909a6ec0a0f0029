"""Health connector: NHS PDS FHIR API searches and reads, then A&E Encounters and CP-IS Flags.

How a subject is looked for, least intrusive first (PDS's own advice: fuzzy only after a non-fuzzy
search has failed, since fuzzy searches bring back more false positives):

1. by NHS number, when the referral has one;
2. a non-fuzzy search on each of the subject's names (the referral's, then its aliases): family
   name, first given name and a birth-date range a week either side of the referral's
   (`birthdate=ge...&birthdate=le...`), with `_history` so a previous surname matches. Not the exact
   date: a patient whose birth date was keyed a day out was never returned, and the check read
   "no record" (issue 13). The names keep the search narrow; identity checking decides;
3. only if nothing matched, a fuzzy search on the same names and the exact birth date (spelling
   variants, homophones, a day and month transposed, which PDS tolerates only on an exact date),
   keeping results that score at least `FUZZY_MIN_SCORE`.

PDS answers TOO_MANY_MATCHES rather than a long list. The connector then narrows the same search
with every given name, then with the postcode; if still too many, the check fails with
"too_many_matches" (never "no record"). Gender is not sent, as PDS recommends; the postcode only as
a last narrowing, since PDS never returns a restricted patient to a search that names one.

Each match is then read in full (`GET /Patient/{id}` with the opaque id the search gave, so no
personal detail is ever in a URL): the read carries old names, which become aliases. A restricted
(`R`, or `V` very restricted) patient's address is never taken, and their A&E and CP-IS entries are
marked restricted and leave out the hospital and council names, which could reveal where they live.

`parse_document` normalises one captured reply offline (`hub connectors parse health FILE`), through
the same functions as a check: a searchset of Patients, a Patient read (candidate and GP
registration), a patient's related people (PDS's `GET /Patient/{id}/RelatedPerson` Bundle), or a
Bundle of Encounters or Flags (each entry's patient read from its `subject`; whether that patient is
restricted is on their Patient record, not here, so these read as unrestricted). A TOO_MANY_MATCHES
OperationOutcome raises `TooManyMatches`.

Real PDS replies, as NHS England publishes them (tests/fixtures/native/health/pds), are read as
sent: `fhir.resources` R4B validates all of them whole, PDS's UK Core extensions (NominatedPharmacy,
NHSCommunication, ContactPreference, birthPlace, ...) included, and the connector reads only names,
identifiers, gender, birth date, home address, GP and security label. Three things PDS sends that
the shared model cannot hold are tolerated, not refused:

- an NHS number failing the modulus 11 check (the published examples have `9000000015`, and an
  11-digit `90000000009`): the record is kept under its id, the number is not trusted;
- a name with a family name alone (PDS requires only `family`): kept, but a name with given names
  comes first, and identity checking never ties records together on a family name alone;
- compound given names (`["John Paul", "James"]`) are kept whole and in order, as PDS holds them;
- a Patient with no name at all (PDS returns some minimal records with only an NHS number): kept as a
  person without a name, whom identity checking links by the NHS number alone.

A value the hub cannot use in one Patient (a birth date of 30 February or only a year, a postcode or
NHS number that is not one) is a missing field, not a broken reply: it is left out of that Patient,
with a note on the candidate (`connectors.sdk.fields`), and the reply and its other Patients are read
as usual. FHIR validation would refuse a whole Bundle over one bad `birthDate`, so such a birth date
is taken out of (a copy of) the reply before it is validated.

How those UK Core shapes read (names, NHS numbers, current and former homes, security labels,
references and relationship codes) is shared by any NHS FHIR connector, so it is in
`connectors.sdk.fhir`; what health asks PDS for, and what a restricted patient may show, is here.
"""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.relatedperson import RelatedPerson as FhirRelatedPerson
from pydantic import BaseModel, ConfigDict, Field

from connectors.sdk.allowlist import ReturnedFields
from connectors.sdk.auth import NhsSignedJwtCredentials, NoCredentials
from connectors.sdk.base import (
    SAFEGUARDING_BASIS,
    Connector,
    ConnectorError,
    MalformedReply,
    birth_date_of,
    birth_window,
    json_of,
    names_to_search,
    parsing,
)
from connectors.sdk.fhir import (
    NHS_NUMBER_SYSTEM,
    address_of,
    current_home,
    former_homes,
    is_restricted,
    nhs_number_of,
    person_names,
    referenced_patient,
    relationship_in_words,
    required_day,
    valid_nhs_number,
)
from connectors.sdk.fields import RecordFields
from connectors.sdk.wording import sentence
from schemas import (
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

AGENCY = "health"
FUZZY_MIN_SCORE = 0.9
"""Fuzzy matches scoring below this are dropped: a near miss is more likely someone else."""
FLAG_CATEGORIES = {
    "CPP": (EntryCategory.CHILD_PROTECTION_PLAN, "Subject of a child protection plan"),
    "UPB": (EntryCategory.CHILD_PROTECTION_PLAN, "Subject of an unborn child protection plan"),
    "LAC": (EntryCategory.LOOKED_AFTER, "Looked after child"),
}
PARTIAL_DATE = re.compile(r"^[0-9]{4}(-(0[1-9]|1[0-2]))?$")
"""A FHIR date of a year, or a year and month, which FHIR allows and the hub cannot compare."""
RELATED_PERSON_URL = re.compile(r"(?:^|/)Patient/([^/]+)/RelatedPerson/[^/]+$")
"""A related-people entry's `fullUrl`: `.../Patient/{the patient's id}/RelatedPerson/{id}`."""


class TooManyMatches(ConnectorError):
    """PDS found more patients than it will return: the search must be narrowed, or the check fails."""

    default_code = "too_many_matches"


def patient_to_person(patient: Patient, fields: RecordFields | None = None) -> Person:
    """A Person from a Patient: usual name first, other names as aliases; a restricted patient has no address.

    A Patient with no usable name (PDS sends some with only an NHS number) is a Person without one: identity
    checking links it by its NHS number alone. A value the hub cannot use (a partial birth date, a postcode or
    NHS number that is not one) is left out, noted in `fields`.
    """
    fields = fields or RecordFields()
    ordered = sorted(patient.name or [], key=lambda name: name.use not in ("usual", "official"))
    names = person_names(ordered)
    born = patient.birthDate
    if born is not None and not isinstance(born, date):
        fields.left_out("birth date", "is not a full date")
        born = None
    restricted = is_restricted(patient)
    return Person(
        name=names[0] if names else None,
        aliases=names[1:],
        birth_date=born,
        sex=Sex(patient.gender) if patient.gender in set(Sex) else Sex.UNKNOWN,
        address=None if restricted else address_of(current_home(patient.address), fields),
        previous_addresses=[] if restricted else former_homes(patient.address, fields),
        identifiers=Identifiers(nhs_number=nhs_number_of(patient.identifier, fields)),
    )


def _candidate(patient: Patient, set_aside: dict[str, list[str]] | None = None) -> AgencyPerson:
    """The candidate, with the notes on its fields left out (`set_aside`: notes made before FHIR validation)."""
    if not patient.id:
        raise MalformedReply(message="Patient has no id")
    fields = RecordFields()
    fields.set_aside += (set_aside or {}).get(patient.id, [])
    person = patient_to_person(patient, fields)
    return AgencyPerson(agency_person_id=patient.id, person=person, set_aside=fields.set_aside)


def _patients_in(payload: Any) -> list[dict[str, Any]]:
    """The Patient resources of a reply as sent: the Patient itself, or a Bundle's entries."""
    if not isinstance(payload, dict):
        return []
    if payload.get("resourceType") == "Patient":
        return [payload]
    entries = payload.get("entry") if payload.get("resourceType") == "Bundle" else None
    resources = (
        [entry.get("resource") for entry in entries if isinstance(entry, dict)] if isinstance(entries, list) else []
    )
    return [r for r in resources if isinstance(r, dict) and r.get("resourceType") == "Patient"]


def _unusable_birth_date(patient: dict[str, Any]) -> bool:
    """A birthDate that is no date at all (FHIR validation would refuse the whole reply over it)."""
    value = patient.get("birthDate")
    if value is None or (isinstance(value, str) and PARTIAL_DATE.match(value)):
        return False
    return RecordFields().birth_date(value) is None


def _readable(payload: Any) -> tuple[Any, dict[str, list[str]]]:
    """The payload with each Patient's unusable birth date taken out, and a note for each by Patient id.

    FHIR validation refuses a whole Bundle over one Patient's `birthDate` of 30 February; a bad field is
    a missing field, so it is taken out first (from a copy) and the Patient read without it.
    """
    if not any(_unusable_birth_date(patient) for patient in _patients_in(payload)):
        return payload, {}
    payload = copy.deepcopy(payload)
    notes: dict[str, list[str]] = {}
    for patient in _patients_in(payload):
        if _unusable_birth_date(patient):
            del patient["birthDate"]
            notes.setdefault(str(patient.get("id")), []).append("birth date is not a date, so it was left out")
    return payload, notes


def _read_patient(payload: Any) -> tuple[Patient, dict[str, list[str]]]:
    """A Patient read, validated once its unusable birth date (if any) is taken out; the notes by Patient id."""
    readable, notes = _readable(payload)
    return Patient.model_validate(readable), notes


def _outcome_error(payload: Any) -> ConnectorError:
    """PDS's HTTP 200 TOO_MANY_MATCHES OperationOutcome is `TooManyMatches`; any other outcome an error reply."""
    outcome = OperationOutcome.model_validate(payload)
    codes = {c.code for issue in outcome.issue for c in (issue.details.coding if issue.details else None) or []}
    return TooManyMatches() if "TOO_MANY_MATCHES" in codes else ConnectorError("operation_outcome")


def _searchset(payload: Any) -> tuple[Bundle, dict[str, list[str]]]:
    """The searchset Bundle and its notes by Patient id, or TooManyMatches for PDS's HTTP 200 TOO_MANY_MATCHES."""
    if isinstance(payload, dict) and payload.get("resourceType") == "OperationOutcome":
        raise _outcome_error(payload)
    readable, notes = _readable(payload)
    return Bundle.model_validate(readable), notes


def _search_patients(bundle: Bundle) -> list[Patient]:
    entries = bundle.entry or []
    patients = [entry.resource for entry in entries if isinstance(entry.resource, Patient) and entry.resource.id]
    if len(patients) != len(entries):
        raise MalformedReply(message="search result is not a Patient with an id")
    return patients


def parse_patient_matches(payload: Any) -> list[tuple[str, float]]:
    """(Patient id, search score) for each match of a PDS searchset, best first as PDS sends them."""
    with parsing():
        matches = []
        for entry in _searchset(payload)[0].entry or []:
            if not isinstance(entry.resource, Patient) or not entry.resource.id:
                raise MalformedReply(message="search result is not a Patient with an id")
            score = entry.search.score if entry.search and entry.search.score is not None else 1
            matches.append((entry.resource.id, float(score)))
        return matches


def parse_patient_search(payload: Any) -> list[AgencyPerson]:
    """Candidates from a PDS searchset Bundle; TOO_MANY_MATCHES is a failed check, not "none"."""
    with parsing():
        bundle, notes = _searchset(payload)
        return [_candidate(patient, notes) for patient in _search_patients(bundle)]


def parse_patient(payload: Any) -> AgencyPerson:
    """The candidate from a Patient read (old names included)."""
    with parsing():
        return _candidate(*_read_patient(payload))


def _involving(patient_id: str) -> list[Involvement]:
    return [Involvement(agency_person_id=patient_id, role=InvolvementRole.PATIENT)]


def _gp_registrations(patient: Patient) -> list[ChronologyEntry]:
    if is_restricted(patient):
        return []
    entries = []
    for gp in patient.generalPractitioner or []:
        if gp.identifier is None or gp.identifier.period is None or gp.identifier.period.start is None:
            continue
        practice = f"{gp.display} ({gp.identifier.value})" if gp.display else str(gp.identifier.value)
        entries.append(
            ChronologyEntry(
                occurred_on=required_day(gp.identifier.period.start),
                category=EntryCategory.GP_REGISTRATION,
                summary=sentence(f"Registered with GP practice {practice}"),
                source=SourceRef(agency=AGENCY, record_id=f"Patient/{patient.id}"),
                people=_involving(str(patient.id)),
            )
        )
    return entries


def parse_gp_registration(payload: Any) -> list[ChronologyEntry]:
    """The GP registration recorded on a Patient read, as a chronology entry (none for a restricted patient)."""
    with parsing():
        return _gp_registrations(_read_patient(payload)[0])


def _sensitivity(restricted: bool) -> Sensitivity:
    return Sensitivity.RESTRICTED if restricted else Sensitivity.SENSITIVE


def _encounter_entry(encounter: Encounter, patient_id: str, restricted: bool) -> ChronologyEntry:
    reason = "; ".join(r.text for r in encounter.reasonCode or [] if r.text) or "reason not recorded"
    where = encounter.serviceProvider.display if encounter.serviceProvider and not restricted else None
    is_emergency = encounter.class_fhir is not None and encounter.class_fhir.code == "EMER"
    what = "Attended A&E" if is_emergency else "Health contact"
    return ChronologyEntry(
        occurred_on=required_day(encounter.period.start if encounter.period else None),
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
        occurred_on=required_day(period.start if period else None),
        ended_on=required_day(period.end) if period and period.end else None,
        category=category,
        summary=sentence(wording, f"held by {council} (CP-IS)" if council else "recorded on CP-IS"),
        source=SourceRef(agency=AGENCY, record_id=f"Flag/{flag.id}"),
        people=_involving(patient_id),
        sensitivity=_sensitivity(restricted),
    )


def _encounters(bundle: Bundle) -> list[Encounter]:
    return [entry.resource for entry in bundle.entry or [] if isinstance(entry.resource, Encounter)]


def _flags(bundle: Bundle) -> list[Flag]:
    return [entry.resource for entry in bundle.entry or [] if isinstance(entry.resource, Flag)]


def parse_encounters(payload: Any, patient_id: str, *, restricted: bool = False) -> list[ChronologyEntry]:
    with parsing():
        return [_encounter_entry(e, patient_id, restricted) for e in _encounters(Bundle.model_validate(payload))]


def parse_flags(payload: Any, patient_id: str, *, restricted: bool = False) -> list[ChronologyEntry]:
    with parsing():
        return [_flag_entry(flag, patient_id, restricted) for flag in _flags(Bundle.model_validate(payload))]


def parse_restricted(payload: Any) -> bool:
    with parsing():
        return is_restricted(_read_patient(payload)[0])


def _subject(reference: Reference | None) -> str:
    """The id of the patient an Encounter or Flag is about, from its `subject` reference."""
    patient_id = referenced_patient(reference)
    if patient_id is None:
        raise MalformedReply(message="a record does not say which patient it is about")
    return patient_id


def _related_person(related: FhirRelatedPerson, patient_id: str) -> RelatedPerson:
    """One of a patient's related people, as PDS records them.

    PDS's `RelatedPerson.patient` is not the patient they relate to (FHIR's meaning): it points to the
    related person's *own* PDS record, its identifier their NHS number (by any `system`: PDS's spec gives
    the Patient endpoint's URL). The patient they relate to is the one whose related people were asked
    for, so it is passed in from the entry's `fullUrl`.
    """
    if not related.id:
        raise MalformedReply(message="RelatedPerson has no id")
    relationship, code = relationship_in_words(related.relationship)
    own_record = related.patient
    own_number = own_record.identifier.value if own_record.identifier else None
    names = person_names(related.name)
    return RelatedPerson(
        agency_person_id=patient_id,
        relationship=relationship,
        relationship_code=code,
        name=names[0] if names else None,
        identifiers=Identifiers(nhs_number=valid_nhs_number(own_number)),
        related_agency_person_id=referenced_patient(own_record),
        address=address_of(current_home(related.address)),
        source=SourceRef(agency=AGENCY, record_id=f"RelatedPerson/{related.id}"),
    )


def _related_people(bundle: Bundle) -> list[RelatedPerson]:
    """A patient's related people: each entry's `fullUrl` names the patient (`.../Patient/{id}/RelatedPerson/...`)."""
    people = []
    for entry in bundle.entry or []:
        owner = RELATED_PERSON_URL.search(entry.fullUrl or "")
        if owner is None or not isinstance(entry.resource, FhirRelatedPerson):
            raise MalformedReply(message="a RelatedPerson does not say whose relative it is")
        people.append(_related_person(entry.resource, owner.group(1)))
    return people


BUNDLE_KINDS: dict[type, str] = {
    Patient: "patient-search",
    FhirRelatedPerson: "related-people",
    Encounter: "encounters",
    Flag: "flags",
}
"""What a searchset holds, by the type of its resources (an empty one holds nothing to go on)."""


def _bundle_document(bundle: Bundle, set_aside: dict[str, list[str]]) -> NormalisedDocument:
    kinds = {BUNDLE_KINDS.get(type(entry.resource), "") for entry in bundle.entry or []}
    if bundle.type != "searchset" or "" in kinds or len(kinds) > 1:
        raise MalformedReply(message="Bundle is not a searchset of Patients, RelatedPersons, Encounters or Flags")
    kind = kinds.pop() if kinds else "empty-searchset"
    content: dict[str, Any] = {}
    if kind == "patient-search":
        content["candidates"] = [_candidate(patient, set_aside) for patient in _search_patients(bundle)]
    elif kind == "related-people":
        content["related_people"] = _related_people(bundle)
    elif kind == "encounters":
        content["entries"] = [_encounter_entry(e, _subject(e.subject), restricted=False) for e in _encounters(bundle)]
    elif kind == "flags":
        content["entries"] = [_flag_entry(flag, _subject(flag.subject), restricted=False) for flag in _flags(bundle)]
    return NormalisedDocument(agency=AGENCY, kind=kind, **content)


def _birth_dates(born: date, *, fuzzy: bool) -> list[tuple[str, str]]:
    """A week either side for an exact-name search; the exact date for a fuzzy one, which tolerates its
    day and month transposed but would, over a range, widen two loose criteria at once."""
    if fuzzy:
        return [("birthdate", f"eq{born}")]
    window = birth_window(born)
    return [("birthdate", f"ge{window.earliest}"), ("birthdate", f"le{window.latest}")]


def _narrowings(person: Person, name: PersonName, born: date, *, fuzzy: bool) -> list[list[tuple[str, str]]]:
    """One demographic search, then the same search narrowed by every given name, then by postcode."""
    option = ("_fuzzy-match", "true") if fuzzy else ("_history", "true")
    search = [("family", name.family_name), ("given", name.given_names[0]), *_birth_dates(born, fuzzy=fuzzy), option]
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


def parse_document(document: bytes) -> NormalisedDocument:
    """One captured reply body of the health agency, normalised (see the module docstring for the kinds).

    Anything else (not JSON, another agency's format, a lone RelatedPerson, which does not say whose
    relative it is) is `MalformedReply`, whose message never quotes the document.
    """
    with parsing():
        payload = json_of(document)
        resource_type = payload.get("resourceType") if isinstance(payload, dict) else None
        if resource_type == "OperationOutcome":
            raise _outcome_error(payload)
        if resource_type == "Bundle":
            readable, notes = _readable(payload)
            return _bundle_document(Bundle.model_validate(readable), notes)
        if resource_type == "Patient":
            patient, notes = _read_patient(payload)
            return NormalisedDocument(
                agency=AGENCY,
                kind="patient",
                candidates=[_candidate(patient, notes)],
                entries=_gp_registrations(patient),
            )
        if resource_type == "RelatedPerson":
            raise MalformedReply(message="a related person on its own does not say whose relative they are")
        raise MalformedReply(message="document is not a PDS, A&E or CP-IS reply this connector reads")


class HealthConnector(Connector):
    agency = AGENCY
    title = "NHS health (PDS demographics, A&E, CP-IS flags)"
    lawful_basis = f"{SAFEGUARDING_BASIS}; UK GDPR Art 9(2)(g) for health data"
    returns = ReturnedFields(
        person=frozenset({"aliases", "birth_date", "sex", "address", "previous_addresses", "identifiers.nhs_number"}),
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
        self._patients = {patient_id: json_of(self.get(f"/Patient/{patient_id}")) for patient_id in self._find(person)}
        return [parse_patient(patient) for patient in self._patients.values()]

    def fetch_entries(self, candidate: AgencyPerson) -> list[ChronologyEntry]:
        patient_id = candidate.agency_person_id
        body = {"patient": f"Patient/{patient_id}"}
        read = getattr(self, "_patients", {})
        patient = read[patient_id] if patient_id in read else json_of(self.get(f"/Patient/{patient_id}"))
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
