"""Signing in and out in the browser: a local account's password (and code), or the council's identity provider.

The same accounts, checks and audit events as `hub login` (`hub.access.sessions`, `hub.access.oidc`):
- a wrong username, password or code gets one line that does not say which was wrong, and counts towards
  the account's lock-out (roles.yaml `sessions.lockout_after`);
- failures from one client address are counted too (`sessions.address_limit` within `sessions.lockout_for`,
  kept as a digest of the address), so one address cannot try a password against many accounts;
- through the identity provider it is the authorization code flow with PKCE, the browser sent there and
  back to `/signin/callback`; `state`, the nonce and the verifier are kept in the database for ten minutes,
  and the flow is bound to the browser that began it by a cookie holding `state`.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from datetime import UTC, datetime, timedelta
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from rich.console import Console
from starlette.datastructures import FormData

from hub.access.oidc import (
    HTTP_TIMEOUT_SECONDS,
    OidcSettings,
    SignInSecrets,
    authorization_request,
    discover,
    identity_from_answer,
)
from hub.access.oidc_login import principal_for
from hub.access.principal import Principal
from hub.access.roles import AccessConfig, load_access_config
from hub.access.sessions import REFUSED, SIGN_IN_PURPOSE, sign_in_with_password
from hub.audit import AuditAction
from hub.errors import UserError
from hub.settings import HubSettings
from hub.store import HubStore
from hub.web.rendering import Pages
from hub.web.security import checked_form, csrf_token
from hub.web.signed_in import WEB
from hub.web.web_sessions import (
    FORM_COOKIE,
    OIDC_FLOW_COOKIE,
    SESSION_COOKIE,
    cookie_policy,
    digest,
    new_token,
    start,
)

router = APIRouter()

FLOW_LASTS = timedelta(minutes=10)
"""How long a sign-in at the identity provider may take."""
TOO_MANY = "Too many failed sign-ins from this computer. Wait {minutes} minutes, then try again."
CheckedForm = Annotated[FormData, Depends(checked_form)]


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _store(request: Request) -> HubStore:
    store: HubStore = request.app.state.store
    return store


def _config(request: Request) -> AccessConfig:
    settings: HubSettings = request.app.state.settings
    return load_access_config(settings)


def _sign_in_page(request: Request, *, errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    """The sign-in form, with its form cookie (for the CSRF token) set if this browser has none yet."""
    policy = cookie_policy(request)
    key = policy.read(request, SESSION_COOKIE) or policy.read(request, FORM_COOKIE)
    fresh_key = None if key else new_token()
    request.state.csrf_token = csrf_token(key or fresh_key or "")
    notice = None
    if request.query_params.get("ended"):
        notice = "Your session has ended. Sign in again to carry on."
    elif request.query_params.get("signed_out"):
        notice = "You have signed out."
    response = _pages(request).render(
        request,
        "signin.html",
        status_code=status_code,
        errors=errors or {},
        notice=notice,
        oidc=_config(request).oidc is not None,
    )
    if fresh_key:
        policy.set(response, FORM_COOKIE, fresh_key)
    return response


@router.get("/signin", response_class=HTMLResponse)
def sign_in_form(request: Request) -> Response:
    return _sign_in_page(request)


@router.post("/signin", response_class=HTMLResponse)
def sign_in(request: Request, form: CheckedForm) -> Response:
    """Check the account's password (and code), then start a session and go to the person's start page."""
    username, password, code = (str(form.get(name) or "") for name in ("username", "password", "code"))
    username = username.strip()
    given = {"username": username, "password": password}
    missing = {field: f"Enter your {field}" for field, value in given.items() if not value}
    if missing:
        return _sign_in_page(request, errors=missing, status_code=400)
    store, config, now = _store(request), _config(request), datetime.now(UTC)
    address = _address_digest(request)
    window = config.sessions.lockout_for
    if store.sign_in_failures_from(address, window=window, now=now) >= config.sessions.address_limit:
        store.record_refusal(
            AuditAction.SESSION_REFUSE, "(address throttled)", None, actor=f"unverified:{WEB}", purpose=SIGN_IN_PURPOSE
        )
        minutes = round(window.total_seconds() / 60)
        return _sign_in_page(request, errors={"": TOO_MANY.format(minutes=minutes)}, status_code=429)
    try:
        principal = sign_in_with_password(
            store, config, username[:64], password, lambda: code, now=now, attempted_from=WEB
        )
    except UserError as refusal:
        store.count_sign_in_failure_from(address, window=window, now=now)
        return _sign_in_page(request, errors={"": str(refusal) or REFUSED}, status_code=400)
    return _signed_in(request, store, config, principal, RedirectResponse("/", status_code=303))


@router.post("/signout")
def sign_out(request: Request, form: CheckedForm) -> Response:
    """End this browser's session (audited) and forget its cookie."""
    policy = cookie_policy(request)
    token = policy.read(request, SESSION_COOKIE)
    if token is not None:
        record = _store(request).web_session(digest(token))
        if record is not None:
            _store(request).end_web_session(digest(token), actor=f"user:{record.username}", purpose=SIGN_IN_PURPOSE)
    response = RedirectResponse("/signin?signed_out=1", status_code=303)
    policy.clear(response, SESSION_COOKIE)
    return response


@router.get("/signin/oidc")
def sign_in_with_provider(request: Request) -> Response:
    """Send the browser to the identity provider's sign-in page (authorization code flow with PKCE)."""
    oidc = _oidc_settings(request)
    with httpx.Client(timeout=HTTP_TIMEOUT_SECONDS) as client:
        provider = discover(client, oidc)
    url, sent = authorization_request(oidc, provider, redirect_uri=str(request.url_for("oidc_callback")))
    _store(request).save_sign_in_flow(
        digest(sent.state), nonce=sent.nonce, code_verifier=sent.code_verifier, now=datetime.now(UTC)
    )
    response = RedirectResponse(url, status_code=303)
    # Lax: this cookie must come back on the provider's redirect, a navigation from another site.
    cookie_policy(request).set(
        response, OIDC_FLOW_COOKIE, sent.state, max_age=int(FLOW_LASTS.total_seconds()), lax=True
    )
    return response


@router.get("/signin/callback", name="oidc_callback", response_class=HTMLResponse)
def oidc_callback(request: Request) -> Response:
    """The provider's redirect back: the flow this browser began, its code exchanged, the person signed in."""
    oidc = _oidc_settings(request)
    policy = cookie_policy(request)
    answer = {key: value for key, value in request.query_params.items() if key in ("code", "state", "error")}
    state = answer.get("state", "")
    began = policy.read(request, OIDC_FLOW_COOKIE) or ""
    store, config = _store(request), _config(request)
    ours = bool(state) and hmac.compare_digest(began.encode(), state.encode())
    flow = store.take_sign_in_flow(digest(state), max_age=FLOW_LASTS, now=datetime.now(UTC)) if ours else None
    if flow is None:
        message = "That sign-in did not start in this browser, or took over 10 minutes. Start again."
        return _sign_in_page(request, errors={"": message}, status_code=400)
    sent = SignInSecrets(state, *flow)
    terminal = Console(file=io.StringIO(), width=200)
    try:
        with httpx.Client(timeout=HTTP_TIMEOUT_SECONDS) as client:
            provider = discover(client, oidc)
            redirect_uri = str(request.url_for("oidc_callback"))
            identity = identity_from_answer(
                client, oidc, provider, answer, sent, redirect_uri=redirect_uri, secret=oidc.client_secret()
            )
        principal = principal_for(store, config, identity, console=terminal)
    except UserError as refusal:
        return _sign_in_page(request, errors={"": str(refusal)}, status_code=400)
    # A page, not a redirect: this response ends a navigation another site began, and the browser would not
    # send the new SameSite=Strict session cookie on a redirect within it. The page's own refresh does.
    page = _pages(request).render(request, "signed_in.html", note=" ".join(terminal.file.getvalue().split()))  # type: ignore[attr-defined]
    response = _signed_in(request, store, config, principal, page)
    policy.clear(response, OIDC_FLOW_COOKIE)
    return response


def _signed_in(
    request: Request, store: HubStore, config: AccessConfig, principal: Principal, response: Response
) -> Response:
    """Start the session (ending any this browser had) and set its cookie on `response`."""
    policy = cookie_policy(request)
    earlier = policy.read(request, SESSION_COOKIE)
    record = store.web_session(digest(earlier)) if earlier is not None else None
    if earlier is not None and record is not None and record.ended_at is None:
        store.end_web_session(digest(earlier), actor=f"user:{record.username}", purpose=SIGN_IN_PURPOSE)
    token, _ = start(store, config, principal, purpose=SIGN_IN_PURPOSE)
    policy.set(response, SESSION_COOKIE, token, max_age=int(config.sessions.lasts.total_seconds()))
    policy.clear(response, FORM_COOKIE)
    return response


def _oidc_settings(request: Request) -> OidcSettings:
    config = _config(request)
    if config.oidc is None:
        raise UserError("This hub has no identity provider configured; sign in with your username and password.")
    return OidcSettings.from_mapping(config.oidc, known_roles=config.roles)


def _address_digest(request: Request) -> str:
    """The client address as a digest: enough to count failures by, without keeping the address."""
    address = request.client.host if request.client else "unknown"
    return hashlib.sha256(f"sign-in address\x00{address}".encode()).hexdigest()
