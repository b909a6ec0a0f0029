"""Plumbing every sandbox shares: request-id echo, a URL log for privacy tests, body parsing."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response

REQUEST_ID_HEADER = "X-Request-ID"
URL_LOG_SIZE = 2000

ErrorRenderer = Callable[[int, str, str], Response]
"""Renders an error in the agency's own format: (HTTP status, short code, message) -> response.

Each agency has one (FHIR OperationOutcome for health, its documented JSON or XML error body for
the others), so the shared layers (auth, fault injection, async jobs) answer as that agency would.
"""


class BodyError(ValueError):
    """The request body could not be read as the form or JSON object the endpoint expects."""


def new_app(title: str, *, reject_request_id: Callable[[str | None], Response | None] | None = None) -> FastAPI:
    """A FastAPI app that echoes X-Request-ID and remembers the URLs (never bodies) it served.

    The URL log lets tests prove that no personal data ever travels in a URL. An agency that
    insists on a request id passes `reject_request_id`, which returns an error response for a
    missing or bad id and None for a good one.
    """
    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.seen_urls = deque(maxlen=URL_LOG_SIZE)

    @app.middleware("http")
    async def record_and_echo(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        app.state.seen_urls.append(str(request.url))
        if reject_request_id and (refusal := reject_request_id(request.headers.get(REQUEST_ID_HEADER))):
            return refusal
        response = await call_next(request)
        request_id = request.headers.get(REQUEST_ID_HEADER)
        if request_id and REQUEST_ID_HEADER not in response.headers:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response

    return app


async def read_fields(request: Request) -> dict[str, str]:
    """Read a flat form-encoded or JSON object body into strings (JSON when so declared)."""
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    try:
        if "json" in content_type:
            parsed = json.loads(body or b"{}")
            if not isinstance(parsed, dict):
                raise BodyError("expected a JSON object")
            return {str(key): str(value) for key, value in parsed.items() if value is not None}
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=False))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BodyError("body is neither form-encoded nor JSON") from None


def same_text(left: str, right: str) -> bool:
    """Case- and space-insensitive comparison, as agency search screens do."""
    return left.strip().casefold() == right.strip().casefold()
