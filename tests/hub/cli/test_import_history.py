"""`hub referral import-history` through its entry point, as a manager going live runs it: a generated year imported
with its decisions (the generator's manifest as it is), run again storing nothing, a bad file refusing the lot,
and a practitioner refused in one line. Imported referrals are history: housekeeping never triggers them."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.checks.reconcile import referrals_to_trigger
from hub.chronology.check_states import IMPORTED_HISTORY
from hub.settings import HubSettings
from hub.store.home import open_store
from schemas import ChecksStage
from tests.hub.cli.test_bad_input import assert_clean_refusal, nothing_stored
from tests.hub.insight.year import generate_year, manifest
from tests.hub_here import run_hub_here
from tests.markers import sample_family_markers
from tests.staff import signed_in_home


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_year(tmp_path_factory.mktemp("import") / "y2025", year=2025, scale=1)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    HubSettings.from_env({**os.environ, "HUB_HOME": str(home)}).ensure_home()
    signed_in_home(home, "test.manager", "manager")
    return home


def test_a_manager_imports_a_year_with_its_decisions_once(home: Path, year: Path) -> None:
    count = len(manifest(year))
    done = run_hub_here("referral", "import-history", str(year), "--decisions", str(year / "manifest.csv"), home=home)
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())
    assert f"Imported {count} past referrals as history (0 already imported, skipped)." in said
    assert "The hub did not check the agencies for them." in said
    assert f"Decisions: {count} recorded as agreed at their past times (0 already on record)." in said
    assert not any(marker in done.stdout + done.stderr for marker in sample_family_markers())

    again = run_hub_here("referral", "import-history", str(year), "--decisions", str(year / "manifest.csv"), home=home)
    assert again.returncode == 0, again.stderr
    assert f"Imported 0 past referrals as history ({count} already imported, skipped)." in " ".join(
        again.stdout.split()
    )

    settings = HubSettings.from_env({**os.environ, "HUB_HOME": str(home)})
    store = open_store(settings)
    ids = [row["referral_id"] for row in manifest(year)]
    assert all(getattr(store.referral_checks(each), "stage", None) is ChecksStage.IMPORTED for each in ids)
    later = datetime.now(UTC) + timedelta(days=1)
    assert referrals_to_trigger(settings, now=later) == []  # housekeeping never starts checks for history
    assert all(getattr(store.referral_checks(each), "stage", None) is ChecksStage.IMPORTED for each in ids)
    assert store.overdue_checks(later) == {}

    # History, not live work: not in the list of referrals, only with --history, and its history says so.
    assert "No referrals yet." in run_hub_here("referral", "list", home=home).stdout
    listed = run_hub_here("referral", "list", "--history", home=home)
    assert listed.returncode == 0, listed.stderr
    assert ids[0] in listed.stdout and IMPORTED_HISTORY in " ".join(listed.stdout.split())
    store.allocate(ids[0], "test.manager", actor="service:test-setup", purpose="test allocation")
    report = home / "imported.html"
    shown = run_hub_here("chronology", "show", ids[0], "--html", str(report), home=home)
    assert shown.returncode == 0, shown.stderr
    for said in (" ".join(shown.stdout.split()), " ".join(re.sub(r"<[^>]+>", " ", report.read_text("utf-8")).split())):
        assert IMPORTED_HISTORY in said
        assert "Not an all-clear: the hub did not check the agencies for this imported referral" in said
        assert "not every check has answered" not in said
        assert "has not been asked" not in said and "have not started" not in said
        assert "not asked" not in said.lower() and "Not yet known" not in said


def test_a_bad_file_imports_nothing_and_a_practitioner_is_refused(home: Path, year: Path, tmp_path: Path) -> None:
    folder = tmp_path / "past"
    folder.mkdir()
    good = sorted(year.glob("*.json"))[:2]
    for path in good:
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "broken.json").write_text('{"referral_id": "X"}', encoding="utf-8")
    refused = run_hub_here("referral", "import-history", str(folder), home=home)
    output = assert_clean_refusal(
        refused, "Nothing was imported:", "broken.json: received_at: is required", max_lines=40
    )
    assert "Traceback" not in output
    assert nothing_stored(home)

    signed_in_home(home, "test.practitioner", "practitioner")
    assert_clean_refusal(
        run_hub_here("referral", "import-history", str(year), home=home),
        "cannot import past referrals; only manager can",
    )
    assert_clean_refusal(run_hub_here("insight", "referrers", home=home), "cannot see referrer insight")
    assert nothing_stored(home)
