"""One consistent moment of the database, with the keys and the audit witness as they were at that moment.

The rows are read in one read transaction (SQLite: a WAL read snapshot; PostgreSQL: REPEATABLE READ,
read only), so every table is as of the same commit. That snapshot is taken while the hub's write
lock is held (`hub.store.engine.take_write_lock`), and `while_locked` runs before the lock is let go:
no audited transaction can commit in between, so what it copies belongs to exactly that moment.

- **Keys.** A KEK version or retention epoch is always made before a commit refers to it, and an epoch
  is destroyed only after the commit that deleted its rows; with the lock held across the snapshot and
  the copy, neither can fall between them, so the keys copied are exactly the keys the rows need.
- **Witness.** `hub audit verify` accepts a witness at most one checkpoint behind the log, and never
  ahead of it. A witness copied before the snapshot falls many checkpoints behind while writers commit
  (the backup tests saw twenty); one copied after it may hold checkpoints the rows lack. So, under the
  lock, each witness is caught up to the snapshot's newest checkpoint (appending committed checkpoints
  is what every writer does after its commit) and its length noted: the file is append-only, so that
  many bytes can be copied once the lock is let go (`hub.backup.witness`).

The lock is held only for that instant: the rows are then read from the snapshot while the hub goes
on working, so Airflow's workers do not queue behind a long backup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, MetaData, Table, column, create_engine, event, inspect, select, table
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from hub.store.engine import BUSY_TIMEOUT_SECONDS, take_write_lock

T = TypeVar("T")
ALEMBIC_TABLE = "alembic_version"
FETCH = 2000
_FIRST_READ = {"sqlite": "SELECT count(*) FROM sqlite_master", "postgresql": "SELECT 1"}


def reader_engine(url: str) -> Engine:
    """An engine whose transactions only read: SQLite's is deferred (the hub's own begins IMMEDIATE, which
    would hold the write lock for the whole backup), PostgreSQL's is REPEATABLE READ, READ ONLY."""
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, isolation_level="REPEATABLE READ", execution_options={"postgresql_readonly": True})
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" below issues BEGIN, and reads join it.
        dbapi_connection.execute("PRAGMA query_only=ON")

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def alembic_revision(connection: Connection) -> str | None:
    """The schema revision Alembic stamped, or None for a database it never stamped."""
    if not inspect(connection).has_table(ALEMBIC_TABLE):
        return None
    revision = connection.execute(select(column("version_num")).select_from(table(ALEMBIC_TABLE))).scalar()
    return None if revision is None else str(revision)


def reflected_tables(connection: Connection, names: set[str]) -> list[Table]:
    """The database's own tables named in `names`, as it declares them, in foreign-key order."""
    metadata = MetaData()
    metadata.reflect(bind=connection, only=lambda name, _metadata: name in names)
    return list(metadata.sorted_tables)


def rows(connection: Connection, table: Table) -> Iterator[tuple[Any, ...]]:
    """Every row of `table` in primary-key order, streamed (a server-side cursor on PostgreSQL)."""
    order = list(table.primary_key.columns) or list(table.columns)
    result = connection.execution_options(yield_per=FETCH).execute(select(table).order_by(*order))
    for row in result:
        yield tuple(row)


@dataclass(frozen=True)
class Snapshot:
    connection: Connection
    dialect: str
    revision: str | None


@contextmanager
def consistent_snapshot(
    hub_engine: Engine, url: str, while_locked: Callable[[Connection], T]
) -> Iterator[tuple[Snapshot, T]]:
    """A read transaction begun under the hub's write lock, and what `while_locked(snapshot)` returned under it."""
    engine = reader_engine(url)
    try:
        with engine.connect() as reader:
            with Session(hub_engine) as locker:
                locker.connection()  # SQLite: BEGIN IMMEDIATE, the write lock itself.
                take_write_lock(locker)  # PostgreSQL: the advisory lock every audited transaction takes.
                reader.begin()
                reader.exec_driver_sql(_FIRST_READ.get(reader.dialect.name, "SELECT 1"))  # Fixes the snapshot.
                held = while_locked(reader)
                locker.rollback()  # Nothing was written: let the hub go on.
            revision = alembic_revision(reader)
            yield Snapshot(reader, reader.dialect.name, revision), held
            reader.rollback()
    finally:
        engine.dispose()
