"""The backup's own audit events: a backup made, a backup restored (`hub.backup`).

A backup is a copy of every record, so it is recorded like any other access to them: who (the
operator's service actor), when, and which archive (its name: a timestamp, nothing personal). The
event is written before the snapshot is taken, so the backup holds the record of its own making.
"""

from __future__ import annotations

from hub.audit import AuditAction
from hub.store.audited import AuditedStore

BACKUP_ACTIONS = (AuditAction.BACKUP_CREATE, AuditAction.BACKUP_RESTORE)


class BackupRecords(AuditedStore):
    def record_backup_event(self, action: AuditAction, archive_name: str, *, actor: str, purpose: str) -> None:
        """One audit event naming the archive, in its own audited transaction."""
        if action not in BACKUP_ACTIONS:
            raise ValueError(f"{action} is not a backup action")
        with self._audited(actor, purpose) as (session, access, now):
            self._audit(session, access, now, action, archive_name, None)
