"""`hub db upgrade` and `hub db status` on a database behind head, on one not quite the baseline, and with two
upgrades at once: each says what it did, leaves nothing half-done, and reaches exactly the models."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from hub.crypto import LocalKeyProvider
from hub.store import HubStore
from hub.store.engine import make_engine
from hub.store.migrations import OutdatedSchema, SchemaState, UpgradeResult, read_status, schema_transaction, upgrade
from hub.store.migrations.compare import differences
from hub.store.migrations.scripts import alembic_config, head, hub_metadata
from tests.hub.store.migrations.previous_release import load_previous_release
from tests.hub.store.migrations.test_previous_release import hub_db, hub_db_here

BASELINE = "0001"


def _at_baseline(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with schema_transaction(engine) as connection:
            command.upgrade(alembic_config(connection), BASELINE)
    finally:
        engine.dispose()


@pytest.mark.skipif(head() == BASELINE, reason="no migration after the baseline yet")
def test_a_database_behind_head_is_refused_then_upgraded_step_by_step(
    database_url: str, key_provider: LocalKeyProvider, tmp_path: Path
) -> None:
    _at_baseline(database_url)
    store = HubStore(database_url, key_provider)
    try:
        with pytest.raises(OutdatedSchema, match=f"is at schema revision {BASELINE}, and this version needs revision"):
            store.create_schema()

        status = hub_db_here("status", tmp_path / "home", database_url)
        assert status.exit_code == 0
        with store.engine.connect() as connection:
            pending = read_status(connection).pending
        assert [revision.id for revision in pending][-1] == head()
        assert f"Schema revision: {BASELINE}" in status.stdout
        assert f"Pending ({len(pending)}):" in status.stdout
        assert all(f"  {revision.id} (" in status.stdout for revision in pending)

        upgraded = hub_db_here("upgrade", tmp_path / "home", database_url)
        assert upgraded.exit_code == 0
        assert [line.split()[1] for line in upgraded.stdout.splitlines() if line.startswith("  applied")] == [
            revision.id for revision in pending
        ]
        assert f"Upgraded from {BASELINE} to {head()}." in upgraded.stdout
        store.create_schema()
        with store.engine.connect() as connection:
            assert differences(connection, hub_metadata()) == []
        assert "Up to date" in hub_db_here("status", tmp_path / "home", database_url).stdout
    finally:
        store.close()


def test_a_previous_release_database_altered_by_hand_is_left_untouched(hub_home: Path, sqlite_url: str) -> None:
    load_previous_release(sqlite_url, hub_home)
    database = sqlite_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("ALTER TABLE audit_events DROP COLUMN basis")
        connection.commit()
    refused = hub_db("upgrade", hub_home, sqlite_url)
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert "does not match the previous release's schema (the database lacks column audit_events.basis)" in (
        " ".join(refused.stderr.split())
    )
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            assert "alembic_version" not in inspect(connection).get_table_names()
            assert read_status(connection).state is SchemaState.PREVIOUS_RELEASE
    finally:
        engine.dispose()


def test_two_upgrades_at_once_migrate_once(database_url: str) -> None:
    engines = [make_engine(database_url) for _ in range(2)]
    results: list[UpgradeResult] = []
    start = threading.Barrier(len(engines))

    def run(engine_index: int) -> None:
        start.wait()
        results.append(upgrade(engines[engine_index]))

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(engines))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert sorted(len(result.applied) > 0 for result in results) == [False, True]
        with engines[0].connect() as connection:
            assert read_status(connection).state is SchemaState.CURRENT
            assert differences(connection, hub_metadata()) == []
    finally:
        for engine in engines:
            engine.dispose()
