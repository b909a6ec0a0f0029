"""`hub backup` and `hub restore`: the database, the keys and the audit witness files, for operators.

Operator commands: they need access to `$HUB_HOME` (and its database), not a staff sign-in, because a
restore runs before any account exists and a backup runs from the operators' scheduler. Both are
recorded in the audit trail as `service:backup`. docs/deployment.md ("Backup and restore") is the runbook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import console, reaching_database, shown_database_url
from hub.settings import HubSettings

BACKUPS_FOLDER = "backups"


def _say(line: str) -> None:
    console.print(line, markup=False, highlight=False, soft_wrap=True)


def _size(path: Path) -> str:
    size = float(path.stat().st_size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return ""  # unreachable


def backup(
    to: Annotated[
        Path | None,
        typer.Option(
            "--to",
            help="The folder to write the archive in (default: $HUB_HOME/backups). Copy it off this machine.",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Back up the database, the keys and the audit witness files into one owner-only archive (.tar).

    The hub may keep running: the rows are one consistent snapshot. The backup is recorded in the audit
    trail. With the local key provider the archive holds the keys themselves: store it as you store them.
    """
    from hub.backup import create_backup

    settings = HubSettings.from_env()
    folder = (to or settings.home / BACKUPS_FOLDER).expanduser().absolute()
    _say(f"Backing up MASH Hub (HUB_HOME {settings.home}, database {shown_database_url(settings.database_url)}) ...")
    with reaching_database(settings.database_url):
        made = create_backup(settings, folder, progress=_say)
    manifest = made.manifest
    _say(
        f"Backup written: {made.path} ({_size(made.path)}; {manifest.row_count():,} rows in "
        f"{len(manifest.tables)} tables, schema revision {manifest.alembic_revision}; owner-only, 0600)."
    )
    _say(f"SHA-256 {made.sha256}: note it down apart from the backup, to check the copy you restore from.")
    keys = manifest.keys
    if keys.in_archive:
        _say(
            "Keys: this backup HOLDS THE KEYS (local key provider: key-encryption keys, retention epoch secrets, "
            "the audit signing key). Anyone who has the file can read every record: keep it encrypted and "
            "access-controlled, as you keep the keys, off this machine."
        )
    else:
        versions = ", ".join(map(str, keys.versions)) or "none"
        _say(
            f"Keys: the key-encryption keys stay in the HSM ({keys.where}; KEK versions {versions}). A restore "
            "needs that token. The archive holds the audit signing key: keep it access-controlled."
        )


def restore(
    archive: Annotated[Path, typer.Argument(help="The backup's .tar file (from `hub backup`).", dir_okay=False)],
) -> None:
    """Restore a backup into an empty home: every checksum is checked first, then the restored audit trail
    and every record, before anything is put in place. A home that holds data is refused."""
    from hub.backup import restore_backup

    settings = HubSettings.from_env()
    with reaching_database(settings.database_url):
        restored = restore_backup(archive.expanduser().absolute(), settings, progress=_say)
    manifest = restored.manifest
    _say(
        f"Restored {manifest.name} into HUB_HOME {settings.home} "
        f"(database {shown_database_url(settings.database_url)}): "
        f"{manifest.row_count():,} rows in {len(manifest.tables)} tables."
    )
    if restored.upgraded_from is not None:
        made_at = manifest.alembic_revision or "of the release before migrations"
        _say(f"  The backup's schema (revision {made_at}) was upgraded to this release's.")
    _say(f"  Audit trail intact: {restored.audit.events_checked:,} events, and this restore is recorded in it.")
    records = restored.records
    _say(f"  Every record opens: {restored.opened:,} records under {records.keys:,} data keys.")
    if records.shredded or restored.shredded:
        _say(
            f"  {len(records.shredded):,} data keys were destroyed under the retention schedule after this backup "
            f"was made: their {restored.shredded:,} records can never be read again, and `hub retention run` "
            "deletes them."
        )
    if restored.witness_copy_skipped:
        _say(
            "  The backup holds a copy of the audit witness, but HUB_AUDIT_WITNESS_COPY is not set here, so it was "
            "not put back: set it and copy the file from the archive (audit/witness-copy.log) if you keep one."
        )
    _say(
        "Next, before staff use the hub: an IG officer runs `hub retention run`, so records that fell due or were "
        "destroyed since the backup was made are destroyed again; then start the hub (docs/deployment.md)."
    )
