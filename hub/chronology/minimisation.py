"""`config/minimisation.yaml`, typed: which related people's records reach a child's chronology, and which kinds.

Data minimisation (UK GDPR Article 5(1)(c)) and the Caldicott principles ask that each child's
chronology holds what is needed for that child and no more; Working Together to Safeguard Children
2023 asks that what is needed is shared. Where that line falls is a council's judgement, so it is
configuration a council's information governance can read and change, not code: per relationship to
the child, the kinds of record (chronology categories) of that person that count as significant.

The relationship itself is read from the household graph (`hub.chronology.household.related_to`).
Kinds are listed closest first, and the closest stated relationship decides, so a second source
stating a looser relationship (a tenancy showing a sibling "lives with" the child) never widens what
that person's records contribute. A mistake in the file is refused in one line naming the setting.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from hub.errors import UserError
from hub.settings import HubSettings
from schemas import EntryCategory
from schemas.config_files import ConfigFileError, describe_problems, read_yaml

POLICY_FILE = "minimisation.yaml"


class Kinship(StrEnum):
    """What a household member is to a child, as the policy reads it; closest first (the order decides)."""

    PARENT_CARER = "parent_carer"
    SIBLING = "sibling"
    OWN_CHILD = "own_child"
    """The child's own child: a young parent's baby."""
    PARTNER = "partner"
    """The child's own partner."""
    PARTNER_OF_PARENT = "partner_of_parent"
    OTHER_ADULT = "other_adult"
    """The referral's "other adult", or someone who lives with the child and is not shown to be a child."""
    OTHER_CHILD = "other_child"
    """Lives with the child, is a household member's child, and is not stated to be a sibling."""
    RELATIVE = "relative"
    """A relative an agency records, not known to share the home."""

    @property
    def closeness(self) -> int:
        """0 for the closest; the lower number wins when sources differ."""
        return _ORDER[self]


_ORDER = {kind: rank for rank, kind in enumerate(Kinship)}


def _categories(value: Any) -> Any:
    """A list of chronology categories, each once, named in words when one is not a category."""
    if not isinstance(value, list):
        raise ValueError("must be a list of kinds of record, e.g. [domestic_abuse_incident, homelessness]")
    known = {category.value for category in EntryCategory}
    for item in value:
        if item not in known:
            raise ValueError(f"{item!r} is not a kind of record; the kinds are {', '.join(sorted(known))}")
    if len(set(value)) != len(value):
        raise ValueError("names a kind of record twice")
    return frozenset(EntryCategory(item) for item in value)


Categories = Annotated[frozenset[EntryCategory], BeforeValidator(_categories)]


class Rule(BaseModel):
    """One relationship's setting: the kinds of that person's records a child's chronology includes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    include: Categories


class Relationships(BaseModel):
    """Every kind of relationship, each required: nobody's records are let in or kept out by an omission."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    parent_carer: Rule
    sibling: Rule
    own_child: Rule
    partner: Rule
    partner_of_parent: Rule
    other_adult: Rule
    other_child: Rule
    relative: Rule


class MinimisationPolicy(BaseModel):
    """The whole of `config/minimisation.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    relationships: Relationships

    def included(self, kind: Kinship) -> frozenset[EntryCategory]:
        """The kinds of record of someone who is `kind` to a child that reach that child's chronology."""
        rule: Rule = getattr(self.relationships, kind.value)
        return rule.include


def read_policy_file(path: Path) -> MinimisationPolicy:
    """Read and validate the policy; a `ConfigFileError`, one line naming the file and each setting, if wrong."""
    raw = read_yaml(path, hint="Set HUB_CONFIG_DIR to the folder holding minimisation.yaml.")
    try:
        return MinimisationPolicy.model_validate(raw)
    except ValidationError as error:
        raise ConfigFileError(f"{path}: {describe_problems(error)}") from None


def load_policy(settings: HubSettings) -> MinimisationPolicy:
    """The policy `settings` points at (`$HUB_CONFIG_DIR/minimisation.yaml`); a `UserError` if it is wrong."""
    try:
        return read_policy_file(settings.config_dir / POLICY_FILE)
    except ConfigFileError as error:
        raise UserError(str(error)) from None


@cache
def default_policy() -> MinimisationPolicy:
    """The configured policy, read once per process (like the linkage model): a change needs a restart."""
    return load_policy(HubSettings.from_env())
