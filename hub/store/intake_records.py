"""API clients and referral submissions: a mixin of `HubStore` (see `hub.store.audited` for why mixins).

Adding and revoking a client is audited like a staff account (`user.add`, `user.change`, object
`client:<name>`). A submission row says who sent a referral by which channel; it is written in the
transaction that stores the referral, so a referral from a channel never lacks its submitter, and an
identical referral sent again by someone else never becomes theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.audit import AuditAction
from hub.store.audited import AuditedStore
from hub.store.intake_tables import ApiClientRow, ReferralSubmissionRow

CLIENT_PREFIX = "client:"
"""Actors of API clients in the audit trail: `client:<name>`."""


@dataclass(frozen=True)
class ApiClient:
    """A partner system as the hub knows it (the key's hash stays in the store)."""

    name: str
    role: str
    key_id: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None

    @property
    def actor(self) -> str:
        return f"{CLIENT_PREFIX}{self.name}"


@dataclass(frozen=True)
class Submission:
    """Who submitted a referral, through which channel, and when."""

    referral_id: str
    submitter: str
    channel: str
    submitted_at: datetime


def _client(row: ApiClientRow) -> ApiClient:
    return ApiClient(row.name, row.role, row.key_id, row.created_at, row.created_by, row.revoked_at)


def _submission(row: ReferralSubmissionRow) -> Submission:
    return Submission(row.referral_id, row.submitter, row.channel, row.submitted_at)


class IntakeRecords(AuditedStore):
    """Partner systems' API clients, and who submitted each referral."""

    def add_api_client(self, name: str, *, role: str, key_id: str, key_hash: str, actor: str, purpose: str) -> bool:
        """Add a client; False if the name is taken (a revoked client's name too: names stay unique in the trail)."""
        with self._audited(actor, purpose) as (session, access, now):
            if session.get(ApiClientRow, name) is not None:
                return False
            row = ApiClientRow(name=name, role=role, key_id=key_id, key_hash=key_hash, created_at=now, created_by=actor)
            session.add(row)
            session.flush()
            self._audit(session, access, now, AuditAction.USER_ADD, f"{CLIENT_PREFIX}{name}", None)
            return True

    def api_clients(self) -> list[ApiClient]:
        with self._sessions() as session:
            return [_client(row) for row in session.scalars(select(ApiClientRow).order_by(ApiClientRow.name))]

    def api_client_key(self, key_id: str) -> tuple[ApiClient, str] | None:
        """The client whose key has this public id, and the key's hash; None if there is none."""
        with self._sessions() as session:
            row = session.scalars(select(ApiClientRow).where(ApiClientRow.key_id == key_id)).first()
            return None if row is None else (_client(row), row.key_hash)

    def revoke_api_client(self, name: str, *, actor: str, purpose: str) -> bool:
        """Revoke a client's key at once; False if there is no such client or it was revoked already."""
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(ApiClientRow, name)
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = now
            self._audit(session, access, now, AuditAction.USER_CHANGE, f"{CLIENT_PREFIX}{name}", None)
            return True

    @staticmethod
    def _note_submission(session: Session, referral_id: str, submitter: str, channel: str, now: datetime) -> None:
        """Note who submitted a referral just stored, in the transaction that stores it (`save_referral`)."""
        session.add(
            ReferralSubmissionRow(referral_id=referral_id, submitter=submitter, channel=channel, submitted_at=now)
        )

    def submission(self, referral_id: str) -> Submission | None:
        with self._sessions() as session:
            row = session.get(ReferralSubmissionRow, referral_id)
            return None if row is None else _submission(row)

    def submissions_by(self, submitter: str) -> list[Submission]:
        """A submitter's referrals, newest first: ids, channel and time only."""
        query = (
            select(ReferralSubmissionRow)
            .where(ReferralSubmissionRow.submitter == submitter)
            .order_by(ReferralSubmissionRow.submitted_at.desc(), ReferralSubmissionRow.referral_id)
        )
        with self._sessions() as session:
            return [_submission(row) for row in session.scalars(query)]

    def note_status_read(self, referral_id: str, *, actor: str, purpose: str) -> None:
        """Audit a submitter reading their referral's progress (`referral.read`; ids and states only were read)."""
        with self._audited(actor, purpose) as (session, access, now):
            self._audit(session, access, now, AuditAction.REFERRAL_READ, referral_id, referral_id)
