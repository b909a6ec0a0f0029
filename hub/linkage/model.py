"""The Fellegi–Sunter model: m and u probabilities per comparison level, and the weights they give.

For each level, m is the probability of seeing it when the two records are the same person and u
when they are not; its weight is log2(m/u) bits. A pair's match weight is the prior's weight plus
the weights of its levels, and its probability is 2^w / (1 + 2^w). Term-frequency levels (a name
agreeing exactly) use the agreeing value's frequency in place of u, so a common name counts for
less than a rare one, as Splink does. The parameters come from `config/linkage_model.json`,
written by `hub linkage estimate` (see `hub.linkage.estimate` and docs/linkage.md).

Agencies' data differ (police records are noisier than PDS), so the file may override some levels'
parameters for one agency (`agencies`); every level it does not list keeps the global parameters.
The tables for each agency are built once, here, so judging a pair for an agency costs no more.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from hub.linkage.comparisons import Comparison, Level
from hub.linkage.judgement import FieldEvidence
from schemas.config_files import ConfigFileError, describe_problems

MODEL_FORMAT = 1
MAX_CACHED_VALUES = 100_000
COMMON_OR_RARE_BITS = 1.0
"""A term-frequency adjustment beyond this many bits is mentioned in the evidence words."""


class LevelParameters(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    m: float = Field(gt=0, le=1, description="P(level | same person).")
    u: float = Field(gt=0, le=1, description="P(level | different people).")


class ComparisonParameters(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    levels: dict[str, LevelParameters]


class TermFrequencies(BaseModel):
    """How common each value is among people: the share of people with that first name or surname."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    floor: float = Field(gt=0, le=1, description="Frequency used for values rarer than this, or not listed.")
    values: dict[str, float] = Field(default_factory=dict)


class AgencyParameters(BaseModel):
    """One agency's overrides: only the levels listed differ from the global parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    comparisons: dict[str, ComparisonParameters] = Field(default_factory=dict)
    provenance: dict[str, Any] = Field(
        default_factory=dict, description="How and from what this agency's parameters were estimated or learnt."
    )


class ModelFile(BaseModel):
    """`config/linkage_model.json`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: int = Field(ge=MODEL_FORMAT, le=MODEL_FORMAT)
    provenance: dict[str, Any] = Field(description="How and from what the parameters were estimated.")
    prior_match_probability: float = Field(gt=0, lt=1)
    identifier_schemes: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]] = Field(
        default_factory=list,
        description="Identifier schemes beyond the hub's own that the model weighs (estimated on data carrying them).",
    )
    comparisons: dict[str, ComparisonParameters]
    term_frequencies: dict[str, TermFrequencies] = Field(default_factory=dict)
    agencies: dict[str, AgencyParameters] = Field(
        default_factory=dict, description="Per-agency overrides of some levels' m and u, by agency id."
    )

    def level_parameters(self, agency: str | None, field: str, level: str) -> LevelParameters | None:
        """The parameters one agency's judging uses for a level: its override, else the global ones."""
        override = self.agencies.get(agency) if agency is not None else None
        if override is not None:
            found = override.comparisons.get(field)
            if found is not None and level in found.levels:
                return found.levels[level]
        given = self.comparisons.get(field)
        return given.levels.get(level) if given else None


def match_probability(weight: float) -> float:
    """2^w / (1 + 2^w), safe for large weights either way."""
    if weight >= 0:
        return 1.0 / (1.0 + math.exp2(-weight))
    odds = math.exp2(weight)
    return odds / (1.0 + odds)


class WeightTable:
    """One comparison's evidence per level, built once: judging a pair only looks levels up."""

    def __init__(
        self,
        field: str,
        fixed: Mapping[str, FieldEvidence],
        frequencies: TermFrequencies | None,
        m: Mapping[str, float],
    ) -> None:
        self.field = field
        self.fixed = fixed
        self.frequencies = frequencies
        self.m = m
        self._adjusted: dict[tuple[str, str], FieldEvidence] = {}

    def evidence(self, level: Level, value: str | None) -> FieldEvidence:
        if value is None or self.frequencies is None or not level.term_frequency:
            return self.fixed[level.key]
        found = self._adjusted.get((level.key, value))
        if found is None:
            if len(self._adjusted) >= MAX_CACHED_VALUES:
                self._adjusted.clear()
            found = self._adjusted[(level.key, value)] = self._adjust(level, value, self.frequencies)
        return found

    def _adjust(self, level: Level, value: str, frequencies: TermFrequencies) -> FieldEvidence:
        """A term-frequency level's evidence for one agreeing value: its frequency in place of u."""
        frequency = max(frequencies.values.get(value, 0.0), frequencies.floor)
        weight = math.log2(self.m[level.key] / frequency)
        shift = weight - self.fixed[level.key].weight
        words = level.words
        if shift <= -COMMON_OR_RARE_BITS:
            words += " (a common name, so it counts for less)"
        elif shift >= COMMON_OR_RARE_BITS:
            words += " (an uncommon name, so it counts for more)"
        return FieldEvidence(self.field, level.key, weight, words)


class LinkageModel:
    """The parameters, checked against the comparisons they weigh."""

    def first_name_frequency(self, name: str) -> float:
        """The share of records with this (normalised) first name, at least the floor; the floor if unknown."""
        frequencies = self._first_names
        if frequencies is None:
            return 1.0
        return max(frequencies.values.get(name, 0.0), frequencies.floor)

    def __init__(self, parameters: ModelFile, comparisons: Iterable[Comparison], *, source: str = "the model") -> None:
        self.parameters = parameters
        self.prior_weight = math.log2(parameters.prior_match_probability / (1 - parameters.prior_match_probability))
        comparisons = tuple(comparisons)
        self.tables = {comparison.field: self._table(comparison, None, source) for comparison in comparisons}
        self._first_names = parameters.term_frequencies.get("given_name")
        self.agency_tables: dict[str, dict[str, WeightTable]] = {}
        for agency, overrides in parameters.agencies.items():
            _check_overrides(agency, overrides, comparisons, source)
            self.agency_tables[agency] = {
                comparison.field: (
                    self._table(comparison, agency, source)
                    if comparison.field in overrides.comparisons
                    else self.tables[comparison.field]
                )
                for comparison in comparisons
            }

    def tables_for(self, agency: str | None) -> Mapping[str, WeightTable]:
        """The weight tables judging for `agency` uses: the global ones unless the model overrides some."""
        if agency is None:
            return self.tables
        return self.agency_tables.get(agency, self.tables)

    def _table(self, comparison: Comparison, agency: str | None, source: str) -> WeightTable:
        m: dict[str, float] = {}
        fixed: dict[str, FieldEvidence] = {}
        for level in comparison.levels:
            if level.neutral:
                fixed[level.key] = FieldEvidence(comparison.field, level.key, 0.0, level.words, neutral=True)
                continue
            parameters = self.parameters.level_parameters(agency, comparison.field, level.key)
            if parameters is None:
                raise ConfigFileError(
                    f"{source}: comparisons.{comparison.field}.levels.{level.key}: is required (m and u). "
                    "Re-run `hub linkage estimate`."
                )
            m[level.key] = parameters.m
            weight = math.log2(parameters.m / parameters.u)
            fixed[level.key] = FieldEvidence(comparison.field, level.key, weight, level.words)
        frequencies = self.parameters.term_frequencies.get(comparison.field)
        return WeightTable(comparison.field, fixed, frequencies, m)


def _check_overrides(agency: str, overrides: AgencyParameters, comparisons: Iterable[Comparison], source: str) -> None:
    """An override names a field and a level the engine weighs, or it is a mistake (a typo would be ignored)."""
    levels = {comparison.field: {lv.key for lv in comparison.levels if not lv.neutral} for comparison in comparisons}
    for field, given in overrides.comparisons.items():
        where = f"{source}: agencies.{agency}.comparisons.{field}"
        if field not in levels:
            raise ConfigFileError(f"{where}: is not a comparison the engine makes ({', '.join(levels)}).")
        for level in given.levels:
            if level not in levels[field]:
                raise ConfigFileError(f"{where}.levels.{level}: is not a weighed level of {field}.")


def read_model_file(path: Path) -> ModelFile:
    """The model file, or a `ConfigFileError` naming the file and the field to fix."""
    hint = "Re-run `hub linkage estimate` to write it."
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigFileError(f"Cannot read {path} ({error.strerror or error}). {hint}") from None
    except json.JSONDecodeError as error:
        raise ConfigFileError(f"{path} is not valid JSON at line {error.lineno}. {hint}") from None
    try:
        return ModelFile.model_validate(document)
    except ValidationError as error:
        raise ConfigFileError(f"{path}: {describe_problems(error)}") from None
