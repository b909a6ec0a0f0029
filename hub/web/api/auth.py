"""Who is calling the API: a partner system's key from `Authorization: Bearer`, and nothing else.

The browser's session cookie is never read here, so a page in another site cannot make a signed-in
person's browser call the API (CSRF cannot reach it), and a key is never in a URL. Every refused key is
audited (`session.refuse` by `unverified:api`) and answered with the same 401, whatever was wrong with it.
A client over its rate is answered 429 with `Retry-After`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub.access.api_clients import client_for_key
from hub.access.guard import SignedIn
from hub.access.roles import load_access_config
from hub.audit import AuditAction
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.intake_records import ApiClient
from hub.web.api.limits import RateLimit

UNVERIFIED = "unverified:api"
AUTH_PURPOSE = "api authentication"
BAD_KEY = "Send a valid API key: Authorization: Bearer <key>. Ask the council's hub administrator for one."

bearer = HTTPBearer(auto_error=False, description="The key the council's administrator gave your system.")


class ApiRefusal(Exception):
    """Answered as `{"detail": ...}` with `status` (and `headers`)."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


@dataclass(frozen=True)
class Caller:
    """The partner system behind this request, at work through the access guard like any person."""

    client: ApiClient
    signed: SignedIn


def api_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller:
    """The calling client (a FastAPI dependency): 401 for a missing or bad key, 429 over its rate."""
    settings: HubSettings = request.app.state.settings
    store: HubStore = request.app.state.store
    config = load_access_config(settings)
    found = client_for_key(store, config, credentials.credentials) if credentials is not None else None
    if found is None:
        store.record_refusal(AuditAction.SESSION_REFUSE, "api", None, actor=UNVERIFIED, purpose=AUTH_PURPOSE)
        raise ApiRefusal(401, BAD_KEY, {"WWW-Authenticate": "Bearer"})
    client, principal = found
    limit: RateLimit = request.app.state.rate_limit
    wait = limit.retry_after(client.name)
    if wait is not None:
        raise ApiRefusal(
            429,
            f"Too many requests from this client: wait {wait} seconds, then try again.",
            {"Retry-After": str(wait)},
        )
    return Caller(client, SignedIn(settings, store, config, principal))


ApiCaller = Annotated[Caller, Depends(api_caller)]
