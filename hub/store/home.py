"""Wiring: build the store with its key provider from settings, in one place."""

from __future__ import annotations

from hub.crypto import LocalKeyProvider
from hub.settings import HubSettings
from hub.store import HubStore


def open_store(settings: HubSettings | None = None) -> HubStore:
    settings = settings or HubSettings.from_env()
    settings.ensure_home()
    store = HubStore(settings.database_url, LocalKeyProvider(settings.kek_path))
    store.create_schema()
    return store
