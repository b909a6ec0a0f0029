"""A populated hub backed up once per backend (module scope: building it is the slow part), and empty homes.

`source` is a home on SQLite or PostgreSQL holding something of every kind (`populated.py`), already
backed up; each test restores that one archive into a fresh home of its own, so nothing a test does can
change what another restores.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hub.audit import AuditEvent
from hub.backup import BackupMade, create_backup
from hub.settings import HubSettings
from hub.store.home import open_store
from tests.hub.backup.populated import everything, populate
from tests.hub.conftest import BACKENDS, postgres_schema


def home_settings(home: Path, database_url: str | None = None) -> HubSettings:
    """A home's settings as the CLI builds them (`HUB_HOME`, and `HUB_DATABASE_URL` if given)."""
    env = {"HUB_HOME": str(home), **({"HUB_DATABASE_URL": database_url} if database_url else {})}
    return HubSettings.from_env(env)


@dataclass(frozen=True)
class Source:
    settings: HubSettings
    made: BackupMade
    held: dict[str, Any]
    """Everything the source held, read just before the backup."""
    trail: list[AuditEvent]
    """The source's audit trail just after the backup (its `backup.create` event last)."""


def _backed_up(home: Path, database_url: str | None) -> Source:
    settings = home_settings(home, database_url)
    store = open_store(settings)
    populate(store)
    held = everything(store)
    made = create_backup(settings, home.parent / "backups", progress=lambda _line: None)
    trail = store.audit_trail()
    store.close()
    return Source(settings, made, held, trail)


@pytest.fixture(scope="module")
def sqlite_source(tmp_path_factory: pytest.TempPathFactory) -> Source:
    """The populated hub on SQLite, backed up: what most tests restore (the backend does not matter to them)."""
    return _backed_up(tmp_path_factory.mktemp("source") / "home", None)


@pytest.fixture(scope="module", params=BACKENDS)
def source(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    """The populated hub on each backend, backed up (SQLite's is `sqlite_source`)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_source")
        return
    with postgres_schema() as url:
        yield _backed_up(tmp_path_factory.mktemp("source") / "home", url)


@pytest.fixture
def empty_home(tmp_path: Path) -> HubSettings:
    """A home that does not exist yet, on SQLite."""
    return home_settings(tmp_path / "restored")
