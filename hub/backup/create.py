"""`hub backup`: the database, the keys and the audit witness files, as one consistent owner-only archive.

In this order, each step for a reason:
1. the `backup.create` audit event is written, so the backup holds the record of its own making;
2. under the hub's write lock, a read snapshot of the database is taken, the key files are copied and the
   witness files are caught up to the snapshot (`hub.backup.snapshot` says why each must be then);
3. the lock is let go; the witness files are copied as long as they were, and every table's rows are
   read from the snapshot, in foreign-key order;
4. the manifest (checksums, row counts, schema revision, key provider) is written and the archive packed.

A database behind this release's schema (one `hub db upgrade` has not migrated yet, or one the release
before migrations made) is backed up as it is, at its own revision: backing up is the step before an
upgrade, so it must not need the upgrade first. `hub restore` loads it at that revision and migrates it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from hub.audit import AuditAction
from hub.audit.notary import AuditFiles
from hub.backup.archive import ArchiveWriter
from hub.backup.codec import encode_row, table_kinds
from hub.backup.errors import BackupError
from hub.backup.manifest import (
    FORMAT_VERSION,
    KEYS_FOLDER,
    WITNESS_COPY_MEMBER,
    WITNESS_MEMBER,
    KeyFacts,
    Manifest,
    TableDump,
    safe_member,
)
from hub.backup.snapshot import Snapshot, consistent_snapshot, reflected_tables, rows
from hub.backup.witness import copy_witness, witness_lengths
from hub.crypto.configured import configured_provider
from hub.crypto.providers import KeyProvider
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.migrations import NewerSchema, SchemaState, read_status
from hub.store.migrations.compare import baseline_metadata
from hub.store.tables import Base

ACTOR = "service:backup"
"""Operators back up and restore with access to `$HUB_HOME`, not as a member of staff."""
BACKUP_PURPOSE = "backup"
RESTORE_PURPOSE = "restore from backup"
PROGRESS_ROWS = 100_000

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BackupMade:
    path: Path
    sha256: str
    manifest: Manifest


def archive_name(moment: datetime) -> str:
    """`mash-hub-backup-<UTC time>`: sorts by age, says nothing about what is inside."""
    return f"mash-hub-backup-{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def hub_version() -> str:
    try:
        return version("mash-hub")
    except PackageNotFoundError:
        return "unknown"


def key_facts(provider: KeyProvider) -> KeyFacts:
    """What a restore needs of the key provider; the local provider's keys travel in the archive itself."""
    versions = provider.versions()
    return KeyFacts(
        provider=provider.kind,
        where=provider.describe(),
        versions=versions,
        min_decryption_version=provider.min_decryption_version() if versions else None,
        in_archive=provider.kind == "local",
    )


def create_backup(settings: HubSettings, folder: Path, *, progress: Progress) -> BackupMade:
    """Write one archive into `folder` (made 0700 if missing); `BackupError` if it cannot be made."""
    store = _open_for_backup(settings)
    try:
        facts = key_facts(configured_provider(settings))
        created = datetime.now(UTC)
        with ArchiveWriter(folder, archive_name(created)) as writer:
            _record(store, writer.name)
            witnesses = {WITNESS_MEMBER: settings.audit_witness_path}
            if settings.audit_witness_copy is not None:
                witnesses[WITNESS_COPY_MEMBER] = settings.audit_witness_copy

            def at_the_snapshot(snapshot: Connection) -> tuple[dict[str, bytes], dict[str, int]]:
                return _key_files(settings.keys_dir, progress), witness_lengths(snapshot, witnesses, progress)

            with consistent_snapshot(store.engine, settings.database_url, at_the_snapshot) as (snapshot, held):
                key_files, lengths = held
                for member, length in lengths.items():
                    copy_witness(writer, witnesses[member], length, member)
                tables = _dump_tables(snapshot, writer, progress)
            for relative, content in key_files.items():
                writer.add(KEYS_FOLDER + relative, content)
            manifest = Manifest(
                format_version=FORMAT_VERSION,
                name=writer.name,
                created_at=created,
                hub_version=hub_version(),
                alembic_revision=snapshot.revision,
                dialect=snapshot.dialect,
                keys=facts,
                key_files=sorted(key_files),
                witness=WITNESS_MEMBER in lengths,
                witness_copy=WITNESS_COPY_MEMBER in lengths,
                tables=tables,
                members=writer.digests,
            )
            path, sha256 = writer.finish(manifest)
    except OSError as error:
        raise BackupError(f"cannot write the backup in {folder} ({error.strerror or error})") from None
    finally:
        store.close()
    return BackupMade(path, sha256, manifest)


def _open_for_backup(settings: HubSettings) -> HubStore:
    """The hub's store, without `create_schema`'s refusal of a database behind this release's schema."""
    settings.ensure_home()
    audit_files = AuditFiles.from_settings(settings)
    store = HubStore(settings.database_url, configured_provider(settings), audit_files=audit_files)
    try:
        with store.engine.connect() as connection:
            status = read_status(connection)
    except BaseException:
        store.close()
        raise
    if status.state is SchemaState.EMPTY:
        store.close()
        raise BackupError(f"the database {_shown(settings.database_url)} holds no hub: there is nothing to back up")
    if status.state is SchemaState.NEWER:
        store.close()
        raise NewerSchema(status)
    return store


def _record(store: HubStore, name: str) -> None:
    """The `backup.create` event; a database too old for this release's audit tables cannot take it."""
    try:
        store.record_backup_event(AuditAction.BACKUP_CREATE, name, actor=ACTOR, purpose=BACKUP_PURPOSE)
    except SQLAlchemyError:
        raise BackupError(
            "this database's audit trail cannot be written by this release (its schema is too old): "
            "back it up with the release that made it"
        ) from None


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _dump_tables(snapshot: Snapshot, writer: ArchiveWriter, progress: Progress) -> list[TableDump]:
    """Every table of the hub's the database holds: this release's, or, at an older revision, the baseline's."""
    known = {table.name for table in Base.metadata.sorted_tables} | set(baseline_metadata().tables)
    tables = reflected_tables(snapshot.connection, known)
    dumps = []
    for table in tables:
        columns = table_kinds(table)
        kinds = [kind for _, kind in columns]
        count = 0
        with writer.member(f"tables/{table.name}.jsonl") as member:
            for row in rows(snapshot.connection, table):
                member.write(encode_row(row, kinds))
                count += 1
                if count % PROGRESS_ROWS == 0:
                    progress(f"  {table.name}: {count:,} rows so far")
        if count:
            progress(f"  {table.name}: {count:,} row{'s' * (count != 1)}")
        dumps.append(TableDump(name=table.name, columns=[name for name, _ in columns], kinds=kinds, rows=count))
    return dumps


def _key_files(keys_dir: Path, progress: Progress) -> dict[str, bytes]:
    """Every key file under `keys/` (KEK versions, epoch secrets and tombstones, the audit signing key).

    Files whose names start with a dot are a writer's temporary files, never keys in use.
    """
    found: dict[str, bytes] = {}
    if not keys_dir.is_dir():
        return found
    for folder, folders, files in os.walk(keys_dir):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in sorted(files):
            path = Path(folder, name)
            relative = path.relative_to(keys_dir).as_posix()
            if name.startswith("."):
                continue
            if not safe_member(relative):
                progress(f"warning: not backed up: {path} (a name the hub never gives a key file)")
                continue
            found[relative] = path.read_bytes()
    return found
