"""A user's mistake gets one clear line and a non-zero exit, never a traceback, and nothing is stored."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_REFERRAL
from tests.staff import signed_in_home

HUB = str(Path(sys.executable).parent / "hub")
SURNAME = "Okafor-Reid"


def run_hub(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "HUB_HOME": str(home), "COLUMNS": "200", **env}
    environment.pop("HUB_AIRFLOW_URL", None)
    return subprocess.run([HUB, *args], capture_output=True, text=True, env=environment, timeout=120)


def assert_clean_refusal(result: subprocess.CompletedProcess[str], *expected: str, max_lines: int = 2) -> str:
    """`max_lines`: one message, which rich may wrap once; a refused referral lists its problems one a line."""
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" not in output
    assert len(result.stderr.strip().splitlines()) <= max_lines, result.stderr
    for text in expected:
        assert text in " ".join(output.split()), output
    return output


def nothing_stored(home: Path) -> bool:
    """No referral is stored (signing in creates the database, so its mere existence says nothing)."""
    if not (home / "hub.db").exists():
        return True
    with closing(sqlite3.connect(home / "hub.db")) as database:
        return database.execute("SELECT count(*) FROM referrals").fetchone()[0] == 0


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "referral.json"
    path.write_text(content)
    return path


def sample() -> dict[str, object]:
    loaded: dict[str, object] = json.loads(SAMPLE_REFERRAL.read_text())
    return loaded


def test_malformed_json_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    signed_in_home(home)
    result = run_hub("referral", "submit", str(write(tmp_path, '{"referral_id": ')), home=home)
    assert_clean_refusal(result, "not valid JSON", "line 1")
    assert nothing_stored(home)


def test_invalid_referral_names_the_field_but_not_the_value(tmp_path: Path) -> None:
    raw = sample()
    raw["subjects"][0]["person"]["identifiers"]["nhs_number"] = "9990001015"  # type: ignore[index]
    raw["subjects"][0]["person"]["birth_date"] = "14/03/2015"  # type: ignore[index]
    home = tmp_path / "home"
    signed_in_home(home)
    result = run_hub("referral", "submit", str(write(tmp_path, json.dumps(raw))), home=home)
    output = assert_clean_refusal(
        result,
        "not a valid referral (2 problems)",
        "subjects[0].person.birth_date",
        "subjects[0].person.identifiers.nhs_number",
        max_lines=4,
    )
    assert "14/03/2015" not in output and "9990001015" not in output and SURNAME not in output
    assert nothing_stored(home)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    signed_in_home(tmp_path / "home")
    result = run_hub("referral", "submit", str(tmp_path / "absent.json"), home=tmp_path / "home")
    assert_clean_refusal(result, "No such file")


def test_submit_without_airflow_stores_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    signed_in_home(home)
    result = run_hub("referral", "submit", str(SAMPLE_REFERRAL), home=home)
    assert_clean_refusal(result, "Airflow is not running", "hub airflow up")
    assert nothing_stored(home)


def test_nobody_signed_in_is_told_how_to_sign_in_and_nothing_is_stored(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = run_hub("referral", "submit", str(SAMPLE_REFERRAL), home=home, USER="dr.jane.smith")
    assert_clean_refusal(result, "You are not signed in", "hub login USERNAME")
    assert nothing_stored(home)


def test_unknown_referral_id_is_refused(tmp_path: Path) -> None:
    signed_in_home(tmp_path / "home")
    result = run_hub("chronology", "show", "REF-DOES-NOT-EXIST", home=tmp_path / "home")
    assert_clean_refusal(result, "No referral with id 'REF-DOES-NOT-EXIST'")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere; covered by the file-as-home case")
def test_read_only_hub_home_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = run_hub("referral", "submit", str(SAMPLE_REFERRAL), home=locked / "home")
    assert_clean_refusal(result, "not writable", "HUB_HOME")


def test_hub_home_that_is_a_file_is_refused(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    result = run_hub("chronology", "show", "REF-1", home=not_a_folder)
    assert_clean_refusal(result, "not writable", "HUB_HOME")


def test_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    result = run_hub("referral", "resubmit", home=tmp_path / "home")
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
