"""Referral quality assessments, one per referral: sealed under the referral's key, a few plain columns beside.

A mixin of `HubStore` (see `hub.store.audited` for why the store is put together this way). The
assessment document (its findings in the checklist's words, and the referrer) is sealed like the
referral it belongs to, so shredding a referral's key shreds its assessment too. The plain columns hold
what the per-referrer report needs and nothing of the child: kind and organisation of a professional
referrer (None for a private person), the score and the ids of the items missed.

Each write is audited with the digest of what it wrote (`quality.write`), bound to the log like a
referral: a row deleted, rolled back or swapped is found by the next read and by `hub audit verify`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from hub.audit import AuditAction
from hub.crypto import encrypt, row_aad
from hub.store.audited import AuditedStore
from hub.store.bound_rows import check_written, quality_digest, written
from hub.store.engine import upsert
from hub.store.errors import UnknownReferral
from hub.store.quality_tables import ReferralQualityRow
from hub.store.tables import ReferralRow
from hub.store.unreadable import SealedRecord


@dataclass(frozen=True)
class QualitySummary:
    """An assessment's plain columns: what the per-referrer report reads, without opening anything sealed."""

    referral_id: str
    received_at: datetime
    checklist_version: str
    score: int
    referrer_kind: str
    referrer_organisation: str | None
    gap_ids: tuple[str, ...]

    @classmethod
    def of(cls, row: ReferralQualityRow) -> QualitySummary:
        return cls(
            referral_id=row.referral_id,
            received_at=row.received_at,
            checklist_version=row.checklist_version,
            score=row.score,
            referrer_kind=row.referrer_kind,
            referrer_organisation=row.referrer_organisation,
            gap_ids=tuple(row.gap_ids.split()),
        )


def _digest(summary: QualitySummary, ciphertext: bytes) -> str:
    return quality_digest(
        summary.referral_id,
        summary.checklist_version,
        summary.score,
        summary.referrer_kind,
        summary.referrer_organisation,
        " ".join(summary.gap_ids),
        ciphertext,
    )


def _aad(referral_id: str) -> bytes:
    return row_aad("referral-quality", referral_id)


class QualityRecords(AuditedStore):
    """Writes and reads of referral quality assessments, each audited in its own transaction."""

    def save_quality(self, summary: QualitySummary, document: bytes, *, actor: str, purpose: str) -> None:
        """Store a referral's assessment, replacing an earlier one (a referral submitted again is assessed again).

        The referral must be stored first (`UnknownReferral` otherwise): an assessment is always of a
        referral on record.
        """
        with self._audited(actor, purpose) as (session, access, now):
            referral = session.get(ReferralRow, summary.referral_id)
            if referral is None:
                raise UnknownReferral(summary.referral_id)
            key = self._stored_key(session, referral.key_id)
            ciphertext = encrypt(key, document, _aad(summary.referral_id))
            values = {
                "referral_id": summary.referral_id,
                "received_at": summary.received_at,
                "assessed_at": now,
                "checklist_version": summary.checklist_version,
                "score": summary.score,
                "referrer_kind": summary.referrer_kind,
                "referrer_organisation": summary.referrer_organisation,
                "gap_ids": " ".join(summary.gap_ids),
                "key_id": referral.key_id,
                "ciphertext": ciphertext,
            }
            upsert(session, ReferralQualityRow.__table__, values, ["referral_id"])  # type: ignore[arg-type]
            digest = _digest(summary, ciphertext)
            self._audit(
                session, access, now, AuditAction.QUALITY_WRITE, summary.referral_id, summary.referral_id, digest
            )

    def quality_document(self, referral_id: str, *, actor: str, purpose: str) -> bytes | None:
        """The sealed assessment of one referral, opened (audited `quality.read`); None if it was never assessed.

        Raises `RecordTampered` if the row is not what the audit trail last recorded writing.
        """
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(ReferralQualityRow, referral_id)
            stored = None if row is None else _digest(QualitySummary.of(row), row.ciphertext)
            check_written(
                written(session, referral_id, AuditAction.QUALITY_WRITE), AuditAction.QUALITY_WRITE, referral_id, stored
            )
            if row is None:
                return None
            document = self._open(session, SealedRecord.quality(referral_id), row.key_id, row.ciphertext)
            self._audit(session, access, now, AuditAction.QUALITY_READ, referral_id, referral_id)
        return document

    def quality_summaries(
        self, *, actor: str, purpose: str, received_from: date | None = None, received_to: date | None = None
    ) -> list[QualitySummary]:
        """Every assessment's plain columns, of referrals received from `received_from` to `received_to`
        inclusive (UTC dates), oldest first; audited once as `quality.report` (no referral's content is read)."""
        query = select(ReferralQualityRow).order_by(ReferralQualityRow.received_at, ReferralQualityRow.referral_id)
        if received_from is not None:
            query = query.where(ReferralQualityRow.received_at >= _utc_start(received_from))
        if received_to is not None:
            query = query.where(ReferralQualityRow.received_at < _utc_start(received_to + timedelta(days=1)))
        with self._audited(actor, purpose) as (session, access, now):
            found = [QualitySummary.of(row) for row in session.scalars(query)]
            self._audit(session, access, now, AuditAction.QUALITY_REPORT, "referral_quality", None)
        return found


def _utc_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
