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

from fastapi import Depends, Request

from hub.access.guard import SignedIn
from hub.access.permissions import Permission
from hub.access.policy import Decision
from hub.access.principal import Principal
from hub.access.roles import load_access_config
from hub.access.sessions import sign_in_with_password
from hub.errors import UserError
from hub.settings import HubSettings
from hub.store import HubStore
from hub.web.security import csrf_token
from hub.web.web_sessions import SESSION_COOKIE, BrowserSession, SessionEnded, cookie_policy, resume

WEB: str = "web"
"""Where a web sign-in attempt comes from, in the audit trail (`unverified:web`)."""


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


def re_authenticate(user: WebUser, password: str, code: str, now: datetime | None = None) -> None:
    """Check the person's password (and code) again before something that needs it fresh, such as break-glass.

    A refusal is audited and counted towards the account's lock-out like any sign-in (`UserError`, one line).
    Someone signed in through the identity provider proves themselves there: this refuses them with what to do.
    """
    now = now or datetime.now(UTC)
    if user.principal.method == "oidc":
        raise UserError(
            "You signed in through your organisation's identity provider: sign out, then sign in again there."
        )
    proved = sign_in_with_password(
        user.store, user.signed.config, user.principal.username, password, lambda: code, now=now, attempted_from=WEB
    )
    if proved.role != user.principal.role:
        raise SignInRequired(ended=True)
    user.store.touch_web_session(user.session.digest, now, authenticated=True)
