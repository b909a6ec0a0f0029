"""Health connector: NHS PDS-style FHIR R4 (read with fhir.resources R4B models).

Searches by NHS number when the referral has one, else by name and birth date. For each
Patient it reads the GP registration, A&E Encounters and CP-IS Flags.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from connectors.base import (
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
    Person,
    PersonName,
    Sensitivity,
    Sex,
    SourceRef,
)

AGENCY = "health"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
MAX_RESULTS = "10"
FLAG_CATEGORIES = {
    "CPP": (EntryCategory.CHILD_PROTECTION_PLAN, "Subject of a child protection plan"),
    "UPB": (EntryCategory.CHILD_PROTECTION_PLAN, "Subject of an unborn child protection plan"),
    "LAC": (EntryCategory.LOOKED_AFTER, "Looked after child"),
}


def _day(value: date | datetime | None) -> date:
    if value is None:
        raise MalformedReply(message="a required date is missing")
    return value.date() if isinstance(value, datetime) else value


def _person_name(name: HumanName) -> PersonName:
    return PersonName(given_names=list(name.given or []), family_name=name.family or "")


def patient_to_person(patient: Patient) -> Person:
    names = sorted(patient.name or [], key=lambda name: name.use not in ("usual", "official"))
    if not names:
        raise MalformedReply(message="Patient has no name")
    nhs_number = next((i.value for i in patient.identifier or [] if i.system == NHS_NUMBER_SYSTEM), None)
    home = next((a for a in patient.address or [] if a.use in (None, "home")), None)
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


def parse_patient_search(payload: Any) -> list[AgencyPerson]:
    """Candidates from a PDS searchset Bundle; TOO_MANY_MATCHES is a failed check, not "none"."""
    with parsing():
        if isinstance(payload, dict) and payload.get("resourceType") == "OperationOutcome":
            outcome = OperationOutcome.model_validate(payload)
            codes = {c.code for issue in outcome.issue for c in (issue.details.coding if issue.details else None) or []}
            raise ConnectorError("too_many_matches" if "TOO_MANY_MATCHES" in codes else "operation_outcome")
        bundle = Bundle.model_validate(payload)
        candidates = []
        for entry in bundle.entry or []:
            if not isinstance(entry.resource, Patient) or not entry.resource.id:
                raise MalformedReply(message="search result is not a Patient with an id")
            candidates.append(
                AgencyPerson(agency_person_id=entry.resource.id, person=patient_to_person(entry.resource))
            )
        return candidates


def _involving(patient_id: str) -> list[Involvement]:
    return [Involvement(agency_person_id=patient_id, role=InvolvementRole.PATIENT)]


def parse_gp_registration(payload: Any) -> list[ChronologyEntry]:
    """The GP registration recorded on a Patient read, as a chronology entry."""
    with parsing():
        patient = Patient.model_validate(payload)
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


def _encounter_entry(encounter: Encounter, patient_id: str) -> ChronologyEntry:
    reason = "; ".join(r.text for r in encounter.reasonCode or [] if r.text) or "reason not recorded"
    where = encounter.serviceProvider.display if encounter.serviceProvider else None
    is_emergency = encounter.class_fhir is not None and encounter.class_fhir.code == "EMER"
    what = "Attended A&E" if is_emergency else "Health contact"
    return ChronologyEntry(
        occurred_on=_day(encounter.period.start if encounter.period else None),
        category=EntryCategory.EMERGENCY_ATTENDANCE if is_emergency else EntryCategory.HEALTH_CONTACT,
        summary=f"{what}{f' at {where}' if where else ''}: {reason[:1].lower() + reason[1:]}.",
        source=SourceRef(agency=AGENCY, record_id=f"Encounter/{encounter.id}"),
        people=_involving(patient_id),
        sensitivity=Sensitivity.SENSITIVE,
    )


def _flag_entry(flag: Flag, patient_id: str) -> ChronologyEntry:
    code = next((c.code for c in flag.code.coding or [] if c.code), None)
    category, wording = FLAG_CATEGORIES.get(code or "", (EntryCategory.OTHER, flag.code.text or "Health flag"))
    council = flag.author.display if flag.author else None
    period = flag.period
    return ChronologyEntry(
        occurred_on=_day(period.start if period else None),
        ended_on=_day(period.end) if period and period.end else None,
        category=category,
        summary=sentence(wording, f"held by {council} (CP-IS)" if council else "recorded on CP-IS"),
        source=SourceRef(agency=AGENCY, record_id=f"Flag/{flag.id}"),
        people=_involving(patient_id),
        sensitivity=Sensitivity.SENSITIVE,
    )


def parse_encounters(payload: Any, patient_id: str) -> list[ChronologyEntry]:
    with parsing():
        bundle = Bundle.model_validate(payload)
        return [
            _encounter_entry(entry.resource, patient_id)
            for entry in bundle.entry or []
            if isinstance(entry.resource, Encounter)
        ]


def parse_flags(payload: Any, patient_id: str) -> list[ChronologyEntry]:
    with parsing():
        bundle = Bundle.model_validate(payload)
        return [
            _flag_entry(entry.resource, patient_id) for entry in bundle.entry or [] if isinstance(entry.resource, Flag)
        ]


class HealthConnector(Connector):
    agency = AGENCY

    def search(self, person: Person) -> list[AgencyPerson]:
        if nhs_number := person.identifiers.nhs_number:
            found = self._search({"identifier": f"{NHS_NUMBER_SYSTEM}|{nhs_number}"})
            if found:
                return found
        birth_date = birth_date_of(person)
        for name in names_to_search(person):
            params = {"family": name.family_name, "given": name.given_names[0], "birthdate": f"eq{birth_date}"}
            if person.sex in (Sex.MALE, Sex.FEMALE):
                params["gender"] = person.sex.value
            if person.address and person.address.postcode:
                params["address-postalcode"] = person.address.postcode
            if found := self._search(params):
                return found
        return []

    def fetch_entries(self, candidate: AgencyPerson) -> list[ChronologyEntry]:
        patient_id = candidate.agency_person_id
        body = {"patient": f"Patient/{patient_id}"}
        patient = json_of(self.get(f"/Patient/{patient_id}"))
        encounters = json_of(self.post("/Encounter/_search", data=body))
        flags = json_of(self.post("/Flag/_search", data=body))
        return [
            *parse_gp_registration(patient),
            *parse_encounters(encounters, patient_id),
            *parse_flags(flags, patient_id),
        ]

    def _search(self, params: dict[str, str]) -> list[AgencyPerson]:
        response = self.post("/Patient/_search", data=params | {"_max-results": MAX_RESULTS})
        return parse_patient_search(json_of(response))
