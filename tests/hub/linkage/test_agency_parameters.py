"""Per-agency parameters and thresholds: police records are noisier than PDS, so each agency may be weighed apart."""

from __future__ import annotations

import json
import math
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from hub.chronology.assembly import link_people
from hub.linkage.engine import Linker, load_linker
from hub.linkage.judgement import Outcome
from schemas.config_files import ConfigFileError
from tests.hub.builders import REFERRAL_ID, example_referral, household_replies
from tests.hub.linkage.builders import SETTINGS, record

MODEL = SETTINGS.parent / "linkage_model.json"
QUERY = record("Amara Joy", "Okafor-Reid", "2015-03-12", sex="female", postcode="NE6 5QT")
NEAR_MATCH = record("Amara Joy", "Okafor-Reid", "2015-03-12", record_id="C1", sex="female", postcode="NE6 5QX")
"""The same name and birth date, a postcode in the same sector: linked, but short of certain."""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """The committed settings and model, without the model's own per-agency parameters (each test adds its own)."""
    shutil.copy(SETTINGS, tmp_path / SETTINGS.name)
    shutil.copy(MODEL, tmp_path / MODEL.name)
    edit_model(tmp_path, {})
    return tmp_path


def edit_model(config_dir: Path, agencies: dict[str, Any]) -> None:
    path = config_dir / MODEL.name
    model = json.loads(path.read_text())
    model["agencies"] = agencies
    path.write_text(json.dumps(model))


def add_settings(config_dir: Path, text: str) -> None:
    path = config_dir / SETTINGS.name
    path.write_text(path.read_text() + text)


def refusal(config_dir: Path) -> str:
    with pytest.raises(ConfigFileError) as error:
        load_linker(config_dir / SETTINGS.name)
    message = str(error.value)
    assert "\n" not in message
    return message


def test_an_agency_override_changes_only_its_listed_levels_and_only_for_that_agency(config_dir: Path) -> None:
    before = load_linker(config_dir / SETTINGS.name).judge(QUERY, NEAR_MATCH)
    level = before.level_of("birth_date")
    assert level is not None
    u = json.loads(MODEL.read_text())["comparisons"]["birth_date"]["levels"][level]["u"]
    edit_model(
        config_dir,
        {
            "police": {
                "comparisons": {"birth_date": {"levels": {level: {"m": 0.999, "u": u}}}},
                "provenance": {"method": "test"},
            }
        },
    )
    linker = load_linker(config_dir / SETTINGS.name)
    police = linker.judge(QUERY, NEAR_MATCH, agency="police")
    assert math.isclose(police.weight_of("birth_date"), math.log2(0.999 / u))
    assert police.match_weight > before.match_weight
    for field in ("given_name", "family_name", "sex", "address"):  # unlisted levels inherit the global ones
        assert police.weight_of(field) == before.weight_of(field)
    for other in (None, "health", "an-agency-with-no-overrides"):
        assert linker.judge(QUERY, NEAR_MATCH, agency=other).match_weight == before.match_weight


def test_agency_thresholds_replace_the_global_ones_for_that_agency_only(config_dir: Path) -> None:
    before = load_linker(config_dir / SETTINGS.name).judge(QUERY, NEAR_MATCH)
    assert before.outcome is Outcome.LINKED  # linked on the global thresholds
    stricter = 1 - (1 - before.probability) / 2
    add_settings(
        config_dir, f"agency_thresholds:\n  police:\n    link_probability: {stricter}\n    review_probability: 0.2\n"
    )
    linker = load_linker(config_dir / SETTINGS.name)
    assert linker.judge(QUERY, NEAR_MATCH).outcome is Outcome.LINKED
    assert linker.judge(QUERY, NEAR_MATCH, agency="health").outcome is Outcome.LINKED
    police = linker.judge(QUERY, NEAR_MATCH, agency="police")
    assert police.outcome is Outcome.REVIEW and police.probability == before.probability
    assert linker.settings.thresholds_for("health") == linker.settings.thresholds


def test_link_people_weighs_each_reply_with_its_agencys_thresholds(config_dir: Path) -> None:
    """The review example (police P-5 waits for review) links once police's own thresholds say it should."""
    referral, replies = example_referral(), household_replies()
    _, shown = link_people(referral, replies, linker=load_linker(config_dir / SETTINGS.name))
    [p5] = [link for link in shown if link.agency_person_id == "P-5"]
    assert p5.outcome.value == "review" and referral.referral_id == REFERRAL_ID
    add_settings(
        config_dir,
        f"agency_thresholds:\n  police:\n    link_probability: {p5.probability / 2}\n"
        f"    review_probability: {p5.probability / 4}\n"
        f"  health:\n    link_probability: 0.9999\n    review_probability: 0.5\n",
    )
    _, shown = link_people(referral, replies, linker=load_linker(config_dir / SETTINGS.name))
    [p5] = [link for link in shown if link.agency_person_id == "P-5"]
    assert p5.outcome.value in {"linked", "review"}
    assert p5.review_reasons != ["the evidence is not strong enough to link automatically"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "agency_thresholds:\n  police:\n    link_probability: 1.5\n    review_probability: 0.2\n",
            "agency_thresholds.police.link_probability: must be less than 1",
        ),
        (
            "agency_thresholds:\n  police:\n    link_probability: 0.9\n    review_probability: 0.95\n",
            "agency_thresholds.police: review_probability must be below link_probability",
        ),
        (
            "agency_thresholds:\n  police:\n    link_probability: 0.9\n",
            "agency_thresholds.police.review_probability: is required",
        ),
        ("agency_thresholds: [police]\n", "agency_thresholds: must be a valid dictionary"),
    ],
)
def test_an_agency_thresholds_mistake_names_the_field(config_dir: Path, text: str, expected: str) -> None:
    add_settings(config_dir, text)
    message = refusal(config_dir)
    assert str(config_dir / SETTINGS.name) in message and expected in message


@pytest.mark.parametrize(
    ("agencies", "expected"),
    [
        (
            {"police": {"comparisons": {"birth_date": {"levels": {"exact": {"m": 0, "u": 0.1}}}}}},
            "agencies.police.comparisons.birth_date.levels.exact.m: must be more than 0",
        ),
        (
            {"police": {"comparisons": {"shoe_size": {"levels": {"exact": {"m": 0.5, "u": 0.1}}}}}},
            "agencies.police.comparisons.shoe_size: is not a comparison the engine makes",
        ),
        (
            {"police": {"comparisons": {"birth_date": {"levels": {"exactly": {"m": 0.5, "u": 0.1}}}}}},
            "agencies.police.comparisons.birth_date.levels.exactly: is not a weighed level of birth_date",
        ),
        ({"police": {"comparisons": {}, "weights": {}}}, "agencies.police.weights: unknown setting"),
    ],
)
def test_an_agency_override_mistake_names_the_field(config_dir: Path, agencies: dict[str, Any], expected: str) -> None:
    edit_model(config_dir, agencies)
    message = refusal(config_dir)
    assert str(config_dir / MODEL.name) in message and expected in message


def test_a_model_without_agencies_still_loads(linker: Linker) -> None:
    assert linker.model.parameters.agencies == {} or linker.model.agency_tables
    assert linker.judge(QUERY, NEAR_MATCH, agency="police").probability > 0


def test_judging_for_an_agency_costs_no_more(config_dir: Path) -> None:
    """The agency's tables are built once, when the model loads: judging a pair only picks them."""
    edit_model(config_dir, {"police": {"comparisons": {"sex": {"levels": {"match": {"m": 0.9, "u": 0.5}}}}}})
    linker = load_linker(config_dir / SETTINGS.name)
    pairs = 10_000

    def per_pair(agency: str | None) -> float:
        started = time.perf_counter()
        for _ in range(pairs):
            linker.judge(QUERY, NEAR_MATCH, agency)
        return (time.perf_counter() - started) / pairs

    per_pair(None)  # warm up
    assert per_pair("police") < 2 * per_pair(None) + 20e-6
