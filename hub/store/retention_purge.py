"""Which tables hold a referral's rows, and so what destroying a referral deletes.

Listed by name, not found by a column name at run time, so what destruction deletes is reviewable
here; `tests/hub/retention/test_purge_tables.py` fails for any table with a `referral_id` column (or a
foreign key to `referrals`) that is in neither list, so a new referral-keyed table cannot be forgotten.
"""

from __future__ import annotations

from sqlalchemy import Table

from hub.store.tables import Base

PURGED = (
    "mash_decision_sign_offs",
    "mash_decisions",
    "agency_recordings",
    "agency_replies",
    "chronology_versions",
    "link_reviews",
    "person_index_tokens",
    "person_index",
    "check_progress",
    "pending_jobs",
    "callback_deliveries",
    "referral_checks",
    "assembly_revisions",
    "referral_quality",
    "referral_insight",
    "referral_submissions",
    "allocations",
    "break_glass",
    "retention_schedule",
    "referrals",
)
"""Deleted with the referral, in this order (rows that refer to others first, the referral itself last)."""

KEPT = {
    "audit_events": "the audit trail: ids only, and it must show what was done, the destruction included",
    "destruction_records": "what says the referral was destroyed lawfully, when, and under which rule",
    "legal_holds": "the history of holds on it (their notes, sealed under its key, are erased)",
}
"""Tables with a referral id that destruction keeps on purpose, and why."""


def purged_tables() -> list[Table]:
    """The tables `PURGED` names, in deletion order (a name that is not a table is a mistake, raised at once)."""
    tables = Base.metadata.tables
    missing = [name for name in PURGED if name not in tables]
    if missing:
        raise RuntimeError(f"retention_purge lists tables the schema does not have: {', '.join(missing)}")
    return [tables[name] for name in PURGED]
