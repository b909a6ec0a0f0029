"""`hub restore ARCHIVE`: a backup back into an empty home, checked before it is put in place.

1. The archive is checked whole (manifest, every member's size and SHA-256): a corrupt, truncated or
   altered archive is refused before anything is written.
2. The home must be empty (`hub.backup.target.check_empty`), and the key provider the one the backup needs.
3. A staging copy is built (`hub.backup.target.Staging`): keys and witness files put back (0600 in
   0700 folders), the schema created at the backup's revision, the rows loaded in foreign-key order,
   then migrated to this release's head if the backup is older.
4. The staging copy is checked: `verify_audit_trail()` must pass, every data key must unwrap
   (`hub.backup.records`), and every sealed record must open (`HubStore.verify_records`); records whose
   keys were destroyed under the retention schedule since the backup are expected, and counted. The
   `backup.restore` event is written there, so it is part of what is checked in and moves into place.
5. Only then is it moved into place; on any failure it is discarded and the home is as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Connection, MetaData, Table, column, false, func, insert, select, table, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import ColumnElement

from hub.audit import AuditAction, AuditVerification
from hub.backup.archive import VerifiedArchive
from hub.backup.codec import RowFormatError, decode_row
from hub.backup.create import ACTOR, RESTORE_PURPOSE
from hub.backup.errors import ArchiveRefused, BackupError, RestoreCheckFailed
from hub.backup.manifest import KEYS_FOLDER, WITNESS_COPY_MEMBER, WITNESS_MEMBER, Manifest, TableDump
from hub.backup.records import RecordCheck, check_records
from hub.backup.snapshot import ALEMBIC_TABLE
from hub.backup.target import Staging, check_empty, clear_leftovers, driver_error, restore_lock
from hub.crypto.configured import configured_provider
from hub.settings import HubSettings
from hub.store.engine import make_engine
from hub.store.errors import Unreadability
from hub.store.home import open_store
from hub.store.migrations import create_or_check, schema_transaction, upgrade
from hub.store.migrations.scripts import alembic_config, head, script_directory
from hub.store.migrations.status import BASELINE_REVISION
from hub.store.record_check import RecordsVerified

INSERT_BATCH = 1000
PROGRESS_ROWS = 100_000

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    audit: AuditVerification
    records: RecordCheck
    opened: int
    """Sealed records (referrals, replies, chronology versions, ...) opened and authenticated."""
    shredded: int
    """Sealed records whose keys were destroyed under the retention schedule after the backup (an HSM's)."""
    upgraded_from: str | None
    """The backup's schema revision, if it was older than this release's and was migrated."""
    witness_copy_skipped: bool
    """The backup holds a witness copy, but this home sets no `HUB_AUDIT_WITNESS_COPY` to put it in."""


def restore_backup(archive_path: Path, settings: HubSettings, *, progress: Progress) -> Restored:
    """Restore `archive_path` into `settings`' home, which must be empty; see the module docstring."""
    progress(f"Checking {archive_path.name} ...")
    archive = VerifiedArchive.open(archive_path)
    manifest = archive.manifest
    progress(
        f"  made {manifest.created_at:%Y-%m-%d %H:%M:%S} UTC by MASH Hub {manifest.hub_version} from "
        f"{manifest.dialect}; {manifest.row_count():,} rows in {len(manifest.tables)} tables; every checksum matches"
    )
    _check_revision(manifest)
    _check_key_provider(manifest, settings)
    with restore_lock(settings):
        if cleared := clear_leftovers(settings):
            progress(f"  removed the leftovers of an earlier restore that was stopped part-way ({cleared})")
        check_empty(settings, archive)
        staging = Staging.create(settings)
        try:
            for member in [*(KEYS_FOLDER + path for path in manifest.key_files), *_witness_members(manifest)]:
                staging.stage_file(member, archive.content(member))
            upgraded_from = _load(archive, staging.settings, progress)
            audit, records, sealed = _check(staging.settings, progress, manifest)
            check_empty(settings, archive)  # Nothing may have been written meanwhile.
            staging.promote()
        finally:
            staging.discard()
    return Restored(
        manifest,
        audit,
        records,
        sealed.opened - len(sealed.unreadable),
        sealed.count(Unreadability.KEY_SHREDDED),
        upgraded_from,
        witness_copy_skipped=manifest.witness_copy and settings.audit_witness_copy is None,
    )


def _witness_members(manifest: Manifest) -> Iterator[str]:
    if manifest.witness:
        yield WITNESS_MEMBER
    if manifest.witness_copy:
        yield WITNESS_COPY_MEMBER


def loaded_revision(manifest: Manifest) -> str:
    """The revision the backup's rows are loaded at: its own, or the baseline for a database the release
    before migrations made (it records none; its schema is the baseline's, which the load checks table by table)."""
    return manifest.alembic_revision or BASELINE_REVISION


def _check_revision(manifest: Manifest) -> None:
    revision = loaded_revision(manifest)
    known = {script.revision for script in script_directory().walk_revisions()}
    if revision not in known:
        raise ArchiveRefused(
            f"this backup is at schema revision {revision}, which this release does not know (its newest is "
            f"{head()}): restore it with MASH Hub {manifest.hub_version} or later"
        )


def _check_key_provider(manifest: Manifest, settings: HubSettings) -> None:
    """The backup's data keys are wrapped by its provider's KEKs: refuse a home configured for another."""
    needed = manifest.keys
    if needed.provider != settings.key_provider:
        raise BackupError(
            f"this backup was made with the {needed.provider} key provider, but this home is set up for "
            f"{settings.key_provider} (HUB_KEY_PROVIDER): set it as the backup needs and run the restore again"
        )
    if needed.in_archive:
        return
    present = set(configured_provider(settings).versions())
    missing = sorted(set(needed.versions) - present)
    if missing:
        raise BackupError(
            f"the key provider ({configured_provider(settings).describe()}) lacks KEK version(s) "
            f"{', '.join(map(str, missing))} that this backup needs (it was made against {needed.where}): "
            "connect the HSM token the backup was made with"
        )


def _load(archive: VerifiedArchive, staging: HubSettings, progress: Progress) -> str | None:
    """Create the staging schema at the backup's revision, load every row, then migrate to head."""
    manifest = archive.manifest
    revision = loaded_revision(manifest)
    older = revision != head()
    engine = make_engine(staging.database_url)
    try:
        if older:
            with schema_transaction(engine) as connection:
                command.upgrade(alembic_config(connection), revision)
        else:
            create_or_check(engine)
        progress(f"Loading {manifest.row_count():,} rows ...")
        with engine.begin() as connection:
            tables = _staging_tables(connection, manifest)
            dumps = {dump.name: dump for dump in manifest.tables}
            for table in tables:
                _load_table(archive, connection, table, dumps[table.name], progress)
            _reset_sequences(connection)
        if older:
            progress(f"Upgrading the schema from revision {revision} to {head()} ...")
            upgrade(engine, lambda line: progress(f"  {line}"))
    except SQLAlchemyError as error:
        raise BackupError(f"the rows could not be loaded ({driver_error(error)}); nothing was restored") from None
    finally:
        engine.dispose()
    return revision if older else None


def _staging_tables(connection: Connection, manifest: Manifest) -> list[Table]:
    """The staging database's tables, in its own foreign-key order; refuse an archive that does not fill them
    exactly (a table missing from it, or one the revision lacks, or other columns)."""
    metadata = MetaData()
    metadata.reflect(bind=connection, only=lambda name, _metadata: name != ALEMBIC_TABLE)
    tables = {table.name: table for table in metadata.sorted_tables}
    dumps = {dump.name: dump for dump in manifest.tables}
    revision = loaded_revision(manifest)
    for name in sorted(set(tables) | set(dumps)):
        table, dump = tables.get(name), dumps.get(name)
        if table is None or dump is None or {column.name for column in table.columns} != set(dump.columns):
            raise ArchiveRefused(
                f"the backup's table {name} does not match schema revision {revision} "
                "(the archive was altered, or made by a modified release)"
            )
    return list(metadata.sorted_tables)


def _load_table(
    archive: VerifiedArchive, connection: Connection, table: Table, dump: TableDump, progress: Progress
) -> None:
    count = 0
    batch: list[dict[str, Any]] = []
    statement = insert(table)
    with archive.reading(dump.member) as stream:
        for line in stream:
            try:
                batch.append(decode_row(line, dump.columns, dump.kinds))
            except RowFormatError as error:
                raise ArchiveRefused(f"{dump.member} line {count + len(batch) + 1}: {error}") from None
            if len(batch) >= INSERT_BATCH:
                connection.execute(statement, batch)
                count, batch = count + len(batch), []
                if count % PROGRESS_ROWS == 0:
                    progress(f"  {table.name}: {count:,} of {dump.rows:,} rows")
        if batch:
            connection.execute(statement, batch)
            count += len(batch)
    if count != dump.rows:
        raise ArchiveRefused(f"{dump.member} holds {count} rows but the manifest says {dump.rows}")
    if count:
        progress(f"  {table.name}: {count:,} row{'s' * (count != 1)}")


def _reset_sequences(connection: Connection) -> None:
    """PostgreSQL: serial columns go on after the highest id loaded (explicit ids do not move a sequence)."""
    if connection.dialect.name != "postgresql":
        return
    serials = connection.execute(
        text(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')"
        )
    ).all()
    quote = connection.dialect.identifier_preparer.quote
    for table_name, column_name in serials:
        sequence = func.pg_get_serial_sequence(quote(table_name), column_name)
        following: ColumnElement[int] = func.coalesce(func.max(column(column_name)), 0) + 1
        connection.execute(select(func.setval(sequence, following, false())).select_from(table(table_name)))


def _check(
    staging: HubSettings, progress: Progress, manifest: Manifest
) -> tuple[AuditVerification, RecordCheck, RecordsVerified]:
    """The restored copy's audit trail, data keys and sealed records, then its `backup.restore` event."""
    store = open_store(staging)
    try:
        progress("Verifying the audit trail ...")
        audit = store.verify_audit_trail()
        if not audit:
            raise RestoreCheckFailed(f"the restored audit trail does not verify: {audit.message}; nothing was restored")
        progress(f"  intact: {audit.events_checked:,} events")
        progress("Checking that every record's key opens ...")
        records = check_records(store, staging, progress)
        if not records.ok:
            raise RestoreCheckFailed(
                f"{len(records.problems)} data keys do not open with the restored keys ({_some(records.problems)}); "
                "nothing was restored"
            )
        progress("Opening every stored record ...")
        sealed = store.verify_records(actor=ACTOR, purpose=RESTORE_PURPOSE, progress=_every_tenth(progress))
        if not sealed.ok:
            failed = [found.line() for found in sealed.unreadable if found.cause is not Unreadability.KEY_SHREDDED]
            raise RestoreCheckFailed(
                f"{len(failed)} restored records cannot be read ({_some(failed)}); nothing was restored"
            )
        store.record_backup_event(AuditAction.BACKUP_RESTORE, manifest.name, actor=ACTOR, purpose=RESTORE_PURPOSE)
    finally:
        store.close()
    return audit, records, sealed


def _some(lines: list[str]) -> str:
    more = f" and {len(lines) - 3} more" if len(lines) > 3 else ""
    return "; ".join(lines[:3]) + more


def _every_tenth(progress: Progress) -> Callable[[int, int], None]:
    """`verify_records`' (done, of) as a progress line at each tenth of the way, and at the end."""

    shown = [0]

    def told(done: int, total: int) -> None:
        tenth = done * 10 // total if total else 10
        if done and tenth > shown[0]:
            shown[0] = tenth
            progress(f"  records: {done:,} of {total:,} opened")

    return told
