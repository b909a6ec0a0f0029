"""What every store does as it opens: make an empty database, accept a current one, refuse any other.

The fast path for an empty database is Alembic's cookbook recipe: `create_all` from the models, then
record the head revision, in one transaction; running every migration instead would cost each of the
test suite's thousands of stores far more, and the guard test proves the two paths give one schema.
Opening never migrates a database: that is the operator's `hub db upgrade`, after a backup.
"""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from hub.store.migrations.scripts import hub_metadata, script_directory
from hub.store.migrations.status import NewerSchema, OutdatedSchema, SchemaState, read_status


def create_or_refuse(connection: Connection) -> None:
    """For a database not at head (`hub.store.migrations.opening` checked): create an empty one, else refuse.

    Runs inside the caller's schema transaction.
    """
    status = read_status(connection)
    if status.state is SchemaState.CURRENT:
        return
    if status.state is SchemaState.EMPTY:
        hub_metadata().create_all(connection)
        MigrationContext.configure(connection).stamp(script_directory(), status.head)
        return
    if status.state is SchemaState.NEWER:
        raise NewerSchema(status)
    raise OutdatedSchema(status)
