"""Destruction deletes a referral from every table that holds it: a new referral-keyed table must be listed.

The schema is every `hub/store/*tables.py` module's models (as `create_schema` builds it). Any table with a
`referral_id` column or a foreign key to `referrals` must be in `retention_purge.PURGED` (deleted with the
referral) or `KEPT` (with the reason it outlives it): otherwise this fails, naming the table.
"""

from __future__ import annotations

from hub.store.migrations.scripts import hub_metadata
from hub.store.retention_purge import KEPT, PURGED, purged_tables


def _referral_keyed() -> set[str]:
    tables = hub_metadata().tables.values()
    return {
        table.name
        for table in tables
        if "referral_id" in table.c
        or any(key.column.table.name == "referrals" for column in table.c for key in column.foreign_keys)
    }


def test_every_referral_keyed_table_is_purged_or_kept_for_a_reason() -> None:
    keyed = _referral_keyed()
    forgotten = sorted(keyed - set(PURGED) - set(KEPT))
    assert not forgotten, f"add these to hub/store/retention_purge.py PURGED (or KEPT, saying why): {forgotten}"
    assert not set(PURGED) & set(KEPT)
    assert set(PURGED) <= keyed and set(KEPT) <= keyed  # No stale names either.
    assert all(reason.strip() for reason in KEPT.values())


def test_rows_that_refer_to_others_are_deleted_first() -> None:
    """Deletion order: a table is deleted before every table its foreign keys point at (PostgreSQL checks)."""
    order = {table.name: index for index, table in enumerate(purged_tables())}
    for table in purged_tables():
        for key in table.foreign_keys:
            target = key.column.table.name
            if target in order:
                assert order[table.name] < order[target], f"{table.name} must be deleted before {target}"
    assert PURGED[-1] == "referrals"
