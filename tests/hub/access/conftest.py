"""What the access tests share: the hub's settings for a clean `$HUB_HOME`, and an empty store there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store


@pytest.fixture
def settings(hub_home: Path) -> HubSettings:
    return HubSettings.from_env()


@pytest.fixture
def store(settings: HubSettings) -> Iterator[HubStore]:
    """An empty store (modules that need one filled define their own `store`)."""
    opened = open_store(settings)
    yield opened
    opened.close()
