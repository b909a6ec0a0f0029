"""Engines for SQLite and PostgreSQL, and the one write lock that keeps the audit chain linear.

Every audited access takes the hub's write lock at the start of its transaction: SQLite through
`BEGIN IMMEDIATE` (with WAL and a busy timeout, so Airflow workers in several processes queue
rather than fail), PostgreSQL through a transaction-scoped advisory lock.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from hub.settings import PRIVATE_FILE_MODE, create_folders, make_private

BUSY_TIMEOUT_SECONDS = 30
_PG_WRITE_LOCK = 0x4D415348  # "MASH": one advisory lock for the hub's audited transactions.
_PG_SCHEMA_LOCK = 0x4D415349


def make_engine(url: str) -> Engine:
    """An engine configured for concurrent multi-process use of the hub's database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        _private_sqlite_file(Path(parsed.database))
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # Let SQLAlchemy's "begin" event issue BEGIN.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        # Take the write lock up front: a deferred transaction that later upgrades can fail with
        # "database is locked" instead of waiting for the busy timeout.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def _private_sqlite_file(path: Path) -> None:
    """Create the database file 0600 before SQLite opens it, and close one an older version left 0644.

    SQLite gives its `-wal`, `-shm` and `-journal` files the database file's permissions, so an
    owner-only database keeps them owner-only too, whatever the umask of the process (an Airflow
    task, a test) that opens it first.
    """
    create_folders(path.parent)
    if not path.exists():
        # Never open an existing database outside SQLite: closing any descriptor of a file drops every POSIX
        # lock this process holds on it, so another store's connection here would lose its WAL read lock,
        # and another process could then checkpoint and delete the WAL under it ("file is not a database").
        with contextlib.suppress(FileExistsError):  # another process may create it first
            os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    for companion in (path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS)):
        make_private(companion)


def take_write_lock(session: Session) -> None:
    """Serialise audited transactions (SQLite already holds its lock from BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_WRITE_LOCK})


def take_schema_lock(connection: Connection) -> None:
    """Serialise schema creation, so workers starting together do not race on CREATE TABLE."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SCHEMA_LOCK})


def _insert(session: Session, table: Table, values: dict[str, Any]) -> Any:
    """An INSERT that can say what to do on conflict (both dialects spell it the same way)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return sqlite.insert(table).values(values)
    if dialect == "postgresql":
        return postgresql.insert(table).values(values)
    raise NotImplementedError(f"upsert is not implemented for the {dialect} dialect")


def upsert(session: Session, table: Table, values: dict[str, Any], keys: list[str]) -> None:
    """Insert a row, or replace every non-key column if a row with the same keys exists."""
    statement = _insert(session, table, values)
    updates = {column: statement.excluded[column] for column in values if column not in keys}
    session.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates))


def insert_if_missing(session: Session, table: Table, values: dict[str, Any], keys: list[str]) -> None:
    """Insert a row unless one with the same keys exists (another worker may just have added it)."""
    session.execute(_insert(session, table, values).on_conflict_do_nothing(index_elements=keys))


def increment(session: Session, table: Table, keys: dict[str, Any], column: str) -> None:
    """Add one to a counter column, creating its row at 1 (one statement, so concurrent writers never lose a count)."""
    statement = _insert(session, table, {**keys, column: 1})
    session.execute(statement.on_conflict_do_update(index_elements=list(keys), set_={column: table.c[column] + 1}))
