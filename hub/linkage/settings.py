"""`config/linkage.yaml`: the outcome thresholds and the conservative rules' settings, validated.

A mistake is one line naming the file and the field ("thresholds.link_probability: must be ...").
An agency may have its own thresholds (`agency_thresholds`), replacing the global ones for its
candidates: `hub linkage learn` writes them from practitioners' review decisions.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from schemas.config_files import ConfigFileError, describe_problems, read_yaml

SETTINGS_FILE = "linkage.yaml"


class Thresholds(BaseModel):
    """Match probabilities at which a candidate is linked automatically, or sent to a person to review."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    link_probability: float = Field(gt=0, lt=1)
    review_probability: float = Field(gt=0, lt=1)

    @model_validator(mode="after")
    def _review_below_link(self) -> Thresholds:
        if self.review_probability >= self.link_probability:
            raise ValueError("review_probability must be below link_probability")
        return self


class Rules(BaseModel):
    """Settings of the conservative rules (docs/linkage.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    generation_gap_years: int = Field(
        ge=1, le=60, description="Birth years this far apart, with the same name, are a parent and child."
    )
    clear_lead_bits: float = Field(
        default=10.0,
        ge=0,
        le=100,
        description="When one agency answer would link several records to one person, the best is linked only "
        "this many bits (match weight) ahead of the next; the rest go to review.",
    )


class LinkageSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    model_file: str = Field(min_length=1, description="The model parameters, relative to this file's folder.")
    thresholds: Thresholds
    rules: Rules
    agency_thresholds: dict[str, Thresholds] = Field(
        default_factory=dict, description="One agency's thresholds, by agency id, replacing `thresholds`."
    )

    def thresholds_for(self, agency: str | None) -> Thresholds:
        """The thresholds judging `agency`'s candidates uses: its own if set, else the global ones."""
        if agency is None:
            return self.thresholds
        return self.agency_thresholds.get(agency, self.thresholds)


def read_settings(path: Path) -> LinkageSettings:
    """The settings file, or a one-line `ConfigFileError` naming the file and the field."""
    document = read_yaml(path, hint="See docs/linkage.md for the settings.")
    try:
        return LinkageSettings.model_validate(document)
    except ValidationError as error:
        raise ConfigFileError(f"{path}: {describe_problems(error)}") from None


def model_path(settings_path: Path, settings: LinkageSettings) -> Path:
    return settings_path.parent / settings.model_file
