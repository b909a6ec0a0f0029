"""The web application's sessions, sign-in throttle and identity-provider sign-ins in progress.

A mixin of `HubStore` (see `hub.store.audited` for why), beside `AccessRecords`, whose staff accounts
these sessions belong to. Starting and ending a session is audited like a `hub login` session; the
throttle and the sign-ins in progress hold no personal data (digests, random values, usernames and
times), so they are not: a sign-in is audited when it is refused and when its session starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update

from hub.audit import AuditAction
from hub.store.access_records import clear_sign_in_failures
from hub.store.access_tables import (
    SignInThrottleRow,
    WebPendingSignInRow,
    WebReAuthenticationRow,
    WebSessionRow,
    WebSignInFlowRow,
)
from hub.store.audited import AuditedStore
from hub.store.engine import take_write_lock


@dataclass(frozen=True)
class WebSession:
    username: str
    role: str
    method: str
    started_at: datetime
    last_used_at: datetime
    authenticated_at: datetime
    expires_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class SignInFlow:
    """A sign-in through the identity provider, taken on the browser's return: what its answer must match.

    `session_digest` and `return_to` are set when it re-authenticates a session rather than starting one.
    """

    nonce: str
    code_verifier: str
    started_at: datetime
    session_digest: str | None = None
    return_to: str | None = None


@dataclass(frozen=True)
class PendingSignIn:
    """A password proved, waiting for the authenticator code (`WebPendingSignInRow`)."""

    username: str
    session_digest: str | None
    started_at: datetime
    attempts: int


def _web_session(row: WebSessionRow) -> WebSession:
    return WebSession(
        username=row.username,
        role=row.role,
        method=row.method,
        started_at=row.started_at,
        last_used_at=row.last_used_at,
        authenticated_at=row.authenticated_at,
        expires_at=row.expires_at,
        ended_at=row.ended_at,
    )


class WebSessionRecords(AuditedStore):
    """Browser sessions (by token digest), the per-address sign-in throttle, and OIDC sign-ins in progress."""

    def start_web_session(
        self, token_digest: str, *, username: str, role: str, method: str, lasts: timedelta, actor: str, purpose: str
    ) -> WebSession:
        """Record a new browser session (a successful sign-in resets the account's failure count)."""
        with self._audited(actor, purpose) as (session, access, now):
            clear_sign_in_failures(session, username)
            row = WebSessionRow(
                token_digest=token_digest,
                username=username,
                role=role,
                method=method,
                started_at=now,
                last_used_at=now,
                authenticated_at=now,
                expires_at=now + lasts,
                ended_at=None,
            )
            session.add(row)
            self._audit(session, access, now, AuditAction.SESSION_START, username, None)
            return _web_session(row)

    def web_session(self, token_digest: str) -> WebSession | None:
        with self._sessions() as session:
            row = session.get(WebSessionRow, token_digest)
            return None if row is None else _web_session(row)

    def touch_web_session(self, token_digest: str, now: datetime, *, authenticated: bool = False) -> None:
        """Note that the session was just used (its idle timeout runs from here), and, with `authenticated`,
        that the person just proved who they are again. Not personal data: not audited."""
        values = {"last_used_at": now} | ({"authenticated_at": now} if authenticated else {})
        with self._sessions() as session, session.begin():
            session.execute(update(WebSessionRow).where(WebSessionRow.token_digest == token_digest).values(values))

    def end_web_session(self, token_digest: str, *, actor: str, purpose: str) -> bool:
        """End a browser session; False if there was none open by that digest."""
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(WebSessionRow, token_digest)
            if row is None or row.ended_at is not None:
                return False
            row.ended_at = now
            self._audit(session, access, now, AuditAction.SESSION_END, row.username, None)
            return True

    # The per-address throttle

    def sign_in_failures_from(self, address_digest: str, *, window: timedelta, now: datetime) -> int:
        """Failed sign-ins from this address in the window still running (0 once it has passed)."""
        with self._sessions() as session:
            row = session.get(SignInThrottleRow, address_digest)
            if row is None or now - row.window_started_at >= window:
                return 0
            return row.failures

    def count_sign_in_failure_from(self, address_digest: str, *, window: timedelta, now: datetime) -> int:
        """Count one failed sign-in from this address (a new window once the last has passed); the count now."""
        with self._sessions() as session, session.begin():
            take_write_lock(session)
            row = session.get(SignInThrottleRow, address_digest)
            if row is None:
                row = SignInThrottleRow(address_digest=address_digest, window_started_at=now, failures=0)
                session.add(row)
            elif now - row.window_started_at >= window:
                row.window_started_at, row.failures = now, 0
            row.failures += 1
            return row.failures

    # Sign-ins through the identity provider, between the redirect out and the browser's return

    def save_sign_in_flow(
        self,
        state_digest: str,
        *,
        nonce: str,
        code_verifier: str,
        now: datetime,
        re_authenticating: tuple[str, str] | None = None,
    ) -> None:
        """Keep a flow until the browser returns; `re_authenticating` is (session digest, where to go after)."""
        with self._sessions() as session, session.begin():
            session.add(
                WebSignInFlowRow(state_digest=state_digest, nonce=nonce, code_verifier=code_verifier, started_at=now)
            )
            if re_authenticating is not None:
                session_digest, return_to = re_authenticating
                session.add(
                    WebReAuthenticationRow(
                        state_digest=state_digest, session_digest=session_digest, return_to=return_to, started_at=now
                    )
                )

    def take_sign_in_flow(self, state_digest: str, *, max_age: timedelta, now: datetime) -> SignInFlow | None:
        """The sign-in begun at most `max_age` ago under this `state`, used once: it is deleted, with every
        other flow older than that."""
        with self._sessions() as session, session.begin():
            take_write_lock(session)
            row = session.get(WebSignInFlowRow, state_digest)
            again = session.get(WebReAuthenticationRow, state_digest)
            found = None
            if row is not None and now - row.started_at <= max_age:
                found = SignInFlow(
                    row.nonce,
                    row.code_verifier,
                    row.started_at,
                    again.session_digest if again else None,
                    again.return_to if again else None,
                )
            for table in (WebSignInFlowRow, WebReAuthenticationRow):
                session.execute(
                    delete(table).where((table.state_digest == state_digest) | (table.started_at < now - max_age))
                )
            return found

    # Sign-ins whose password was right, waiting for the authenticator code

    def begin_pending_sign_in(
        self,
        token_digest: str,
        *,
        username: str,
        session_digest: str | None,
        started_at: datetime,
        attempts: int = 0,
    ) -> None:
        with self._sessions() as session, session.begin():
            session.add(
                WebPendingSignInRow(
                    token_digest=token_digest,
                    username=username,
                    session_digest=session_digest,
                    started_at=started_at,
                    attempts=attempts,
                )
            )

    def pending_sign_in(self, token_digest: str, *, max_age: timedelta, now: datetime) -> PendingSignIn | None:
        """A pending sign-in begun at most `max_age` ago, left in place (for showing the code page)."""
        with self._sessions() as session:
            row = session.get(WebPendingSignInRow, token_digest)
            return None if row is None or now - row.started_at > max_age else _pending(row)

    def take_pending_sign_in(self, token_digest: str, *, max_age: timedelta, now: datetime) -> PendingSignIn | None:
        """A pending sign-in begun at most `max_age` ago, used once: it is deleted, with every one older."""
        with self._sessions() as session, session.begin():
            take_write_lock(session)
            row = session.get(WebPendingSignInRow, token_digest)
            found = None if row is None or now - row.started_at > max_age else _pending(row)
            session.execute(
                delete(WebPendingSignInRow).where(
                    (WebPendingSignInRow.token_digest == token_digest)
                    | (WebPendingSignInRow.started_at < now - max_age)
                )
            )
            return found


def _pending(row: WebPendingSignInRow) -> PendingSignIn:
    return PendingSignIn(row.username, row.session_digest, row.started_at, row.attempts)
