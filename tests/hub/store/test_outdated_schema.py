"""A database an older version made is refused with a sentence saying what to do, never an SQL error later."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from hub.settings import HubSettings
from hub.store.audited import OutdatedSchema
from hub.store.home import open_store
from tests.hub.cli.test_bad_input import assert_clean_refusal, run_hub


def test_an_older_database_is_refused_with_what_to_do(hub_home: Path) -> None:
    open_store(HubSettings.from_env()).close()
    with closing(sqlite3.connect(hub_home / "hub.db")) as database:
        database.execute("ALTER TABLE audit_events DROP COLUMN basis")
        database.commit()
    with pytest.raises(OutdatedSchema) as refused:
        open_store(HubSettings.from_env())
    assert refused.value.missing == ["audit_events.basis"]
    assert_clean_refusal(run_hub("referral", "list", home=hub_home), "made by an older version", "audit_events.basis")
