"""config/decisions.yaml: the shipped file reads, and each mistake is one line naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hub.decisions.config import read_decisions_file
from hub.settings import REPO_ROOT
from schemas.config_files import ConfigFileError

SHIPPED = REPO_ROOT / "config" / "decisions.yaml"


def test_the_shipped_file() -> None:
    config = read_decisions_file(SHIPPED)
    assert str(config.target) == "1 working day"
    assert list(config.outcomes) == [
        "nfa",
        "information_advice",
        "early_help",
        "s17_assessment",
        "s47_strategy_discussion",
    ]
    assert sorted(config.levels) == [1, 2, 3, 4]
    assert config.outcome_words("retired_code") == "retired_code"  # a stored code the file dropped shows as stored


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"target": "1 day"}, "target", "not a working duration"),
        ({"outcomes": {}}, "outcomes", "at least one outcome"),
        ({"outcomes": {"Early Help": "Early help"}}, "outcomes", "not a code"),
        ({"levels": {1: "a", 2: "b", 3: "c"}}, "levels", "1 to 4"),
        ({"rationale": {"min_characters": 6000}}, "rationale.min_characters", "must be at most 1000"),
        ({"rationale": {"min_characters": 500, "max_characters": 400}}, "rationale", "less than max_characters"),
        ({"colour": "red"}, "colour", "unknown setting"),
    ],
)
def test_each_mistake_is_one_line_naming_the_field(
    tmp_path: Path, change: dict[str, object], field: str, words: str
) -> None:
    document = {**yaml.safe_load(SHIPPED.read_text(encoding="utf-8")), **change}
    path = tmp_path / "decisions.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(ConfigFileError) as refused:
        read_decisions_file(path)
    message = str(refused.value)
    assert "\n" not in message and f"field '{field}'" in message and words in message, message
