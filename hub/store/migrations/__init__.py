"""The hub's schema migrations (Alembic), configured in code: `hub db upgrade` and `hub db status` use these.

`versions/` holds one file per revision, with short fixed ids ("0001" is the previous release's schema).
Stores call `create_or_check` as they open (`hub.store.migrations.opening`, which loads no Alembic for a
database already at head); operators run `upgrade` (`hub db upgrade`). The names below are loaded when first
used, so opening a store never pays for Alembic's import.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.store.migrations.opening import create_or_check, schema_transaction
    from hub.store.migrations.status import (
        NewerSchema,
        OutdatedSchema,
        Revision,
        SchemaState,
        SchemaStatus,
        read_status,
    )
    from hub.store.migrations.upgrading import NotTheBaseline, UpgradeResult, upgrade, upgrade_database

_WHERE = {
    "create_or_check": "opening",
    "schema_transaction": "opening",
    "NewerSchema": "status",
    "OutdatedSchema": "status",
    "Revision": "status",
    "SchemaState": "status",
    "SchemaStatus": "status",
    "read_status": "status",
    "NotTheBaseline": "upgrading",
    "UpgradeResult": "upgrading",
    "upgrade": "upgrading",
    "upgrade_database": "upgrading",
}

__all__ = [
    "NewerSchema",
    "NotTheBaseline",
    "OutdatedSchema",
    "Revision",
    "SchemaState",
    "SchemaStatus",
    "UpgradeResult",
    "create_or_check",
    "read_status",
    "schema_transaction",
    "upgrade",
    "upgrade_database",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
