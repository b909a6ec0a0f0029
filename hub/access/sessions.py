"""Signing in and out: a short-lived session, its token kept 0600 in `$HUB_HOME`, bound to person and OS account.

The token lives only in the holder's session file; the database keeps its SHA-256 digest, so a copy
of the database opens no session. A session ends at `hub logout`, after `sessions.lasts`, after
`sessions.idle` without a command, when its account is disabled or its role changes, or when the
file is used from another operating-system account. Nothing in the environment chooses who is acting.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from hub.access.credentials import password_matches, totp_step
from hub.access.principal import Principal
from hub.access.roles import AccessConfig
from hub.errors import UserError
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.access_records import StaffSession

SIGN_IN_PURPOSE = "sign-in"
REFUSED = "Sign-in refused: the username, password or code is not right. Try again, or ask an administrator."


def session_file(settings: HubSettings) -> Path:
    return settings.home / "session.json"


def os_account() -> tuple[int, str]:
    """The operating-system account running this process, from the kernel, not from $USER."""
    uid = os.getuid()
    try:
        return uid, pwd.getpwuid(uid).pw_name
    except KeyError:
        return uid, str(uid)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def sign_in_with_password(
    store: HubStore,
    config: AccessConfig,
    username: str,
    password: str,
    code: Callable[[], str],
    *,
    now: datetime,
    attempted_from: str | None = None,
) -> Principal:
    """Check the password (and the TOTP code, where the account has one); a `UserError` otherwise.

    `code` is asked only after the password is right, so the prompt tells nobody which accounts have a
    second factor. Every refusal is audited and counted; too many in a row lock the account for a while.
    `attempted_from` names where the attempt came from in the trail (the web application says `web`);
    by default, the computer account running this process.
    """
    user = store.staff_user(username)
    # Until the sign-in succeeds nobody is proven: the trail names the computer account that tried, and the
    # account tried as the object, so an IG search for a person never shows attempts they did not make.
    actor = f"unverified:{attempted_from or os_account()[1]}"
    good = password_matches(user.password_hash if user else None, password)  # always, so timing tells nothing
    if user is not None and user.locked_until is not None and user.locked_until > now:
        _refuse(store, config, username, actor)
        raise UserError(
            f"This account is locked after too many failed sign-ins, until {user.locked_until:%H:%M} UTC. "
            "Try again then, or ask an administrator."
        )
    if user is None or not good or not user.active:
        _refuse(store, config, username, actor)
        raise UserError(REFUSED)
    method = "password"
    if user.has_totp or config.role(user.role).second_factor == "required":
        secret = store.totp_secret(username)
        if secret is None:
            raise UserError(
                f"The {user.role} role needs a second factor, and this account has none. "
                "Ask an administrator to enrol one (`hub users add --totp`)."
            )
        step = totp_step(secret, code(), now)
        if step is None or not store.claim_totp_step(username, step):
            _refuse(store, config, username, actor)
            raise UserError(REFUSED)
        method = "password+totp"
    return Principal(username, user.role, method, config.role(user.role).restricted_agencies)


def _refuse(store: HubStore, config: AccessConfig, username: str, actor: str) -> None:
    store.record_sign_in_failure(
        username,
        lockout_after=config.sessions.lockout_after,
        lockout_for=config.sessions.lockout_for,
        actor=actor,
        purpose=SIGN_IN_PURPOSE,
    )


def start_session(settings: HubSettings, store: HubStore, config: AccessConfig, principal: Principal) -> StaffSession:
    """Record a session for `principal` and write its token to the session file (0600), replacing any earlier one."""
    end_session(settings, store)
    token = secrets.token_urlsafe(32)
    started = store.start_staff_session(
        _digest(token),
        username=principal.username,
        role=principal.role,
        method=principal.method,
        os_uid=os.getuid(),
        lasts=config.sessions.lasts,
        actor=principal.actor,
        purpose=SIGN_IN_PURPOSE,
    )
    path = session_file(settings)
    temporary = path.with_suffix(".tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"username": principal.username, "token": token}, handle)
    temporary.replace(path)
    return started


def end_session(settings: HubSettings, store: HubStore) -> str | None:
    """End the session in the session file, if any, and delete the file; the username it was for."""
    path = session_file(settings)
    stored = _read_session_file(path)
    path.unlink(missing_ok=True)
    if stored is None:
        return None
    username, token = stored
    store.end_staff_session(_digest(token), actor=f"user:{username}", purpose=SIGN_IN_PURPOSE)
    return username


def current_principal(
    settings: HubSettings, store: HubStore, config: AccessConfig, *, now: datetime | None = None
) -> Principal:
    """The signed-in person, from the session file; a `UserError` saying how to sign in otherwise."""
    now = now or datetime.now(UTC)
    stored = _read_session_file(session_file(settings))
    if stored is None:
        raise UserError("You are not signed in. Sign in with `hub login USERNAME`.")
    username, token = stored
    digest = _digest(token)
    session = store.staff_session(digest)
    problem = _why_not_valid(session, username, now, config)
    if problem is None and session is not None:
        problem = account_problem(store, session)
    if problem is not None:
        raise UserError(f"Your session has ended ({problem}). Sign in again with `hub login {username}`.")
    assert session is not None
    store.touch_staff_session(digest, now)
    return Principal(username, session.role, session.method, config.role(session.role).restricted_agencies)


def _why_not_valid(session: StaffSession | None, username: str, now: datetime, config: AccessConfig) -> str | None:
    if session is None or session.username != username:
        return "it is not known here"
    if session.os_uid != os.getuid():
        return "it belongs to another computer account"
    return lapse(session, now, config)


class Lapsing(Protocol):
    """What decides whether a session (a terminal's or a browser's) has ended: its person, role and times."""

    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def last_used_at(self) -> datetime: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def ended_at(self) -> datetime | None: ...


def lapse(session: Lapsing, now: datetime, config: AccessConfig) -> str | None:
    """Why a session has ended by itself (signed out, too old, idle too long), in words; None if it has not.

    One rule for `hub login` sessions and the web application's, from `sessions` in roles.yaml.
    """
    if session.ended_at is not None:
        return "you signed out"
    if now >= session.expires_at:
        return f"sessions last {_spoken(config.sessions.lasts.total_seconds())}"
    if now - session.last_used_at >= config.sessions.idle:
        return f"it was idle for over {_spoken(config.sessions.idle.total_seconds())}"
    return None


def account_problem(store: HubStore, session: Lapsing) -> str | None:
    """Why a session no longer stands for its account: the account is gone or disabled, or its role changed."""
    user = store.staff_user(session.username)
    if user is None or not user.active or user.role != session.role:
        return "your account or role has changed"
    return None


def _spoken(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minutes"


def _read_session_file(path: Path) -> tuple[str, str] | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict):
        return None
    username, token = document.get("username"), document.get("token")
    if not isinstance(username, str) or not isinstance(token, str) or not token.isascii():
        return None
    return username, token
