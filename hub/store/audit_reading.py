"""`AuditReading`: IG staff search, export and report on the audit trail, and each such reading is audited.

The trail holds ids only, so reading it is not a read of personal data; it is still evidence of who
looked at whose access, so every search, export and report adds an `audit.read` or `audit.export`
event first, and then reads the trail as it stood at that event (its own event is never in the answer).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace

from hub.audit import AuditAction, AuditEvent
from hub.audit.search import AuditQuery
from hub.store import audit_log
from hub.store.audited import AuditedStore

AUDIT_ACTIONS = (AuditAction.AUDIT_READ, AuditAction.AUDIT_EXPORT)


class AuditReading(AuditedStore):
    """Audited reading of the audit trail, streamed."""

    def read_audit_trail(
        self, query: AuditQuery, *, action: AuditAction, actor: str, purpose: str, object_id: str | None = None
    ) -> Generator[AuditEvent, None, None]:
        """Record the reading (`action`; its object id the query's filters unless given), then stream what matches.

        The event is committed before the first row is read, so a reading that is interrupted is on record.
        Rows are fetched in batches; stop iterating (or close the iterator) to stop reading.
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
        return self._stream(replace(query, through_seq=newest))

    def _stream(self, query: AuditQuery) -> Generator[AuditEvent, None, None]:
        with self._sessions() as session:
            yield from audit_log.stream_events(session, query)
