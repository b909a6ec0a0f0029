"""Browser sessions: a random token in a cookie, only its SHA-256 digest in the database.

The same rules as a `hub login` session (`hub.access.sessions.lapse`, `account_problem`): it ends at sign
out, after `sessions.lasts`, after `sessions.idle` without a request, and when the account is disabled or
its role changes. A copy of the database opens no session, because it holds digests only.

The cookie is `__Host-hub-session`: Secure (HTTPS only), HttpOnly (no script reads it), SameSite=Strict
(no other site's link or form sends it), Path=/ and no Domain (the `__Host-` prefix makes the browser
insist on all three). Strict rather than Lax because nothing reaches the hub from another site signed in:
the identity provider's redirect back starts a new session, and its flow is bound to the browser by a
cookie of its own that is Lax (`OIDC_FLOW_COOKIE`), the one cookie another site's navigation must carry.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from fastapi import Request, Response

from hub.access.principal import Principal
from hub.access.roles import AccessConfig
from hub.access.sessions import account_problem, lapse
from hub.store import HubStore
from hub.store.web_session_records import WebSession

SESSION_COOKIE: Final = "hub-session"
FORM_COOKIE: Final = "hub-form"
"""Before sign-in: a random value the sign-in form's CSRF token is made from (login CSRF)."""
OIDC_FLOW_COOKIE: Final = "hub-oidc"
"""Binds a sign-in through the identity provider to the browser that began it (SameSite=Lax, ten minutes)."""
PENDING_COOKIE: Final = "hub-pending"
"""A sign-in whose password was right, waiting for the authenticator code (Strict, five minutes, used once)."""
_OWN_PATH = re.compile(r"/(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*)?")


@dataclass(frozen=True)
class CookiePolicy:
    """How the application's cookies are set.

    `secure` is True everywhere but one case: `hub web up` bound to a loopback address over plain HTTP, for
    development and the demo, where no one else can reach the server. There the cookies lose the `__Host-`
    prefix and Secure, because HTTP clients other than browsers (httpx, curl, Python's cookie jar) never send a
    Secure cookie over http://. (Chromium itself treats http://127.0.0.1 and http://localhost as secure
    contexts and keeps Secure cookies there: checked with Debian's Chromium.)
    """

    secure: bool = True

    def name(self, base: str) -> str:
        return f"__Host-{base}" if self.secure else base

    def set(self, response: Response, base: str, value: str, *, max_age: int | None = None, lax: bool = False) -> None:
        response.set_cookie(
            self.name(base),
            value,
            max_age=max_age,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax" if lax else "strict",
        )

    def clear(self, response: Response, base: str) -> None:
        response.delete_cookie(self.name(base), path="/", secure=self.secure, httponly=True, samesite="strict")

    def read(self, request: Request, base: str) -> str | None:
        value = request.cookies.get(self.name(base))
        return value if value and value.isascii() and len(value) <= 128 else None


def cookie_policy(request: Request) -> CookiePolicy:
    policy: CookiePolicy = request.app.state.cookies
    return policy


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class BrowserSession:
    """A session the request's cookie opened: its token (to derive the CSRF token), record and person."""

    token: str
    record: WebSession
    principal: Principal

    @property
    def digest(self) -> str:
        return digest(self.token)


class SessionEnded(Exception):
    """The cookie named a session that has ended; `reason` says why in words (no personal data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def start(store: HubStore, config: AccessConfig, principal: Principal, *, purpose: str) -> tuple[str, WebSession]:
    """A new session for `principal`: the token for the cookie, and the record kept of it (audited)."""
    token = new_token()
    record = store.start_web_session(
        digest(token),
        username=principal.username,
        role=principal.role,
        method=principal.method,
        lasts=config.sessions.lasts,
        actor=principal.actor,
        purpose=purpose,
    )
    return token, record


def resume(store: HubStore, config: AccessConfig, token: str, now: datetime) -> BrowserSession:
    """The session the cookie's token opens, its idle timer restarted; `SessionEnded` if it has ended."""
    record = store.web_session(digest(token))
    if record is None:
        raise SessionEnded("it is not known here")
    problem = lapse(record, now, config) or account_problem(store, record)
    if problem is not None:
        raise SessionEnded(problem)
    store.touch_web_session(digest(token), now)
    principal = Principal(record.username, record.role, record.method, config.role(record.role).restricted_agencies)
    return BrowserSession(token, record, principal)


def csrf_key(request: Request) -> str | None:
    """What this browser's form token is made from: its session cookie, or else its form cookie."""
    policy = cookie_policy(request)
    return policy.read(request, SESSION_COOKIE) or policy.read(request, FORM_COOKIE)


def address_digest(request: Request) -> str:
    """The client address as a digest: enough to count failed sign-ins by, without keeping the address."""
    address = request.client.host if request.client else "unknown"
    return hashlib.sha256(f"sign-in address\x00{address}".encode()).hexdigest()


def own_path(value: str, default: str = "/") -> str:
    """`value` if it is a path of this hub's own (`/open-referral/REF-2026-000417`), else `default`.

    Where to go after signing in again comes back from a form, so it must never send the browser to another
    site: no scheme, no `//host`, no backslash, no `.` or `..` segment, no query, at most 200 characters.
    """
    return value if len(value) <= 200 and _OWN_PATH.fullmatch(value) else default
