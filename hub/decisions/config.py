"""`config/decisions.yaml`, typed: the outcomes, the levels of need, the target and the rationale's length.

The outcomes and the threshold levels are a council's own words (its threshold document), so they are data
an admin edits, checked when read. A mistake is one line naming the file and the field, as for
`deadlines.yaml`. The target is a working duration ("1 working day"), counted in the council's calendar
from `deadlines.yaml`, so the decision clock and the checks' due times never disagree about a bank holiday.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, field_validator, model_validator

from hub.deadlines.duration import DurationError, WorkingDuration
from hub.errors import UserError
from hub.settings import HubSettings
from schemas.config_files import ConfigFileError, read_config_model

DECISIONS_FILE = "decisions.yaml"
LEVELS = (1, 2, 3, 4)
"""The threshold levels of need every council's document has: universal, additional, complex, acute."""
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _duration(value: Any) -> WorkingDuration:
    if isinstance(value, WorkingDuration):
        return value
    try:
        return WorkingDuration.parse(value)
    except DurationError as error:
        raise ValueError(str(error)) from None


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RationaleRules(_Section):
    min_characters: int = Field(40, ge=1, le=1000)
    max_characters: int = Field(5000, ge=100, le=20_000)

    @model_validator(mode="after")
    def _in_order(self) -> RationaleRules:
        if self.min_characters >= self.max_characters:
            raise ValueError("min_characters must be less than max_characters")
        return self


class NoteRules(_Section):
    max_characters: int = Field(2000, ge=100, le=20_000)


class DecisionsConfig(_Section):
    """The whole of `config/decisions.yaml`."""

    target: Annotated[WorkingDuration, PlainValidator(_duration)] = WorkingDuration.parse("1 working day")
    outcomes: dict[str, str]
    levels: dict[int, str]
    rationale: RationaleRules = RationaleRules()
    note: NoteRules = NoteRules()

    @field_validator("outcomes")
    @classmethod
    def _outcome_codes(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("list at least one outcome")
        for code, words in value.items():
            if not _CODE.match(code):
                raise ValueError(f"'{code[:40]}' is not a code: use lower-case letters, digits and _")
            if not str(words).strip():
                raise ValueError(f"outcome '{code}' needs its words")
        return value

    @field_validator("levels")
    @classmethod
    def _four_levels(cls, value: dict[int, str]) -> dict[int, str]:
        if tuple(sorted(value)) != LEVELS:
            raise ValueError("name each of the four levels of need, 1 to 4")
        return value

    def outcome_words(self, code: str) -> str:
        """The outcome's words; a code the file no longer lists is shown as it was stored."""
        return self.outcomes.get(code, code)

    def level_words(self, level: int) -> str:
        return f"Level {level}: {self.levels.get(level, 'not in the threshold document')}"


def read_decisions_file(path: Path) -> DecisionsConfig:
    """Read and validate `decisions.yaml`; a `ConfigFileError`, one line naming the file and field, if it is wrong."""
    return read_config_model(path, DecisionsConfig, hint="Set HUB_CONFIG_DIR to the folder holding decisions.yaml.")


def load_decisions(settings: HubSettings) -> DecisionsConfig:
    """The decisions file under `$HUB_CONFIG_DIR`; a `UserError` if it is wrong."""
    try:
        return read_decisions_file(settings.config_dir / DECISIONS_FILE)
    except ConfigFileError as error:
        raise UserError(str(error)) from None
