"""The guard: running every migration on an empty database gives exactly the models (`Base.metadata`).

`create_schema` builds an empty database from the models in one step, and `hub db upgrade` builds
it from the migrations, so the two must agree: a model changed without a migration (or a migration
that differs from its model) fails here, naming the table and column, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from hub.store.engine import make_engine
from hub.store.migrations import SchemaState, read_status, upgrade
from hub.store.migrations.compare import baseline_metadata, differences
from hub.store.migrations.opening import HEAD_REVISION
from hub.store.migrations.scripts import head, hub_metadata, script_directory


def test_migrating_an_empty_database_gives_exactly_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        said: list[str] = []
        result = upgrade(engine, said.append)
        applied = [revision.id for revision in result.applied]
        assert applied == [script.revision for script in reversed(list(script_directory().walk_revisions()))]
        assert said == [f"applied {revision}" for revision in result.applied]
        with engine.connect() as connection:
            found = differences(connection, hub_metadata(), every_table=True)
            if found:
                pytest.fail("the models differ from the migrations; add a migration for:\n" + "\n".join(found))
            assert read_status(connection).state is SchemaState.CURRENT
    finally:
        engine.dispose()


def test_a_model_change_without_a_migration_is_named(database_url: str) -> None:
    """What the guard says when someone adds a column to a model and forgets the migration."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            baseline_metadata().create_all(connection)
        changed = sa.MetaData()
        for table in baseline_metadata().sorted_tables:
            table.to_metadata(changed)
        sa.Table("data_keys", changed, sa.Column("purpose", sa.String(32)), extend_existing=True)
        with engine.connect() as connection:
            assert differences(connection, baseline_metadata()) == []
            assert differences(connection, changed) == ["the database lacks column data_keys.purpose"]
            removed = sa.MetaData()
            for table in baseline_metadata().sorted_tables:
                if table.name != "school_register":
                    table.to_metadata(removed)
            assert differences(connection, removed) == []  # another program's table, as far as it knows
            assert differences(connection, removed, every_table=True) == [
                "the database has table school_register, which the models do not declare"
            ]
    finally:
        engine.dispose()


def test_the_one_head_is_what_a_new_store_records(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        from hub.store.migrations import create_or_check

        create_or_check(engine)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head()
    finally:
        engine.dispose()


def test_the_head_written_for_fast_opening_is_the_scripts_head() -> None:
    """`opening.HEAD_REVISION` lets a store open without Alembic; a new migration must move it too."""
    assert head() == HEAD_REVISION, (
        f"hub/store/migrations/opening.py says HEAD_REVISION = {HEAD_REVISION!r}, but the newest migration in "
        f"versions/ is {head()!r}: set HEAD_REVISION to it"
    )


def test_opening_a_current_database_loads_no_alembic(tmp_path: Path) -> None:
    """A store opened on a database at head (the usual start of every process) imports no Alembic."""
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    code = (
        "import sys\n"
        "from hub.crypto import LocalKeyProvider\n"
        "from hub.store import HubStore\n"
        f"store = HubStore({url!r}, LocalKeyProvider({str(tmp_path / 'kek.bin')!r}))\n"
        "store.create_schema()\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in ('alembic', 'mako')))\n"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "alembic" in first.stdout  # An empty database is created through the migrations' stamp.
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert again.stdout.strip() == "[]", again.stdout
