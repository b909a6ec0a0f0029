"""`hub demo` upgrades its home's database before anything opens the store (`upgrade_database_first`)."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from hub.runtime.demo import upgrade_database_first
from hub.settings import HubSettings
from hub.store.engine import make_engine
from hub.store.migrations import SchemaState, read_status
from hub.store.migrations.scripts import head
from tests.hub.store.migrations.previous_release import load_previous_release


def _demo_start(settings: HubSettings) -> str:
    output = io.StringIO()
    upgrade_database_first(settings, Console(file=output, width=200))
    return output.getvalue()


def _state(settings: HubSettings) -> SchemaState:
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            return read_status(connection).state
    finally:
        engine.dispose()


def test_the_demo_migrates_a_home_the_previous_release_left(hub_home: Path) -> None:
    settings = HubSettings.from_env()
    load_previous_release(settings.database_url, hub_home)
    said = _demo_start(settings)
    assert "Upgrading the database from the previous release ..." in said
    assert f"The database is at schema revision {head()}." in said
    assert _state(settings) is SchemaState.CURRENT
    assert _demo_start(settings) == ""  # the next demo: nothing to do, nothing said


def test_a_new_demo_home_is_made_at_head_quietly(hub_home: Path) -> None:
    settings = HubSettings.from_env()
    assert _demo_start(settings) == ""
    assert _state(settings) is SchemaState.CURRENT
