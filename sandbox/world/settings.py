"""What a generation is asked for: how many people, which seed, and how noisy each agency is.

Every noise rate is the probability that one eligible record gets that kind of error. Each agency
has its own defaults (PDS is the cleanest, police records the noisiest), and a kind the agency's
records cannot show (a missing birth date where the field is mandatory) must stay at 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from schemas.config_files import ConfigFileError, field_path, problem_message, read_yaml

MAX_PEOPLE = 1_000_000
SAMPLE_FAMILY_PEOPLE = 4

NOISE_KINDS: dict[str, str] = {
    "typo": "a typing error in the given or family name",
    "nickname": "a nickname recorded instead of the first given name",
    "spelling_variant": "another accepted spelling of the first given name or the surname",
    "middle_name_dropped": "only the first of several given names recorded",
    "names_swapped": "given and family names recorded the wrong way round",
    "hyphenated_part": "only one part of a hyphenated surname recorded",
    "day_month_transposed": "birth day and month swapped (only when the day is 12 or less, differs from the month, "
    "and the swapped date is not in the future)",
    "birth_date_typo": "one digit of the birth date mistyped",
    "missing_birth_date": "no birth date recorded",
    "missing_postcode": "no postcode recorded",
    "missing_sex": "sex not recorded",
    "old_address": "an address from before the person's last move (only people who moved)",
    "old_surname": "a surname from before a change (only people whose surname changed)",
    "duplicate": "a second record for the same person inside the agency, with its own noise",
}
"""Every noise kind and what it does to a record."""

AGENCIES = ("health", "police", "education", "housing")

UNSUPPORTED: dict[str, dict[str, str]] = {
    "health": {
        "missing_birth_date": "PDS always holds a birth date",
        "missing_postcode": "PDS addresses always carry a postcode here",
    },
    "police": {},
    "education": {
        "missing_birth_date": "a CTF always carries the pupil's date of birth",
        "missing_sex": "a CTF always carries the pupil's gender",
    },
    "housing": {
        "middle_name_dropped": "housing records hold one forename only",
        "missing_postcode": "housing people carry no address of their own (tenancies do)",
        "old_address": "housing people carry no address of their own (tenancies do)",
    },
}
"""Kinds an agency's records cannot show, and why; their rate must stay 0."""

_DEFAULTS: dict[str, tuple[float, float, float, float]] = {
    # kind: (health, police, education, housing)
    "typo": (0.005, 0.05, 0.02, 0.04),
    "nickname": (0.002, 0.08, 0.03, 0.05),
    "spelling_variant": (0.003, 0.05, 0.02, 0.04),
    "middle_name_dropped": (0.01, 0.3, 0.05, 0.0),
    "names_swapped": (0.001, 0.02, 0.003, 0.01),
    "hyphenated_part": (0.02, 0.25, 0.08, 0.2),
    "day_month_transposed": (0.002, 0.03, 0.005, 0.02),
    "birth_date_typo": (0.002, 0.03, 0.005, 0.02),
    "missing_birth_date": (0.0, 0.02, 0.0, 0.05),
    "missing_postcode": (0.0, 0.05, 0.02, 0.0),
    "missing_sex": (0.001, 0.02, 0.0, 0.1),
    "old_address": (0.03, 0.3, 0.1, 0.0),
    "old_surname": (0.05, 0.3, 0.1, 0.2),
    "duplicate": (0.003, 0.04, 0.005, 0.02),
}
DEFAULT_NOISE: dict[str, dict[str, float]] = {
    agency: {kind: rates[index] for kind, rates in _DEFAULTS.items()} for index, agency in enumerate(AGENCIES)
}
"""The default rate of every noise kind for each agency."""


class SettingsError(ValueError):
    """Settings that cannot be used; the message is one line naming the field and the fix."""


class NoiseRates(BaseModel):
    """One agency's noise: the probability of each kind of error on an eligible record."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    typo: float = Field(0.0, ge=0.0, le=1.0)
    nickname: float = Field(0.0, ge=0.0, le=1.0)
    spelling_variant: float = Field(0.0, ge=0.0, le=1.0)
    middle_name_dropped: float = Field(0.0, ge=0.0, le=1.0)
    names_swapped: float = Field(0.0, ge=0.0, le=1.0)
    hyphenated_part: float = Field(0.0, ge=0.0, le=1.0)
    day_month_transposed: float = Field(0.0, ge=0.0, le=1.0)
    birth_date_typo: float = Field(0.0, ge=0.0, le=1.0)
    missing_birth_date: float = Field(0.0, ge=0.0, le=1.0)
    missing_postcode: float = Field(0.0, ge=0.0, le=1.0)
    missing_sex: float = Field(0.0, ge=0.0, le=1.0)
    old_address: float = Field(0.0, ge=0.0, le=1.0)
    old_surname: float = Field(0.0, ge=0.0, le=1.0)
    duplicate: float = Field(0.0, ge=0.0, le=1.0)

    agency: ClassVar[str] = ""

    @field_validator("*")
    @classmethod
    def _shown_by_the_agency(cls, rate: float, info: ValidationInfo) -> float:
        reason = UNSUPPORTED.get(cls.agency, {}).get(info.field_name or "")
        if rate and reason:
            raise ValueError(f"must be 0: {reason}")
        return rate

    def rates(self) -> dict[str, float]:
        return {kind: float(getattr(self, kind)) for kind in NOISE_KINDS}


class HealthNoise(NoiseRates):
    agency = "health"


class PoliceNoise(NoiseRates):
    agency = "police"


class EducationNoise(NoiseRates):
    agency = "education"


class HousingNoise(NoiseRates):
    agency = "housing"


class NoiseSettings(BaseModel):
    """Noise for every agency; an agency or kind left out keeps its default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    health: HealthNoise = Field(default_factory=lambda: HealthNoise(**DEFAULT_NOISE["health"]))
    police: PoliceNoise = Field(default_factory=lambda: PoliceNoise(**DEFAULT_NOISE["police"]))
    education: EducationNoise = Field(default_factory=lambda: EducationNoise(**DEFAULT_NOISE["education"]))
    housing: HousingNoise = Field(default_factory=lambda: HousingNoise(**DEFAULT_NOISE["housing"]))

    @model_validator(mode="before")
    @classmethod
    def _over_defaults(cls, data: Any) -> Any:
        """Given rates override the agency's defaults kind by kind, rather than zeroing the rest."""
        if not isinstance(data, Mapping):
            return data
        merged: dict[str, Any] = dict(data)
        for agency in AGENCIES:
            given = data.get(agency)
            if isinstance(given, Mapping):
                merged[agency] = {**DEFAULT_NOISE[agency], **given}
        return merged

    def for_agency(self, agency: str) -> NoiseRates:
        rates: NoiseRates = getattr(self, agency)
        return rates


class GeneratorSettings(BaseModel):
    """Everything that decides a generated population: the same settings give the same files."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    people: int = Field(description="People in the population, the sample family's 4 included.")
    seed: int = Field(0, description="Seed of every random choice.")
    noise: NoiseSettings = Field(default_factory=NoiseSettings)

    @field_validator("people")
    @classmethod
    def _people_in_range(cls, people: int) -> int:
        if people < SAMPLE_FAMILY_PEOPLE:
            raise ValueError(f"must be at least {SAMPLE_FAMILY_PEOPLE}: the sample family alone has 4 people")
        if people > MAX_PEOPLE:
            raise ValueError(f"must be at most {MAX_PEOPLE:,}: larger populations are not supported")
        return people

    @field_validator("seed")
    @classmethod
    def _seed_not_negative(cls, seed: int) -> int:
        if seed < 0:
            raise ValueError("must be 0 or more")
        return seed


def describe_error(error: ValidationError) -> str:
    """One line naming each offending field, e.g. `noise.police.typo: must be at most 1 (got 1.5)`."""
    parts = []
    for detail in error.errors():
        location = field_path(detail["loc"])
        message = problem_message(detail)
        depth = len(detail["loc"])
        if detail["type"] == "extra_forbidden":
            if location.startswith("noise.") and depth == 2:
                message = "unknown agency (agencies: " + ", ".join(AGENCIES) + ")"
            elif location.startswith("noise.") and depth == 3:
                message = "unknown noise kind (kinds: " + ", ".join(NOISE_KINDS) + ")"
        elif detail["type"] in {"greater_than_equal", "less_than_equal"}:
            message = f"{message} (got {detail.get('input')!r})"
        parts.append(f"{location}: {message}" if location else message)
    return "; ".join(parts)


def load_settings(people: int, seed: int, noise_file: Path | None = None) -> GeneratorSettings:
    """Settings from command-line values and an optional YAML noise file; SettingsError if impossible.

    The noise file maps agencies to rates, optionally under a top-level `noise:` key:

        police:
          typo: 0.1
          duplicate: 0.05
    """
    noise: Any = {}
    if noise_file is not None:
        try:
            noise = read_yaml(noise_file, hint="Check the path given with --noise.") or {}
        except ConfigFileError as error:
            raise SettingsError(f"noise file: {error}") from None
        if isinstance(noise, Mapping) and set(noise) == {"noise"}:
            noise = noise["noise"]
        if not isinstance(noise, Mapping):
            raise SettingsError(f"noise file {noise_file} must map agencies ({', '.join(AGENCIES)}) to noise rates")
    try:
        return GeneratorSettings(people=people, seed=seed, noise=noise)
    except ValidationError as error:
        raise SettingsError(describe_error(error)) from None
