"""`hub sandbox referrals` through its entry point: a year written and checked as a referrer would, and clean
refusals."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from sandbox.population.dataset import Dataset
from tests.hub.cli.test_bad_input import assert_clean_refusal
from tests.hub_here import run_hub_here


def test_a_year_is_written_and_each_referral_checks_as_the_manifest_says(dataset: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "year"
    options = ("--year", "2025", "--seed", "4", "--scale", "5", "--data", str(dataset.directory))
    result = run_hub_here("sandbox", "referrals", *options, "--out", str(out), home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stdout.split())
    with (out / "manifest.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert f"{len(rows):,} referrals about" in said and "by referrer: police" in said
    assert "dated after now" not in said  # 2025 is past
    for row in rows[:3]:
        path = out / f"{row['referral_id']}.json"
        checked = run_hub_here("referral", "check", str(path), "--json", home=tmp_path / "home")
        assert checked.returncode == 0, checked.stderr
        assessment = json.loads(checked.stdout)
        assert assessment["stored"] is False
        assert sorted(finding["id"] for finding in assessment["findings"] if not finding["met"]) == sorted(
            filter(None, row["gaps"].split(";"))
        )


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--year", "2016"], "year: must be from 2017 to 2027"),
        (["--year", "2026", "--scale", "0"], "scale: must be more than 0"),
        (["--year", "2026", "--seed", "-1"], "seed: must be 0 or more (got -1)"),
        (["--year", "2026", "--data", "{tmp}"], "holds no sandbox population"),
    ],
)
def test_impossible_requests_are_refused_in_one_line_and_write_nothing(
    dataset: Dataset, tmp_path: Path, options: list[str], expected: str
) -> None:
    arguments = [option.replace("{tmp}", str(tmp_path)) for option in options]
    if "--data" not in arguments:
        arguments += ["--data", str(dataset.directory)]
    result = run_hub_here("sandbox", "referrals", *arguments, "--out", str(tmp_path / "year"), home=tmp_path / "home")
    assert_clean_refusal(result, expected)
    assert not (tmp_path / "year").exists() and not (tmp_path / "home").exists()


def test_a_folder_holding_files_is_kept_unless_forced(dataset: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "year"
    out.mkdir()
    (out / "keep.txt").write_text("precious", encoding="utf-8")
    options = ("sandbox", "referrals", "--year", "2025", "--data", str(dataset.directory), "--out", str(out))
    assert_clean_refusal(run_hub_here(*options, home=tmp_path / "home"), "is not empty", "--force")
    assert (out / "keep.txt").read_text(encoding="utf-8") == "precious"
    forced = run_hub_here(*options, "--force", home=tmp_path / "home")
    assert forced.returncode == 0, forced.stderr
    assert not (out / "keep.txt").exists() and (out / "organisations.csv").is_file()
