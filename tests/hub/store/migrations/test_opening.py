"""Opening a store: an empty database is made at head, one at head is taken as it is, and any other is refused
with a sentence saying what to do (never migrated behind the operator's back, never an SQL error later)."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text

from hub.crypto import LocalKeyProvider
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from hub.store.migrations import NewerSchema, OutdatedSchema, SchemaState, read_status
from hub.store.migrations.scripts import head
from tests.hub.cli.test_bad_input import assert_clean_refusal
from tests.hub_here import run_hub_here


def _status(store: HubStore) -> SchemaState:
    with store.engine.connect() as connection:
        return read_status(connection).state


def test_an_empty_database_is_made_at_head_and_opened_again_as_it_is(
    database_url: str, key_provider: LocalKeyProvider
) -> None:
    store = HubStore(database_url, key_provider)
    try:
        store.create_schema()
        store.create_schema()
        with store.engine.connect() as connection:
            status = read_status(connection)
            assert (status.state, status.current, status.pending) == (SchemaState.CURRENT, head(), ())
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        store.close()


def test_stores_starting_together_make_the_schema_once(database_url: str, key_provider: LocalKeyProvider) -> None:
    stores = [HubStore(database_url, key_provider) for _ in range(4)]
    failures: list[BaseException] = []
    start = threading.Barrier(len(stores))

    def open_one(store: HubStore) -> None:
        start.wait()
        try:
            store.create_schema()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=open_one, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert failures == []
        assert _status(stores[0]) is SchemaState.CURRENT
        with stores[0].engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        for store in stores:
            store.close()


def test_a_previous_release_database_is_refused_until_upgraded(hub_home: Path) -> None:
    open_store(HubSettings.from_env()).close()
    with closing(sqlite3.connect(hub_home / "hub.db")) as database:
        database.execute("DROP TABLE alembic_version")  # what the release before migrations left
        database.commit()
    with pytest.raises(OutdatedSchema) as refused:
        open_store(HubSettings.from_env())
    assert refused.value.status.state is SchemaState.PREVIOUS_RELEASE
    assert_clean_refusal(run_hub_here("referral", "list", home=hub_home), "earlier release", "run `hub db upgrade`")


def test_a_database_a_newer_version_migrated_is_refused(hub_home: Path) -> None:
    open_store(HubSettings.from_env()).close()
    with closing(sqlite3.connect(hub_home / "hub.db")) as database:
        database.execute("UPDATE alembic_version SET version_num = '9999'")
        database.commit()
    with pytest.raises(NewerSchema, match="revision 9999, which this version of the hub does not know"):
        open_store(HubSettings.from_env())
