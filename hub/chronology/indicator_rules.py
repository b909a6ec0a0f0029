"""`config/indicators.yaml`, typed and checked: the safeguarding indicators and the threshold suggestion's rules.

Which chronology entries are a key concern, and what level of need they point to, is the council's
call (its threshold document), so it is data rather than code. A mistake in the file is one line naming
the file and the setting (`indicators.3.match.0.category.0: must be one of ...`), never a traceback, and
nothing is shown from a file that does not validate.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hub.errors import UserError
from hub.settings import REPO_ROOT, HubSettings
from schemas import DashRisk, EntryCategory, ExploitationKind
from schemas.config_files import ConfigFileError, read_config_model

INDICATORS_FILE = "indicators.yaml"
Words = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Significance(StrEnum):
    """How an indicator's entries are marked in the chronology: a key concern, or something of note."""

    HIGH = "high"
    MEDIUM = "medium"


class SummaryPart(StrEnum):
    """What an indicator's line in "Key concerns" says about the entries it matched."""

    COUNT = "count"
    LATEST = "latest"
    HIGHEST_DASH_RISK = "highest_dash_risk"
    LOWEST_ATTENDANCE = "lowest_attendance"


class Match(Strict):
    """Which entries an indicator matches: every condition given must hold (a list: any of its items)."""

    category: list[EntryCategory] = Field(default_factory=list, description="Any category when empty.")
    agency: list[RuleId] = Field(default_factory=list, description="Any agency when empty.")
    dash_risk: list[DashRisk] = Field(default_factory=list, description="Any of these DASH levels, when given.")
    marac: bool | None = None
    exploitation: ExploitationKind | None = None
    absence_percent_at_least: Decimal | None = Field(default=None, gt=0, le=100)
    """Sessions missed as a share of sessions possible, at least this (DfE counts authorised absence too)."""
    child_under_years: int | None = Field(default=None, ge=1, le=18)
    """A child involved in the entry (a referral subject with a birth date) was under this age on its date."""

    @model_validator(mode="after")
    def _says_something(self) -> Match:
        if not any(getattr(self, name) not in (None, []) for name in type(self).model_fields):
            raise ValueError("a match needs at least one condition (category, agency, dash_risk, ...)")
        return self


class Indicator(Strict):
    id: RuleId
    label: Words
    significance: Significance
    match: list[Match] = Field(min_length=1, description="An entry matching any one of these.")
    summary: list[SummaryPart] = Field(default_factory=lambda: [SummaryPart.COUNT, SummaryPart.LATEST])


class LevelRule(Strict):
    """A level of need the hub suggests when any of `any_of` is found, or `at_least` of `of` are."""

    level: int = Field(ge=1, le=4)
    any_of: list[RuleId] = Field(default_factory=list)
    at_least: int | None = Field(default=None, ge=2)
    of: list[RuleId] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_form(self) -> LevelRule:
        if bool(self.any_of) == (self.at_least is not None):
            raise ValueError("give either any_of, or at_least with of")
        if self.at_least is not None and self.at_least > len(self.of):
            raise ValueError("at_least is more than the indicators listed in of")
        return self

    @property
    def named(self) -> list[str]:
        return [*self.any_of, *self.of]


class Threshold(Strict):
    levels: dict[int, Words] = Field(description="Each level of need 1-4 in the council's words.")
    rules: list[LevelRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _every_level_named(self) -> Threshold:
        if set(self.levels) != {1, 2, 3, 4}:
            raise ValueError("levels must name each of 1, 2, 3 and 4")
        return self


class IndicatorRules(Strict):
    """The whole of `config/indicators.yaml`."""

    indicators: list[Indicator] = Field(min_length=1)
    threshold: Threshold

    @model_validator(mode="after")
    def _ids_known_and_unique(self) -> IndicatorRules:
        ids = [indicator.id for indicator in self.indicators]
        if len(ids) != len(set(ids)):
            raise ValueError("each indicator id must be used once")
        for number, rule in enumerate(self.threshold.rules):
            unknown = [name for name in rule.named if name not in ids]
            if unknown:
                raise ValueError(f"threshold.rules.{number} names an indicator that is not defined: {unknown[0]}")
        return self


def read_indicators_file(path: Path) -> IndicatorRules:
    """The rules in `path`; a `ConfigFileError`, one line naming the file and the setting, if they are wrong."""
    hint = f"Set HUB_CONFIG_DIR to the folder holding {INDICATORS_FILE}."
    return read_config_model(path, IndicatorRules, hint=hint)


@functools.cache
def _cached(path: Path, modified: int) -> IndicatorRules:
    return read_indicators_file(path)


SHIPPED = REPO_ROOT / "config" / INDICATORS_FILE
"""The rules the hub ships with: used when a council's config folder has no indicators.yaml of its own."""


def load_indicators(settings: HubSettings | None = None) -> IndicatorRules:
    """The rules in `$HUB_CONFIG_DIR/indicators.yaml` (the shipped ones if it has none), read again only when the
    file changes; a `UserError`, one line naming the file and setting, if they are wrong."""
    path = (settings or HubSettings.from_env()).config_dir / INDICATORS_FILE
    if not path.exists():
        path = SHIPPED
    try:
        return _cached(path, path.stat().st_mtime_ns)
    except OSError as error:
        raise UserError(f"Cannot read {path} ({error.strerror or error}). Set HUB_CONFIG_DIR.") from None
    except ConfigFileError as error:
        raise UserError(str(error)) from None
