"""`config/retention.yaml`, typed: the council's retention rules and the reasons for a legal hold.

A retention schedule is the council's decision, not the code's, so it is data an IG officer edits and the
hub checks when it reads it: a mistake is one line naming the file and the field, as for `decisions.yaml`.
The outcome codes are checked against `decisions.yaml`, because a rule for a code no decision can carry
would never apply, and an outcome with no rule would leave its referrals with no disposal date at all.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hub.decisions.config import DecisionsConfig, load_decisions
from hub.errors import UserError
from hub.settings import HubSettings
from schemas.config_files import ConfigFileError, read_config_model

RETENTION_FILE = "retention.yaml"
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class Trigger(StrEnum):
    """What a number of years is counted from."""

    RECEIVED = "received"
    DECISION = "decision"


class RecordClass(StrEnum):
    """Referrals with no MASH decision to choose a rule by."""

    UNDECIDED = "undecided"
    """Received, no decision yet (or the newest was returned by a manager to be recorded again)."""
    IMPORTED_HISTORY = "imported_history"
    """Imported from the council's earlier system (`ChecksStage.IMPORTED`) without a decision."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Section):
    """Keep for `years` after `after`, or until the youngest child's `until_age`th birthday, or the later of both."""

    years: int | None = Field(None, ge=1, le=150)
    after: Trigger | None = None
    until_age: int | None = Field(None, ge=1, le=125)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if (self.years is None) != (self.after is None):
            raise ValueError("give years and after together (e.g. years: 6, after: decision)")
        if self.years is None and self.until_age is None:
            raise ValueError("give years with after, or until_age, or both (the later applies)")
        return self

    @property
    def needs_age(self) -> bool:
        """Whether applying it needs the children's birth years (a read of the referral)."""
        return self.until_age is not None

    def describe(self) -> str:
        """The rule in words, for the report ("6 years after the decision; until age 25, whichever is later")."""
        parts = []
        if self.years is not None and self.after is not None:
            since = "the decision" if self.after is Trigger.DECISION else "receipt"
            parts.append(f"{self.years} years after {since}")
        if self.until_age is not None:
            parts.append(f"until the youngest child is {self.until_age}")
        return ", or ".join(parts) + (", whichever is later" if len(parts) > 1 else "")


class RecordClassRules(_Section):
    undecided: Rule | None = None
    imported_history: Rule | None = None


class RetentionConfig(_Section):
    """The whole of `config/retention.yaml`."""

    outcomes: dict[str, Rule] = Field(default_factory=dict)
    record_classes: RecordClassRules = RecordClassRules()
    default: Rule | None = None
    hold_reasons: dict[str, str]

    @field_validator("outcomes", "hold_reasons")
    @classmethod
    def _codes(cls, value: dict[str, object]) -> dict[str, object]:
        for code in value:
            if not _CODE.match(str(code)):
                raise ValueError(f"'{str(code)[:40]}' is not a code: use lower-case letters, digits and _")
        return value

    @field_validator("hold_reasons")
    @classmethod
    def _reasons(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("list at least one reason a legal hold may be placed for")
        for code, words in value.items():
            if not str(words or "").strip():
                raise ValueError(f"reason '{code}' needs its words")
        return value

    def rule_for(self, outcome: str | None, record_class: RecordClass) -> tuple[str, Rule] | None:
        """The rule for a referral with this standing outcome (None: none) and class, named by where it is written.

        None for an outcome with no rule and no default: a code decisions.yaml no longer lists, so this file
        was checked without it. Such a referral is reported and kept, never destroyed by a guess.
        """
        if outcome is not None:
            rule = self.outcomes.get(outcome)
            if rule is not None:
                return f"outcomes.{outcome}", rule
        else:
            rule = getattr(self.record_classes, record_class.value)
            if rule is not None:
                return f"record_classes.{record_class.value}", rule
        return None if self.default is None else ("default", self.default)

    def reason_words(self, code: str) -> str:
        return self.hold_reasons.get(code, code)


def _check(path: Path, config: RetentionConfig, decisions: DecisionsConfig) -> None:
    for code in config.outcomes:
        if code not in decisions.outcomes:
            known = ", ".join(decisions.outcomes)
            raise ConfigFileError(
                f"{path}: field 'outcomes.{code}': not an outcome in {Path(path).with_name('decisions.yaml')} "
                f"(its outcomes are {known})."
            )
    if config.default is None:
        for code in decisions.outcomes:
            if code not in config.outcomes:
                raise ConfigFileError(
                    f"{path}: field 'outcomes': no rule for the outcome '{code}' (decisions.yaml lists it); "
                    "add one, or a default."
                )
    for record_class in RecordClass:
        own = getattr(config.record_classes, record_class.value)
        rule = own or config.default
        field = f"record_classes.{record_class.value}" if own is not None else "default"
        if rule is None:
            raise ConfigFileError(
                f"{path}: field 'record_classes.{record_class.value}': no rule, and no default covers it."
            )
        if rule.after is Trigger.DECISION:
            raise ConfigFileError(
                f"{path}: field '{field}': counts from the decision, but {record_class.value} referrals have "
                "none; count from received."
            )


def read_retention_file(path: Path, decisions: DecisionsConfig) -> RetentionConfig:
    """Read and validate `retention.yaml` against the outcomes of `decisions`; a one-line `ConfigFileError`."""
    hint = "Set HUB_CONFIG_DIR to the folder holding retention.yaml."
    config = read_config_model(path, RetentionConfig, hint=hint)
    _check(path, config, decisions)
    return config


def load_retention(settings: HubSettings) -> RetentionConfig:
    """The retention schedule under `$HUB_CONFIG_DIR`; a `UserError` if it (or decisions.yaml) is wrong."""
    decisions = load_decisions(settings)
    try:
        return read_retention_file(settings.config_dir / RETENTION_FILE, decisions)
    except ConfigFileError as error:
        raise UserError(str(error)) from None
