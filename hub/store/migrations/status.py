"""Where a database stands against the code's migrations: empty, a previous release's, behind, current or newer.

Read inside the caller's transaction (after the schema lock), so what is decided from it cannot
change under the caller's feet.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from hub.errors import UserError
from hub.store.migrations.scripts import head, hub_metadata, script_directory

BASELINE_REVISION = "0001"
UPGRADE_ADVICE = "run `hub db upgrade` (after backing up $HUB_HOME)"


class SchemaState(StrEnum):
    EMPTY = "empty"
    PREVIOUS_RELEASE = "previous release"
    """The hub's tables with no `alembic_version`: made by the release before migrations (or by hand)."""
    BEHIND = "behind"
    CURRENT = "current"
    NEWER = "newer"
    """A revision this code does not know: a newer version of the hub migrated it."""


@dataclass(frozen=True)
class Revision:
    id: str
    title: str

    def __str__(self) -> str:
        return f"{self.id} ({self.title})"


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str
    state: SchemaState
    pending: tuple[Revision, ...]
    """What `hub db upgrade` would apply, oldest first (for a previous release's database, the baseline
    is checked and recorded rather than run)."""


def _revision(revision_id: str) -> Revision:
    script = script_directory().get_revision(revision_id)
    assert script is not None
    return Revision(revision_id, (script.doc or "").strip().rstrip("."))


def _pending(current: str | None, target: str) -> tuple[Revision, ...]:
    steps = script_directory().iterate_revisions(target, current)  # newest first
    return tuple(_revision(script.revision) for script in reversed(list(steps)))


def read_status(connection: Connection) -> SchemaStatus:
    """Where `connection`'s database stands: one query for the revision, one for the table names."""
    target = head()
    current = MigrationContext.configure(connection).get_current_revision()
    if current is None:
        present = set(inspect(connection).get_table_names()) & set(hub_metadata().tables)
        if not present:
            return SchemaStatus(None, target, SchemaState.EMPTY, _pending(None, target))
        return SchemaStatus(None, target, SchemaState.PREVIOUS_RELEASE, _pending(None, target))
    if current == target:
        return SchemaStatus(current, target, SchemaState.CURRENT, ())
    if current not in _known_revisions():
        return SchemaStatus(current, target, SchemaState.NEWER, ())
    return SchemaStatus(current, target, SchemaState.BEHIND, _pending(current, target))


@cache
def _known_revisions() -> frozenset[str]:
    return frozenset(script.revision for script in script_directory().walk_revisions())


class OutdatedSchema(UserError):
    """The database was made by an older version of the hub: `hub db upgrade` brings it up to date.

    Opening a store never migrates by itself: a migration is an operator's step, taken after a backup,
    with one process doing it rather than every worker that starts.
    """

    def __init__(self, status: SchemaStatus) -> None:
        if status.current is None:
            where = "was made by an earlier release of the hub (it records no schema revision)"
        else:
            where = f"is at schema revision {status.current}"
        super().__init__(
            f"This hub's database {where}, and this version needs revision {status.head}: {UPGRADE_ADVICE}."
        )
        self.status = status


class NewerSchema(UserError):
    """The database was migrated by a newer version of the hub than this one."""

    def __init__(self, status: SchemaStatus) -> None:
        super().__init__(
            f"This hub's database is at schema revision {status.current}, which this version of the hub does not "
            f"know (its newest is {status.head}): run the newer version of the hub that migrated it."
        )
        self.status = status
