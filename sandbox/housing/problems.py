"""The housing gateway's error bodies: RFC 7807 problem details that never echo what was sent.

Every error, from the API itself or from the shared auth, fault and async layers (through
`render_error`), is `application/problem+json` with `type`, `title`, `status` and `detail`.
Invalid requests add `invalid_params`, naming each offending field with a fixed reason, never
its value: a gateway's error bodies end up in client logs, and the values are personal data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar, TypeVar

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://housing.sandbox.mash-hub.test/problems/"

TITLES = {
    "invalid_request": "Invalid request",
    "unsupported_media_type": "Unsupported media type",
    "too_many_matches": "Too many matches",
    "person_not_found": "Person not found",
    "not_found": "Not found",
    "method_not_allowed": "Method not allowed",
    "internal_error": "Internal error",
}
INVALID_DETAIL = "The request does not meet the API's rules; see invalid_params."


@dataclass(frozen=True)
class InvalidParam:
    name: str
    reason: str


class Problem(Exception):
    """A request the gateway refuses; rendered as problem+json by the app's handler."""

    def __init__(self, status: int, code: str, detail: str, invalid_params: Sequence[InvalidParam] = ()) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.invalid_params = status, code, detail, tuple(invalid_params)


def problem_type(code: str) -> str:
    return PROBLEM_TYPE_BASE + code.lower().replace("_", "-")


def problem_title(status: int, code: str) -> str:
    if title := TITLES.get(code.lower()):
        return title
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(
    status: int,
    code: str,
    detail: str,
    invalid_params: Sequence[InvalidParam] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": problem_title(status, code),
        "status": status,
        "detail": detail,
    }
    if invalid_params:
        body["invalid_params"] = [{"name": param.name, "reason": param.reason} for param in invalid_params]
    return Response(json.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def render_error(status: int, code: str, message: str) -> Response:
    """The housing gateway's error body, for the shared auth, fault and async layers."""
    return problem_response(status, code, message)


def malformed_body() -> tuple[bytes, str]:
    """A search reply cut off mid-record, for fault injection."""
    return b'[{"person_ref": "HP0000', "application/json"


class RequestModel(BaseModel):
    """A request body model that says, for each field, what a valid value looks like."""

    RULES: ClassVar[dict[str, str]] = {}


M = TypeVar("M", bound=RequestModel)


def invalid_params(error: ValidationError, model: type[RequestModel]) -> list[InvalidParam]:
    """One fixed reason per offending field: never pydantic's message, which may quote the input."""
    accepted = ", ".join(model.model_fields)
    params: dict[str, InvalidParam] = {}
    for problem in error.errors(include_input=False, include_url=False):
        kind, location = problem["type"], problem["loc"]
        field = str(location[0]) if location else ""
        if kind in ("json_invalid", "model_type", "model_attributes_type") or not location:
            params["body"] = InvalidParam("body", "must be a JSON object")
        elif kind == "extra_forbidden":
            params["body"] = InvalidParam("body", f"has a field this endpoint does not accept (accepted: {accepted})")
        elif kind == "missing":
            params[field] = InvalidParam(field, "is required")
        else:
            params[field] = InvalidParam(field, model.RULES.get(field, "is not valid"))
    return list(params.values())


async def read_json(request: Request, model: type[M]) -> M:
    """The request body as `model`, or a problem: 415 unless JSON is declared, 400 if invalid."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise Problem(415, "unsupported_media_type", "Send the request body as application/json.")
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as error:
        raise Problem(400, "invalid_request", INVALID_DETAIL, invalid_params(error, model)) from None


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error as problem+json, replacing FastAPI's defaults (its 422 echoes the input)."""

    @app.exception_handler(Problem)
    async def refused(_: Request, problem: Problem) -> Response:
        return problem_response(problem.status, problem.code, problem.detail, problem.invalid_params)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> Response:
        return problem_response(400, "invalid_request", INVALID_DETAIL)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> Response:
        codes = {404: ("not_found", "No such endpoint."), 405: ("method_not_allowed", "Method not allowed here.")}
        code, detail = codes.get(error.status_code, ("http_error", problem_title(error.status_code, "")))
        return problem_response(error.status_code, code, detail, headers=error.headers)

    @app.exception_handler(Exception)
    async def crashed(_: Request, error: Exception) -> Response:
        return problem_response(500, "internal_error", "The request could not be completed.")
