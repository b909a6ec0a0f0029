"""What every sandbox guard shares: refusing in the agency's own error format, bearer tokens, and the gateway.

`SandboxGuard` decides whether a request may proceed and renders a refusal as the agency would;
`BearerGuard` adds a token endpoint and the tokens it issued (`TokenStore`); `AuthGateway` puts a
guard in front of a sandbox app as an API gateway would. The schemes themselves are the modules
beside this one. Paths under `/_sandbox/` (test hooks) are never guarded.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from typing import ClassVar

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.common.api import BodyError, ErrorRenderer, read_fields

TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a URL path, not a password
SANDBOX_PREFIX = "/_sandbox/"
DENIED_CODE = "ACCESS_DENIED"

CLIENT_CREDENTIALS = "client_credentials"
"""The OAuth 2.0 grant every bearer guard's token endpoint accepts (RFC 6749 §4.4)."""


class AuthRefused(Exception):
    """Raised by `SandboxGuard.require`; the handler `install` registers returns the rendered refusal."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class TokenStore:
    """Bearer tokens issued by a sandbox, in memory, each with an expiry.

    Only a SHA-256 digest of each token is kept, so the lookup key is not the secret itself.
    """

    def __init__(self, lifetime_seconds: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.lifetime_seconds = lifetime_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._expiry: dict[bytes, tuple[str, float]] = {}

    def issue(self, client_id: str) -> str:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._expiry = {digest: entry for digest, entry in self._expiry.items() if entry[1] > now}
            self._expiry[_digest(token)] = (client_id, now + self.lifetime_seconds)
        return token

    def client_for(self, token: str) -> str | None:
        """The client a live token was issued to; None if unknown or expired."""
        with self._lock:
            entry = self._expiry.get(_digest(token))
        if entry is None or entry[1] <= self._clock():
            return None
        return entry[0]

    def expire_all(self) -> None:
        """Expire every token now, as if their lifetime had passed (a test hook)."""
        with self._lock:
            self._expiry.clear()


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), else None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


class SandboxGuard(ABC):
    """Authenticates requests to one sandbox app; refusals are rendered in the agency's own error format."""

    token_path: ClassVar[str | None] = None

    def __init__(self, render_error: ErrorRenderer, *, denied_code: str = DENIED_CODE) -> None:
        self.render_error = render_error
        self.denied_code = denied_code
        self.refusals = 0

    @abstractmethod
    def refusal(self, request: Request) -> Response | None:
        """The response refusing `request`, or None when it may proceed."""

    def token_router(self) -> APIRouter | None:
        """The token endpoint, for schemes that have one."""
        return None

    def is_open(self, path: str) -> bool:
        """Test hooks and the token endpoint itself need no credentials."""
        return path.startswith(SANDBOX_PREFIX) or path == self.token_path

    async def require(self, request: Request) -> None:
        """A FastAPI dependency, for apps that guard route by route instead of calling `install`."""
        if not self.is_open(request.url.path) and (response := self._refuse(request)) is not None:
            raise AuthRefused(response)

    def install(self, app: FastAPI, *, guard_every_path: bool = True) -> None:
        """Add the token endpoint and the refusal handler; guard every path except `/_sandbox/` and the token path.

        Call it after `new_app`: refusals then happen before the app's own middleware, as at an
        API gateway in front of the agency's service.
        """
        router = self.token_router()
        if router is not None:
            app.include_router(router)

        async def refused(_: Request, error: Exception) -> Response:
            assert isinstance(error, AuthRefused)
            return error.response

        app.add_exception_handler(AuthRefused, refused)
        if guard_every_path:

            @app.middleware("http")
            async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
                if not self.is_open(request.url.path) and (response := self._refuse(request)) is not None:
                    return response
                return await call_next(request)

    def gateway(self, app: ASGIApp) -> ASGIApp:
        """Put this guard in front of `app` as an API gateway would: it serves the token endpoint
        itself and refuses unauthenticated requests before the app (or its async queue) sees them."""
        return AuthGateway(app, self)

    def _refuse(self, request: Request) -> Response | None:
        response = self.refusal(request)
        if response is not None:
            self.refusals += 1
        return response

    def _deny(self, message: str, headers: Mapping[str, str] | None = None, status: int = 401) -> Response:
        response = self.render_error(status, self.denied_code, message)
        response.headers.update(headers or {})
        return response


class BearerGuard(SandboxGuard):
    """A guard whose clients first exchange credentials for a bearer token at `POST /oauth2/token`."""

    token_path: ClassVar[str | None] = TOKEN_PATH

    def __init__(self, render_error: ErrorRenderer, *, token_lifetime: int, denied_code: str = DENIED_CODE) -> None:
        super().__init__(render_error, denied_code=denied_code)
        self.tokens = TokenStore(token_lifetime)
        self.token_requests = 0

    def token_router(self) -> APIRouter:
        router = APIRouter()

        @router.post(TOKEN_PATH, include_in_schema=False)
        async def token(request: Request) -> Response:
            self.token_requests += 1
            try:
                fields = await read_fields(request)
            except BodyError:
                return self._token_error(400, "invalid_request", "Malformed request body")
            response = self.grant(request, fields)
            response.headers.update({"Cache-Control": "no-store", "Pragma": "no-cache"})
            return response

        return router

    @abstractmethod
    def grant(self, request: Request, fields: dict[str, str]) -> Response:
        """Answer a token request whose form fields are `fields`."""

    @abstractmethod
    def _token_error(self, status: int, error: str, description: str) -> Response: ...

    def refusal(self, request: Request) -> Response | None:
        token = bearer_token(request)
        if token is None:
            return self._deny("Missing access token", self._challenge(None))
        if self.tokens.client_for(token) is None:
            return self._deny("Invalid or expired access token", self._challenge("invalid_token"))
        return None

    def _challenge(self, error: str | None) -> dict[str, str]:
        """RFC 6750 §3's WWW-Authenticate challenge; none by default."""
        return {}


class AuthGateway:
    """An ASGI front for one sandbox: the token endpoint, and every other path checked by the guard."""

    def __init__(self, app: ASGIApp, guard: SandboxGuard) -> None:
        self.app = app
        self.guard = guard
        self._token_app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        if (router := guard.token_router()) is not None:
            self._token_app.include_router(router)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path == self.guard.token_path:
            await self._token_app(scope, receive, send)
            return
        if not self.guard.is_open(path) and (refusal := self.guard._refuse(Request(scope))) is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)
