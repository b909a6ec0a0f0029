"""Security headers on every response, an access log without values, the last-resort 500 page, and CSRF.

`SecurityMiddleware` wraps the whole application (OWASP ASVS 5.0, V3 and V16):
- every response, error pages and assets included, carries a strict Content-Security-Policy (no inline
  script or style: the GOV.UK template's one inline script is `/assets/hub/js-enabled.js`), nosniff,
  no referrer, a Permissions-Policy, COOP and, over HTTPS, HSTS; every response but an asset's is
  `Cache-Control: no-store`, so a shared computer's cache keeps no page of personal data;
- each request gets a random id, sent back as `X-Request-Id` and shown on error pages, which is all an
  administrator needs to find it in the log;
- the access log names the route's template (`/referrals/{referral_id}`), never the path or the query
  string: a query can carry an identity provider's code, and a mistyped address can carry anything;
- an exception nobody handled becomes the GOV.UK 500 page here, inside the headers, and is logged by its
  type and the request id only, because exception messages quote the values they failed on.

CSRF: a token derived from the session cookie (or, before sign-in, from a form cookie) goes in a hidden
field of every form and is checked on every state-changing request (`checked_form`). Cookies are also
SameSite, so this is the second of two defences.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from collections.abc import Callable
from typing import Final

from fastapi import Request
from starlette.datastructures import FormData, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.web.web_sessions import csrf_key

CONTENT_SECURITY_POLICY: Final = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY: Final = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
"""On every response."""
NO_STORE: Final = "no-store"
ASSET_CACHE: Final = "public, max-age=31536000, immutable"
"""Assets whose address carries the assets' version (`?v=`): a new version is a new address."""
ASSET_REVALIDATE: Final = "public, max-age=3600"
"""Assets asked for without the version (the stylesheets' fonts and images): an hour, then asked again."""
HSTS: Final = "max-age=63072000; includeSubDomains"
CSRF_FIELD: Final = "csrf_token"
ASSETS_PREFIX: Final = "/assets/"

access_log = logging.getLogger("hub.web.access")
error_log = logging.getLogger("hub.web.errors")


class SecurityMiddleware:
    """Headers, request id, access log and the last-resort 500 page, for every HTTP request (pure ASGI)."""

    def __init__(self, app: ASGIApp, *, asset_version: str, render_error: Callable[[int, str], bytes]) -> None:
        self.app = app
        self.asset_version = asset_version
        self.render_error = render_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False
        cache = self._cache_control(scope)
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
                headers["X-Request-Id"] = request_id
                headers["Cache-Control"] = cache if status < 400 else NO_STORE
                if https:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as error:  # noqa: BLE001 - the last resort: any failure is a 500, logged by its type
            log_internal_error(error, request_id)
            if not response_started:  # else the server cuts the answer short; re-raising would log a traceback
                body = self.render_error(500, request_id)
                await send_internal_error(send_with_headers, body, b"text/html; charset=utf-8")
        finally:
            access_log.info(
                "%s %s %d %.0fms request=%s",
                scope.get("method", "?"),
                _route_template(scope),
                status,
                (time.perf_counter() - started) * 1000,
                request_id,
            )

    def _cache_control(self, scope: Scope) -> str:
        if not str(scope.get("path", "")).startswith(ASSETS_PREFIX):
            return NO_STORE
        query = scope.get("query_string", b"").decode("latin-1")
        return ASSET_CACHE if query == f"v={self.asset_version}" else ASSET_REVALIDATE


def log_internal_error(error: Exception, request_id: str) -> None:
    """Logged by type and request id only: the message and traceback may quote personal data."""
    error_log.error("internal error %s request=%s", type(error).__name__, request_id)
    if os.environ.get("HUB_DEBUG"):
        error_log.exception("HUB_DEBUG is set: the traceback follows (it may contain personal data)")


async def send_internal_error(send: Send, body: bytes, media_type: bytes) -> None:
    """A complete 500 answer (the exception is not raised on: the server would log its traceback)."""
    headers = [(b"content-type", media_type), (b"content-length", str(len(body)).encode("ascii"))]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class JsonLastResort:
    """The REST API's last resort: an exception nobody handled becomes a JSON 500 inside the API.

    A mounted application has Starlette's own error middleware outermost, which would answer in plain text
    and raise the exception on to the server, whose log would then hold the traceback (and whatever
    personal data its message quotes). Added to the API, this catches it first, as `SecurityMiddleware`
    does for the pages, and answers with the same words a program can read, and the request id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as error:  # noqa: BLE001 - the last resort: any failure is a 500, logged by its type
            request_id = str(scope.get("state", {}).get("request_id", "-"))
            log_internal_error(error, request_id)
            if not started:
                detail = (
                    "The hub could not answer because of an internal error. Try again later; if it keeps "
                    f"happening, give the hub's administrators this request id: {request_id}."
                )
                body = json.dumps({"detail": detail, "request_id": request_id}).encode("utf-8")
                await send_internal_error(send, body, b"application/json")


def _route_template(scope: Scope) -> str:
    """The matched route's template (`/referrals/{referral_id}`), `/assets/...`, or `(no route)`: never values."""
    if str(scope.get("path", "")).startswith(ASSETS_PREFIX):
        return "/assets/..."
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not isinstance(template, str):
        return "(no route)"
    # A mounted application's route (the REST API's) is matched below the mount's path, kept in root_path.
    return str(scope.get("root_path", "")) + template


# CSRF


class CsrfRefused(Exception):
    """A state-changing request without the form token of this browser's session."""


def csrf_token(key: str) -> str:
    """The form token for a cookie's value: a one-way function of it, so the token never reveals the cookie."""
    return hashlib.sha256(b"mash-hub form token\x00" + key.encode("ascii", "replace")).hexdigest()


async def checked_form(request: Request) -> FormData:
    """The request's form, once its token matches this browser's (a FastAPI dependency for every POST).

    The token is derived from the session cookie when there is one, otherwise from the form cookie set with
    the sign-in page; a request from another site carries neither the cookie nor a token made from it.
    """
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    key = csrf_key(request)
    if key is None or not isinstance(sent, str) or not hmac.compare_digest(sent, csrf_token(key)):
        raise CsrfRefused
    return form
