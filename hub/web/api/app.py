"""`create_api`: the REST API as an application of its own, mounted at `/api/v1` by `hub.web.app.create_app`.

Its own application so that its OpenAPI document (`/api/v1/openapi.json`) holds the API and none of the
HTML pages, and every answer is JSON, refusals included, while the web application's security headers
and access log still wrap it. No interactive docs are served: they would need inline script.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from hub.intake.problems import location
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.errors import Unreadability, UnreadableRecord
from hub.web.api import models
from hub.web.api.auth import ApiRefusal
from hub.web.api.limits import RateLimit
from hub.web.api.referrals import API_VERSION, ProblemsFound, router
from hub.web.security import JsonLastResort
from schemas import Referral

PREFIX = "/api/v1"
TITLE = "MASH Hub referrals API"
DESCRIPTION = (
    "For police and partner systems sending referrals about children to the council's Multi-Agency "
    "Safeguarding Hub. Authenticate with `Authorization: Bearer <key>`; the council's hub administrator "
    "issues a key per system (`hub api-clients add`). Referrals are validated as `hub referral submit` "
    "validates them and assessed against the council's checklist."
)


def _json(status: int, model: models.Refusal | models.Problems, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(model.model_dump(mode="json"), status_code=status, headers=headers)


def _refused(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiRefusal)
    return _json(error.status, models.Refusal(detail=error.detail), error.headers)


def _problems(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ProblemsFound)
    problems = [models.Problem(field=problem.field, message=problem.message) for problem in error.refused.problems]
    count = len(problems)
    detail = f"The referral is not valid ({count} problem{'s' if count != 1 else ''}). Nothing was stored."
    return _json(400, models.Problems(detail=detail, problems=problems))


def _invalid_request(_: Request, error: Exception) -> JSONResponse:
    """A path or query that is not what the route takes (a malformed id): its place, never its value."""
    assert isinstance(error, RequestValidationError)
    problems = [
        models.Problem(field=location(tuple(detail["loc"][1:])), message=str(detail["msg"]))
        for detail in error.errors()
    ]
    return _json(400, models.Problems(detail="The request is not valid.", problems=problems))


def _http(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    words = {404: "There is no such address in this API.", 405: "This address does not take that method."}
    return _json(error.status_code, models.Refusal(detail=words.get(error.status_code, "The request was refused.")))


def _unreadable(_: Request, error: Exception) -> JSONResponse:
    """A stored record that cannot be read: its one line (kind and ids, why, what to do); gone if shredded."""
    assert isinstance(error, UnreadableRecord)
    return _json(410 if error.cause is Unreadability.KEY_SHREDDED else 500, models.Refusal(detail=str(error)))


def create_api(settings: HubSettings, store: HubStore, *, rate_limit: RateLimit | None = None) -> FastAPI:
    """The API on the web application's settings and store; `rate_limit` per client (60 a minute by default)."""
    api = FastAPI(
        title=TITLE,
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
        servers=[{"url": PREFIX}],
    )
    api.state.settings = settings
    api.state.store = store
    api.state.rate_limit = rate_limit or RateLimit()
    api.include_router(router)
    api.add_exception_handler(ApiRefusal, _refused)
    api.add_exception_handler(ProblemsFound, _problems)
    api.add_exception_handler(RequestValidationError, _invalid_request)
    api.add_exception_handler(HTTPException, _http)
    api.add_exception_handler(UnreadableRecord, _unreadable)
    api.add_middleware(JsonLastResort)

    def openapi() -> dict[str, Any]:
        """FastAPI's document, with the referral's own schema for the body the route reads itself (bounded)."""
        if api.openapi_schema is None:
            document = get_openapi(
                title=api.title,
                version=api.version,
                description=api.description,
                routes=api.routes,
                servers=api.servers,
            )
            for operation in (op for methods in document["paths"].values() for op in methods.values()):
                operation["responses"].pop("422", None)  # FastAPI's default: this API answers 400 instead
            schema = Referral.model_json_schema(ref_template="#/components/schemas/{model}")
            components = document.setdefault("components", {}).setdefault("schemas", {})
            for unused in ("HTTPValidationError", "ValidationError"):
                components.pop(unused, None)
            components.update(schema.pop("$defs", {}))
            components["Referral"] = schema
            api.openapi_schema = document
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
    return api
