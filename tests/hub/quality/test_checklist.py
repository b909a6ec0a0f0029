"""The checklist file: the shipped one is read, and each kind of mistake is one line naming the setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.quality.checklist import CHECKLIST_FILE, read_checklist
from schemas.config_files import ConfigFileError

CONFIG = Path(__file__).resolve().parents[3] / "config"


def shipped() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((CONFIG / CHECKLIST_FILE).read_text(encoding="utf-8"))
    return loaded


def test_the_shipped_checklist_reads_and_covers_what_a_good_referral_states() -> None:
    checklist = read_checklist(CONFIG / CHECKLIST_FILE)
    ids = [item.id for item in checklist.items]
    for expected in ("what_happened", "risk_what_might_happen", "child_voice", "what_was_tried", "consent"):
        assert expected in ids
    assert checklist.total_weight == 100
    assert sorted(checklist.levels) == [1, 2, 3, 4]
    assert checklist.stated_level_field is None  # referral v1 has no such field: none is invented


def test_levels_name_the_same_four_levels_as_the_decision() -> None:
    """The MASH decision records a level (config/decisions.yaml); the checklist explains the same four."""
    decisions = CONFIG / "decisions.yaml"
    if not decisions.exists():
        pytest.skip("config/decisions.yaml is not in this tree")
    levels = yaml.safe_load(decisions.read_text(encoding="utf-8"))["levels"]
    checklist = read_checklist(CONFIG / CHECKLIST_FILE)
    assert {level: spec.name for level, spec in checklist.levels.items()} == levels


def _refused(tmp_path: Path, document: dict[str, Any]) -> str:
    path = tmp_path / CHECKLIST_FILE
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(ConfigFileError) as refused:
        read_checklist(path)
    message = str(refused.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def _with_item(change: dict[str, Any], index: int = 0) -> dict[str, Any]:
    document = shipped()
    document["items"][index] = {**document["items"][index], **change}
    return document


@pytest.mark.parametrize(
    ("change", "named", "said"),
    [
        ({"weight": 0}, "items.0.weight", "must be at least 1"),
        ({"id": "Bad Id"}, "items.0.id", "must be a short code"),
        ({"gap": ""}, "items.0.gap", "at least 3"),
        ({"colour": "red"}, "items.0.colour", "unknown setting"),
        ({"judged_from": {}}, "items.0.judged_from", "give fields, narrative or both"),
        (
            {"judged_from": {"fields": ["subjects[subject_child].person.shoe_size"]}},
            "items.0.judged_from.fields",
            "is not a field of a referral",
        ),
        ({"judged_from": {"fields": ["subjects.person.birth_date"]}}, "items.0.judged_from.fields", "say which people"),
        (
            {"judged_from": {"fields": ["subjects[cousin].person.birth_date"]}},
            "items.0.judged_from.fields",
            "pick by role",
        ),
        (
            {"judged_from": {"fields": ["narrative[subject_child]"]}},
            "items.0.judged_from.fields",
            "only a list of people",
        ),
        ({"judged_from": {"narrative": {}}}, "items.0.judged_from.narrative", "give min_words, mentions or patterns"),
        (
            {"judged_from": {"narrative": {"mentions": [[]]}}},
            "items.0.judged_from.narrative.mentions",
            "at least one word",
        ),
        (
            {"judged_from": {"narrative": {"patterns": ["postcode"]}}},
            "items.0.judged_from.narrative.patterns.0",
            "must be",
        ),
        ({"judged_from": {"narrative": {"min_words": 0}}}, "items.0.judged_from.narrative.min_words", "at least 1"),
    ],
)
def test_a_mistake_in_an_item_names_the_setting(tmp_path: Path, change: dict[str, Any], named: str, said: str) -> None:
    message = _refused(tmp_path, _with_item(change))
    assert f"field '{named}'" in message and said in message


def test_checklist_wide_mistakes_name_the_setting(tmp_path: Path) -> None:
    document = shipped()
    del document["levels"][4]
    assert "field 'levels': must name the four levels of need, 1 to 4" in _refused(tmp_path, document)
    document = shipped()
    document["items"][1]["id"] = document["items"][0]["id"]
    assert "is used twice" in _refused(tmp_path, document)
    document = shipped()
    document["stated_level_field"] = "level_of_need"
    assert "field 'stated_level_field'" in _refused(tmp_path, document)
    document = shipped()
    document["items"] = []
    assert "field 'items'" in _refused(tmp_path, document)


def test_a_file_that_is_not_yaml_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / CHECKLIST_FILE
    path.write_text("items: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigFileError, match="is not valid YAML at line"):
        read_checklist(path)


def test_a_phrase_with_a_star_inside_is_refused(tmp_path: Path) -> None:
    document = _with_item({"judged_from": {"narrative": {"mentions": [["es*calate"]]}}})
    assert "* only at its end" in _refused(tmp_path, document)
