"""Opening a store: the fast check that a database is at this code's schema revision, without Alembic.

Every `hub` process and Airflow task opens a store, and nearly always finds its database current. Importing
Alembic (with Mako and Pygments behind it) and parsing the migration scripts to learn the head revision cost
about 0.15 s of every start, 0.3–0.6 s on a loaded machine. So the head is also written here as a constant
(`HEAD_REVISION`; `tests/hub/store/migrations/test_models_match.py` fails if it differs from the scripts'
head), one query compares it with `alembic_version`, and only a database that is empty, behind or newer loads
the migrations (`hub.store.migrations.startup`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, inspect, text

from hub.errors import UserError
from hub.store.engine import take_schema_lock

HEAD_REVISION = "0003"
"""The newest migration's revision id: change it with every new file in `versions/`."""


def at_head(connection: Connection) -> bool:
    """Whether the database records exactly this code's head revision (one table lookup, one query)."""
    if not inspect(connection).has_table("alembic_version"):
        return False
    versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return list(versions) == [HEAD_REVISION]


def create_or_check(engine: Engine) -> None:
    """Create the schema at head in an empty database; do nothing at head; otherwise raise what to do."""
    with schema_transaction(engine) as connection:  # Workers may start together: one creates, the rest see it.
        if at_head(connection):
            return
        from hub.store.migrations.startup import create_or_refuse

        create_or_refuse(connection)


class BrokenForeignKeys(UserError):
    def __init__(self, tables: list[str]) -> None:
        super().__init__(
            f"The migration left rows whose foreign keys point nowhere (in {', '.join(sorted(set(tables)))}), "
            "so it was rolled back and the database is as it was: report this as a bug in the migration."
        )


@contextmanager
def schema_transaction(engine: Engine, *, foreign_keys_off: bool = False) -> Iterator[Connection]:
    """One transaction holding the schema lock (SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock)."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite and foreign_keys_off:
            _pragma(connection, "foreign_keys=OFF")  # Only takes effect outside a transaction.
        try:
            with connection.begin():
                take_schema_lock(connection)
                yield connection
                if sqlite and foreign_keys_off:
                    broken = connection.execute(text("PRAGMA foreign_key_check")).all()
                    if broken:
                        raise BrokenForeignKeys([str(row[0]) for row in broken])
        finally:
            if sqlite and foreign_keys_off:
                _pragma(connection, "foreign_keys=ON")


def _pragma(connection: Connection, pragma: str) -> None:
    """A PRAGMA on the driver's connection, outside any transaction SQLAlchemy would begin."""
    driver: Any = connection.connection.driver_connection
    driver.execute(f"PRAGMA {pragma}")
