"""The backup before an upgrade: a database the release before migrations made is backed up as it is (no
upgrade needed first), and restored by this release at that schema, then migrated, every record intact.

The database is the previous release's own (tests/fixtures/previous_release, made by that release's code).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from hub.backup import create_backup, restore_backup
from hub.backup.records import check_records
from hub.store.home import open_store
from hub.store.migrations import SchemaState, read_status
from hub.store.migrations.scripts import head
from tests.hub.backup.conftest import home_settings
from tests.hub.store.migrations.previous_release import REFERRALS, load_previous_release

READ = {"actor": "service:backup-test", "purpose": "mash_enquiry"}


def test_a_previous_release_database_is_backed_up_as_it_is_and_restores_upgraded(
    database_url: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    load_previous_release(database_url, home)
    settings = home_settings(home, database_url)
    made = create_backup(settings, tmp_path / "backups", progress=lambda _line: None)
    assert made.manifest.alembic_revision is None  # backed up at its own schema: nothing migrated
    assert {dump.name for dump in made.manifest.tables} >= {"referrals", "data_keys", "audit_events"}
    assert "retention_schedule" not in {dump.name for dump in made.manifest.tables}

    lines: list[str] = []
    target = home_settings(tmp_path / "restored")
    restored = restore_backup(made.path, target, progress=lines.append)
    assert restored.upgraded_from == "0001" and any(f"to {head()}" in line for line in lines)
    store = open_store(target)  # at this release's head: opens without `hub db upgrade`
    try:
        trail = store.audit_trail()
        assert [event.action for event in trail[-3:]] == ["backup.create", "audit.read", "backup.restore"]
        with store.engine.connect() as connection:
            assert read_status(connection).state is SchemaState.CURRENT
            keys = connection.execute(text("SELECT kek_version, epoch FROM data_keys")).all()
        assert set(keys) == {(1, None)}  # the previous release's keys: KEK version 1, legacy (no epoch)
        assert [store.load_referral(referral_id, **READ).referral_id for referral_id in REFERRALS] == list(REFERRALS)
        assert len(store.load_replies(REFERRALS[0], **READ)) == 6
        assert [c.child_subject_id for c in store.latest_chronologies(REFERRALS[0], **READ)] == ["S1", "S2"]
        assert check_records(store, target, lambda _line: None).problems == []
        assert store.verify_audit_trail().ok
    finally:
        store.close()

    engine = create_engine(database_url)
    with engine.connect() as connection:  # the source is left as it was, for `hub db upgrade` next
        assert read_status(connection).state is SchemaState.PREVIOUS_RELEASE
    engine.dispose()
