"""config/linkage.yaml and the model file: a mistake is one line naming the file and the field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hub.linkage.engine import load_linker
from schemas.config_files import ConfigFileError
from tests.hub.linkage.builders import SETTINGS

MODEL = SETTINGS.parent / "linkage_model.json"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    shutil.copy(SETTINGS, tmp_path / SETTINGS.name)
    shutil.copy(MODEL, tmp_path / MODEL.name)
    return tmp_path


def refusal(config_dir: Path) -> str:
    with pytest.raises(ConfigFileError) as error:
        load_linker(config_dir / SETTINGS.name)
    message = str(error.value)
    assert "\n" not in message
    return message


def edit_settings(config_dir: Path, before: str, after: str) -> None:
    path = config_dir / SETTINGS.name
    text = path.read_text()
    assert before in text
    path.write_text(text.replace(before, after))


def test_the_committed_settings_load(config_dir: Path) -> None:
    linker = load_linker(config_dir / SETTINGS.name)
    assert linker.settings.thresholds.review_probability < linker.settings.thresholds.link_probability


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("link_probability: 0.999", "link_probability: 1.5", "thresholds.link_probability: must be less than 1"),
        ("review_probability: 0.2", "review_probability: 0.9999", "review_probability must be below link_probability"),
        ("review_probability: 0.2", "review_probabilty: 0.2", "thresholds.review_probabilty: unknown setting"),
        (
            "generation_gap_years: 14",
            "generation_gap_years: many",
            "rules.generation_gap_years: must be a valid integer",
        ),
        ("model_file: linkage_model.json", "", "model_file: is required"),
    ],
)
def test_a_settings_mistake_names_the_field(config_dir: Path, before: str, after: str, expected: str) -> None:
    edit_settings(config_dir, before, after)
    message = refusal(config_dir)
    assert str(config_dir / SETTINGS.name) in message
    assert expected in message


def test_invalid_yaml_names_the_line(config_dir: Path) -> None:
    (config_dir / SETTINGS.name).write_text("thresholds: [unclosed\n")
    assert "is not valid YAML at line" in refusal(config_dir)


def test_a_missing_model_file_says_how_to_make_it(config_dir: Path) -> None:
    (config_dir / MODEL.name).unlink()
    message = refusal(config_dir)
    assert "Cannot read" in message and "hub linkage estimate" in message


def test_a_model_without_a_level_names_it(config_dir: Path) -> None:
    path = config_dir / MODEL.name
    model = json.loads(path.read_text())
    del model["comparisons"]["birth_date"]["levels"]["day_month_swapped"]
    path.write_text(json.dumps(model))
    assert "comparisons.birth_date.levels.day_month_swapped: is required" in refusal(config_dir)


def test_a_model_probability_out_of_range_names_it(config_dir: Path) -> None:
    path = config_dir / MODEL.name
    model = json.loads(path.read_text())
    model["comparisons"]["sex"]["levels"]["match"]["m"] = 0
    path.write_text(json.dumps(model))
    assert "comparisons.sex.levels.match.m: must be more than 0" in refusal(config_dir)
