"""Fixtures for the IG tests (search, export, reports): a store whose clock the test sets; an IG officer signed in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.settings import HubSettings
from hub.store import HubStore
from tests.hub.audit.ig_trail import Clock, Trail, clocked_store, home_with_trail, sign_in


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def audit_store(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[HubStore]:
    """A store on each backend (SQLite, PostgreSQL) whose audit events carry `clock`'s time."""
    store = clocked_store(database_url, tmp_path / "keys" / "kek.bin", clock)
    yield store
    store.close()


@pytest.fixture
def ig_home(hub_home: Path) -> tuple[Path, Trail]:
    """`$HUB_HOME` holding the known trail, with an IG officer (`iggy`) signed in."""
    settings = HubSettings.from_env()
    trail = home_with_trail(settings)
    sign_in(settings, "iggy", "ig_officer")
    return hub_home, trail
