"""Backup and restore of a hub: its database, keys and audit witness files (docs/deployment.md, "Backup and restore").

Thin public module: import from here.
"""

from hub.backup.create import BackupMade, create_backup
from hub.backup.errors import ArchiveRefused, BackupError, HomeNotEmpty, RestoreCheckFailed
from hub.backup.restore import Restored, restore_backup

__all__ = [
    "ArchiveRefused",
    "BackupError",
    "BackupMade",
    "HomeNotEmpty",
    "RestoreCheckFailed",
    "Restored",
    "create_backup",
    "restore_backup",
]
