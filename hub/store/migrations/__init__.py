"""The hub's schema migrations (Alembic), configured in code: `hub db upgrade` and `hub db status` use these.

`versions/` holds one file per revision, with short fixed ids ("0001" is the previous release's schema).
Stores call `create_or_check` as they open; operators run `upgrade` (`hub db upgrade`).
"""

from hub.store.migrations.startup import create_or_check
from hub.store.migrations.status import (
    NewerSchema,
    OutdatedSchema,
    Revision,
    SchemaState,
    SchemaStatus,
    read_status,
)
from hub.store.migrations.upgrade import NotTheBaseline, UpgradeResult, schema_transaction, upgrade, upgrade_database

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
