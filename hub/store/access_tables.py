"""Tables for accountable access: staff accounts, their sessions, allocations and break-glass accesses.

No content of any referral lives here: usernames, roles, ids, codes and times. Secrets are never kept
in plaintext: a password as its argon2id hash, a session as a SHA-256 digest of its token, a TOTP
secret and any free text sealed under a data key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.tables import DIGEST, ID, Base, UtcDateTime

USERNAME = String(64)


class StaffUserRow(Base):
    """A local staff account, or the record of a person who signed in through the council's identity provider."""

    __tablename__ = "staff_users"

    username: Mapped[str] = mapped_column(USERNAME, primary_key=True)
    role: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    """argon2id, in its self-describing PHC string; None for an account that signs in only through OIDC."""
    totp_key_id: Mapped[str | None] = mapped_column(ForeignKey("data_keys.key_id"))
    totp_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    """The last TOTP time step accepted: a code is good once, and never one older than the last."""
    oidc_issuer: Mapped[str | None] = mapped_column(String(300))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    """For someone who signs in through the identity provider: who it says they are, which never changes
    (a username can be renamed or reassigned)."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(128))


class StaffSessionRow(Base):
    """A signed-in session. The token itself is only in the holder's session file; here is its digest."""

    __tablename__ = "staff_sessions"

    token_digest: Mapped[str] = mapped_column(DIGEST, primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("staff_users.username"), index=True)
    role: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(32))
    """How the person proved who they are: `password`, `password+totp` or `oidc`."""
    os_uid: Mapped[int] = mapped_column(Integer)
    """The operating-system account that signed in: a session file copied to another account is refused."""
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AllocationRow(Base):
    """Who a referral is allocated to now (one practitioner; a manager reallocates by allocating again)."""

    __tablename__ = "allocations"

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.referral_id"), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("staff_users.username"))
    allocated_by: Mapped[str] = mapped_column(String(128))
    allocated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class BreakGlassRow(Base):
    """A break-glass access: who opened which referral, for which reason, until when, and its review.

    The note and the reviewer's note are free text a person wrote, so they are sealed under the referral's key.
    """

    __tablename__ = "break_glass"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.referral_id"), index=True)
    username: Mapped[str] = mapped_column(ForeignKey("staff_users.username"), index=True)
    role: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(ID)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.key_id"))
    note_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    review: Mapped[str] = mapped_column(String(16), index=True)
    """`pending`, `appropriate` or `inappropriate`."""
    reviewed_by: Mapped[str | None] = mapped_column(String(128))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    review_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)


class WebSessionRow(Base):
    """A browser session of the web application: like `StaffSessionRow`, but held in a cookie, not a file.

    The token itself is only in the person's cookie; here is its digest. `authenticated_at` is when the
    person last proved who they are (signing in, or again before break-glass: `re_authenticate`).
    """

    __tablename__ = "web_sessions"

    token_digest: Mapped[str] = mapped_column(DIGEST, primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("staff_users.username"), index=True)
    role: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime] = mapped_column(UtcDateTime())
    authenticated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SignInThrottleRow(Base):
    """Failed web sign-ins from one client address in the current window (the address kept only as a digest).

    The account lock-out (`StaffUserRow.failed_sign_ins`) stops guessing one account's password; this stops
    one address trying a password against many accounts.
    """

    __tablename__ = "sign_in_throttle"

    address_digest: Mapped[str] = mapped_column(DIGEST, primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    failures: Mapped[int] = mapped_column(Integer, default=0)


class WebSignInFlowRow(Base):
    """A sign-in through the identity provider in progress: what the browser's return must match.

    Keyed by the digest of `state`; holds the nonce and the PKCE verifier for at most a few minutes (they
    are worthless without the authorization code, which never reaches the database).
    """

    __tablename__ = "web_sign_in_flows"

    state_digest: Mapped[str] = mapped_column(DIGEST, primary_key=True)
    nonce: Mapped[str] = mapped_column(String(128))
    code_verifier: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebReAuthenticationRow(Base):
    """A re-authentication at the identity provider in progress: beside its `WebSignInFlowRow` (same `state`),
    which browser session it is for and where to go once it has passed.

    The provider's redirect back is a navigation another site began, so it carries no SameSite=Strict session
    cookie: the session is found from here instead.
    """

    __tablename__ = "web_re_authentications"

    state_digest: Mapped[str] = mapped_column(DIGEST, primary_key=True)
    session_digest: Mapped[str] = mapped_column(DIGEST)
    return_to: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebPendingSignInRow(Base):
    """A sign-in (or a re-authentication) whose password was right, waiting for the authenticator code.

    Not a session: it opens nothing. Keyed by the digest of a random token in the browser's cookie, used
    once (each code attempt takes it; a wrong code gets a new token, with the same start and one more
    attempt), and worthless after a few minutes. `session_digest` is the session re-authenticating, if any.
    """

    __tablename__ = "web_pending_sign_ins"

    token_digest: Mapped[str] = mapped_column(DIGEST, primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("staff_users.username"))
    session_digest: Mapped[str | None] = mapped_column(DIGEST)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
