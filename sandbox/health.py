"""Health sandbox: FHIR R4 in the style of NHS PDS, plus A&E Encounters and CP-IS Flags.

Searches are `POST .../_search` with a form-encoded body, so demographics never sit in a URL.
Every request needs an `X-Request-ID` (a UUID), as PDS requires; errors are OperationOutcomes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandbox.common import BodyError, new_app, read_fields, same_text
from sandbox.records import HealthEncounter, HealthFlag, HealthPatient
from sandbox.store import Database, search_key

FHIR_JSON = "application/fhir+json"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
VERIFICATION_EXTENSION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
VERIFICATION_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus"
SPINE_ERROR_SYSTEM = "https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CPIS_SYSTEM = "https://fhir.nhs.uk/CodeSystem/CPIS-PlanType"
CPIS_DISPLAY = {"CPP": "Child Protection Plan", "LAC": "Looked After Child", "UPB": "Unborn Child Protection Plan"}
DEFAULT_MAX_RESULTS = 10


class FhirError(Exception):
    """A request the server refuses; rendered as an OperationOutcome."""

    def __init__(self, status: int, issue_code: str, spine_code: str, diagnostics: str) -> None:
        super().__init__(diagnostics)
        self.status, self.issue_code, self.spine_code = status, issue_code, spine_code


def operation_outcome(issue_code: str, spine_code: str, diagnostics: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": issue_code,
                "details": {"coding": [{"system": SPINE_ERROR_SYSTEM, "code": spine_code}]},
                "diagnostics": diagnostics,
            }
        ],
    }


def _fhir(body: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON)


def patient_resource(patient: HealthPatient) -> dict[str, Any]:
    street, _, town = patient.address_line.partition(", ")
    verified = {"coding": [{"system": VERIFICATION_SYSTEM, "code": "01", "display": "Number present and verified"}]}
    return {
        "resourceType": "Patient",
        "id": patient.patient_id,
        "meta": {"versionId": "1"},
        "identifier": [
            {
                "system": NHS_NUMBER_SYSTEM,
                "value": patient.nhs_number,
                "extension": [{"url": VERIFICATION_EXTENSION, "valueCodeableConcept": verified}],
            }
        ],
        "name": [{"use": "usual", "family": patient.family_name, "given": list(patient.given_names)}],
        "gender": patient.gender,
        "birthDate": patient.birth_date.isoformat(),
        "address": [{"use": "home", "line": [line for line in (street, town) if line], "postalCode": patient.postcode}],
        "generalPractitioner": [
            {
                "type": "Organization",
                "display": patient.gp.name,
                "identifier": {
                    "system": ODS_SYSTEM,
                    "value": patient.gp.ods_code,
                    "period": {"start": patient.gp_registered_on.isoformat()},
                },
            }
        ],
    }


def encounter_resource(encounter: HealthEncounter) -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "id": encounter.encounter_id,
        "status": "finished",
        "class": {"system": ACT_CODE_SYSTEM, "code": encounter.class_code, "display": "emergency"},
        "subject": {"reference": f"Patient/{encounter.patient_id}"},
        "period": {"start": encounter.start.isoformat()},
        "reasonCode": [{"text": encounter.reason}],
        "serviceProvider": {"display": encounter.provider},
    }


def flag_resource(flag: HealthFlag) -> dict[str, Any]:
    period = {"start": flag.start.isoformat()} | ({"end": flag.end.isoformat()} if flag.end else {})
    return {
        "resourceType": "Flag",
        "id": flag.flag_id,
        "status": "inactive" if flag.end else "active",
        "code": {"coding": [{"system": CPIS_SYSTEM, "code": flag.code, "display": CPIS_DISPLAY[flag.code]}]},
        "subject": {"reference": f"Patient/{flag.patient_id}"},
        "period": period,
        "author": {"display": flag.council},
    }


def searchset(base_url: str, resources: Iterable[tuple[dict[str, Any], float | None]]) -> dict[str, Any]:
    entries = []
    for resource, score in resources:
        entry: dict[str, Any] = {
            "fullUrl": f"{base_url}{resource['resourceType']}/{resource['id']}",
            "resource": resource,
        }
        entry["search"] = {"mode": "match"} | ({"score": score} if score is not None else {})
        entries.append(entry)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "searchset",
        "total": len(entries),
        "entry": entries,
    }


def _birthdate_matches(criterion: str, birth_date: date) -> bool:
    prefix, value = (criterion[:2], criterion[2:]) if criterion[:2].isalpha() else ("eq", criterion)
    try:
        wanted = date.fromisoformat(value)
    except ValueError:
        raise FhirError(400, "invalid", "INVALID_SEARCH_DATA", "birthdate must be [eq|ge|le]YYYY-MM-DD") from None
    comparisons = {"eq": birth_date == wanted, "ge": birth_date >= wanted, "le": birth_date <= wanted}
    if prefix not in comparisons:
        raise FhirError(400, "invalid", "INVALID_SEARCH_DATA", "birthdate prefix must be eq, ge or le")
    return comparisons[prefix]


def search_patients(database: Database, params: dict[str, str]) -> list[tuple[HealthPatient, float]]:
    """PDS-style matching: by NHS number, else family name and birth date (given, gender if sent)."""
    if identifier := params.get("identifier"):
        system, _, value = identifier.rpartition("|")
        if system and system != NHS_NUMBER_SYSTEM:
            raise FhirError(400, "invalid", "INVALID_SEARCH_DATA", "identifier system must be the NHS number")
        return [(patient, 1.0) for patient in database.table("patients").find(nhs_number=value)]
    if not params.get("family") or not params.get("birthdate"):
        raise FhirError(400, "required", "MISSING_VALUE", "family and birthdate are required without identifier")
    matches = []
    for patient in database.table("patients").find(families=search_key(params["family"])):
        if not _birthdate_matches(params["birthdate"], patient.birth_date):
            continue
        if "given" in params and not any(same_text(name, params["given"]) for name in patient.given_names):
            continue
        if "gender" in params and patient.gender != params["gender"]:
            continue
        postcode = params.get("address-postalcode")
        score = 1.0 if not postcode or same_text(postcode.replace(" ", ""), patient.postcode.replace(" ", "")) else 0.8
        matches.append((patient, score))
    return sorted(matches, key=lambda match: -match[1])


def _max_results(params: dict[str, str]) -> int:
    try:
        value = int(params.get("_max-results", DEFAULT_MAX_RESULTS))
    except ValueError:
        raise FhirError(400, "invalid", "INVALID_SEARCH_DATA", "_max-results must be a number") from None
    if not 1 <= value <= 50:
        raise FhirError(400, "invalid", "INVALID_SEARCH_DATA", "_max-results must be between 1 and 50")
    return value


def _reject_request_id(value: str | None) -> Response | None:
    try:
        uuid.UUID(value or "")
    except ValueError:
        return _fhir(operation_outcome("value", "INVALID_VALUE", "X-Request-ID header must be a UUID"), 400)
    return None


def create_app(database: Database) -> FastAPI:
    patients = database.table("patients")
    app = new_app("Health sandbox (FHIR R4, PDS style)", reject_request_id=_reject_request_id)

    @app.exception_handler(FhirError)
    async def fhir_error(_: Request, error: FhirError) -> JSONResponse:
        return _fhir(operation_outcome(error.issue_code, error.spine_code, str(error)), error.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        return _fhir(operation_outcome("not-found", "RESOURCE_NOT_FOUND", str(error.detail)), error.status_code)

    async def search_params(request: Request) -> dict[str, str]:
        try:
            return await read_fields(request)
        except BodyError:
            raise FhirError(400, "invalid", "INVALID_SEARCH_DATA", "search body must be form-encoded") from None

    @app.post("/Patient/_search")
    async def patient_search(request: Request) -> JSONResponse:
        params = await search_params(request)
        limit = _max_results(params)
        matches = search_patients(database, params)
        if len(matches) > limit:
            return _fhir(operation_outcome("multiple-matches", "TOO_MANY_MATCHES", "Too many matches"))
        return _fhir(searchset(str(request.base_url), ((patient_resource(p), score) for p, score in matches)))

    @app.get("/Patient/{patient_id}")
    async def patient_read(patient_id: str) -> JSONResponse:
        if patient := patients.get(patient_id):
            return _fhir(patient_resource(patient))
        raise FhirError(404, "not-found", "RESOURCE_NOT_FOUND", "Patient not found")

    @app.post("/Encounter/_search")
    async def encounter_search(request: Request) -> JSONResponse:
        patient_id = (await search_params(request)).get("patient", "").removeprefix("Patient/")
        found = (encounter_resource(e) for e in database.table("encounters").find(patient_id=patient_id))
        return _fhir(searchset(str(request.base_url), ((resource, None) for resource in found)))

    @app.post("/Flag/_search")
    async def flag_search(request: Request) -> JSONResponse:
        patient_id = (await search_params(request)).get("patient", "").removeprefix("Patient/")
        found = (flag_resource(flag) for flag in database.table("flags").find(patient_id=patient_id))
        return _fhir(searchset(str(request.base_url), ((resource, None) for resource in found)))

    return app
