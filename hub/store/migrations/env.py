"""Alembic's environment for the hub: always run by `hub.store.migrations`, never by a bare `alembic` command.

The caller hands over an open connection (`config.attributes["connection"]`) already inside the
transaction that holds the schema lock, so a migration and the revision it stamps commit together
(PostgreSQL's DDL is transactional) and two starters never migrate at once. SQLite alters go
through batch mode (`render_as_batch`): it cannot drop or change a column in place.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from hub.store.migrations.scripts import hub_metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("the hub's migrations run through hub.store.migrations (`hub db upgrade`), not alembic")
    context.configure(
        connection=connection,
        target_metadata=hub_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        on_version_apply=context.config.attributes.get("on_version_apply"),
    )
    with context.begin_transaction():
        context.run_migrations()


if __name__ != "hub.store.migrations.env":  # Alembic runs this file; importing the package's modules does not.
    run_migrations()
