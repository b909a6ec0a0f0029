"""Back up a populated hub, restore it onto an empty home: the same records, a verified trail, nothing half-done.

The source is SQLite or PostgreSQL (`conftest.source`); the restored home SQLite, and once PostgreSQL.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from hub.backup import ArchiveRefused, HomeNotEmpty, RestoreCheckFailed, restore_backup
from hub.backup.manifest import Manifest
from hub.crypto import new_data_key
from hub.settings import HubSettings
from hub.store.home import open_store
from hub.store.tables import ReferralRow
from schemas import CandidateLink, LinkOutcome
from tests.hub.backup.archives import edit_rows, flip_byte, rewrite, truncate
from tests.hub.backup.conftest import Source, home_settings, postgres_schema
from tests.hub.backup.populated import REFERRALS, SECOND_REFERRAL, WHO, everything


def _quiet(_line: str) -> None:
    pass


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _column(manifest: Manifest, table: str, column: str) -> int:
    [dump] = [dump for dump in manifest.tables if dump.name == table]
    return dump.columns.index(column)


def _nothing_restored(settings: HubSettings) -> None:
    """No database rows, no key or witness file, and nothing left of a staging copy."""
    home = settings.home
    if home.exists():
        assert not [path for path in home.rglob("*") if path.is_file() and path.name != ".restore.lock"]
    assert not list(home.parent.glob(".hub.db.restore-*"))


def test_a_restore_reads_every_record_as_before_and_its_trail_verifies(source: Source, empty_home: HubSettings) -> None:
    lines: list[str] = []
    restored = restore_backup(source.made.path, empty_home, progress=lines.append)
    assert restored.audit.ok and restored.records.ok and not restored.records.shredded
    assert restored.records.keys >= 2 * len(REFERRALS)  # a referral key and a child key each, and the hub's
    assert restored.opened >= len(source.held)  # referrals, replies, chronology versions, decisions, notes...
    assert any("intact" in line for line in lines) and any("checked" in line for line in lines)

    store = open_store(empty_home)
    trail = store.audit_trail()
    assert trail[: len(source.trail)] == source.trail  # every event as it was, the backup's own last
    assert (source.trail[-1].action, source.trail[-1].object_id) == ("backup.create", source.made.manifest.name)
    records_read, restore_event = trail[len(source.trail) :]  # the restore opened every record, then said so
    assert (records_read.action, records_read.actor, records_read.object_id) == (
        "audit.read",
        "service:backup",
        "verify;records",
    )
    assert (restore_event.action, restore_event.actor, restore_event.object_id) == (
        "backup.restore",
        "service:backup",
        source.made.manifest.name,
    )
    assert everything(store) == source.held
    assert store.verify_audit_trail().ok
    store.close()


def test_what_a_restore_writes_is_owner_only_and_no_staging_is_left(
    sqlite_source: Source, empty_home: HubSettings
) -> None:
    restore_backup(sqlite_source.made.path, empty_home, progress=_quiet)
    home = empty_home.home
    assert _mode(sqlite_source.made.path) == 0o600 and _mode(sqlite_source.made.path.parent) == 0o700
    files = [path for path in home.rglob("*") if path.is_file()]
    assert {home / "hub.db", empty_home.kek_path, empty_home.audit_signing_key_path, empty_home.audit_witness_path} <= {
        *files
    }
    assert all(_mode(path) == 0o600 for path in files), {path: oct(_mode(path)) for path in files}
    assert all(_mode(path) == 0o700 for path in home.rglob("*") if path.is_dir())
    assert not list(home.glob(".restore-*")) and not list(home.glob(".hub.db.restore-*"))


def test_a_restore_onto_postgresql_carries_on_from_the_restored_ids(sqlite_source: Source, tmp_path: Path) -> None:
    with postgres_schema() as url:
        engine = create_engine(url)
        with engine.begin() as connection:  # what a restore killed part-way would have left
            home_schema = connection.execute(text("SELECT current_schema()")).scalar_one()
            prefix = f"hub_restore_{hashlib.sha256(home_schema.encode()).hexdigest()[:8]}_"
            connection.execute(text(f'CREATE SCHEMA "{prefix}0123456789ab"'))
        target = home_settings(tmp_path / "restored", url)
        lines: list[str] = []
        restored = restore_backup(sqlite_source.made.path, target, progress=lines.append)
        assert restored.audit.ok and any("leftovers of an earlier restore" in line and "(1)" in line for line in lines)
        store = open_store(target)
        assert everything(store) == sqlite_source.held
        before = max(review.review_id for review in store.link_reviews())
        link = CandidateLink(
            agency="health", agency_person_id="H-9", subject_id="S2", outcome=LinkOutcome.REVIEW, probability=0.4
        )
        store.propose_reviews(SECOND_REFERRAL, [link], **WHO)  # a serial id: its sequence went on from the rows
        assert max(review.review_id for review in store.link_reviews()) == before + 1
        store.close()
        with engine.connect() as connection:  # nothing of a staging schema is left
            query = text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :prefix")
            assert connection.execute(query, {"prefix": f"{prefix}%"}).all() == []
        engine.dispose()


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda archive, copy: flip_byte(archive, copy, "tables/referrals.jsonl"), "does not match its checksum"),
        (lambda archive, copy: flip_byte(archive, copy, "keys/kek.bin", at=3), "does not match its checksum"),
        (lambda archive, copy: truncate(archive, copy), "truncated"),
        (lambda archive, copy: truncate(archive, copy, 0.001), "not a readable backup"),
    ],
    ids=["a-row", "the-key", "cut", "cut-short"],
)
def test_a_corrupt_or_truncated_archive_is_refused_before_anything_is_written(
    sqlite_source: Source, empty_home: HubSettings, tmp_path: Path, damage: object, expected: str
) -> None:
    copy = damage(sqlite_source.made.path, tmp_path / "damaged.tar")  # type: ignore[operator]
    with pytest.raises(ArchiveRefused, match=expected) as refused:
        restore_backup(copy, empty_home, progress=_quiet)
    assert len(str(refused.value).splitlines()) == 1
    assert not empty_home.home.exists()


def test_an_archive_with_an_edited_audit_event_fails_its_check_and_nothing_is_put_in_place(
    sqlite_source: Source, empty_home: HubSettings, tmp_path: Path
) -> None:
    actor = _column(sqlite_source.made.manifest, "audit_events", "actor")

    def edited(row: list[object]) -> list[object]:
        return [*row[:actor], "service:someone-else", *row[actor + 1 :]] if row[0] == 2 else row

    doctored = rewrite(sqlite_source.made.path, tmp_path / "doctored.tar", edit_rows("audit_events", edited))
    with pytest.raises(RestoreCheckFailed, match="audit trail does not verify") as refused:
        restore_backup(doctored, empty_home, progress=_quiet)
    assert "Okafor" not in str(refused.value)
    _nothing_restored(empty_home)


def test_an_archive_with_the_wrong_key_fails_its_check_and_nothing_is_put_in_place(
    sqlite_source: Source, empty_home: HubSettings, tmp_path: Path
) -> None:
    wrong_key = {"keys/kek.bin": lambda _old: new_data_key()}
    doctored = rewrite(sqlite_source.made.path, tmp_path / "doctored.tar", wrong_key)
    with pytest.raises(RestoreCheckFailed, match="do not open with the restored keys"):
        restore_backup(doctored, empty_home, progress=_quiet)
    _nothing_restored(empty_home)


def test_a_home_with_data_is_refused_and_left_as_it_was(sqlite_source: Source, empty_home: HubSettings) -> None:
    restore_backup(sqlite_source.made.path, empty_home, progress=_quiet)
    store = open_store(empty_home)
    store.save_referral(
        sqlite_source.held[f"{REFERRALS[0]} referral"].model_copy(update={"referral_id": "REF-2026-000999"}), **WHO
    )
    events = len(store.audit_trail())
    store.close()
    with pytest.raises(HomeNotEmpty, match="already holds data") as refused:
        restore_backup(sqlite_source.made.path, empty_home, progress=_quiet)
    assert "move this one aside" in str(refused.value)
    store = open_store(empty_home)
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(ReferralRow)).scalar_one() == 3
    assert len(store.audit_trail()) == events
    store.close()


def test_a_home_with_a_key_or_witness_of_its_own_is_refused(sqlite_source: Source, tmp_path: Path) -> None:
    keyed = home_settings(tmp_path / "keyed")
    keyed.kek_path.parent.mkdir(parents=True)
    keyed.kek_path.write_bytes(new_data_key())
    with pytest.raises(HomeNotEmpty, match="key file of its own"):
        restore_backup(sqlite_source.made.path, keyed, progress=_quiet)
    witnessed = home_settings(tmp_path / "witnessed")
    witnessed.audit_witness_path.parent.mkdir(parents=True)
    witnessed.audit_witness_path.write_text('"a checkpoint of another log"\n')
    with pytest.raises(HomeNotEmpty, match="witness file"):
        restore_backup(sqlite_source.made.path, witnessed, progress=_quiet)
    assert not (witnessed.home / "hub.db").exists() and not witnessed.kek_path.exists()


def test_a_restore_stopped_part_way_is_finished_by_running_it_again(
    sqlite_source: Source, empty_home: HubSettings
) -> None:
    """As a `kill -9` after the keys were moved into place leaves it: the same key files, no database yet."""
    restore_backup(sqlite_source.made.path, empty_home, progress=_quiet)
    (empty_home.home / "hub.db").unlink()
    leftover = empty_home.home / ".restore-0123456789ab"
    leftover.mkdir(mode=0o700)
    (leftover / "kek.bin").write_bytes(b"x")
    os.chmod(empty_home.audit_witness_path, 0o600)
    empty_home.audit_witness_path.unlink()  # the witness holds the restore's checkpoint: not the archive's
    lines: list[str] = []
    restore_backup(sqlite_source.made.path, empty_home, progress=lines.append)
    assert any("leftovers" in line for line in lines) and not leftover.exists()
    store = open_store(empty_home)
    assert everything(store) == sqlite_source.held
    store.close()
