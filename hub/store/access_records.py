"""Staff accounts, sessions, allocations and break-glass accesses: stored, and every change audited.

A mixin of `HubStore` (see `hub.store.audited` for why). What the rules are (who may do what) is
`hub.access`'s business; this module only keeps the facts those rules are decided on, and writes the
audit event of every change and every refusal in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.orm import Session

from hub.audit import AuditAction
from hub.crypto import encrypt, row_aad
from hub.store import audit_log
from hub.store.access_tables import AllocationRow, BreakGlassRow, StaffSessionRow, StaffUserRow
from hub.store.audited import AuditedStore
from hub.store.engine import take_write_lock
from hub.store.errors import BreakGlassAlreadyReviewed, UnknownBreakGlass, UnknownReferral
from hub.store.keys import data_key, referral_key_id
from hub.store.tables import ReferralChecksRow, ReferralRow
from hub.store.unreadable import SealedRecord, open_sealed
from schemas import ChecksStage

STAFF_KEY_ID = "hub:staff"
"""Seals staff accounts' TOTP secrets."""


@dataclass(frozen=True)
class StaffUser:
    username: str
    role: str
    display_name: str
    password_hash: str | None
    has_totp: bool
    active: bool
    failed_sign_ins: int
    locked_until: datetime | None
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class StaffSession:
    username: str
    role: str
    method: str
    os_uid: int
    started_at: datetime
    last_used_at: datetime
    expires_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class ReferralSummary:
    """What anyone allowed to list referrals sees: ids, RAG, times and who holds it. No personal data."""

    referral_id: str
    rag: str
    received_at: datetime
    allocated_to: str | None
    imported: bool = False
    """Imported history (`hub referral import-history`): the hub did not check the agencies; not live work."""


@dataclass(frozen=True)
class BreakGlass:
    number: int
    referral_id: str
    username: str
    role: str
    reason: str
    opened_at: datetime
    expires_at: datetime
    review: str
    reviewed_by: str | None
    reviewed_at: datetime | None

    def active_at(self, moment: datetime) -> bool:
        return self.opened_at <= moment < self.expires_at


def _user(row: StaffUserRow) -> StaffUser:
    return StaffUser(
        username=row.username,
        role=row.role,
        display_name=row.display_name,
        password_hash=row.password_hash,
        has_totp=row.totp_ciphertext is not None,
        active=row.active,
        failed_sign_ins=row.failed_sign_ins,
        locked_until=row.locked_until,
        created_at=row.created_at,
        created_by=row.created_by,
    )


def _session(row: StaffSessionRow) -> StaffSession:
    return StaffSession(
        username=row.username,
        role=row.role,
        method=row.method,
        os_uid=row.os_uid,
        started_at=row.started_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
        ended_at=row.ended_at,
    )


def _break_glass(row: BreakGlassRow) -> BreakGlass:
    return BreakGlass(
        number=row.number,
        referral_id=row.referral_id,
        username=row.username,
        role=row.role,
        reason=row.reason,
        opened_at=row.opened_at,
        expires_at=row.expires_at,
        review=row.review,
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
    )


def clear_sign_in_failures(session: Session, username: str) -> None:
    """A successful sign-in, at the terminal or in the browser, resets the account's failures and lock."""
    user = session.get(StaffUserRow, username)
    if user is not None:
        user.failed_sign_ins = 0
        user.locked_until = None


class AccessRecords(AuditedStore):
    """The facts access decisions rest on, kept with an audit event for every change."""

    # Staff accounts

    def user_count(self) -> int:
        with self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(StaffUserRow)) or 0)

    def staff_user(self, username: str) -> StaffUser | None:
        with self._sessions() as session:
            row = session.get(StaffUserRow, username)
            return None if row is None else _user(row)

    def staff_users(self) -> list[StaffUser]:
        with self._sessions() as session:
            return [_user(row) for row in session.scalars(select(StaffUserRow).order_by(StaffUserRow.username))]

    def add_staff_user(
        self,
        username: str,
        *,
        role: str,
        display_name: str,
        password_hash: str | None,
        totp_secret: str | None,
        actor: str,
        purpose: str,
        only_if_none: bool = False,
    ) -> bool:
        """Add an account; False if the username is taken (or, with `only_if_none`, if any account exists).

        The check and the insert are one transaction under the write lock, so two first administrators
        cannot both be created.
        """
        with self._audited(actor, purpose) as (session, access, now):
            if session.get(StaffUserRow, username) is not None:
                return False
            if only_if_none and session.scalar(select(func.count()).select_from(StaffUserRow)):
                return False
            row = StaffUserRow(
                username=username,
                role=role,
                display_name=display_name,
                password_hash=password_hash,
                active=True,
                failed_sign_ins=0,
                created_at=now,
                created_by=actor,
            )
            if totp_secret is not None:
                key = data_key(session, self._keyring, STAFF_KEY_ID, now=now)
                row.totp_key_id = STAFF_KEY_ID
                row.totp_ciphertext = encrypt(key, totp_secret.encode("ascii"), row_aad("staff-totp", username))
            session.add(row)
            session.flush()
            self._audit(session, access, now, AuditAction.USER_ADD, username, None)
            return True

    def provider_user(self, issuer: str, subject: str) -> StaffUser | None:
        """The account of the person the identity provider knows as (issuer, subject), if they signed in before."""
        with self._sessions() as session:
            query = select(StaffUserRow).where(StaffUserRow.oidc_issuer == issuer, StaffUserRow.oidc_subject == subject)
            row = session.scalars(query).first()
            return None if row is None else _user(row)

    def record_provider_user(
        self,
        username: str,
        *,
        issuer: str,
        subject: str,
        role: str,
        display_name: str,
        actor: str,
        purpose: str,
    ) -> None:
        """Keep the account record of someone the identity provider vouched for (their role as it now says).

        The record is bound to the provider's (issuer, subject), which never changes; callers look it up by
        those first (`provider_user`), so a renamed person keeps their account and a reassigned username
        never inherits someone else's.
        """
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(StaffUserRow, username)
            if row is None:
                session.add(
                    StaffUserRow(
                        username=username,
                        role=role,
                        display_name=display_name,
                        password_hash=None,
                        oidc_issuer=issuer,
                        oidc_subject=subject,
                        active=True,
                        failed_sign_ins=0,
                        created_at=now,
                        created_by=actor,
                    )
                )
                self._audit(session, access, now, AuditAction.USER_ADD, username, None)
                return
            if (row.oidc_issuer, row.oidc_subject) != (issuer, subject):
                raise ValueError("the account is bound to another identity")  # callers check first
            if (row.role, row.display_name) != (role, display_name):
                row.role, row.display_name = role, display_name
                self._audit(session, access, now, AuditAction.USER_CHANGE, username, None)

    def change_staff_user(
        self, username: str, *, active: bool | None = None, role: str | None = None, actor: str, purpose: str
    ) -> StaffUser | None:
        """Disable, enable or change the role of an account; None if there is no such account.

        A changed role or a disabled account ends the person's sessions at their next command.
        """
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(StaffUserRow, username)
            if row is None:
                return None
            before = (row.active, row.role)
            row.active = row.active if active is None else active
            row.role = row.role if role is None else role
            if (row.active, row.role) != before:
                self._audit(session, access, now, AuditAction.USER_CHANGE, username, None)
            return _user(row)

    def claim_totp_step(self, username: str, step: int) -> bool:
        """Use a TOTP step once: True if it is later than the last one this account used (and now records it)."""
        with self._sessions() as session, session.begin():
            take_write_lock(session)
            claimed: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                update(StaffUserRow)
                .where(
                    StaffUserRow.username == username,
                    (StaffUserRow.totp_last_step.is_(None)) | (StaffUserRow.totp_last_step < step),
                )
                .values(totp_last_step=step)
            )
            return bool(claimed.rowcount)

    def totp_secret(self, username: str) -> str | None:
        """The account's TOTP secret, for checking a code at sign-in (never shown again after enrolment)."""
        with self._sessions() as session:
            row = session.get(StaffUserRow, username)
            if row is None or row.totp_ciphertext is None or row.totp_key_id is None:
                return None
            record = SealedRecord.staff_totp(username)
            return open_sealed(session, self._keyring, record, row.totp_key_id, row.totp_ciphertext).decode("ascii")

    def record_sign_in_failure(
        self, username: str, *, lockout_after: int, lockout_for: timedelta, actor: str, purpose: str
    ) -> None:
        """Count a failed sign-in (and lock the account after too many); audited as a refused session."""
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(StaffUserRow, username)
            if row is not None:
                row.failed_sign_ins += 1
                if row.failed_sign_ins >= lockout_after:
                    row.locked_until = now + lockout_for
                    row.failed_sign_ins = 0
            # An unknown name is not recorded: it may be a password typed into the wrong prompt.
            object_id = username if row is not None else "(unknown account)"
            self._audit(session, access, now, AuditAction.SESSION_REFUSE, object_id, None, outcome="denied")

    # Sessions

    def start_staff_session(
        self,
        token_digest: str,
        *,
        username: str,
        role: str,
        method: str,
        os_uid: int,
        lasts: timedelta,
        actor: str,
        purpose: str,
    ) -> StaffSession:
        """Record a new session (a successful sign-in resets the failure count)."""
        with self._audited(actor, purpose) as (session, access, now):
            clear_sign_in_failures(session, username)
            row = StaffSessionRow(
                token_digest=token_digest,
                username=username,
                role=role,
                method=method,
                os_uid=os_uid,
                started_at=now,
                last_used_at=now,
                expires_at=now + lasts,
                ended_at=None,
            )
            session.add(row)
            self._audit(session, access, now, AuditAction.SESSION_START, username, None)
            return _session(row)

    def staff_session(self, token_digest: str) -> StaffSession | None:
        with self._sessions() as session:
            row = session.get(StaffSessionRow, token_digest)
            return None if row is None else _session(row)

    def touch_staff_session(self, token_digest: str, now: datetime) -> None:
        """Note that the session was just used (its idle timeout runs from here). Not personal data: not audited."""
        with self._sessions() as session, session.begin():
            session.execute(
                update(StaffSessionRow).where(StaffSessionRow.token_digest == token_digest).values(last_used_at=now)
            )

    def end_staff_session(self, token_digest: str, *, actor: str, purpose: str) -> bool:
        """End a session; False if it had already ended."""
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(StaffSessionRow, token_digest)
            if row is None or row.ended_at is not None:
                return False
            row.ended_at = now
            self._audit(session, access, now, AuditAction.SESSION_END, row.username, None)
            return True

    # Allocation

    def allocate(self, referral_id: str, username: str, *, actor: str, purpose: str) -> None:
        """Allocate a referral to a person (replacing any earlier allocation)."""
        with self._audited(actor, purpose) as (session, access, now):
            if session.get(ReferralRow, referral_id) is None:
                raise UnknownReferral(referral_id)
            row = session.get(AllocationRow, referral_id)
            if row is None:
                session.add(
                    AllocationRow(referral_id=referral_id, username=username, allocated_by=actor, allocated_at=now)
                )
            else:
                row.username, row.allocated_by, row.allocated_at = username, actor, now
            self._audit(session, access, now, AuditAction.REFERRAL_ALLOCATE, f"{referral_id}/{username}", referral_id)

    def allocated_to(self, referral_id: str) -> str | None:
        with self._sessions() as session:
            row = session.get(AllocationRow, referral_id)
            return None if row is None else row.username

    def referral_summaries(self, *, history: bool = False) -> list[ReferralSummary]:
        """The live referrals' ids, RAG, time received and allocation, newest first; with `history`, only the
        imported past referrals instead (`ChecksStage.IMPORTED`), which are never live work: no inbox,
        allocation list, caseload or decision queue counts them."""
        imported = ReferralChecksRow.state == ChecksStage.IMPORTED.value
        with self._sessions() as session:
            query = (
                select(ReferralRow.referral_id, ReferralRow.rag, ReferralRow.received_at, AllocationRow.username)
                .outerjoin(AllocationRow, AllocationRow.referral_id == ReferralRow.referral_id)
                .outerjoin(ReferralChecksRow, ReferralChecksRow.referral_id == ReferralRow.referral_id)
                .where(imported if history else or_(ReferralChecksRow.state.is_(None), ~imported))
                .order_by(ReferralRow.received_at.desc(), ReferralRow.referral_id)
            )
            return [ReferralSummary(*row, imported=history) for row in session.execute(query)]

    def referral_summary(self, referral_id: str) -> ReferralSummary | None:
        with self._sessions() as session:
            row = session.get(ReferralRow, referral_id)
            if row is None:
                return None
            allocation = session.get(AllocationRow, referral_id)
            checks = session.get(ReferralChecksRow, referral_id)
            imported = checks is not None and checks.state == ChecksStage.IMPORTED.value
            return ReferralSummary(
                row.referral_id, row.rag, row.received_at, allocation.username if allocation else None, imported
            )

    # Break-glass

    def open_break_glass(
        self, referral_id: str, *, username: str, role: str, reason: str, note: str, lasts: timedelta, actor: str
    ) -> BreakGlass:
        """Record a break-glass access (its note sealed); the audit event's basis names its number."""
        with self._audited(actor, f"break-glass: {reason}") as (session, access, now):
            if session.get(ReferralRow, referral_id) is None:
                raise UnknownReferral(referral_id)
            key_id = referral_key_id(referral_id)
            key = data_key(session, self._keyring, key_id, now=now)
            row = BreakGlassRow(
                referral_id=referral_id,
                username=username,
                role=role,
                reason=reason,
                opened_at=now,
                expires_at=now + lasts,
                key_id=key_id,
                note_ciphertext=b"",
                review="pending",
            )
            session.add(row)
            session.flush()
            row.note_ciphertext = encrypt(key, note.encode("utf-8"), row_aad("break-glass-note", row.number))
            granted = audit_log.Access(
                actor=access.actor,
                purpose=access.purpose,
                lawful_basis=access.lawful_basis,
                role=access.role,
                basis=f"break-glass:{row.number}",
            )
            self._audit(session, granted, now, AuditAction.BREAK_GLASS, str(row.number), referral_id)
            return _break_glass(row)

    def active_break_glass(self, referral_id: str, username: str, moment: datetime) -> BreakGlass | None:
        """The person's break-glass access to this referral that is open at `moment`, if any (latest first)."""
        with self._sessions() as session:
            query = (
                select(BreakGlassRow)
                .where(
                    BreakGlassRow.referral_id == referral_id,
                    BreakGlassRow.username == username,
                    BreakGlassRow.opened_at <= moment,
                    BreakGlassRow.expires_at > moment,
                )
                .order_by(BreakGlassRow.number.desc())
            )
            row = session.scalars(query).first()
            return None if row is None else _break_glass(row)

    def break_glass_accesses(self, *, pending_only: bool = False) -> list[BreakGlass]:
        with self._sessions() as session:
            query = select(BreakGlassRow).order_by(BreakGlassRow.number)
            if pending_only:
                query = query.where(BreakGlassRow.review == "pending")
            return [_break_glass(row) for row in session.scalars(query)]

    def break_glass(self, number: int) -> BreakGlass:
        with self._sessions() as session:
            row = session.get(BreakGlassRow, number)
            if row is None:
                raise UnknownBreakGlass(number)
            return _break_glass(row)

    def break_glass_note(self, number: int, *, actor: str, purpose: str) -> str:
        """The note the person gave when they broke the glass, for whoever reviews it (audited as a read)."""
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(BreakGlassRow, number)
            if row is None:
                raise UnknownBreakGlass(number)
            record = SealedRecord.break_glass_note(number, row.referral_id)
            note = self._open(session, record, row.key_id, row.note_ciphertext)
            self._audit(session, access, now, AuditAction.REFERRAL_READ, f"break-glass/{number}", row.referral_id)
            return note.decode("utf-8")

    def review_break_glass(self, number: int, *, appropriate: bool, note: str, actor: str, purpose: str) -> BreakGlass:
        """Record the review of a break-glass access; once reviewed it stays reviewed."""
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(BreakGlassRow, number)
            if row is None:
                raise UnknownBreakGlass(number)
            if row.review != "pending":
                raise BreakGlassAlreadyReviewed(number, row.review)
            row.review = "appropriate" if appropriate else "inappropriate"
            row.reviewed_by, row.reviewed_at = actor, now
            key = self._stored_key(session, row.key_id)
            row.review_ciphertext = encrypt(key, note.encode("utf-8"), row_aad("break-glass-review", number))
            self._audit(session, access, now, AuditAction.BREAK_GLASS_REVIEW, str(number), row.referral_id)
            return _break_glass(row)

    # Refusals

    def record_refusal(
        self, action: AuditAction, object_id: str, referral_id: str | None, *, actor: str, purpose: str
    ) -> None:
        """Audit an attempt that was refused (outcome `denied`): refusals are evidence too."""
        with self._audited(actor, purpose) as (session, access, now):
            self._audit(session, access, now, action, object_id, referral_id, outcome="denied")
