"""`AuditReading`: IG staff search, export and report on the audit trail, and each such reading is audited.

The trail holds ids only, so reading it is not a read of personal data; it is still evidence of who
looked at whose access, so every search, export and report adds an `audit.read` or `audit.export`
event first, and then reads the trail as it stood at that event (its own event is never in the answer).
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select

from hub.audit import AuditAction, AuditEvent
from hub.audit.reports import IgReport, VolumeThresholds, ig_report
from hub.audit.search import AuditQuery
from hub.deadlines.calendar import WorkingCalendar
from hub.store import audit_log
from hub.store.access_tables import BreakGlassRow
from hub.store.audited import AuditedStore
from hub.store.errors import UnknownBreakGlass
from hub.store.tables import AuditCheckpointRow
from hub.store.unreadable import SealedRecord

AUDIT_ACTIONS = (AuditAction.AUDIT_READ, AuditAction.AUDIT_EXPORT)


@dataclass(frozen=True)
class NewestCheckpoint:
    """The newest signed checkpoint as stored: how many events it covers and when it was signed (unverified)."""

    tree_size: int
    signed_at: datetime


class AuditReading(AuditedStore):
    """Audited reading of the audit trail, streamed."""

    def read_audit_trail(
        self,
        query: AuditQuery,
        *,
        action: AuditAction,
        actor: str,
        purpose: str,
        object_id: str | None = None,
        newest_first: bool = False,
    ) -> Generator[AuditEvent, None, None]:
        """Record the reading (`action`; its object id the query's filters unless given), then stream what matches.

        The event is committed before the first row is read, so a reading that is interrupted is on record.
        Rows are fetched in batches; stop iterating (or close the iterator) to stop reading. `newest_first`
        is for a page of the latest events (the web's search), which would otherwise read the whole trail.
        """
        if action not in AUDIT_ACTIONS:
            raise ValueError(f"reading the audit trail is recorded as {' or '.join(AUDIT_ACTIONS)}, not {action}")
        with self._audited(actor, purpose) as (session, access, now):
            recorded = audit_log.append(
                session,
                access,
                action=action,
                object_id=object_id or query.describe(),
                referral_id=query.referral_id,
                occurred_at=now,
            )
        newest = recorded.seq - 1 if query.through_seq is None else min(query.through_seq, recorded.seq - 1)
        return self._stream(replace(query, through_seq=newest), newest_first=newest_first)

    def _stream(self, query: AuditQuery, *, newest_first: bool) -> Generator[AuditEvent, None, None]:
        with self._sessions() as session:
            yield from audit_log.stream_events(session, query, newest_first=newest_first)

    def ig_report(
        self,
        window: AuditQuery,
        *,
        actor: str,
        purpose: str,
        calendar: WorkingCalendar,
        thresholds: VolumeThresholds,
    ) -> IgReport:
        """The IG report for `window`'s days (its `since` and `until`), recorded as `actor`'s read of the trail.

        The trail is read from `since` to now, so a break-glass reviewed after `until` is not listed as
        pending. One definition for `hub audit report` and the web's reports page, so their figures agree.
        """
        events = self.read_audit_trail(
            AuditQuery(since=window.since),
            action=AuditAction.AUDIT_READ,
            actor=actor,
            purpose=purpose,
            object_id=f"report;{window.describe()}",
        )
        with closing(events):
            return ig_report(events, calendar=calendar, since=window.since, until=window.until, thresholds=thresholds)

    def break_glass_review_note(self, number: int, *, actor: str, purpose: str) -> str | None:
        """The reviewer's note on a decided break-glass access (None while pending), audited as a read.

        The note is sealed under the referral's key like the person's own note, so reading it is recorded
        the same way (`referral.read` of `break-glass/<n>/review`).
        """
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(BreakGlassRow, number)
            if row is None:
                raise UnknownBreakGlass(number)
            if row.review_ciphertext is None:
                return None
            record = SealedRecord.break_glass_review(number, row.referral_id)
            note = self._open(session, record, row.key_id, row.review_ciphertext)
            self._audit(
                session, access, now, AuditAction.REFERRAL_READ, f"break-glass/{number}/review", row.referral_id
            )
            return note.decode("utf-8")

    def newest_checkpoint(self) -> NewestCheckpoint | None:
        """The newest signed checkpoint's size and signing time, as stored (`verify_audit_trail` checks it)."""
        with self._sessions() as session:
            statement = select(AuditCheckpointRow).order_by(AuditCheckpointRow.tree_size.desc()).limit(1)
            row = session.scalars(statement).first()
            return None if row is None else NewestCheckpoint(row.tree_size, row.signed_at)
