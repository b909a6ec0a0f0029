"""`hub referral submit` as a new user meets it: every refusal the issue quotes, through its entry point.

Each prints its problems (all of them), exits non-zero, never says "internal error" and stores nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.settings import HubSettings
from tests.conftest import SAMPLE_REFERRAL
from tests.hub.checks.airflow_double import FakeAirflow, Runs
from tests.hub.cli.test_bad_input import nothing_stored, sample, write
from tests.hub_here import run_hub_here
from tests.markers import sample_family_markers
from tests.staff import signed_in_home


@pytest.fixture
def home(tmp_path: Path) -> Path:
    signed = tmp_path / "home"
    signed_in_home(signed)
    return signed


def refused(result_stderr: str, returncode: int) -> list[str]:
    assert returncode == 1, result_stderr
    assert "internal error" not in result_stderr and "Traceback" not in result_stderr
    assert result_stderr.startswith("error: ")
    return result_stderr.removeprefix("error: ").splitlines()


def test_every_problem_is_printed_one_a_line_and_nothing_is_stored(tmp_path: Path, home: Path) -> None:
    raw = sample()
    del raw["rag"], raw["narrative"]
    raw["subjects"][1]["person"]["birth_date"] = "2999-01-01"  # type: ignore[index]
    text = json.dumps(raw).replace('"referral_id"', '"referral_id": "REF-OTHER", "referral_id"', 1)
    file = write(tmp_path, text)
    result = run_hub_here("referral", "submit", str(file), home=home)
    assert refused(result.stderr, result.returncode) == [
        f"{file} is not a valid referral (4 problems):",
        "  referral_id: is given more than once",
        "  rag: is required",
        "  narrative: is required",
        "  subjects[1].person.birth_date: is in the future",
        "See schemas/json/referral.v1.schema.json and config/examples/referral.json.",
    ]
    assert [marker for marker in sample_family_markers() if marker in result.stdout + result.stderr] == []
    assert nothing_stored(home)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[" * 100_000 + "]" * 100_000, "nests objects and lists more than 32 deep. Fix the file and try again."),
        ('{"referral_id": ' + "9" * 5000 + "}", "is not a valid referral (7 problems):"),
    ],
    ids=["100000-deep", "5000-digit number"],
)
def test_what_gave_internal_error_is_a_users_mistake(tmp_path: Path, home: Path, content: str, expected: str) -> None:
    file = write(tmp_path, content)
    result = run_hub_here("referral", "submit", str(file), home=home)
    first = refused(result.stderr, result.returncode)[0]
    assert first == f"{file} {expected}"
    assert nothing_stored(home)


def test_a_50_mb_narrative_is_refused_before_it_is_read(tmp_path: Path, home: Path) -> None:
    raw = sample()
    raw["narrative"] = "x" * (50 * 1024 * 1024)
    file = write(tmp_path, json.dumps(raw))
    result = run_hub_here("referral", "submit", str(file), home=home)
    assert refused(result.stderr, result.returncode) == [
        f"{file} is too large: {file.stat().st_size:,} bytes, where a referral may be at most 1,048,576 bytes "
        "(1 MiB). Fix the file and try again."
    ]
    assert nothing_stored(home)


def test_with_airflow_answering_a_refused_referral_triggers_nothing(tmp_path: Path, home: Path) -> None:
    """Airflow is up (a stand-in api-server over real HTTP): the refused file reaches it not once, the sample does."""
    settings = HubSettings.from_env({"HUB_HOME": str(home)})
    raw = sample()
    raw["subjects"][0]["person"]["birth_date"] = "1990-01-01"  # type: ignore[index]  # an adult as the child
    with FakeAirflow(Runs()) as airflow:
        airflow.api.save(settings.airflow_api_file)
        result = run_hub_here("referral", "submit", str(write(tmp_path, json.dumps(raw))), home=home)
        assert refused(result.stderr, result.returncode)[0].endswith(
            "subjects[0].person.birth_date: makes them 18 or over when the referral was received, but the role "
            "'subject_child' is for a child under 18 (an adult in the home is 'other_adult'). "
            "See schemas/json/referral.v1.schema.json and config/examples/referral.json."
        )
        assert airflow.calls == [] and airflow.runs.runs == {}
        assert nothing_stored(home)
        accepted = run_hub_here("referral", "submit", str(SAMPLE_REFERRAL), home=home)
    assert accepted.returncode == 0, accepted.stderr
    assert airflow.count("trigger") == 1 and not nothing_stored(home)
