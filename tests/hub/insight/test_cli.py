"""`hub insight` through its entry point, as a manager runs it: a report and its CSV over a period, a mistyped period
and a practitioner refused in one line, and the schools register loaded, a bad file loading nothing."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from hub.settings import HubSettings
from hub.store.home import open_store
from tests.hub.cli.test_bad_input import assert_clean_refusal
from tests.hub.quality.referrals import good_referral, referral
from tests.hub_here import run_hub_here
from tests.markers import sample_family_markers
from tests.staff import signed_in_home

NOVEMBER = ("--from", "2026-11-01", "--to", "2026-11-30")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """Two police referrals received on 2 November 2026 and a third from a school, and a manager signed in."""
    home = tmp_path / "home"
    settings = HubSettings.from_env({**os.environ, "HUB_HOME": str(home)})
    settings.ensure_home()
    store = open_store(settings)
    try:
        school = referral(
            referral_id="REF-2026-000901", referrer={"kind": "education", "organisation": "Hillside Primary School"}
        )
        for made in (referral(), good_referral(), school):
            store.save_referral(made, actor="service:test-setup", purpose="test referrals")
    finally:
        store.close()
    signed_in_home(home, "test.manager", "manager")
    return home


def test_a_report_in_the_terminal_and_as_csv(home: Path) -> None:
    shown = run_hub_here("insight", "referrers", *NOVEMBER, home=home)
    assert shown.returncode == 0, shown.stderr
    said = " ".join(shown.stdout.split())
    assert "Referrals by referrer, 1 November 2026 to 30 November 2026" in said
    assert "3 referrals received from 1 November 2026 to 30 November 2026." in said
    assert "The largest referrer type was police: 2 (67%)." in said
    as_csv = run_hub_here("insight", "referrers", *NOVEMBER, "--csv", home=home)
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert rows == [
        ["period_start", "referrer_type", "organisation", "referrals"],
        ["2026-11-01", "education", "Hillside Primary School", "1"],
        ["2026-11-01", "police", "Northbridge Police Public Protection Unit", "2"],
    ]
    weekly = run_hub_here("insight", "police", *NOVEMBER, "--step", "week", "--csv", home=home)
    assert weekly.returncode == 0, weekly.stderr
    first_weeks = [row[:2] for row in csv.reader(io.StringIO(weekly.stdout))][1:3]
    assert first_weeks == [["2026-10-26", "0"], ["2026-11-02", "2"]]
    for output in (shown.stdout, as_csv.stdout, weekly.stdout):
        assert not any(marker in output for marker in sample_family_markers())


def test_a_mistyped_period_and_a_practitioner_are_refused_in_one_line(home: Path) -> None:
    assert_clean_refusal(
        run_hub_here("insight", "outcomes", "--from", "2026-12-01", "--to", "2026-11-01", home=home),
        "to must be the same day as from or later",
    )
    assert_clean_refusal(
        run_hub_here("insight", "timeliness", "--step", "day", home=home), "step must be month or week"
    )
    signed_in_home(home, "test.practitioner", "practitioner")
    refused = assert_clean_refusal(
        run_hub_here("insight", "referrers", "--csv", home=home), "only ig_officer, manager can"
    )
    assert "Northbridge" not in refused


def test_the_schools_register_is_loaded_and_a_bad_file_loads_nothing(home: Path, tmp_path: Path) -> None:
    register = tmp_path / "schools.csv"
    register.write_text(
        "dfe_number,name,pupils\n886/2001,Hillside Primary School,412\n886/2002,Oak Lane Primary,230\n",
        encoding="utf-8",
    )
    loaded = run_hub_here("insight", "load-schools", str(register), home=home)
    assert loaded.returncode == 0, loaded.stderr
    assert "Loaded 2 schools into the register (642 pupils on roll)." in " ".join(loaded.stdout.split())
    bad = tmp_path / "bad.csv"
    bad.write_text("dfe_number,name,pupils\n886/3001,Elm School,100\n886/3002,Ash School,lots\n", encoding="utf-8")
    assert_clean_refusal(
        run_hub_here("insight", "load-schools", str(bad), home=home),
        "bad.csv line 3: pupils must be a whole number from 0 to 10000",
    )
    report = run_hub_here("insight", "schools", *NOVEMBER, "--csv", home=home)
    assert report.returncode == 0, report.stderr
    assert [row[:4] for row in csv.reader(io.StringIO(report.stdout))] == [
        ["dfe_number", "school", "pupils", "referrals"],
        ["886/2002", "Oak Lane Primary", "230", "0"],
        ["886/2001", "Hillside Primary School", "412", "1"],
    ]
