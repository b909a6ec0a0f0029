"""`hub db upgrade`'s work: bring a database to the code's head revision, in one locked transaction.

A previous release's database (the hub's tables, no `alembic_version`) is first compared with the
baseline; only if it matches exactly is it recorded as revision 0001 and migrated on. An empty database
is built by running every migration from the start, the path the guard test proves equals the models.

The whole upgrade is one transaction holding the schema lock: on PostgreSQL a failed migration leaves
the database exactly as it was; on SQLite the same holds (its DDL is transactional), with foreign-key
enforcement off for the duration, as SQLite's documented table-rebuild procedure requires for batch
mode, and every foreign key checked before the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from alembic import command
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from hub.errors import UserError
from hub.store.engine import make_engine
from hub.store.migrations.compare import baseline_metadata, differences
from hub.store.migrations.opening import schema_transaction
from hub.store.migrations.scripts import alembic_config, script_directory
from hub.store.migrations.status import (
    BASELINE_REVISION,
    NewerSchema,
    Revision,
    SchemaState,
    SchemaStatus,
    read_status,
)


class NotTheBaseline(UserError):
    """A database without a schema revision that is not exactly the previous release's schema."""

    def __init__(self, found: list[str]) -> None:
        shown = "; ".join(found[:3]) + (f"; and {len(found) - 3} more" if len(found) > 3 else "")
        super().__init__(
            "This database has the hub's tables but no schema revision, and does not match the previous "
            f"release's schema ({shown}), so it is left untouched: restore it from a backup made by that release."
        )
        self.found = found


@dataclass(frozen=True)
class UpgradeResult:
    before: SchemaStatus
    applied: tuple[Revision, ...]
    checked_baseline: bool
    """True if a previous release's database was compared with the baseline and recorded as 0001."""


def upgrade(engine: Engine, say: Callable[[str], None] = lambda _line: None) -> UpgradeResult:
    """Migrate `engine`'s database to head, saying each step; at head already, do nothing."""
    with schema_transaction(engine, foreign_keys_off=True) as connection:
        before = read_status(connection)
        if before.state is SchemaState.NEWER:
            raise NewerSchema(before)
        if before.state is SchemaState.CURRENT:
            return UpgradeResult(before, (), checked_baseline=False)
        checked = before.state is SchemaState.PREVIOUS_RELEASE
        pending = before.pending
        if checked:
            found = differences(connection, baseline_metadata())
            if found:
                raise NotTheBaseline(found)
            MigrationContext.configure(connection).stamp(script_directory(), BASELINE_REVISION)
            say(f"checked: the database matches the previous release's schema; recorded it as revision {pending[0]}")
            pending = pending[1:]
        config = alembic_config(connection)
        by_id = {revision.id: revision for revision in pending}

        def applied(*, step: Any, **_: Any) -> None:
            for revision_id in step.up_revision_ids:
                say(f"applied {by_id.get(revision_id, revision_id)}")

        config.attributes["on_version_apply"] = applied
        if pending:
            command.upgrade(config, before.head)
        return UpgradeResult(before, pending, checked_baseline=checked)


def upgrade_database(url: str, say: Callable[[str], None] = lambda _line: None) -> UpgradeResult:
    """`upgrade` on the database at `url`, with an engine of its own (released afterwards)."""
    engine = make_engine(url)
    try:
        return upgrade(engine, say)
    finally:
        engine.dispose()
