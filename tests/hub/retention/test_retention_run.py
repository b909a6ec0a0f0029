"""The retention run with a frozen clock (`as_of`), on SQLite and PostgreSQL: every expired referral destroyed,
none early, holds and running checks respected, nothing left behind, and the audit trail still verified."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import String, func, or_, select, text

from hub.audit import AuditAction
from hub.crypto import KeyShredded, LocalKeyProvider, intake_epoch
from hub.decisions.config import read_decisions_file
from hub.retention import RetentionConfig, RetentionReport, RunRefused, apply_retention, read_retention_file
from hub.settings import REPO_ROOT
from hub.store import HubStore, UnknownReferral
from hub.store.errors import Unreadability, UnreadableRecord
from hub.store.keys import referral_key_id, stored_key
from hub.store.migrations.scripts import hub_metadata
from hub.store.retention_purge import KEPT
from hub.store.retention_records import HoldRefused
from hub.store.tables import DataKey
from schemas import ChecksStage
from tests.hub.retention.population import NAMES, Case, store_everything, store_referral
from tests.staff import add_staff_accounts

CONFIG: RetentionConfig = read_retention_file(
    REPO_ROOT / "config" / "retention.yaml", read_decisions_file(REPO_ROOT / "config" / "decisions.yaml")
)
ZONE = ZoneInfo("Europe/London")
IG = "user:ivy.governance"
RUNNING = ChecksStage.IN_PROGRESS
NEW_YEARS_EVE, NEW_YEAR = date(2030, 12, 31), date(2031, 1, 1)

CASES = {
    # Due at the end of 2030: destroyed on 1 January 2031, never on 31 December 2030.
    "R-NFA": Case("R-NFA", date(2024, 2, 1), ("2012-01-01",), "nfa", date(2024, 3, 1)),
    "R-ADVICE": Case("R-ADVICE", date(2024, 12, 1), ("2012-01-01",), "information_advice", date(2024, 12, 30)),
    "R-EARLY": Case("R-EARLY", date(2019, 1, 1), ("2005-06-01",), "early_help", date(2019, 1, 2)),
    "R-NO-DOB": Case("R-NO-DOB", date(2004, 7, 7), (None,), "early_help", date(2004, 7, 8)),  # Taken as born 2005.
    "R-UNDECIDED": Case("R-UNDECIDED", date(2024, 6, 1), ("2015-01-01",)),
    "R-IMPORTED": Case("R-IMPORTED", date(2024, 2, 2), ("2004-04-04",), imported=True),
    "R-HELD": Case("R-HELD", date(2024, 1, 1), ("2012-01-01",), "nfa", date(2024, 1, 5)),
    "R-RUNNING": Case("R-RUNNING", date(2024, 1, 1), ("2012-01-01",), "nfa", date(2024, 1, 6), checks=RUNNING),
    # Due earlier: destroyed by the first run.
    "R-OLD": Case("R-OLD", date(2022, 12, 1), ("2010-01-01",), "nfa", date(2023, 1, 1), imported=True),
    # Due later: kept.
    "R-S17": Case("R-S17", date(2019, 1, 1), ("2005-01-01", "2006-03-03"), "s17_assessment", date(2019, 1, 2)),
    "R-S47": Case("R-S47", date(2024, 5, 5), ("2010-01-01",), "s47_strategy_discussion", date(2024, 5, 5)),
    "R-LATER": Case("R-LATER", date(2025, 1, 1), ("2012-01-01",), "nfa", date(2025, 1, 10)),
}  # fmt: skip
EXPECTED = {
    "R-NFA": 2030, "R-ADVICE": 2030, "R-EARLY": 2030, "R-NO-DOB": 2030, "R-UNDECIDED": 2030, "R-IMPORTED": 2030,
    "R-HELD": 2030, "R-RUNNING": 2030, "R-OLD": 2029, "R-S17": 2031, "R-S47": 2059, "R-LATER": 2031,
}  # fmt: skip


def run(store: HubStore, as_of: date, *, dry_run: bool = False) -> RetentionReport:
    return apply_retention(store, CONFIG, as_of=as_of, today=as_of, zone=ZONE, actor=IG, dry_run=dry_run)


def destroyed(report: RetentionReport) -> set[str]:
    return {item.referral_id for item in report.destroy}


AUDIT_TABLES = ("audit_events", "audit_checkpoints", "audit_tree")


def contents(store: HubStore) -> dict[str, str]:
    """A digest of every row of every table but the audit trail's: equal only if nothing was changed."""
    digests = {}
    with store.engine.connect() as connection:
        for table in hub_metadata().sorted_tables:
            if table.name not in AUDIT_TABLES:
                rows = sorted(repr(tuple(row)) for row in connection.execute(select(table)))
                digests[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


def row_counts(store: HubStore) -> dict[str, int]:
    with store.engine.connect() as connection:
        return {
            name: int(connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
            for name in sorted(hub_metadata().tables)
        }


def test_every_expired_referral_is_destroyed_and_none_early(store: HubStore) -> None:
    for case in CASES.values():
        store_referral(store, case)

    first = run(store, NEW_YEARS_EVE)
    assert destroyed(first) == {"R-OLD"}  # Due end of 2029; everything due end of 2030 survives 31 December.
    schedules = {facts.referral_id: facts.schedule for facts in store.retention_facts()}
    assert {rid: s.disposal_date for rid, s in schedules.items() if s} == {
        rid: date(year, 12, 31) for rid, year in EXPECTED.items() if rid != "R-OLD"
    }
    assert {item.referral_id for item in first.due_soon} == {r for r, y in EXPECTED.items() if y == 2030}
    assert schedules["R-S47"] is not None and schedules["R-S47"].epoch == "disposal-2059"
    assert not store.referral_exists("R-OLD")
    [old] = store.destruction_records()
    assert old.epochs == (intake_epoch(datetime.now(UTC)),)  # Due before any run moved its keys: still at intake.
    assert old.epochs[0] in first.epochs_destroyed  # That month is over by `as_of`, and its epoch now empty.

    hold = store.place_legal_hold("R-HELD", reason="litigation", note="Claim expected.", actor=IG, purpose="test")
    second = run(store, NEW_YEAR)
    assert destroyed(second) == {"R-NFA", "R-ADVICE", "R-EARLY", "R-NO-DOB", "R-UNDECIDED", "R-IMPORTED"}
    assert [(item.referral_id, item.holds) for item in second.held] == [("R-HELD", (hold,))]
    assert [item.referral_id for item in second.checks_running] == ["R-RUNNING"]
    assert store.epoch_key_counts().get(f"hold-{hold}") == 1  # The held referral's keys wait in its hold's epoch.
    assert store.retention_epochs()["disposal-2030"] is None  # Still holds the running referral's key.

    store.release_legal_hold(hold, note="Claim settled.", actor=IG, purpose="test")
    store.mark_checks("R-RUNNING", ChecksStage.COMPLETE)
    third = run(store, date(2031, 1, 2))
    assert destroyed(third) == {"R-HELD", "R-RUNNING"}
    assert set(third.epochs_destroyed) == {"disposal-2030", f"hold-{hold}"}

    kept = {"R-S17", "R-S47", "R-LATER"}
    assert {facts.referral_id for facts in store.retention_facts()} == kept
    for referral_id in kept:  # What is kept is whole and readable.
        assert store.load_referral(referral_id, actor=IG, purpose="test").referral_id == referral_id
    records = store.destruction_records()
    assert sorted(r.referral_id for r in records) == sorted(set(CASES) - kept)
    assert all(r.rule and r.disposal_date < r.as_of and r.keys_deleted == 1 for r in records)
    with pytest.raises(UnknownReferral):
        store.load_referral("R-NFA", actor=IG, purpose="test")

    verification = store.verify_audit_trail()
    assert verification.ok, verification.problems
    assert len(verification.destroyed) == len(records)
    decided = sum(1 for r in records if CASES[r.referral_id].outcome is not None)
    assert verification.destroyed_rows == len(records) + 2 * decided  # Each referral, and decision with sign-off.
    assert any("destroyed under the retention schedule (destruction record" in line for line in verification.destroyed)
    destroy_events = store.audit_trail(action=AuditAction.RETENTION_DESTROY)
    assert [e.referral_id for e in destroy_events] == [r.referral_id for r in records]
    assert all(e.record_digest for e in destroy_events)
    runs = store.audit_trail(action=AuditAction.RETENTION_RUN)
    assert all(e.referral_id is None for e in runs)
    assert not any(name in e.object_id for e in runs for name in NAMES)


def test_a_referral_with_a_row_in_every_table_leaves_nothing_behind(store: HubStore) -> None:
    add_staff_accounts(store, {"pat.practitioner": "practitioner"})
    case = Case("R-EVERY", date(2020, 1, 1), ("2010-01-01", "2013-01-01"), "nfa", date(2020, 1, 2))
    store_everything(store, case, staff="pat.practitioner")
    neighbour = Case("R-NEIGHBOUR", date(2020, 1, 1), ("2011-01-01",), "s47_strategy_discussion", date(2020, 1, 2))
    store_everything(store, neighbour, staff="pat.practitioner")
    hold = store.place_legal_hold("R-EVERY", reason="inquiry", note="Review ordered.", actor=IG, purpose="test")
    store.release_legal_hold(hold, note="Review ended.", actor=IG, purpose="test")
    before = row_counts(store)
    assert all(before[name] for name in ("agency_recordings", "callback_deliveries", "break_glass", "link_reviews"))

    report = run(store, date(2027, 1, 1))
    assert destroyed(report) == {"R-EVERY"}

    [record] = store.destruction_records()
    emptied = {name for name, count in record.rows_deleted.items() if count}
    infrastructure = {"audit_checkpoints", "audit_tree", "data_keys", "staff_users", "alembic_version"}
    assert emptied == {name for name in before if before[name] and name not in KEPT} - infrastructure | {
        "retention_schedule"  # Written by the run itself, then deleted with the referral.
    }
    assert record.keys_deleted == 3  # The referral's key and each child's chronology key.
    assert _rows_naming(store, "R-EVERY") == {"audit_events", "destruction_records", "legal_holds"}
    assert _rows_naming(store, "R-NEIGHBOUR") >= {"referrals", "agency_replies", "chronology_versions", "data_keys"}
    [held] = store.legal_holds(include_released=True, actor=IG, purpose="test")
    assert (held.referral_destroyed, held.note, held.release_note) == (True, None, None)  # Erased with the key.
    verification = store.verify_audit_trail()
    assert verification.ok, verification.problems
    assert (
        verification.destroyed_rows
        == sum(
            record.rows_deleted.get(table, 0)
            for table in ("referrals", "agency_replies", "chronology_versions", "referral_quality", "mash_decisions")
        )
        + record.rows_deleted["mash_decision_sign_offs"]
    )


def _rows_naming(store: HubStore, referral_id: str) -> set[str]:
    """The tables with a row holding `referral_id` in any text column (keys' ids, object ids and paths included)."""
    found = set()
    with store.engine.connect() as connection:
        for table in hub_metadata().sorted_tables:
            columns = [column for column in table.c if isinstance(column.type, String)]
            if (
                columns
                and connection.execute(
                    select(func.count())
                    .select_from(table)
                    .where(or_(*(column.contains(referral_id, autoescape=True) for column in columns)))
                ).scalar_one()
            ):
                found.add(table.name)
    return found


def test_a_shredded_child_cannot_be_decrypted_even_from_an_old_backup(tmp_path: Path) -> None:
    provider = LocalKeyProvider(tmp_path / "keys" / "kek.bin")
    database = tmp_path / "hub.db"
    store = HubStore(f"sqlite:///{database}", provider)
    store.create_schema()
    add_staff_accounts(store, {"pat.practitioner": "practitioner"})
    case = Case("R-SHRED", date(2020, 1, 1), ("2010-01-01",), "nfa", date(2020, 1, 2))
    store_everything(store, case, staff="pat.practitioner")
    run(store, date(2026, 12, 31))  # Not yet due: its keys move into disposal-2026.
    assert store.epoch_key_counts()["disposal-2026"] == 2
    backup = tmp_path / "old-backup.db"
    with closing(sqlite3.connect(database)) as live, closing(sqlite3.connect(backup)) as copy:
        live.backup(copy)  # The nightly copy of the database file, taken while the keys were in their epoch.

    assert destroyed(run(store, date(2027, 1, 1))) == {"R-SHRED"}
    assert "disposal-2026" in store.retention_epochs() and store.retention_epochs()["disposal-2026"] is not None
    store.close()

    old = HubStore(f"sqlite:///{backup}", LocalKeyProvider(tmp_path / "keys" / "kek.bin"))
    try:
        for read in (
            lambda: old.load_referral("R-SHRED", actor=IG, purpose="test"),
            lambda: old.latest_chronologies("R-SHRED", actor=IG, purpose="test"),
            lambda: old.load_replies("R-SHRED", actor=IG, purpose="test"),
        ):
            with pytest.raises(UnreadableRecord) as failure:
                read()
            assert failure.value.cause is Unreadability.KEY_SHREDDED
            assert not any(name in str(failure.value) for name in NAMES)
        with old.engine.connect() as connection:  # Below the store too: the wrapped key itself is dead.
            from sqlalchemy.orm import Session

            row = Session(connection).get(DataKey, referral_key_id("R-SHRED"))
            assert row is not None and row.epoch == "disposal-2026"
            with pytest.raises(KeyShredded):
                old._keyring.unwrap(stored_key(row))
    finally:
        old.close()


def test_a_dry_run_changes_nothing_but_its_own_event(tmp_path: Path) -> None:
    store = HubStore(f"sqlite:///{tmp_path / 'hub.db'}", LocalKeyProvider(tmp_path / "kek.bin"))
    store.create_schema()
    for case in CASES.values():
        store_referral(store, case)
    run(store, date(2028, 1, 1))  # The daily runs until then: schedules stored, keys in their epochs.
    before, events, content = row_counts(store), store.audit_trail(), contents(store)

    report = run(store, NEW_YEAR, dry_run=True)

    assert contents(store) == content
    after = row_counts(store)
    assert {name: after[name] - before[name] for name in after if after[name] != before[name]} == {
        "audit_events": 1, "audit_checkpoints": 1
    }  # fmt: skip
    [event] = store.audit_trail()[len(events) :]
    assert (event.action, event.referral_id, event.actor) == ("retention.run", None, IG)
    assert event.object_id.startswith("dry run as of 2031-01-01; 12 referrals") and "would destroy 8" in event.object_id
    assert store.audit_trail()[: len(events)] == events
    assert report.epochs_destroyed == ["disposal-2029"]  # 2030 keeps R-RUNNING's.
    assert [item.referral_id for item in report.checks_running] == ["R-RUNNING"]

    actual = run(store, NEW_YEAR)
    assert destroyed(actual) == destroyed(report)  # The report said exactly what the run then did.
    assert actual.epochs_destroyed == report.epochs_destroyed
    store.close()


def test_a_dry_run_reads_nothing_to_schedule_an_age_rule(store: HubStore) -> None:
    """A referral whose age rule was never applied is reported as awaiting its schedule, not read."""
    store_referral(store, CASES["R-EARLY"])
    store_referral(store, CASES["R-NFA"])
    report = run(store, NEW_YEAR, dry_run=True)
    assert report.awaiting_schedule == ["R-EARLY"]
    assert destroyed(report) == {"R-NFA"}
    assert store.audit_trail(action=AuditAction.REFERRAL_READ) == []
    assert not any(facts.schedule for facts in store.retention_facts())


def test_a_new_decision_changes_the_schedule(tmp_path: Path) -> None:
    now = [datetime(2021, 3, 1, 12, tzinfo=UTC)]
    store = HubStore(f"sqlite:///{tmp_path / 'hub.db'}", LocalKeyProvider(tmp_path / "kek.bin"), clock=lambda: now[0])
    store.create_schema()
    try:
        store_referral(store, Case("R-LIVE", date(2021, 3, 1), ("2012-05-05",)))
        run(store, date(2021, 3, 2))
        assert _disposal(store, "R-LIVE") == ("record_classes.undecided", date(2027, 12, 31))
        store.record_decision("R-LIVE", outcome="nfa", level=1, rationale="x" * 40, actor="user:a", purpose="t")
        run(store, date(2021, 3, 2))  # Awaiting sign-off: it stands until a manager returns it.
        assert _disposal(store, "R-LIVE") == ("outcomes.nfa", date(2027, 12, 31))
        store.sign_off_decision("R-LIVE", 1, agree=False, note="Look again.", actor="user:b", purpose="t")
        run(store, date(2021, 3, 2))
        assert _disposal(store, "R-LIVE")[0] == "record_classes.undecided"
        now[0] = datetime(2022, 6, 1, 12, tzinfo=UTC)
        again = {"rationale": "y" * 40, "actor": "user:a", "purpose": "t"}
        store.record_decision("R-LIVE", outcome="s17_assessment", level=3, **again)
        reads = len(store.audit_trail(action=AuditAction.REFERRAL_READ))
        run(store, date(2022, 6, 2))
        assert _disposal(store, "R-LIVE") == ("outcomes.s17_assessment", date(2037, 12, 31))  # Child born 2012.
        run(store, date(2022, 6, 3))  # Unchanged facts: not read again.
        assert len(store.audit_trail(action=AuditAction.REFERRAL_READ)) == reads + 1
        [read] = store.audit_trail(action=AuditAction.REFERRAL_READ)[reads:]
        assert (read.referral_id, read.purpose) == ("R-LIVE", "retention schedule")
        assert store.epoch_key_counts()["disposal-2037"] == 1
    finally:
        store.close()


def _disposal(store: HubStore, referral_id: str) -> tuple[str, date]:
    [facts] = [each for each in store.retention_facts() if each.referral_id == referral_id]
    assert facts.schedule is not None
    return facts.schedule.rule, facts.schedule.disposal_date


def test_holds_are_checked_sealed_and_read_on_record(store: HubStore) -> None:
    store_referral(store, CASES["R-NFA"])
    with pytest.raises(UnknownReferral):
        store.place_legal_hold("R-NONE", reason="litigation", note="n", actor=IG, purpose="test")
    hold = store.place_legal_hold("R-NFA", reason="litigation", note=f"Claim by {NAMES[3]}.", actor=IG, purpose="test")
    with store.engine.connect() as connection:
        sealed = connection.execute(text("SELECT note_ciphertext FROM legal_holds")).scalar_one()
    assert NAMES[3].encode() not in bytes(sealed)
    [shown] = store.legal_holds(include_released=False, actor=IG, purpose="test")
    assert (shown.hold_id, shown.reason, shown.note, shown.placed_by, shown.active) == (
        hold, "litigation", f"Claim by {NAMES[3]}.", IG, True
    )  # fmt: skip
    assert [e.object_id for e in store.audit_trail(action=AuditAction.REFERRAL_READ)] == [f"legal-hold/{hold}"]
    store.release_legal_hold(hold, note="Settled.", actor=IG, purpose="test")
    with pytest.raises(HoldRefused, match="already released"):
        store.release_legal_hold(hold, note="Again.", actor=IG, purpose="test")
    assert store.legal_holds(include_released=False, actor=IG, purpose="test") == []
    assert [e.action for e in store.audit_trail(referral_id="R-NFA") if "legal" in e.action] == [
        "legal_hold.place", "legal_hold.release"
    ]  # fmt: skip
    second = store.place_legal_hold("R-NFA", reason="inquiry", note="Inquiry.", actor=IG, purpose="test")
    with store.engine.begin() as connection:  # Someone flips a byte of its sealed note outside the hub.
        sealed = connection.execute(text("SELECT note_ciphertext FROM legal_holds WHERE hold_id = :h"), {"h": second})
        flipped = bytearray(sealed.scalar_one())
        flipped[-1] ^= 1
        connection.execute(
            text("UPDATE legal_holds SET note_ciphertext = :c WHERE hold_id = :h"), {"c": bytes(flipped), "h": second}
        )
    [listed] = store.legal_holds(include_released=False, actor=IG, purpose="test")  # Still listed, said unreadable.
    assert (listed.hold_id, listed.note, listed.unreadable) == (second, None, "tampered")
    [failed] = store.audit_trail(action=AuditAction.RECORD_UNREADABLE)
    assert (failed.object_id, failed.outcome) == (f"legal-hold-note:{second}", "tampered")
    store.release_legal_hold(second, note="Ended.", actor=IG, purpose="test")
    run(store, NEW_YEAR)
    with pytest.raises(HoldRefused, match=r"destroyed under the retention schedule \(destruction record 1\)"):
        store.place_legal_hold("R-NFA", reason="litigation", note="Too late.", actor=IG, purpose="test")


def test_a_run_ahead_of_today_is_refused_and_changes_nothing(store: HubStore) -> None:
    store_referral(store, CASES["R-NFA"])
    before = row_counts(store)
    with pytest.raises(RunRefused, match="is after today"):
        apply_retention(store, CONFIG, as_of=NEW_YEAR, today=NEW_YEARS_EVE, zone=ZONE, actor=IG)
    assert row_counts(store) == before


def test_verify_accepts_only_a_genuine_destruction(store: HubStore) -> None:
    """Rows gone under an intact destruction record are destroyed; a record altered, or a row back, is a problem."""
    store_referral(store, CASES["R-NFA"])
    with store.engine.connect() as connection:
        saved = {name: connection.execute(text(f"SELECT * FROM {name}")).mappings().one() for name in ("referrals",)}
        saved["data_keys"] = (
            connection.execute(text("SELECT * FROM data_keys WHERE key_id = 'referral:R-NFA'")).mappings().one()
        )
    run(store, NEW_YEAR)
    assert store.verify_audit_trail().ok

    with store.engine.begin() as connection:  # An old backup's rows put back.
        for name in ("data_keys", "referrals"):
            columns = ", ".join(saved[name])
            values = ", ".join(f":{column}" for column in saved[name])
            connection.execute(text(f"INSERT INTO {name} ({columns}) VALUES ({values})"), dict(saved[name]))
    back = store.verify_audit_trail()
    assert not back.ok
    assert back.problems == (
        "referral R-NFA is stored again, though its referral was destroyed under the retention schedule: "
        "restored from an old backup?",
    )
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM referrals"))
        connection.execute(text("DELETE FROM data_keys WHERE key_id = 'referral:R-NFA'"))
    assert store.verify_audit_trail().ok

    with store.engine.begin() as connection:  # The record doctored: it no longer excuses anything.
        connection.execute(text("UPDATE destruction_records SET rule = 'outcomes.s47_strategy_discussion'"))
    doctored = store.verify_audit_trail()
    assert not doctored.ok and doctored.destroyed_rows == 0
    assert doctored.problems[0] == (
        "destruction record R-NFA/destruction/1 does not match what the log records as written: "
        "rolled back, swapped or edited"
    )
    assert "referral R-NFA was deleted: the log records writing it" in doctored.problems
