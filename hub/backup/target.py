"""Where a restore goes: the empty home it may go into, the staging copy it is built in, and the move into place.

A restore is built aside and moved into place only once it has passed its checks, so a failure or a
crash part-way never leaves a half-restored hub:
- the key files and witness files are staged in `$HUB_HOME/.restore-<random>/`;
- a SQLite database is staged as a file beside the real one (`.hub.db.restore-<random>`, same file
  system, so moving it is one rename); a PostgreSQL database in a schema of its own
  (`hub_restore_<random>`), whose tables move into the hub's schema in one transaction;
- the move puts the keys first, then the witness files, and the database last: the database is what
  makes a home "not empty", so a crash before it leaves a home a second restore of the same archive
  accepts (the files already there are the archive's own, byte for byte).

The home must be empty: no rows in the hub's tables, and no key or witness file other than the
archive's own. A restore never overwrites anything the hub was using.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Connection, create_engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from hub.backup.archive import VerifiedArchive
from hub.backup.errors import BackupError, HomeNotEmpty
from hub.backup.manifest import KEYS_FOLDER, WITNESS_COPY_MEMBER, WITNESS_MEMBER
from hub.backup.snapshot import ALEMBIC_TABLE
from hub.settings import PRIVATE_FILE_MODE, HubSettings, private_folder, write_private
from hub.store.engine import SQLITE_COMPANIONS, take_write_lock
from hub.store.tables import Base

STAGING_PREFIX = ".restore-"
SCHEMA_PREFIX = "hub_restore_"
"""A staging schema is `hub_restore_<8 hex naming the hub's schema>_<12 random hex>`: leftovers are cleared only
for the schema being restored, never another hub's sharing the database."""
LOCK_FILE = ".restore.lock"
_STAGING_SCHEMA = re.compile(r"hub_restore_[0-9a-f]{8}_[0-9a-f]{12}")
EMPTY_HOME_ADVICE = (
    "restore onto an empty home: set HUB_HOME to a new folder (and HUB_DATABASE_URL, if set, to an empty "
    "database or schema), or move this one aside first"
)


def hub_table_names() -> set[str]:
    return {table.name for table in Base.metadata.sorted_tables}


def driver_error(error: SQLAlchemyError) -> str:
    """The kind of a database error, without its message (which may quote the values of a statement)."""
    return type(getattr(error, "orig", None) or error).__name__


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("restore needs a database file or server, not an in-memory database")
    return Path(parsed.database)


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def first_held_rows(connection: Connection) -> tuple[str, int] | None:
    """The first of the hub's tables that holds rows, and how many; None if none does."""
    present = set(inspect(connection).get_table_names()) & hub_table_names()
    for name in sorted(present):
        count = int(connection.execute(select(func.count()).select_from(table(name))).scalar_one())
        if count:
            return name, count
    return None


def _database_holds(settings: HubSettings) -> tuple[str, int] | None:
    path = _sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        return None
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            return first_held_rows(connection)
    except SQLAlchemyError as error:
        raise BackupError(f"cannot open the database to restore into ({driver_error(error)})") from None
    finally:
        engine.dispose()


def witness_targets(settings: HubSettings) -> dict[str, Path]:
    """Archive member -> where this home keeps it (the witness copy only if `HUB_AUDIT_WITNESS_COPY` is set)."""
    targets = {WITNESS_MEMBER: settings.audit_witness_path}
    if settings.audit_witness_copy is not None:
        targets[WITNESS_COPY_MEMBER] = settings.audit_witness_copy
    return targets


def _same_content(path: Path, archive: VerifiedArchive, member: str) -> bool:
    return member in archive.manifest.members and path.read_bytes() == archive.content(member)


def check_empty(settings: HubSettings, archive: VerifiedArchive) -> None:
    """`HomeNotEmpty`, saying what is there and what to do, unless the home may receive this archive."""
    held = _database_holds(settings)
    if held is not None:
        table, count = held
        raise HomeNotEmpty(
            f"this home's database already holds data ({table}: {count} rows); {EMPTY_HOME_ADVICE}. "
            "Nothing was changed."
        )
    keys = settings.keys_dir
    if keys.is_dir():
        for folder, _folders, files in os.walk(keys):
            for name in sorted(files):
                path = Path(folder, name)
                member = KEYS_FOLDER + path.relative_to(keys).as_posix()
                if not name.startswith(".") and not _same_content(path, archive, member):
                    raise HomeNotEmpty(
                        f"this home already has a key file of its own ({path}); {EMPTY_HOME_ADVICE}. "
                        "Nothing was changed."
                    )
    for member, path in witness_targets(settings).items():
        if path.exists() and path.stat().st_size and not _same_content(path, archive, member):
            raise HomeNotEmpty(
                f"the audit witness file {path} already holds checkpoints that are not this backup's; move it "
                "aside and keep it (it may record events made after this backup, for IG), then restore again. "
                "Nothing was changed."
            )


@contextlib.contextmanager
def restore_lock(settings: HubSettings) -> Iterator[None]:
    """One restore at a time into a home: a second is refused, and leftovers found under the lock are stale."""
    settings.ensure_home()
    descriptor = os.open(settings.home / LOCK_FILE, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError("another restore into this home is running; let it finish") from None
        yield
    finally:
        os.close(descriptor)  # Releases the lock.


def clear_leftovers(settings: HubSettings) -> int:
    """Remove what a restore killed part-way left (staging folders, files and schemas); how many.

    Call under `restore_lock`: then no other restore is using them. They were never part of the home.
    """
    found = [path for path in settings.home.glob(f"{STAGING_PREFIX}*") if path.is_dir()]
    sqlite_path = _sqlite_path(settings.database_url)
    if sqlite_path is not None:
        found += list(sqlite_path.parent.glob(f".{sqlite_path.name}.restore-*"))
    for path in found:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    if sqlite_path is not None:
        return len(found)
    engine = create_engine(settings.database_url)
    try:
        with engine.begin() as connection:
            prefix = _schema_prefix(connection)
            schemas = [
                name
                for name in inspect(connection).get_schema_names()
                if name.startswith(prefix) and _STAGING_SCHEMA.fullmatch(name)
            ]
            for name in schemas:
                connection.execute(text(f"DROP SCHEMA {_quote(connection, name)} CASCADE"))
    finally:
        engine.dispose()
    return len(found) + len(schemas)


@dataclass
class Staging:
    """The restore being built: a home of its own, and a database (file or schema) beside the real one."""

    settings: HubSettings
    """The staging home's settings: what `open_store` opens to load and check the restore."""
    target: HubSettings
    folder: Path
    sqlite_file: Path | None = None
    schema: str | None = None

    @classmethod
    def create(cls, target: HubSettings) -> Staging:
        token = secrets.token_hex(6)
        target.ensure_home()
        folder = private_folder(target.home / f"{STAGING_PREFIX}{token}")
        sqlite_path = _sqlite_path(target.database_url)
        schema = None
        if sqlite_path is not None:
            sqlite_file = sqlite_path.with_name(f".{sqlite_path.name}.restore-{token}")
            url = f"sqlite:///{sqlite_file}"
        else:
            sqlite_file = None
            schema, url = _create_schema(target.database_url, token)
        copy = folder / "audit" / "witness-copy.log" if target.audit_witness_copy is not None else None
        settings = replace(target, home=folder, database_url=url, audit_witness_copy=copy)
        return cls(settings, target, folder, sqlite_file, schema)

    def stage_file(self, member: str, content: bytes) -> None:
        """Put a key or witness file where the staging home keeps it."""
        if member.startswith(KEYS_FOLDER):
            write_private(self.settings.keys_dir / member.removeprefix(KEYS_FOLDER), content)
        elif member == WITNESS_MEMBER:
            write_private(self.settings.audit_witness_path, content)
        elif member == WITNESS_COPY_MEMBER and self.settings.audit_witness_copy is not None:
            write_private(self.settings.audit_witness_copy, content)

    def promote(self) -> None:
        """Move the checked restore into place: keys, then witness files, then the database."""
        staged_keys = self.settings.keys_dir
        for folder, _folders, files in os.walk(staged_keys):
            for name in files:  # Copied, not renamed: `keys/` may be a mount of its own.
                source = Path(folder, name)
                write_private(self.target.keys_dir / source.relative_to(staged_keys), source.read_bytes())
        staged = witness_targets(self.settings)
        for member, destination in witness_targets(self.target).items():
            if staged[member].exists():
                write_private(destination, staged[member].read_bytes())
        if self.sqlite_file is not None:
            self._promote_sqlite()
        else:
            self._promote_schema()

    def _promote_sqlite(self) -> None:
        target = _sqlite_path(self.target.database_url)
        assert target is not None and self.sqlite_file is not None
        with contextlib.closing(sqlite3.connect(self.sqlite_file)) as database:
            database.execute("PRAGMA journal_mode=DELETE")  # Folds the WAL in: one self-contained file to move.
        for suffix in SQLITE_COMPANIONS:  # An empty database's WAL must never be replayed into the restored one.
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(self.sqlite_file, target)

    def _promote_schema(self) -> None:
        """The staged tables replace the hub's (empty) ones in its schema, in one transaction."""
        assert self.schema is not None
        engine = create_engine(self.target.database_url)
        try:
            with engine.begin() as connection:
                with Session(bind=connection) as session:
                    take_write_lock(session)
                held = first_held_rows(connection)
                if held is not None:
                    raise HomeNotEmpty(
                        f"the database was written to during the restore ({held[0]}); nothing was changed"
                    )
                home_schema = str(connection.execute(text("SELECT current_schema()")).scalar_one())
                staged = inspect(connection).get_table_names(schema=self.schema)
                present = set(inspect(connection).get_table_names()) & (hub_table_names() | {ALEMBIC_TABLE})
                for name in sorted(present):
                    connection.execute(text(f"DROP TABLE {_quote(connection, name)} CASCADE"))
                for name in staged:
                    connection.execute(
                        text(
                            f"ALTER TABLE {_quote(connection, self.schema)}.{_quote(connection, name)} "
                            f"SET SCHEMA {_quote(connection, home_schema)}"
                        )
                    )
                connection.execute(text(f"DROP SCHEMA {_quote(connection, self.schema)} CASCADE"))
            self.schema = None
        finally:
            engine.dispose()

    def discard(self) -> None:
        """Remove whatever is left of the staging copy (all of it, if it was never promoted)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.sqlite_file is not None:
            for path in (self.sqlite_file, *(Path(f"{self.sqlite_file}{suffix}") for suffix in SQLITE_COMPANIONS)):
                path.unlink(missing_ok=True)
        if self.schema is not None:
            engine = create_engine(self.target.database_url)
            try:
                with engine.begin() as connection:
                    connection.execute(text(f"DROP SCHEMA IF EXISTS {_quote(connection, self.schema)} CASCADE"))
            finally:
                engine.dispose()


def _schema_prefix(connection: Connection) -> str:
    home_schema = str(connection.execute(text("SELECT current_schema()")).scalar_one())
    return f"{SCHEMA_PREFIX}{hashlib.sha256(home_schema.encode()).hexdigest()[:8]}_"


def _create_schema(url: str, token: str) -> tuple[str, str]:
    """Make a PostgreSQL schema to stage in; its name, and the URL whose connections use it."""
    engine = create_engine(url)
    schema = f"{SCHEMA_PREFIX}{token}"
    try:
        with engine.begin() as connection:
            schema = _schema_prefix(connection) + token
            connection.execute(text(f"CREATE SCHEMA {_quote(connection, schema)}"))
    except SQLAlchemyError as error:
        raise BackupError(
            f"cannot create the staging schema {schema} ({driver_error(error)}); the restore is built "
            "in a schema of its own and then moved into place, so the hub's database user needs CREATE on the database"
        ) from None
    finally:
        engine.dispose()
    return schema, with_search_path(url, schema)


def with_search_path(url: str, schema: str) -> str:
    """`url` with its connections' `search_path` set to `schema` (any other `options` kept)."""
    parsed = make_url(url)
    given = parsed.query.get("options", "")
    words = (" ".join(given) if isinstance(given, tuple) else given).split()
    kept: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word == "-c" and index + 1 < len(words) and words[index + 1].startswith("search_path="):
            index += 2  # "-c search_path=x": both words go.
            continue
        if not word.startswith("-csearch_path="):
            kept.append(word)
        index += 1
    options = " ".join([*kept, f"-csearch_path={schema}"])
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)
