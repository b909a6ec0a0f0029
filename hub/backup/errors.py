"""What a backup or a restore refuses, in one line each: what is wrong, and what to do."""

from __future__ import annotations

from hub.errors import UserError


class BackupError(UserError):
    """A backup or restore could not be done; nothing was left half-written."""


class ArchiveRefused(BackupError):
    """The archive is not a backup this release can restore, or it is corrupt, truncated or altered."""


class HomeNotEmpty(BackupError):
    """The home to restore into already holds data (or keys or witness files of its own)."""


class RestoreCheckFailed(BackupError):
    """The restored copy failed a check (audit trail, records); it was discarded and nothing put in place."""
