"""Importing past referrals (`hub.checks.history`) on SQLite and PostgreSQL: a generated year stored as imported
history with its assessments and agreed decisions at their past times, a second run storing nothing, and every
refusal (a bad file, a bad decision row, an id taken by other content) listing each problem and storing nothing."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hub.checks.history import IMPORT_PURPOSE, HistoryRefused, import_history
from hub.chronology.check_states import IMPORTED_HISTORY, gaps
from hub.decisions.config import read_decisions_file
from hub.retention import apply_retention, read_retention_file
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.decision_records import IMPORTED_BY, DecisionStatus
from schemas import ChecksStage, Referral
from tests.conftest import SAMPLE_REFERRAL
from tests.hub.insight.year import generate_year, manifest

ACTOR = "user:test.manager"


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated 2025 (scale 2: a few dozen referrals), made once for the module."""
    return generate_year(tmp_path_factory.mktemp("history") / "y2025", year=2025, scale=2)


@pytest.fixture
def settings() -> HubSettings:
    return HubSettings.from_env()


def copy_of(year: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(year, target)
    return target


def stored_count(store: HubStore) -> int:
    """Every referral stored, live or imported."""
    return len(store.referral_summaries()) + len(store.referral_summaries(history=True))


def test_a_year_is_imported_as_history_with_its_decisions_and_once_only(
    store: HubStore, settings: HubSettings, year: Path
) -> None:
    rows = manifest(year)
    seen: list[tuple[int, int]] = []
    report = import_history(
        settings, store, year, year / "manifest.csv", actor=ACTOR, progress=lambda done, of: seen.append((done, of))
    )
    assert (report.stored, report.skipped) == (len(rows), 0)
    assert (report.decisions_stored, report.decisions_skipped) == (len(rows), 0)
    assert seen[-1] == (len(rows), len(rows)) and len(seen) == len(rows)
    decisions = {decision.referral_id: decision for decision in store.decision_listing()}
    for row in rows:
        checks = store.referral_checks(row["referral_id"])
        assert checks is not None and checks.stage is ChecksStage.IMPORTED
        decision = decisions[row["referral_id"]]
        assert (decision.outcome, decision.level) == (row["outcome"], int(row["level"]))
        assert decision.recorded_at == datetime.fromisoformat(row["decided_at"])
        assert decision.status is DecisionStatus.AGREED and decision.sign_off is not None
        assert decision.sign_off.signed_by == IMPORTED_BY
    assert len(store.quality_summaries(actor=ACTOR, purpose="test")) == len(rows)
    created = [e for e in store.audit_trail(action="referral.create") if e.purpose == IMPORT_PURPOSE]
    assert sorted(e.referral_id for e in created) == sorted(row["referral_id"] for row in rows)
    # Read back through the decision store's own checks: every imported row matches its audited digest.
    first = rows[0]["referral_id"]
    assert store.read_decisions(first, actor=ACTOR, purpose="test")[0].rationale

    again = import_history(settings, store, year, year / "manifest.csv", actor=ACTOR)
    assert (again.stored, again.skipped, again.decisions_stored, again.decisions_skipped) == (
        0,
        len(rows),
        0,
        len(rows),
    )
    assert len([e for e in store.audit_trail(action="referral.create") if e.purpose == IMPORT_PURPOSE]) == len(rows)
    assert len(store.decision_listing()) == len(rows)


def test_every_bad_file_is_listed_by_name_and_field_and_nothing_is_stored(
    store: HubStore, settings: HubSettings, year: Path, tmp_path: Path
) -> None:
    folder = copy_of(year, tmp_path)
    first, second = sorted(folder.glob("*.json"))[:2]
    first.write_text(first.read_text("utf-8").replace('"received_at"', '"received"', 1), encoding="utf-8")
    second.write_text("{not json", encoding="utf-8")
    with pytest.raises(HistoryRefused) as refused:
        import_history(settings, store, folder, None, actor=ACTOR)
    message = str(refused.value)
    assert message.startswith("Nothing was imported:")
    assert f"{first.name}: received_at: is required" in message
    assert f"{first.name}: received: is not a field of a referral" in message
    assert f"{second.name}: " in message
    assert "Traceback" not in message
    assert stored_count(store) == 0


def test_bad_decision_rows_are_listed_by_line_and_column_and_nothing_is_stored(
    store: HubStore, settings: HubSettings, year: Path, tmp_path: Path
) -> None:
    folder = copy_of(year, tmp_path)
    lines = (folder / "manifest.csv").read_text("utf-8").splitlines()
    header = lines[0].split(",")
    bad_outcome = lines[1].split(",")
    bad_outcome[header.index("outcome")] = "lock_them_up"
    bad_level = lines[2].split(",")
    bad_level[header.index("level")] = "7"
    early = lines[3].split(",")
    early[header.index("decided_at")] = "2024-01-01T09:00:00+00:00"
    unknown = lines[4].split(",")
    unknown[0] = "NOT-IMPORTED-1"
    lines[1:5] = [",".join(row) for row in (bad_outcome, bad_level, early, unknown)]
    (folder / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(HistoryRefused) as refused:
        import_history(settings, store, folder, folder / "manifest.csv", actor=ACTOR)
    message = str(refused.value)
    assert "manifest.csv line 2: outcome is not one of decisions.yaml's outcomes" in message
    assert "manifest.csv line 3: level must be a level of need, 1 to 4" in message
    assert "manifest.csv line 4: decided_at is before the referral was received" in message
    assert "manifest.csv line 5: referral_id is not one of the referrals being imported" in message
    assert "lock_them_up" not in message
    assert stored_count(store) == 0


def test_an_id_already_held_with_other_content_is_refused_naming_it_and_nothing_is_stored(
    store: HubStore, settings: HubSettings, year: Path, tmp_path: Path
) -> None:
    folder = copy_of(year, tmp_path)
    path = sorted(folder.glob("*.json"))[-1]
    held = Referral.model_validate_json(path.read_text("utf-8"))
    store.save_referral(held.model_copy(update={"narrative": held.narrative + " More."}), actor=ACTOR, purpose="test")
    with pytest.raises(HistoryRefused) as refused:
        import_history(settings, store, folder, None, actor=ACTOR)
    assert f"{held.referral_id}: the hub already holds a different referral with this id" in str(refused.value)
    assert stored_count(store) == 1


def test_imported_referrals_are_history_not_live_work(store: HubStore, settings: HubSettings, year: Path) -> None:
    live = Referral.model_validate_json(SAMPLE_REFERRAL.read_text("utf-8"))
    store.save_referral(live, actor=ACTOR, purpose="referral_intake", for_checks=True)
    import_history(settings, store, year, None, actor=ACTOR)
    assert [summary.referral_id for summary in store.referral_summaries()] == [live.referral_id]
    past = store.referral_summaries(history=True)
    assert sorted(summary.referral_id for summary in past) == sorted(row["referral_id"] for row in manifest(year))
    assert all(summary.imported for summary in past)
    one = store.referral_summary(past[0].referral_id)
    assert one is not None and one.imported
    live_summary = store.referral_summary(live.referral_id)
    assert live_summary is not None and not live_summary.imported
    assert gaps([], {}, stage=ChecksStage.IMPORTED) == [IMPORTED_HISTORY]


def test_a_referral_holding_another_decision_is_refused_before_anything_is_stored(
    store: HubStore, settings: HubSettings, year: Path, tmp_path: Path
) -> None:
    folder = copy_of(year, tmp_path)
    first, *_ = sorted(folder.glob("*.json"))
    held = Referral.model_validate_json(first.read_text("utf-8"))
    store.save_referral(held, actor=ACTOR, purpose="test")
    store.record_decision(
        held.referral_id, outcome="early_help", level=2, rationale="r" * 60, actor="user:p", purpose="test"
    )
    with pytest.raises(HistoryRefused) as refused:
        import_history(settings, store, folder, folder / "manifest.csv", actor=ACTOR)
    assert f"{held.referral_id}: the hub already holds a different decision on this referral" in str(refused.value)
    assert stored_count(store) == 1 and len(store.decision_listing()) == 1


def test_referrals_the_retention_schedule_destroyed_are_never_imported_again(
    store: HubStore, settings: HubSettings, year: Path
) -> None:
    rows = manifest(year)
    import_history(settings, store, year, year / "manifest.csv", actor=ACTOR)
    decisions = read_decisions_file(settings.config_dir / "decisions.yaml")
    config = read_retention_file(settings.config_dir / "retention.yaml", decisions)
    gone = date(2100, 1, 1)  # Every rule's date for a 2025 referral has passed by then.
    report = apply_retention(store, config, as_of=gone, today=gone, zone=ZoneInfo("Europe/London"), actor=ACTOR)
    assert len(report.destroy) == len(rows) and stored_count(store) == 0

    again = import_history(settings, store, year, year / "manifest.csv", actor=ACTOR)
    assert (again.stored, again.skipped, again.destroyed, again.decisions_stored) == (0, 0, len(rows), 0)
    assert stored_count(store) == 0
