"""A backup taken while the hub writes is one moment: the hub goes on writing during it, and it restores whole."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select

from hub.backup import create_backup, restore_backup
from hub.store.home import open_store
from hub.store.tables import ReferralRow
from tests.hub.backup.conftest import home_settings
from tests.hub.builders import example_referral

WRITES_DURING_THE_DUMP = 3


def test_a_backup_while_referrals_arrive_is_one_moment_and_does_not_hold_them_up(
    database_url: str, tmp_path: Path
) -> None:
    settings = home_settings(tmp_path / "home", database_url)
    open_store(settings).close()
    writer = open_store(settings)  # another store, as an Airflow worker is another process
    written = 0
    changed = threading.Condition()
    stop = threading.Event()

    def arrive() -> None:
        nonlocal written
        while not stop.is_set():
            referral = example_referral().model_copy(update={"referral_id": f"REF-2026-{100001 + written}"})
            writer.save_referral(referral, actor="service:intake", purpose="referral_intake")
            with changed:
                written += 1
                changed.notify_all()

    def wait_for(count: int) -> bool:
        with changed:
            return changed.wait_for(lambda: written >= count, timeout=30)

    arrivals = threading.Thread(target=arrive)
    arrivals.start()
    seen: list[int] = []

    def progress(_line: str) -> None:
        """Called while the rows are read from the snapshot: referrals must still be arriving meanwhile."""
        if not seen:
            seen.append(written)
            assert wait_for(written + WRITES_DURING_THE_DUMP), "writers were held up during the backup"

    try:
        assert wait_for(2)
        made = create_backup(settings, tmp_path / "backups", progress=progress)
    finally:
        stop.set()
        arrivals.join()
        writer.close()
    [referrals] = [dump.rows for dump in made.manifest.tables if dump.name == "referrals"]
    assert 2 <= referrals <= seen[0] < written  # the snapshot's moment, before the writes during the dump

    target = home_settings(tmp_path / "restored")
    restored = restore_backup(made.path, target, progress=lambda _line: None)  # verifies trail and keys
    assert restored.audit.ok and restored.records.ok
    store = open_store(target)
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(ReferralRow)).scalar_one() == referrals
    assert len(store.audit_trail(action="referral.create")) == referrals  # every table as of the same commit
    store.close()
