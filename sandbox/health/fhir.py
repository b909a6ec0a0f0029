"""FHIR R4 JSON as the NHS Personal Demographics Service (PDS) FHIR API writes it, plus A&E and CP-IS.

Shapes follow the PDS API specification and its published sandbox responses: UK Core extension and
code system URLs on fhir.hl7.org.uk, `meta.security` from v3-Confidentiality (`U` or `R`), object
ids on names, addresses and GP references, searchsets with a `timestamp` and `search.score` only, and
OperationOutcomes coded from Spine-ErrorOrWarningCode. A search returns the patient's current usual
name and home address only; a read also returns old names and former home addresses (with
`period.end`). A restricted patient never carries an address, telecom or GP.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sandbox.model.records import HealthEncounter, HealthFlag, HealthPatient, PreviousAddress

FHIR_JSON = "application/fhir+json"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
VERIFICATION_EXTENSION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
VERIFICATION_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus"
CONFIDENTIALITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
SPINE_ERROR_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/Spine-ErrorOrWarningCode"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SNOMED_SYSTEM = "http://snomed.info/sct"
FLAG_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/flag-category"
CPIS_SYSTEM = "https://fhir.nhs.uk/CodeSystem/CPIS-PlanType"
"""CP-IS travels over MESH, not FHIR: this code system for its plan types is the sandbox's own."""
CPIS_DISPLAY = {"CPP": "Child Protection Plan", "LAC": "Looked After Child", "UPB": "Unborn Child Protection Plan"}
VERIFICATION_DISPLAY = {
    "01": "Number present and verified",
    "02": "Number present but not traced",
    "03": "Trace required",
    "04": "Trace attempted - No match or multiple match found",
    "05": "Trace needs to be resolved - (NHS Number or patient detail conflict)",
    "06": "Trace in progress",
    "07": "Number not present and trace not required",
    "08": "Trace postponed (baby under six weeks old)",
}
VERSION_ID = "1"
"""Every sandbox record is at its first version (PDS sends the version as `meta.versionId` and an ETag)."""


@dataclass(frozen=True)
class SpineCode:
    """One Spine-ErrorOrWarningCode with the FHIR issue type and display PDS pairs it with."""

    code: str
    issue: str
    display: str


SPINE_CODES = {
    spine.code: spine
    for spine in (
        SpineCode("INVALID_VALUE", "value", "Provided value is invalid"),
        SpineCode("MISSING_VALUE", "required", "Required value is missing"),
        SpineCode("INVALID_SEARCH_DATA", "value", "Search data is invalid"),
        SpineCode("ADDITIONAL_PROPERTIES", "structure", "Additional properties are not allowed"),
        SpineCode("UNSUPPORTED_SERVICE", "not-supported", "Unsupported service"),
        SpineCode("INVALID_RESOURCE_ID", "value", "Resource Id is invalid"),
        SpineCode("RESOURCE_NOT_FOUND", "not-found", "Resource not found"),
        SpineCode("TOO_MANY_MATCHES", "multiple-matches", "Too Many Matches"),
        SpineCode("ACCESS_DENIED", "forbidden", "Access Denied - Unauthorised"),
        SpineCode("METHOD_NOT_ALLOWED", "not-supported", "Method not allowed"),
        SpineCode("UNABLE_TO_CALL_SERVICE", "timeout", "Unable to call Service"),
        SpineCode("TOO_MANY_REQUESTS", "value", "Too many requests"),
        SpineCode("SERVICE_UNAVAILABLE", "timeout", "Service unavailable"),
        SpineCode("UNKNOWN_ERROR", "unknown", "Unknown Error"),
    )
}


class FhirError(Exception):
    """A request PDS would refuse: rendered as an OperationOutcome with its Spine code.

    The diagnostics are fixed text that names a field at most, never a submitted value.
    """

    def __init__(self, status: int, spine_code: str, diagnostics: str) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.spine = SPINE_CODES[spine_code]
        self.diagnostics = diagnostics


def operation_outcome(spine_code: str, diagnostics: str | None = None, *, severity: str = "error") -> dict[str, Any]:
    spine = SPINE_CODES[spine_code]
    coding = {"system": SPINE_ERROR_SYSTEM, "version": "1", "code": spine.code, "display": spine.display}
    issue: dict[str, Any] = {"severity": severity, "code": spine.issue, "details": {"coding": [coding]}}
    if diagnostics:
        issue["diagnostics"] = diagnostics
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def too_many_matches() -> dict[str, Any]:
    """What PDS answers (with HTTP 200) when more patients match than `_max-results` allows."""
    return operation_outcome("TOO_MANY_MATCHES", severity="information")


def _object_id(*parts: str) -> str:
    """A short, stable id for a name, address or GP reference, as PDS gives each such object."""
    return hashlib.blake2s(":".join(parts).encode(), digest_size=4).hexdigest().upper()


def _period(start: date | None, end: date | None = None) -> dict[str, str]:
    period = {"start": start.isoformat()} if start else {}
    return period | ({"end": end.isoformat()} if end else {})


def _identifier(patient: HealthPatient) -> list[dict[str, Any]]:
    if not patient.nhs_number:
        return []
    status = patient.verification_status
    coding = {"system": VERIFICATION_SYSTEM, "version": "1.0.0", "code": status}
    if status in VERIFICATION_DISPLAY:
        coding["display"] = VERIFICATION_DISPLAY[status]
    extension = {"url": VERIFICATION_EXTENSION, "valueCodeableConcept": {"coding": [coding]}}
    return [{"system": NHS_NUMBER_SYSTEM, "value": patient.nhs_number, "extension": [extension]}]


def _names(patient: HealthPatient, *, full: bool) -> list[dict[str, Any]]:
    """The usual name, then (in a read) old ones; none for a minimal record that holds no name."""
    if not patient.family_name:
        return []
    given = list(patient.given_names)
    names: list[dict[str, Any]] = [
        {"id": _object_id(patient.patient_id, "name"), "use": "usual", "family": patient.family_name}
    ]
    names[0] |= {"given": given} if given else {}
    if full:
        for number, family in enumerate(patient.previous_family_names):
            old = {"id": _object_id(patient.patient_id, "name", str(number)), "use": "old", "family": family}
            names.append(old | ({"given": given} if given else {}))
    return names


def _address(patient_id: str, key: str, line: str, postcode: str | None, period: dict[str, str]) -> dict[str, Any]:
    address: dict[str, Any] = {"id": _object_id(patient_id, "address", key), "use": "home"}
    address |= {"period": period} if period else {}
    address["line"] = [part.strip() for part in line.split(",") if part.strip()]
    return address | ({"postalCode": postcode} if postcode else {})


def _former(patient_id: str, number: int, address: PreviousAddress) -> dict[str, Any]:
    return _address(patient_id, str(number), address.line, address.postcode, _period(address.start, address.end))


def _addresses(patient: HealthPatient, *, full: bool) -> list[dict[str, Any]]:
    current = _address(
        patient.patient_id, "home", patient.address_line, patient.postcode, _period(patient.address_since)
    )
    if not full:
        return [current]
    return [current, *(_former(patient.patient_id, n, a) for n, a in enumerate(patient.previous_addresses))]


def _general_practitioner(patient: HealthPatient) -> list[dict[str, Any]]:
    identifier = {"system": ODS_SYSTEM, "value": patient.gp.ods_code, "period": _period(patient.gp_registered_on)}
    reference = {"id": _object_id(patient.patient_id, "gp"), "type": "Organization", "identifier": identifier}
    return [reference | {"display": patient.gp.name}]


def patient_resource(patient: HealthPatient, *, full: bool) -> dict[str, Any]:
    """A Patient as PDS returns it: from a search (`full=False`) or a read (`full=True`)."""
    security = ("R", "restricted") if patient.restricted else ("U", "unrestricted")
    meta = {
        "versionId": VERSION_ID,
        "security": [{"system": CONFIDENTIALITY_SYSTEM, "code": security[0], "display": security[1]}],
    }
    resource: dict[str, Any] = {"resourceType": "Patient", "id": patient.patient_id, "meta": meta}
    if identifier := _identifier(patient):
        resource["identifier"] = identifier
    if names := _names(patient, full=full):
        resource["name"] = names
    resource |= {"gender": patient.gender, "birthDate": patient.birth_date.isoformat()}
    if not patient.restricted:
        resource["address"] = _addresses(patient, full=full)
        resource["generalPractitioner"] = _general_practitioner(patient)
    return resource


def encounter_resource(encounter: HealthEncounter) -> dict[str, Any]:
    """An A&E attendance: an emergency-class Encounter at the hospital that saw the patient."""
    attendance = {"system": SNOMED_SYSTEM, "code": "4525004", "display": "Emergency department patient visit"}
    return {
        "resourceType": "Encounter",
        "id": encounter.encounter_id,
        "status": "finished",
        "class": {"system": ACT_CODE_SYSTEM, "code": encounter.class_code, "display": "emergency"},
        "type": [{"coding": [attendance]}],
        "subject": {"reference": f"Patient/{encounter.patient_id}"},
        "period": _period(encounter.start),
        "reasonCode": [{"text": encounter.reason}],
        "serviceProvider": {"display": encounter.provider},
    }


def flag_resource(flag: HealthFlag) -> dict[str, Any]:
    """A CP-IS entry: a child protection plan or looked-after status, held by a council."""
    code = {"system": CPIS_SYSTEM, "code": flag.code, "display": CPIS_DISPLAY.get(flag.code, flag.code)}
    return {
        "resourceType": "Flag",
        "id": flag.flag_id,
        "status": "inactive" if flag.end else "active",
        "category": [{"coding": [{"system": FLAG_CATEGORY_SYSTEM, "code": "safety", "display": "Safety"}]}],
        "code": {"coding": [code]},
        "subject": {"reference": f"Patient/{flag.patient_id}"},
        "period": _period(flag.start, flag.end),
        "author": {"display": flag.council},
    }


def searchset(base_url: str, resources: Iterable[tuple[dict[str, Any], float | None]]) -> dict[str, Any]:
    """A searchset Bundle as PDS sends it: a timestamp, the total, and `entry` only when something matched.

    Patients carry `search.score`; other resources are plain matches.
    """
    entries = []
    for resource, score in resources:
        search = {"score": score} if score is not None else {"mode": "match"}
        url = f"{base_url}{resource['resourceType']}/{resource['id']}"
        entries.append({"fullUrl": url, "search": search, "resource": resource})
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "total": len(entries),
    }
    return bundle | ({"entry": entries} if entries else {})
