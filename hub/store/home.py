"""Wiring: build the store with its key provider from settings, in one place."""

from __future__ import annotations

from hub.audit.notary import AuditFiles
from hub.crypto.configured import configured_provider
from hub.settings import HubSettings
from hub.store import HubStore


def open_store(settings: HubSettings | None = None) -> HubStore:
    settings = settings or HubSettings.from_env()
    settings.ensure_home()
    audit_files = AuditFiles.from_settings(settings)
    store = HubStore(settings.database_url, configured_provider(settings), audit_files=audit_files)
    store.create_schema()
    return store
