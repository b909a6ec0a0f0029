"""Agency replies and the raw exchanges they were read from, sealed under their referral's data key.

A mixin of `HubStore` (see `hub.store.audited` for why the store is put together this way). A reply
replaces any earlier one for the same referral, agency and subject, so re-running a check never
duplicates it; its recording is kept beside it, so a reply can be normalised again or inspected.
"""

from __future__ import annotations

from sqlalchemy import select

from connectors.sdk.recording import Recording
from hub.audit import AuditAction
from hub.crypto import encrypt, row_aad
from hub.store.audited import AuditedStore
from hub.store.bound_rows import check_all_written, check_written, reply_digest, reply_object_id, written
from hub.store.check_ledger import bump_revision, write_progress
from hub.store.engine import upsert
from hub.store.errors import UnknownReferral
from hub.store.tables import AgencyRecordingRow, AgencyReplyRow, ReferralRow
from hub.store.unreadable import SealedRecord
from schemas import AgencyReply, CheckProgress

DEFAULT_REPLY_PURPOSE = "MASH agency check"


class ReplyRecords(AuditedStore):
    """Writes and reads of agency replies and their recordings, each audited in its own transaction."""

    def save_reply(
        self,
        reply: AgencyReply,
        *,
        actor: str,
        purpose: str = DEFAULT_REPLY_PURPOSE,
        recording: Recording | None = None,
        lawful_basis: str | None = None,
        progress: CheckProgress | None = None,
    ) -> bool:
        """Store one agency's reply about one subject, replacing any earlier one (re-runs never duplicate).

        `recording`, the raw exchanges the reply was read from, is stored beside it in the same
        transaction; without one, an earlier recording is kept (re-normalising writes no new one).
        `lawful_basis` is the agency's, from its registry entry, recorded on the audit event.
        `progress` is the check's place in the ledger, written in the same transaction: if a newer
        attempt of the same check is already on record, nothing is written and False is returned.
        """
        object_id = f"{reply.referral_id}/{reply.agency}/{reply.subject_id}"
        with self._audited(actor, purpose, lawful_basis) as (session, access, now):
            referral = session.get(ReferralRow, reply.referral_id)
            if referral is None:
                raise UnknownReferral(reply.referral_id)
            if progress is not None and not write_progress(session, reply.referral_id, progress, now):
                return False
            key = self._stored_key(session, referral.key_id)
            aad = row_aad("reply", reply.referral_id, reply.agency, reply.subject_id)
            ciphertext = encrypt(key, reply.model_dump_json().encode("utf-8"), aad)
            values = {
                "referral_id": reply.referral_id,
                "agency": reply.agency,
                "subject_id": reply.subject_id,
                "status": reply.status.value,
                "requested_at": reply.requested_at,
                "completed_at": reply.completed_at,
                "record_count": len(reply.entries),
                "error_code": reply.error_code,
                "key_id": referral.key_id,
                "ciphertext": ciphertext,
            }
            keys = ["referral_id", "agency", "subject_id"]
            upsert(session, AgencyReplyRow.__table__, values, keys)  # type: ignore[arg-type]
            digest = reply_digest(
                reply.referral_id,
                reply.agency,
                reply.subject_id,
                reply.status.value,
                len(reply.entries),
                reply.error_code,
                ciphertext,
            )
            bump_revision(session, reply.referral_id)
            if recording is not None:
                sealed = encrypt(key, recording.to_bytes(), row_aad("recording", *object_id.split("/")))
                recorded = {
                    **{name: values[name] for name in keys},
                    "connector": recording.connector,
                    "exchange_count": len(recording.exchanges),
                    "key_id": referral.key_id,
                    "ciphertext": sealed,
                }
                upsert(session, AgencyRecordingRow.__table__, recorded, keys)  # type: ignore[arg-type]
            self._audit(session, access, now, AuditAction.REPLY_WRITE, object_id, reply.referral_id, digest)
        return True

    def load_recording(
        self, referral_id: str, agency: str, subject_id: str, *, actor: str, purpose: str
    ) -> Recording | None:
        """The raw exchanges behind a stored reply (None if it has none), for re-normalising or inspection."""
        object_id = f"{referral_id}/{agency}/{subject_id}"
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(AgencyRecordingRow, (referral_id, agency, subject_id))
            document = (
                None
                if row is None
                else self._open(
                    session, SealedRecord.recording(referral_id, agency, subject_id), row.key_id, row.ciphertext
                )
            )
            self._audit(session, access, now, AuditAction.RECORDING_READ, object_id, referral_id)
        return None if document is None else Recording.from_bytes(document)

    def recorded_checks(self, agency: str, referral_id: str | None = None) -> list[tuple[str, str]]:
        """(referral id, subject id) of every stored recording for an agency: ids only, nothing decrypted."""
        query = select(AgencyRecordingRow.referral_id, AgencyRecordingRow.subject_id).where(
            AgencyRecordingRow.agency == agency
        )
        if referral_id is not None:
            query = query.where(AgencyRecordingRow.referral_id == referral_id)
        with self._sessions() as session:
            rows = session.execute(query.order_by(AgencyRecordingRow.referral_id, AgencyRecordingRow.subject_id))
            return [(row.referral_id, row.subject_id) for row in rows]

    def load_reply(
        self, referral_id: str, agency: str, subject_id: str, *, actor: str, purpose: str
    ) -> AgencyReply | None:
        """One agency's stored reply about one subject (None if none is stored): what a reviewer needs, no more.

        Checked against the audit trail's record of writing it, as `load_replies` checks every reply.
        """
        object_id = reply_object_id(referral_id, agency, subject_id)
        with self._audited(actor, purpose) as (session, access, now):
            if session.get(ReferralRow, referral_id) is None:
                raise UnknownReferral(referral_id)
            row = session.get(AgencyReplyRow, (referral_id, agency, subject_id))
            digest = (
                None
                if row is None
                else reply_digest(
                    row.referral_id, row.agency, row.subject_id, row.status, row.record_count, row.error_code,
                    row.ciphertext,
                )
            )  # fmt: skip
            check_written(
                written(session, referral_id, AuditAction.REPLY_WRITE), AuditAction.REPLY_WRITE, object_id, digest
            )
            document = (
                None
                if row is None
                else self._open(
                    session, SealedRecord.reply(referral_id, agency, subject_id), row.key_id, row.ciphertext
                )
            )
            self._audit(session, access, now, AuditAction.REPLIES_READ, object_id, referral_id)
        return None if document is None else AgencyReply.model_validate_json(document)

    def load_replies(self, referral_id: str, *, actor: str, purpose: str) -> list[AgencyReply]:
        """Every stored reply for a referral, ordered by agency then subject."""
        with self._audited(actor, purpose) as (session, access, now):
            if session.get(ReferralRow, referral_id) is None:
                raise UnknownReferral(referral_id)
            rows = session.scalars(
                select(AgencyReplyRow)
                .where(AgencyReplyRow.referral_id == referral_id)
                .order_by(AgencyReplyRow.agency, AgencyReplyRow.subject_id)
            ).all()
            stored = {
                reply_object_id(row.referral_id, row.agency, row.subject_id): reply_digest(
                    row.referral_id,
                    row.agency,
                    row.subject_id,
                    row.status,
                    row.record_count,
                    row.error_code,
                    row.ciphertext,
                )
                for row in rows
            }
            check_all_written(written(session, referral_id, AuditAction.REPLY_WRITE), AuditAction.REPLY_WRITE, stored)
            documents = [
                self._open(
                    session, SealedRecord.reply(row.referral_id, row.agency, row.subject_id), row.key_id, row.ciphertext
                )
                for row in rows
            ]
            self._audit(session, access, now, AuditAction.REPLIES_READ, referral_id, referral_id)
        return [AgencyReply.model_validate_json(document) for document in documents]
