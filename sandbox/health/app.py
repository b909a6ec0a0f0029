"""Health sandbox: the NHS Personal Demographics Service (PDS) FHIR API, plus A&E Encounters and CP-IS Flags.

Endpoints (all FHIR R4 JSON, `application/fhir+json`):

- `POST /Patient/_search`: a PDS patient search with its parameters form-encoded in the body, so no
  personal detail ever sits in a URL; the hub only ever searches this way. `GET /Patient?...` is also
  answered, for fidelity with PDS, which searches by GET.
- `GET /Patient/{id}`: read one patient, by the id a search returned or by NHS number.
- `POST /Encounter/_search` and `POST /Flag/_search` with `patient=Patient/{id}`.

Every request needs an `X-Request-ID` (a UUID), which is echoed, as is `X-Correlation-ID` when sent.
Errors are OperationOutcomes coded from Spine-ErrorOrWarningCode. See docs/sandboxes/health.md.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandbox.common.api import REQUEST_ID_HEADER, new_app
from sandbox.common.store import Database, RecordTable
from sandbox.health.fhir import (
    FHIR_JSON,
    SPINE_CODES,
    VERSION_ID,
    FhirError,
    encounter_resource,
    flag_resource,
    operation_outcome,
    patient_resource,
    searchset,
    too_many_matches,
)
from sandbox.health.query import parse_patient_query
from sandbox.health.search import TooManyMatches, find_patients
from sandbox.model.records import HealthPatient
from schemas.identifiers import is_valid_nhs_number

CORRELATION_ID_HEADER = "X-Correlation-ID"
FORM = "application/x-www-form-urlencoded"
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_STATUS_CODES = {
    400: "INVALID_VALUE",
    401: "ACCESS_DENIED",
    403: "ACCESS_DENIED",
    404: "RESOURCE_NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "UNABLE_TO_CALL_SERVICE",
    429: "TOO_MANY_REQUESTS",
    503: "SERVICE_UNAVAILABLE",
    504: "UNABLE_TO_CALL_SERVICE",
}
"""The Spine code PDS's API platform gives each HTTP status, for errors raised outside the API itself."""


def _fhir(body: dict[str, object], status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON, headers=headers)


def _refusal(error: FhirError) -> JSONResponse:
    return _fhir(operation_outcome(error.spine.code, error.diagnostics), error.status)


def _reject_request_id(value: str | None) -> Response | None:
    """PDS refuses a missing X-Request-ID (MISSING_VALUE) and one that is not a UUID (INVALID_VALUE)."""
    if value is None:
        diagnostics = "Invalid request with error - X-Request-ID header must be supplied to access this resource"
        return _refusal(FhirError(400, "MISSING_VALUE", diagnostics))
    if not _UUID.match(value):
        refusal = _refusal(FhirError(400, "INVALID_VALUE", "Invalid value in header 'X-Request-ID'"))
        if value:
            refusal.headers[REQUEST_ID_HEADER] = value
        return refusal
    return None


async def _body_pairs(request: Request) -> list[tuple[str, str]]:
    """A POST search's parameters: form-encoded in the body (repeats kept), never in the URL."""
    if request.url.query:
        raise FhirError(400, "INVALID_SEARCH_DATA", "Send search parameters in the form-encoded body, not the URL")
    body = await request.body()
    if body and not request.headers.get("content-type", "").startswith(FORM):
        raise FhirError(400, "INVALID_VALUE", f"Invalid value in header 'Content-Type': send {FORM}")
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise FhirError(400, "INVALID_VALUE", "The search body is not UTF-8 form data") from None


def _patient_reference(pairs: list[tuple[str, str]]) -> str:
    """The one `patient` parameter of an Encounter or Flag search, as a Patient id."""
    if any(name != "patient" for name, _ in pairs):
        message = "Invalid request with error - Additional properties are not allowed (only 'patient' is)"
        raise FhirError(400, "ADDITIONAL_PROPERTIES", message)
    values = [value for _, value in pairs]
    if not values:
        raise FhirError(400, "MISSING_VALUE", "Missing value - 'patient'")
    if len(values) > 1:
        raise FhirError(400, "INVALID_SEARCH_DATA", "'patient' may be given only once")
    reference = values[0].strip().removeprefix("Patient/")
    if not reference:
        raise FhirError(400, "INVALID_VALUE", "Invalid value in field 'patient'")
    return reference


def _read(patients: RecordTable[HealthPatient], patient_id: str) -> HealthPatient:
    """A patient by the id a search gave, or (as PDS reads) by a valid NHS number."""
    if (patient := patients.get(patient_id)) is not None:
        return patient
    if patient_id.isdigit() and len(patient_id) == 10:
        if not is_valid_nhs_number(patient_id):
            raise FhirError(400, "INVALID_RESOURCE_ID", "Invalid NHS number")
        if found := patients.find(nhs_number=patient_id, limit=1):
            return found[0]
    raise FhirError(404, "RESOURCE_NOT_FOUND", "Patient does not exist for given id or NHS number")


def create_app(database: Database) -> FastAPI:
    patients: RecordTable[HealthPatient] = database.table("patients")
    encounters = database.table("encounters")
    flags = database.table("flags")
    app = new_app("Health sandbox (NHS PDS FHIR API, A&E, CP-IS)", reject_request_id=_reject_request_id)

    @app.middleware("http")
    async def echo_correlation_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        if correlation_id := request.headers.get(CORRELATION_ID_HEADER):
            response.headers[CORRELATION_ID_HEADER] = correlation_id
        return response

    @app.exception_handler(FhirError)
    async def fhir_error(_: Request, error: FhirError) -> JSONResponse:
        return _refusal(error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> Response:
        message = "Method not allowed on this resource" if error.status_code == 405 else "No such resource"
        return render_error(error.status_code, "", message)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> Response:
        return render_error(500, "UNKNOWN_ERROR", "An unknown error occurred processing this request")

    def search(request: Request, pairs: list[tuple[str, str]]) -> JSONResponse:
        query = parse_patient_query(pairs)
        try:
            matches = find_patients(patients, query)
        except TooManyMatches:
            return _fhir(too_many_matches())
        resources = ((patient_resource(patient, full=False), score) for patient, score in matches)
        return _fhir(searchset(str(request.base_url), resources))

    @app.post("/Patient/_search")
    async def patient_search(request: Request) -> JSONResponse:
        return search(request, await _body_pairs(request))

    @app.get("/Patient")
    async def patient_search_by_get(request: Request) -> JSONResponse:
        return search(request, request.query_params.multi_items())

    @app.get("/Patient/{patient_id}")
    async def patient_read(patient_id: str) -> JSONResponse:
        resource = patient_resource(_read(patients, patient_id), full=True)
        return _fhir(resource, headers={"ETag": f'W/"{VERSION_ID}"'})

    @app.post("/Encounter/_search")
    async def encounter_search(request: Request) -> JSONResponse:
        found = encounters.find(patient_id=_patient_reference(await _body_pairs(request)))
        return _fhir(searchset(str(request.base_url), ((encounter_resource(e), None) for e in found)))

    @app.post("/Flag/_search")
    async def flag_search(request: Request) -> JSONResponse:
        found = flags.find(patient_id=_patient_reference(await _body_pairs(request)))
        return _fhir(searchset(str(request.base_url), ((flag_resource(flag), None) for flag in found)))

    return app


def render_error(status: int, code: str, message: str) -> Response:
    """Errors from the shared layers (auth, faults, async) as PDS and its API platform give them.

    A Spine code passed in (`ACCESS_DENIED`) is used as is; otherwise the status decides, as the
    platform's proxy does: 429 TOO_MANY_REQUESTS, 503 SERVICE_UNAVAILABLE, 5xx UNKNOWN_ERROR, ...
    """
    spine = code.upper() if code.upper() in SPINE_CODES else None
    spine = spine or _STATUS_CODES.get(status, "UNKNOWN_ERROR" if status >= 500 else "INVALID_VALUE")
    return _fhir(operation_outcome(spine, message), status)


def malformed_body() -> tuple[bytes, str]:
    """A searchset cut off inside its first Patient: what a truncated PDS reply looks like."""
    cut = b'{"resourceType": "Bundle", "type": "searchset", "total": 1, "entry": [{"resource": {"resourceType": "Pat'
    return cut, FHIR_JSON
