"""`hub retention` as an IG officer uses it: the dry-run report, holds, a run, `hub audit verify` after it, one-line
refusals, and a real `hub retention run` process killed with SIGKILL mid-way, which the next run finishes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from hub.store.retention_purge import PURGED
from tests.hub.cli.test_bad_input import HUB, assert_clean_refusal, run_hub
from tests.hub.retention.population import NAMES, Case, store_referral
from tests.staff import hub_command, refusal, signed_in_home, success

# Dates before today (this suite runs in 2026 or later): the CLI applies the schedule as of the real today.
DUE = [Case(f"R-DUE-{n:03}", date(2015, 1, 5), ("2010-01-01",), "nfa", date(2015, 1, 6)) for n in range(3)]
HELD = Case("R-HELD", date(2015, 1, 5), ("2010-01-01",), "nfa", date(2015, 1, 6))
KEPT = Case("R-KEPT", date(2020, 1, 5), ("2010-01-01",), "s47_strategy_discussion", date(2020, 1, 6))


def _settings(home: Path) -> HubSettings:
    return HubSettings.from_env({**os.environ, "HUB_HOME": str(home)})


def _home(tmp_path: Path, cases: list[Case], role: str = "ig_officer") -> Path:
    home = tmp_path / "home"
    _settings(home).ensure_home()
    signed_in_home(home, "ivy.governance", role)
    store = open_store(_settings(home))
    try:
        for case in cases:
            store_referral(store, case)
    finally:
        store.close()
    return home


def _hub(home: Path, *args: str) -> str:
    return success(hub_command(*args, HUB_HOME=str(home)))


def test_an_ig_officer_reports_holds_runs_and_verifies(tmp_path: Path) -> None:
    home = _home(tmp_path, [*DUE, HELD, KEPT])

    placed = _hub(home, "retention", "hold", "place", "R-HELD", "--reason", "litigation", "--note", "Claim expected.")
    assert "Legal hold 1 placed on referral R-HELD (Litigation, or a claim expected" in placed
    shown = _hub(home, "retention", "holds")
    assert "R-HELD" in shown and "Claim expected." in shown and "in force" in shown

    report = _hub(home, "retention", "run", "--dry-run")
    assert "Dry run of the retention schedule as of" in report and "nothing was changed" in report
    assert "Would destroy 3 referrals" in report and all(case.referral_id in report for case in DUE)
    assert "Held back by a legal hold: 1" in report and "hold 1" in report
    assert "1 not yet scheduled: their rule needs their children's birth years" in report  # R-KEPT: a dry run
    assert "R-KEPT" not in report.split("not yet scheduled")[0]  # reads no referral.
    as_json = json.loads(hub_command("retention", "run", "--dry-run", "--json", HUB_HOME=str(home)).output)
    assert [item["referral_id"] for item in as_json["would_destroy"]] == [case.referral_id for case in DUE]
    assert as_json["counts"]["held"] == 1 and as_json["dry_run"] is True

    done = _hub(home, "retention", "run")
    assert "Destroyed 3 referrals" in done and "Held back by a legal hold: 1" in done
    assert (
        "Moved 2 data keys into their disposal or hold epochs." in done
    )  # R-HELD's to hold-1, R-KEPT's to disposal-2055.
    verified = _hub(home, "audit", "verify")
    assert "Audit trail intact" in verified
    assert "9 records of 3 referrals were destroyed under the retention schedule" in verified  # And decisions.

    released = _hub(home, "retention", "hold", "release", "1", "--note", "Claim settled.")
    assert "Legal hold 1 on referral R-HELD released." in released
    again = _hub(home, "retention", "run")
    assert "Destroyed 1 referral" in again and "R-HELD" in again and "hold-1" in again
    assert "No legal holds in force." in _hub(home, "retention", "holds")
    history = _hub(home, "retention", "holds", "--all")
    assert "(erased with the referral)" in history and "Claim expected." not in history
    for said in (placed, shown, report, done, verified, released, again, history):
        assert not any(name in said for name in NAMES)


def test_bad_input_and_the_wrong_role_are_refused_in_one_line(tmp_path: Path) -> None:
    home = _home(tmp_path, [HELD])

    def refused(*args: str) -> str:
        return refusal(hub_command("retention", *args, HUB_HOME=str(home)))

    assert "is not a hold reason; use one of: litigation, inquiry" in refused(
        "hold", "place", "R-HELD", "--reason", "whim", "--note", "n"
    )
    assert "--note is required" in refused("hold", "place", "R-HELD", "--reason", "litigation", "--note", "  ")
    assert "R-NONE" in refused("hold", "place", "R-NONE", "--reason", "litigation", "--note", "n")
    assert "There is no legal hold 9" in refused("hold", "release", "9", "--note", "n")
    assert "--as-of must be a date such as 2031-01-01" in refused("run", "--as-of", "next year")
    assert "is after today" in refused("run", "--as-of", "2999-01-01")
    assert "Add --dry-run" in refused("run", "--as-of", "2999-01-01")
    assert success(hub_command("retention", "run", "--dry-run", "--as-of", "2999-01-01", HUB_HOME=str(home)))

    practitioner = _home(tmp_path / "p", [HELD], role="practitioner")
    message = refusal(hub_command("retention", "run", "--dry-run", HUB_HOME=str(practitioner)))
    assert "retention" in message
    store = open_store(_settings(practitioner))
    try:
        [denied] = [e for e in store.audit_trail(action="retention.run") if e.outcome == "denied"]
        assert denied.actor == "user:ivy.governance"
    finally:
        store.close()


def _run_process(home: Path) -> subprocess.Popen[str]:
    environment = {**os.environ, "HUB_HOME": str(home), "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    environment.pop("HUB_AIRFLOW_URL", None)
    return subprocess.Popen(
        [HUB, "retention", "run"], env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _kill_when(process: subprocess.Popen[str], line_start: str) -> None:
    """SIGKILL the run (ours, by its PID) the moment it prints a progress line starting `line_start`."""
    assert process.stdout is not None and process.stderr is not None
    try:
        for line in process.stdout:
            if line.startswith(line_start):
                os.kill(process.pid, signal.SIGKILL)
                break
    finally:
        process.wait(timeout=60)
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL, f"the run ended before printing {line_start!r}"


def _nothing_half_destroyed(store: HubStore, ids: list[str]) -> int:
    """Each referral is whole (its rows and its key, readable) or wholly gone with its destruction record."""
    records = {record.referral_id for record in store.destruction_records()}
    with store.engine.connect() as connection:  # A write lock on SQLite: released before the reads below.
        found = {
            referral_id: {
                table: connection.execute(
                    text(f"SELECT count(*) FROM {table} WHERE referral_id = :id"), {"id": referral_id}
                ).scalar_one()
                for table in PURGED
            }
            | {
                "data_keys": connection.execute(
                    text("SELECT count(*) FROM data_keys WHERE key_id = :key"), {"key": f"referral:{referral_id}"}
                ).scalar_one()
            }
            for referral_id in ids
        }
    for referral_id, rows in found.items():
        if referral_id in records:
            assert not any(rows.values()), (referral_id, rows)
        else:
            assert rows["referrals"] == rows["mash_decisions"] == rows["referral_insight"] == rows["data_keys"] == 1
    for referral_id in sorted(set(ids) - records)[:3]:  # Whole, and readable: the first survivors.
        assert store.load_referral(referral_id, actor="service:test", purpose="test").referral_id == referral_id
    verification = store.verify_audit_trail()
    assert verification.ok, verification.problems
    return len(records)


@pytest.mark.timeout(300)
def test_a_run_killed_mid_way_loses_nothing_and_the_next_run_finishes(tmp_path: Path) -> None:
    cases = [Case(f"R-{n:03}", date(2015, 1, 5), ("2010-01-01",), "nfa", date(2015, 1, 6)) for n in range(30)]
    home = _home(tmp_path, cases)
    ids = [case.referral_id for case in cases]
    _hub(home, "retention", "run", "--as-of", "2021-12-31")  # An earlier daily run: keys into disposal-2021.

    for kill_at in ("destroying: 1 of", "destroying: 10 of"):  # Progress lines: its first, and one a third in.
        _kill_when(_run_process(home), kill_at)
        store = open_store(_settings(home))
        try:
            destroyed = _nothing_half_destroyed(store, ids)
            assert 0 < destroyed < 30, f"killed at {kill_at!r}, {destroyed} destroyed"
        finally:
            store.close()

    assert "Destroyed" in _hub(home, "retention", "run")  # The next run (in-process) finishes the job.
    store = open_store(_settings(home))
    try:
        assert _nothing_half_destroyed(store, ids) == 30
        assert [record.referral_id for record in store.destruction_records()] == sorted(ids)
        assert store.retention_epochs()["disposal-2021"] is not None  # Its secret went once the last key did.
    finally:
        store.close()
    assert_clean_refusal(run_hub("retention", "run", "--as-of", "2999-01-01", home=home), "is after today")
