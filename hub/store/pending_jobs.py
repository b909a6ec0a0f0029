"""Asynchronous agencies' pending jobs and pushed replies: `connectors.sdk.jobs.JobBook`, in the database.

A mixin of `HubStore` (see `hub.store.audited` for why the store is put together this way), plus the
per-check book the transport writes to. A job row holds ids, the agency's opaque job URL and a
callback token, never personal data, so it is written without an audit event. A reply an agency
pushes to the hub's callback endpoint is personal data: it is sealed under the referral's data key
and its receipt and every read are audited. The first delivery for a token is kept; copies are
acknowledged and dropped, so a reply delivered twice is stored once.
"""

from __future__ import annotations

from datetime import datetime
from http import HTTPStatus

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import sessionmaker

from connectors.sdk.callbacks import CALLBACK_PATH, Delivery
from connectors.sdk.jobs import PendingJob
from hub.audit import AuditAction
from hub.crypto import encrypt, row_aad
from hub.store.audited import AuditedStore
from hub.store.engine import upsert
from hub.store.tables import CallbackDeliveryRow, PendingJobRow, ReferralRow
from hub.store.unreadable import SealedRecord

AGENCY_PURPOSE = "MASH agency check"


def _aad(token: str) -> bytes:
    return row_aad("callback", token)


class CallbackDeliveries(AuditedStore):
    """Replies agencies push to the hub's one callback endpoint (`hub.runtime.callbacks`)."""

    def record_callback(self, token: str, delivery: Delivery) -> HTTPStatus:
        """Keep the first delivery for a token the hub handed out: 200 (kept or a copy), 404 (unknown)."""
        with self._sessions() as session:
            job = session.scalars(select(PendingJobRow).where(PendingJobRow.token == token)).first()
        if job is None:
            return HTTPStatus.NOT_FOUND
        with self._audited(f"agency:{job.agency}", AGENCY_PURPOSE) as (session, access, now):
            if session.get(CallbackDeliveryRow, token) is not None:
                return HTTPStatus.OK  # a copy: acknowledged, not kept
            referral = session.get(ReferralRow, job.referral_id)
            if referral is None:
                return HTTPStatus.NOT_FOUND
            key = self._stored_key(session, referral.key_id)
            session.add(
                CallbackDeliveryRow(
                    token=token,
                    referral_id=job.referral_id,
                    agency=job.agency,
                    subject_id=job.subject_id,
                    status=delivery.status,
                    media_type=delivery.media_type,
                    request_id=delivery.request_id,
                    received_at=now,
                    key_id=referral.key_id,
                    ciphertext=encrypt(key, delivery.body, _aad(token)),
                )
            )
            object_id = f"{job.referral_id}/{job.agency}/{job.subject_id}"
            self._audit(session, access, now, AuditAction.CALLBACK_RECEIVE, object_id, job.referral_id)
        return HTTPStatus.OK

    def load_callback(self, token: str, *, actor: str, purpose: str) -> Delivery | None:
        """The reply pushed for a token, if it has arrived (an audited read)."""
        with self._sessions() as session:
            if session.get(CallbackDeliveryRow, token) is None:
                return None
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(CallbackDeliveryRow, token)
            if row is None:
                return None
            record = SealedRecord.callback(token, row.referral_id, row.agency, row.subject_id)
            body = self._open(session, record, row.key_id, row.ciphertext)
            object_id = f"{row.referral_id}/{row.agency}/{row.subject_id}"
            self._audit(session, access, now, AuditAction.CALLBACK_READ, object_id, row.referral_id)
            return Delivery(row.status, row.media_type, body, row.request_id)

    def callbacks_received_since(self, moment: datetime) -> int:
        """How many replies were pushed since a moment (ids only; for tests and operators)."""
        with self._sessions() as session:
            rows = session.scalars(select(CallbackDeliveryRow.token).where(CallbackDeliveryRow.received_at >= moment))
            return len(list(rows))


class StoredJobBook:
    """One check's pending jobs (referral, agency, subject): `connectors.sdk.jobs.JobBook` on the hub's store."""

    def __init__(
        self,
        store: CallbackDeliveries,
        referral_id: str,
        agency: str,
        subject_id: str,
        *,
        actor: str,
        callback_base: str | None = None,
    ) -> None:
        self._store = store
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)
        self._check = {"referral_id": referral_id, "agency": agency, "subject_id": subject_id}
        self._actor = actor
        self._callback_base = callback_base.rstrip("/") if callback_base else None

    def pending(self, request_key: str) -> PendingJob | None:
        with self._sessions() as session:
            row = session.get(PendingJobRow, (*self._check.values(), request_key))
            if row is None:
                return None
            return PendingJob(row.request_key, row.location, row.request_id, row.accepted_at, row.poll_after, row.token)

    def accepted(self, job: PendingJob) -> None:
        values = {
            **self._check,
            "request_key": job.request_key,
            "location": job.location,
            "request_id": job.request_id,
            "accepted_at": job.accepted_at,
            "poll_after": job.poll_after,
            "token": job.token,
        }
        with self._sessions() as session, session.begin():
            upsert(session, PendingJobRow.__table__, values, [*self._check, "request_key"])  # type: ignore[arg-type]

    def settled(self, request_key: str) -> None:
        with self._sessions() as session, session.begin():
            session.execute(delete(PendingJobRow).where(*self._where(), PendingJobRow.request_key == request_key))

    def callback_url(self, token: str) -> str | None:
        return f"{self._callback_base}{CALLBACK_PATH}{token}" if self._callback_base else None

    def delivered(self, job: PendingJob) -> Delivery | None:
        if job.token is None:
            return None
        return self._store.load_callback(job.token, actor=self._actor, purpose=AGENCY_PURPOSE)

    def forget_all(self) -> None:
        """Drop every pending job of this check, and what was pushed for them (the check has its answer)."""
        with self._sessions() as session, session.begin():
            tokens = [token for token in session.scalars(select(PendingJobRow.token).where(*self._where())) if token]
            if tokens:
                session.execute(delete(CallbackDeliveryRow).where(CallbackDeliveryRow.token.in_(tokens)))
            session.execute(delete(PendingJobRow).where(*self._where()))

    def _where(self) -> list[ColumnElement[bool]]:
        return [
            PendingJobRow.referral_id == self._check["referral_id"],
            PendingJobRow.agency == self._check["agency"],
            PendingJobRow.subject_id == self._check["subject_id"],
        ]
