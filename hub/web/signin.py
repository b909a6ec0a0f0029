"""Signing in and out in the browser: a local account's password, then its code; or the council's identity provider.

The same accounts, checks and audit events as `hub login` (`hub.access.sessions`, `hub.access.oidc`):
- a wrong username or password gets one line that does not say which was wrong, and counts towards the
  account's lock-out (roles.yaml `sessions.lockout_after`);
- an account with an authenticator app is asked for its code on a page of its own (`/signin/code`), only
  once the password was right, held meanwhile by a pending sign-in that opens nothing, lapses after five
  minutes and is used once (`hub.web.signed_in.answer_code`); a wrong code counts like a wrong password, and
  the session (`session.start`) starts only when the code passes;
- failures from one client address are counted too (`sessions.address_limit` within `sessions.lockout_for`,
  kept as a digest of the address), so one address cannot try a password against many accounts;
- through the identity provider it is the authorization code flow with PKCE, the browser sent there and
  back to `/signin/callback`; `state`, the nonce and the verifier are kept in the database for ten minutes,
  and the flow is bound to the browser that began it by a cookie holding `state`;
- before break-glass, someone signed in through the provider proves themselves there again
  (`/signin/again`: `prompt=login` and `max_age=0`), back through the same callback, which checks the ID
  token's `auth_time` is no older than the request and its subject is the session's own person.
"""

from __future__ import annotations

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
    OidcIdentity,
    OidcSettings,
    SignInSecrets,
    authorization_request,
    discover,
    identity_from_answer,
)
from hub.access.oidc_login import principal_for
from hub.access.principal import Principal
from hub.access.roles import AccessConfig, load_access_config
from hub.access.sessions import REFUSED, SIGN_IN_PURPOSE, account_problem, lapse
from hub.audit import AuditAction
from hub.errors import UserError
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.web_session_records import SignInFlow
from hub.web.rendering import Pages
from hub.web.security import checked_form, csrf_token
from hub.web.signed_in import (
    CODE_STEP_LASTS,
    TOO_MANY,
    WEB,
    CodeNeeded,
    SignedInUser,
    answer_code,
    hold_for_code,
    keep_pending,
    password_step,
)
from hub.web.web_sessions import (
    FORM_COOKIE,
    OIDC_FLOW_COOKIE,
    PENDING_COOKIE,
    SESSION_COOKIE,
    address_digest,
    cookie_policy,
    csrf_key,
    digest,
    new_token,
    own_path,
    start,
)

router = APIRouter()

FLOW_LASTS = timedelta(minutes=10)
"""How long a sign-in at the identity provider may take."""
RE_AUTHENTICATION_PURPOSE = "re-authentication before break-glass"
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
    """Check the account's password; then start a session, or, for an account with a code, ask for it."""
    username, password = (str(form.get(name) or "") for name in ("username", "password"))
    username = username.strip()
    given = {"username": username, "password": password}
    missing = {field: f"Enter your {field}" for field, value in given.items() if not value}
    if missing:
        return _sign_in_page(request, errors=missing, status_code=400)
    store, config, now = _store(request), _config(request), datetime.now(UTC)
    address = address_digest(request)
    window = config.sessions.lockout_for
    if store.sign_in_failures_from(address, window=window, now=now) >= config.sessions.address_limit:
        store.record_refusal(
            AuditAction.SESSION_REFUSE, "(address throttled)", None, actor=f"unverified:{WEB}", purpose=SIGN_IN_PURPOSE
        )
        minutes = round(window.total_seconds() / 60)
        return _sign_in_page(request, errors={"": TOO_MANY.format(minutes=minutes)}, status_code=429)
    try:
        principal = password_step(store, config, username[:64], password, now=now)
    except CodeNeeded as needed:
        token = hold_for_code(store, needed.username, session_digest=None, now=now)
        return keep_pending(request, RedirectResponse("/signin/code", status_code=303), token)
    except UserError as refusal:
        store.count_sign_in_failure_from(address, window=window, now=now)
        return _sign_in_page(request, errors={"": str(refusal) or REFUSED}, status_code=400)
    return _signed_in(request, store, config, principal, RedirectResponse("/", status_code=303))


def code_page(
    request: Request, *, action: str, error: str = "", hidden: dict[str, str] | None = None, back: str = "/signin"
) -> Response:
    """The second step's page: "Enter the code from your authenticator app", posting to `action`."""
    return _pages(request).render(
        request,
        "signin_code.html",
        status_code=400 if error else 200,
        action=action,
        errors={"code": error} if error else {},
        hidden=hidden or {},
        back=back,
    )


@router.get("/signin/code", response_class=HTMLResponse)
def sign_in_code_form(request: Request) -> Response:
    """The code step, while this browser's pending sign-in lasts; otherwise back to the first step."""
    policy = cookie_policy(request)
    token = policy.read(request, PENDING_COOKIE)
    pending = (
        _store(request).pending_sign_in(digest(token), max_age=CODE_STEP_LASTS, now=datetime.now(UTC))
        if token
        else None
    )
    key = csrf_key(request)  # the form cookie's, or an earlier session's if this browser had one
    if pending is None or pending.session_digest is not None or key is None:
        return RedirectResponse("/signin", status_code=303)
    request.state.csrf_token = csrf_token(key)
    return code_page(request, action="/signin/code")


@router.post("/signin/code", response_class=HTMLResponse)
def sign_in_code(request: Request, form: CheckedForm) -> Response:
    """Check the code for this browser's pending sign-in; the session starts only if it passes."""
    policy = cookie_policy(request)
    store, config = _store(request), _config(request)
    answer = answer_code(
        store,
        config,
        policy.read(request, PENDING_COOKIE),
        str(form.get("code") or ""),
        session_digest=None,
        address=address_digest(request),
        now=datetime.now(UTC),
    )
    if answer.principal is not None:
        response = _signed_in(request, store, config, answer.principal, RedirectResponse("/", status_code=303))
    elif answer.retry_token is not None:
        request.state.csrf_token = csrf_token(csrf_key(request) or "")
        return keep_pending(request, code_page(request, action="/signin/code", error=answer.error), answer.retry_token)
    else:
        response = _sign_in_page(request, errors={"": answer.error}, status_code=400)
    policy.clear(response, PENDING_COOKIE)
    return response


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
    return _to_provider(request)


@router.post("/signin/again")
def re_authenticate_with_provider(request: Request, user: SignedInUser, form: CheckedForm) -> Response:
    """Before break-glass: send someone signed in through the provider to prove themselves there again.

    `prompt=login` and `max_age=0` ask the provider to sign them in afresh even if it remembers them; the
    callback checks it did (`auth_time`) and that it was the same person, then sends the browser back to
    `next`, which must be a path of the hub's own (`own_path`: never another site).
    """
    back = own_path(str(form.get("next") or ""))
    if user.principal.method != "oidc":
        return RedirectResponse(back, status_code=303)
    return _to_provider(request, re_authenticating=(user.session.digest, back))


def _to_provider(request: Request, re_authenticating: tuple[str, str] | None = None) -> Response:
    oidc = _oidc_settings(request)
    with httpx.Client(timeout=HTTP_TIMEOUT_SECONDS) as client:
        provider = discover(client, oidc)
    url, sent = authorization_request(
        oidc,
        provider,
        redirect_uri=str(request.url_for("oidc_callback")),
        fresh_sign_in=re_authenticating is not None,
    )
    _store(request).save_sign_in_flow(
        digest(sent.state),
        nonce=sent.nonce,
        code_verifier=sent.code_verifier,
        now=datetime.now(UTC),
        re_authenticating=re_authenticating,
    )
    response = RedirectResponse(url, status_code=303)
    # Lax: this cookie must come back on the provider's redirect, a navigation from another site.
    cookie_policy(request).set(
        response, OIDC_FLOW_COOKIE, sent.state, max_age=int(FLOW_LASTS.total_seconds()), lax=True
    )
    return response


@router.get("/signin/callback", name="oidc_callback", response_class=HTMLResponse)
def oidc_callback(request: Request) -> Response:
    """The provider's redirect back: the flow this browser began, its code exchanged, the person signed in
    (or, for a re-authentication, the session's person shown to have just proved themselves again)."""
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
    sent = SignInSecrets(state, flow.nonce, flow.code_verifier)
    terminal = Console(file=io.StringIO(), width=200)
    try:
        with httpx.Client(timeout=HTTP_TIMEOUT_SECONDS) as client:
            provider = discover(client, oidc)
            redirect_uri = str(request.url_for("oidc_callback"))
            identity = identity_from_answer(
                client, oidc, provider, answer, sent, redirect_uri=redirect_uri, secret=oidc.client_secret()
            )
        if flow.session_digest is not None:
            response = _re_authenticated(request, store, config, oidc, flow, identity)
            policy.clear(response, OIDC_FLOW_COOKIE)
            return response
        principal = principal_for(store, config, identity, console=terminal)
    except UserError as refusal:
        if flow.session_digest is not None:
            return _not_re_authenticated(request, str(refusal), flow)
        return _sign_in_page(request, errors={"": str(refusal)}, status_code=400)
    # A page, not a redirect: this response ends a navigation another site began, and the browser would not
    # send the new SameSite=Strict session cookie on a redirect within it. The page's own refresh does.
    page = _pages(request).render(
        request,
        "signed_in.html",
        heading="You are signed in",
        next="/",
        note=" ".join(terminal.file.getvalue().split()),  # type: ignore[attr-defined]
    )
    response = _signed_in(request, store, config, principal, page)
    policy.clear(response, OIDC_FLOW_COOKIE)
    return response


def _re_authenticated(
    request: Request,
    store: HubStore,
    config: AccessConfig,
    oidc: OidcSettings,
    flow: SignInFlow,
    identity: OidcIdentity,
) -> Response:
    """Mark the session re-authenticated if the provider just signed in its own person; else say why not.

    The provider's redirect back carries no Strict session cookie, so the session is the one the flow was
    begun from. `auth_time` must be present and no earlier than that request (less the clock skew allowed):
    a provider that reused an older sign-in, ignoring `prompt=login` and `max_age=0`, proves nothing now. A
    subject other than the session's person (someone else signed in at the provider on this computer) is
    refused and audited, and the session is left as it was.
    """
    assert flow.session_digest is not None and flow.return_to is not None
    now = datetime.now(UTC)
    record = store.web_session(flow.session_digest)
    if record is None or lapse(record, now, config) or account_problem(store, record):
        return _not_re_authenticated(request, "Your session has ended while you were away.", flow, sign_in=True)
    known = store.provider_user(identity.issuer, identity.subject)
    if known is None or known.username != record.username:
        _refuse_re_authentication(store, record.username)
        return _not_re_authenticated(
            request,
            "Someone else signed in at your organisation's identity provider, not you, so the hub has not "
            "accepted it. If you share this computer, sign out of the identity provider, then try again.",
            flow,
            status_code=403,
        )
    earliest = flow.started_at - timedelta(seconds=oidc.allowed_clock_skew)
    if identity.auth_time is None or datetime.fromtimestamp(identity.auth_time, UTC) < earliest:
        _refuse_re_authentication(store, record.username)
        return _not_re_authenticated(
            request,
            "Your organisation's identity provider did not ask you to sign in again (it did not say when you "
            "last signed in, or it was before you asked), so the hub cannot tell it is you at the keyboard now.",
            flow,
        )
    if record.role not in identity.roles:
        return _not_re_authenticated(
            request, "Your organisation has changed your role since you signed in.", flow, sign_in=True
        )
    store.touch_web_session(flow.session_digest, now, authenticated=True)
    return _pages(request).render(
        request, "signed_in.html", heading="You have confirmed it is you", next=flow.return_to, note=""
    )


def _refuse_re_authentication(store: HubStore, username: str) -> None:
    """Audit a refused re-authentication (`session.refuse`, outcome denied) against the session's account."""
    store.record_refusal(
        AuditAction.SESSION_REFUSE, username, None, actor=f"unverified:{WEB}", purpose=RE_AUTHENTICATION_PURPOSE
    )


def _not_re_authenticated(
    request: Request, reason: str, flow: SignInFlow, *, status_code: int = 400, sign_in: bool = False
) -> Response:
    """The page saying a re-authentication did not pass: why, in one line, and what to do next."""
    return _pages(request).render(
        request,
        "re_authentication_failed.html",
        status_code=status_code,
        reason=reason,
        back=own_path(flow.return_to or "/"),
        sign_in=sign_in,
    )


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
