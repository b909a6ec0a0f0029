"""Who is signed in, for a page: the FastAPI dependency every page of personal data starts from.

A page route takes `user: SignedInUser` and reads nothing personal outside `user.permit(...)` (or
`user.reading_history(...)`), the access guard's own door (`hub.access.guard.SignedIn`), so every audit
event the store writes meanwhile records the person, their role, the purpose and the basis they were
allowed on, exactly as the CLI's commands do:

    @router.get("/referrals/{referral_id}")
    def referral(referral_id: OpaqueId, user: SignedInUser, request: Request) -> HTMLResponse:
        with user.reading_history(referral_id) as purpose:
            ...  # store reads, audited with user, role, purpose and basis

A refusal is audited by the guard and becomes the 403 page saying why. `re_authenticate` and
`recently_authenticated` are for pages that must see the person prove who they are again (break-glass).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request, Response

from hub.access.credentials import totp_step
from hub.access.guard import SignedIn
from hub.access.permissions import Permission
from hub.access.policy import Decision
from hub.access.principal import Principal
from hub.access.roles import AccessConfig, load_access_config
from hub.access.sessions import REFUSED, SIGN_IN_PURPOSE, sign_in_with_password
from hub.audit import AuditAction
from hub.errors import UserError
from hub.settings import HubSettings
from hub.store import HubStore
from hub.web.security import csrf_token
from hub.web.web_sessions import (
    PENDING_COOKIE,
    SESSION_COOKIE,
    BrowserSession,
    SessionEnded,
    cookie_policy,
    digest,
    new_token,
    resume,
)

WEB: str = "web"
"""Where a web sign-in attempt comes from, in the audit trail (`unverified:web`)."""
TOO_MANY = "Too many failed sign-ins from this computer. Wait {minutes} minutes, then try again."


class SignInRequired(Exception):
    """No session, or an ended one: the person is sent to the sign-in page (`ended` says whether one ended)."""

    def __init__(self, *, ended: bool) -> None:
        super().__init__("sign-in required")
        self.ended = ended


@dataclass(frozen=True)
class WebUser:
    """The person behind this request: the access guard's `SignedIn`, and their browser session."""

    signed: SignedIn
    session: BrowserSession

    @property
    def principal(self) -> Principal:
        return self.signed.principal

    @property
    def store(self) -> HubStore:
        return self.signed.store

    @property
    def settings(self) -> HubSettings:
        return self.signed.settings

    @property
    def csrf_token(self) -> str:
        return csrf_token(self.session.token)

    def permit(
        self, permission: Permission, referral_id: str | None = None, *, purpose: str
    ) -> AbstractContextManager[Decision]:
        """`SignedIn.permit`: allow the block with role and basis on its audit events, or audit and refuse."""
        return self.signed.permit(permission, referral_id, purpose=purpose)

    def reading_history(self, referral_id: str, purpose: str | None = None) -> AbstractContextManager[str]:
        """`SignedIn.reading_history`: permit reading a referral's history for a purpose from roles.yaml."""
        return self.signed.reading_history(referral_id, purpose)

    def may(self, permission: Permission, referral_id: str | None = None) -> bool:
        return self.signed.may(permission, referral_id)


def signed_in_user(request: Request) -> WebUser:
    """The signed-in person (a FastAPI dependency); `SignInRequired` sends anyone else to sign in."""
    token = cookie_policy(request).read(request, SESSION_COOKIE)
    if token is None:
        raise SignInRequired(ended=False)
    settings: HubSettings = request.app.state.settings
    store: HubStore = request.app.state.store
    config = load_access_config(settings)
    try:
        session = resume(store, config, token, datetime.now(UTC))
    except SessionEnded:
        raise SignInRequired(ended=True) from None
    user = WebUser(SignedIn(settings, store, config, session.principal), session)
    request.state.user = user
    request.state.csrf_token = user.csrf_token
    return user


SignedInUser = Annotated[WebUser, Depends(signed_in_user)]


def recently_authenticated(user: WebUser, within: timedelta, now: datetime | None = None) -> bool:
    """Whether the person proved who they are (signed in, or `re_authenticate`) within the last `within`."""
    return (now or datetime.now(UTC)) - user.session.record.authenticated_at <= within


CODE_STEP_LASTS = timedelta(minutes=5)
"""How long the code step may wait after a right password (a pending sign-in, not a session)."""
CODE_ATTEMPTS = 3
"""Wrong codes on one pending sign-in before the person must give their password again."""
WRONG_CODE = "The code is not right. Enter the 6 digits your authenticator app shows now"
CODE_EXPIRED = "You took more than 5 minutes to enter the code, or the page was used already. Start again"
TOO_MANY_CODES = "That code was wrong 3 times. Start again"


class CodeNeeded(Exception):
    """The password was right and the account has an authenticator: the code is asked for on a page of its own."""

    def __init__(self, username: str) -> None:
        super().__init__("the authenticator code is the second step")
        self.username = username


def password_step(store: HubStore, config: AccessConfig, username: str, password: str, *, now: datetime) -> Principal:
    """The first step: the account's password (`sign_in_with_password`, audited and counted as ever).

    An account with an authenticator raises `CodeNeeded`, which `sign_in_with_password` can only reach once
    the password is right, so the first step tells nobody which accounts exist or have a second factor.
    """

    def second_step() -> str:
        raise CodeNeeded(username)

    return sign_in_with_password(store, config, username, password, second_step, now=now, attempted_from=WEB)


def hold_for_code(store: HubStore, username: str, *, session_digest: str | None, now: datetime) -> str:
    """A pending sign-in for the code step (its token for the cookie): opens nothing until the code passes."""
    token = new_token()
    store.begin_pending_sign_in(digest(token), username=username, session_digest=session_digest, started_at=now)
    return token


def keep_pending(request: Request, response: Response, token: str) -> Response:
    """Give the browser its pending sign-in's token (a Strict cookie, lasting as long as the code step)."""
    cookie_policy(request).set(response, PENDING_COOKIE, token, max_age=int(CODE_STEP_LASTS.total_seconds()))
    return response


@dataclass(frozen=True)
class CodeAnswer:
    """What a code step came to: the person proved (`principal`), or why not and whether to ask again.

    `retry_token` is a fresh pending sign-in (the cookie's new value) when the code page should ask again;
    None with an `error` means back to the first step.
    """

    principal: Principal | None
    error: str = ""
    retry_token: str | None = None


def answer_code(
    store: HubStore,
    config: AccessConfig,
    token: str | None,
    code: str,
    *,
    session_digest: str | None,
    address: str,
    now: datetime,
) -> CodeAnswer:
    """The second step: the authenticator code for the pending sign-in `token` names (for `session_digest`'s
    re-authentication, or None for a sign-in).

    The pending sign-in is taken whatever happens, so a token is used once; a wrong code is audited and
    counted against the account's lock-out and the address's throttle like a wrong password, and gets a new
    token with the same start (it still lapses `CODE_STEP_LASTS` after the password) until `CODE_ATTEMPTS`.
    A code's 30-second step is accepted once per account (`HubStore.claim_totp_step`), so a code already
    used, here or by `hub login`, is refused.
    """
    pending = store.take_pending_sign_in(digest(token), max_age=CODE_STEP_LASTS, now=now) if token else None
    if pending is None or pending.session_digest != session_digest:
        return CodeAnswer(None, CODE_EXPIRED)
    window = config.sessions.lockout_for
    if store.sign_in_failures_from(address, window=window, now=now) >= config.sessions.address_limit:
        store.record_refusal(
            AuditAction.SESSION_REFUSE, "(address throttled)", None, actor=f"unverified:{WEB}", purpose=SIGN_IN_PURPOSE
        )
        return CodeAnswer(None, TOO_MANY.format(minutes=round(window.total_seconds() / 60)))

    def again(error: str, attempts: int) -> CodeAnswer:
        retry = new_token()
        store.begin_pending_sign_in(
            digest(retry),
            username=pending.username,
            session_digest=session_digest,
            started_at=pending.started_at,
            attempts=attempts,
        )
        return CodeAnswer(None, error, retry)

    code = code.replace(" ", "").strip()
    if not code:
        return again("Enter the code from your authenticator app", pending.attempts)
    if not (code.isdigit() and len(code) == 6):
        return again("Enter the code as 6 digits, like 123456", pending.attempts)
    user = store.staff_user(pending.username)
    actor = f"unverified:{WEB}"
    secret = store.totp_secret(pending.username) if user is not None and user.active else None
    locked = user is not None and user.locked_until is not None and user.locked_until > now
    step = totp_step(secret, code, now) if secret is not None and not locked else None
    if user is not None and step is not None and store.claim_totp_step(pending.username, step):
        return CodeAnswer(
            Principal(user.username, user.role, "password+totp", config.role(user.role).restricted_agencies)
        )
    store.record_sign_in_failure(
        pending.username,
        lockout_after=config.sessions.lockout_after,
        lockout_for=config.sessions.lockout_for,
        actor=actor,
        purpose=SIGN_IN_PURPOSE,
    )
    store.count_sign_in_failure_from(address, window=window, now=now)
    user = store.staff_user(pending.username)
    if user is None or not user.active or secret is None:
        return CodeAnswer(None, REFUSED)
    if user.locked_until is not None and user.locked_until > now:
        return CodeAnswer(
            None,
            f"This account is locked after too many failed sign-ins, until {user.locked_until:%H:%M} UTC. "
            "Try again then, or ask an administrator.",
        )
    if pending.attempts + 1 >= CODE_ATTEMPTS:
        return CodeAnswer(None, TOO_MANY_CODES)
    return again(WRONG_CODE, pending.attempts + 1)


def re_authenticate(user: WebUser, password: str, now: datetime | None = None) -> None:
    """Check the person's password again before something that needs it fresh, such as break-glass.

    A refusal is audited and counted towards the account's lock-out like any sign-in (`UserError`, one line).
    An account with an authenticator raises `CodeNeeded`: the page asks for the code (`answer_code`), then
    calls `mark_re_authenticated`. Someone signed in through the identity provider proves themselves there
    (`/signin/again`): this refuses them with what to do.
    """
    now = now or datetime.now(UTC)
    if user.principal.method == "oidc":
        raise UserError("You signed in through your organisation's identity provider: confirm it is you there.")
    proved = password_step(user.store, user.signed.config, user.principal.username, password, now=now)
    mark_re_authenticated(user, proved, now)


def mark_re_authenticated(user: WebUser, proved: Principal, now: datetime) -> None:
    """Note that the session's person just proved who they are; a different person or role ends the session."""
    if proved.username != user.principal.username or proved.role != user.principal.role:
        raise SignInRequired(ended=True)
    user.store.touch_web_session(user.session.digest, now, authenticated=True)
