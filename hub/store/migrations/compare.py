"""Alembic's comparison of a database with a set of models, said as one short line per difference.

Used twice: before a previous release's database is stamped with the baseline (it must be exactly the
baseline), and by the guard test that a migrated database equals the models (a model changed without a
migration fails naming the table and column).
"""

from __future__ import annotations

from typing import Any, cast

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData

from hub.store.migrations.scripts import script_directory
from hub.store.migrations.status import BASELINE_REVISION


def baseline_metadata() -> MetaData:
    """The previous release's tables, as frozen in the baseline migration."""
    script = script_directory().get_revision(BASELINE_REVISION)
    assert script is not None
    return cast(MetaData, script.module.BASELINE)


def differences(connection: Connection, metadata: MetaData, *, every_table: bool = False) -> list[str]:
    """How `connection`'s database differs from `metadata`: among `metadata`'s own tables, or with
    `every_table` also any table the database has and `metadata` lacks (for a database only the hub uses;
    other programs may share one in a deployment). `alembic_version` is never compared."""
    own = set(metadata.tables)

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        if type_ != "table":
            return True
        return name != "alembic_version" and (every_table or name in own)

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": include_name, "target_metadata": metadata}
    )
    return [describe(difference) for difference in _flat(compare_metadata(context, metadata))]


def _flat(diffs: list[Any]) -> list[tuple[Any, ...]]:
    flat: list[tuple[Any, ...]] = []
    for diff in diffs:
        flat += diff if isinstance(diff, list) else [diff]
    return flat


def describe(diff: tuple[Any, ...]) -> str:
    """One difference as a person reads it ("the database lacks column data_keys.epoch")."""
    kind = diff[0]
    if kind == "add_table":
        return f"the database lacks table {diff[1].name}"
    if kind == "remove_table":
        return f"the database has table {diff[1].name}, which the models do not declare"
    if kind == "add_column":
        return f"the database lacks column {diff[2]}.{diff[3].name}"
    if kind == "remove_column":
        return f"the database has column {diff[2]}.{diff[3].name}, which the models do not declare"
    if kind in ("modify_type", "modify_nullable", "modify_default", "modify_comment"):
        what = kind.removeprefix("modify_")
        return f"column {diff[2]}.{diff[3]} differs in {what}: the database has {diff[5]!r}, the models {diff[6]!r}"
    if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        item = diff[1]
        columns = ", ".join(column.name for column in getattr(item, "columns", []))
        table = item.table.name if getattr(item, "table", None) is not None else item.parent.name
        verb, side = ("lacks", "") if kind.startswith("add") else ("has", ", which the models do not declare")
        noun = kind.split("_", 1)[1].replace("fk", "foreign key")
        return f"the database {verb} {noun} {item.name or ''} on {table}({columns}){side}".replace("  ", " ")
    return f"{kind}: {diff[1:]!r}"
