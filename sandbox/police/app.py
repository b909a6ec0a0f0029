"""Police sandbox: a force records system's research API in POLE style (Person, Object, Location, Event).

A MASH police researcher searches nominals (people) by name and birth details, reads one, then
lists the occurrences the nominal is linked to (with every linked person's role, DASH risk,
missing episode details and flags) and the Public Protection Notices submitted about them.
Searches are POSTs with JSON bodies, so no personal data sits in a URL. Every error, including a
bad request, is one documented JSON body that never echoes what was sent:

    {"error": {"code": "invalid_request", "message": "surname: Field required", "request_id": "..."}}

The app answers synchronously; the shared async layer may turn the three searches into jobs.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandbox.common.api import REQUEST_ID_HEADER, new_app
from sandbox.common.store import Database
from sandbox.model.records import PoliceNominal
from sandbox.police.search import (
    NominalRequest,
    NominalSearch,
    get_many,
    notices_of,
    occurrences_of,
    search_nominals,
)
from sandbox.police.views import nominal_json, occurrence_json, ppn_json

logger = logging.getLogger(__name__)

SEARCH_PATHS = ("/nominals/search", "/occurrences/search", "/ppns/search")
"""The POST paths the shared async layer may answer later (they are the slow research queries)."""
MAX_MESSAGE_LENGTH = 300
NOT_AN_OBJECT = frozenset({"model_attributes_type", "model_type", "dict_type"})


class PoliceError(Exception):
    """A request the records system refuses, with its HTTP status and error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def render_error(status: int, code: str, message: str, request_id: str | None = None) -> Response:
    """The documented error body; `request_id` echoes X-Request-ID when the app itself answers."""
    body = {"error": {"code": code, "message": message, "request_id": request_id}}
    return JSONResponse(body, status_code=status)


def malformed_body() -> tuple[bytes, str]:
    """A search reply cut off mid-record, for fault injection."""
    return b'{"nominals": [{"nominal_id": "NOM0', "application/json"


def validation_message(errors: list[Any]) -> tuple[str, str]:
    """(code, message) naming each bad field and the rule it broke, never the value sent."""
    if any(error.get("type") == "json_invalid" for error in errors):
        return "malformed_json", "The body is not valid JSON"
    problems = []
    for error in errors:
        field = ".".join(str(part) for part in error.get("loc", ())[1:]) or "body"
        if error.get("type") in NOT_AN_OBJECT or (field == "body" and error.get("type") == "missing"):
            rule = "must be a JSON object"
        else:
            rule = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        problems.append(f"{field}: {rule}")
    return "invalid_request", "; ".join(dict.fromkeys(problems))[:MAX_MESSAGE_LENGTH]


def _install_error_handlers(app: FastAPI) -> None:
    def answer(request: Request, status: int, code: str, message: str) -> Response:
        return render_error(status, code, message, request.headers.get(REQUEST_ID_HEADER))

    @app.exception_handler(PoliceError)
    async def police_error(request: Request, error: PoliceError) -> Response:
        return answer(request, error.status, error.code, error.message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        code, message = validation_message(list(error.errors()))
        return answer(request, 400, code, message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        phrase = HTTPStatus(error.status_code).phrase
        return answer(request, error.status_code, phrase.lower().replace(" ", "_"), phrase)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, error: Exception) -> Response:
        logger.error("police sandbox: unhandled %s", type(error).__name__)
        return answer(request, 500, "internal_error", "The request could not be completed")


def create_app(database: Database) -> FastAPI:
    app = new_app("Police sandbox (POLE)")
    _install_error_handlers(app)
    nominals = database.table("nominals")

    def nominal_or_404(nominal_id: str) -> PoliceNominal:
        nominal: PoliceNominal | None = nominals.get(nominal_id)
        if nominal is None:
            raise PoliceError(404, "nominal_not_found", "No nominal has that id")
        return nominal

    @app.post("/nominals/search")
    def nominal_search(query: NominalSearch) -> dict[str, Any]:
        found, truncated = search_nominals(nominals, query)
        return {
            "nominals": [nominal_json(nominal) for nominal in found],
            "count": len(found),
            "truncated": truncated,
            "max_results": query.max_results,
        }

    @app.get("/nominals/{nominal_id}")
    def nominal_read(nominal_id: str) -> dict[str, Any]:
        return nominal_json(nominal_or_404(nominal_id))

    @app.post("/occurrences/search")
    def occurrence_search(query: NominalRequest) -> dict[str, Any]:
        nominal_or_404(query.nominal_id)
        occurrences = occurrences_of(database, query.nominal_id)
        linked = get_many(nominals, (nominal_id for o in occurrences for nominal_id, _ in o.persons))
        return {
            "nominal_id": query.nominal_id,
            "occurrences": [occurrence_json(occurrence, linked) for occurrence in occurrences],
            "count": len(occurrences),
        }

    @app.post("/ppns/search")
    def ppn_search(query: NominalRequest) -> dict[str, Any]:
        nominal_or_404(query.nominal_id)
        notices = notices_of(database, query.nominal_id)
        occurrences = get_many(database.table("occurrences"), (notice.occurrence_id for notice in notices))
        return {
            "nominal_id": query.nominal_id,
            "ppns": [ppn_json(notice, occurrences.get(notice.occurrence_id)) for notice in notices],
            "count": len(notices),
        }

    return app
