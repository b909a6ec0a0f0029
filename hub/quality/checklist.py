"""`config/referral_quality.yaml`, typed: the council's checklist of what a good referral states.

The council writes the checklist in its own words, so it is data, checked when read: a mistake is one
line naming the file and the setting (`referral_quality.yaml: field 'items.3.weight': must be at least 1.`),
never a traceback when the first referral is assessed. Field paths are checked against the referral's
own model, so a checklist can never ask for a field no referral has (and so never reports it missing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from hub.errors import UserError
from hub.settings import HubSettings
from schemas import Referral
from schemas.config_files import ConfigFileError, read_config_model
from schemas.vocabulary import SubjectRole

CHECKLIST_FILE = "referral_quality.yaml"
LEVELS = (1, 2, 3, 4)

PATTERNS: dict[str, re.Pattern[str]] = {
    "email_address": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),
    "uk_phone_number": re.compile(r"(?<![\d+])(?:\+44\s?(?:\(0\)\s?)?|0)\d(?:[\s-]?\d){8,9}(?!\d)"),
}
"""What `patterns` may name: contact details as a referrer writes them (`07700 900123`, `+44 1632 960123`)."""

_WORD = re.compile(r"\w+(?:['-]\w+)*")
_SEGMENT = re.compile(r"^(?P<name>[a-z_]+)(?:\[(?P<select>[a-z_,*]+)\])?$")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def normalised(text: str) -> str:
    """Curly apostrophes made straight, so `child’s` and `child's` read the same to every rule."""
    return text.translate(_APOSTROPHES)


def word_count(text: str) -> int:
    return len(_WORD.findall(normalised(text)))


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A phrase as a whole-word, any-case pattern; a trailing `*` matches any ending (`escalat*`)."""
    words = normalised(phrase).split()
    parts = [re.escape(word[:-1]) + r"\w*" if word.endswith("*") else re.escape(word) for word in words]
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE)


def _code(value: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", value):
        raise ValueError(
            "must be a short code of lower-case letters, digits and _, starting with a letter: child_voice"
        )
    return value


def _version(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}", value):
        raise ValueError('must be a short version such as "2026-1" (letters, digits, . _ -)')
    return value


Code = Annotated[str, AfterValidator(_code)]
Version = Annotated[str, AfterValidator(_version)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(Section):
    name: Annotated[str, Field(min_length=3, max_length=120)]
    description: Annotated[str, Field(min_length=3, max_length=1000)]


def _phrase(value: str) -> str:
    if not value.strip() or "*" in value.rstrip("*") or value.endswith("**"):
        raise ValueError("must be a word or phrase, with * only at its end (escalat*)")
    return value


Phrase = Annotated[str, Field(max_length=80), AfterValidator(_phrase)]


class NarrativeRule(Section):
    """What the referral's account of the concern (`narrative`) must show."""

    min_words: int | None = Field(default=None, ge=1, le=2000)
    mentions: tuple[tuple[Phrase, ...], ...] = ()
    """Groups of phrases: the account must use at least one phrase of every group."""
    patterns: tuple[Literal["email_address", "uk_phone_number"], ...] = ()
    """At least one must appear."""

    @field_validator("mentions")
    @classmethod
    def _groups_not_empty(cls, groups: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        if any(not group for group in groups):
            raise ValueError("each group of mentions needs at least one word or phrase")
        return groups

    @model_validator(mode="after")
    def _says_something(self) -> NarrativeRule:
        if self.min_words is None and not self.mentions and not self.patterns:
            raise ValueError("give min_words, mentions or patterns")
        return self

    @cached_property
    def compiled(self) -> tuple[tuple[re.Pattern[str], ...], ...]:
        return tuple(tuple(phrase_pattern(phrase) for phrase in group) for group in self.mentions)


class FieldPath(Section):
    """A path into the referral, e.g. `subjects[subject_child,sibling].person.birth_date`, checked against the model."""

    text: str
    steps: tuple[tuple[str, frozenset[str] | None], ...]
    """(field name, roles picked or None for every item) for each step."""


def _parse_path(text: str) -> FieldPath:
    steps: list[tuple[str, frozenset[str] | None]] = []
    model: type[BaseModel] | None = Referral
    for segment in text.split("."):
        match = _SEGMENT.match(segment)
        if match is None or model is None or match["name"] not in model.model_fields:
            raise ValueError(f"'{text[:120]}' is not a field of a referral (see schemas/json/referral.v1.schema.json)")
        inner, is_list = _unwrap(model.model_fields[match["name"]].annotation)
        select = match["select"]
        if select is not None:
            if not is_list or not (isinstance(inner, type) and issubclass(inner, BaseModel)):
                raise ValueError(f"'{text[:120]}': only a list of people can be picked from with [...]")
            roles = frozenset(select.split(","))
            known = {role.value for role in SubjectRole} | {"*"}
            if not roles <= known:
                raise ValueError(f"'{text[:120]}': pick by role, one or more of {', '.join(sorted(known))}")
            steps.append((match["name"], None if "*" in roles else roles))
        elif is_list:
            raise ValueError(f"'{text[:120]}': say which people with [...], e.g. {match['name']}[subject_child]")
        else:
            steps.append((match["name"], None))
        model = inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None
    return FieldPath(text=text, steps=tuple(steps))


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The model or type a field holds, without `None`, and whether it is a list of them."""
    if get_origin(annotation) in (Union, UnionType):
        annotation = next(arg for arg in get_args(annotation) if arg is not NoneType)
    if get_origin(annotation) is list:
        return get_args(annotation)[0], True
    return annotation, False


class Judgement(Section):
    """What an item is judged from; every part given must hold."""

    fields: tuple[FieldPath, ...] = ()
    narrative: NarrativeRule | None = None

    @field_validator("fields", mode="before")
    @classmethod
    def _paths(cls, value: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise ValueError("must be a list of field paths")
        return tuple(_parse_path(item) if isinstance(item, str) else item for item in value)

    @model_validator(mode="after")
    def _something(self) -> Judgement:
        if not self.fields and self.narrative is None:
            raise ValueError("give fields, narrative or both")
        return self


Text = Annotated[str, Field(min_length=3, max_length=600)]


class Item(Section):
    id: Code
    label: Annotated[str, Field(min_length=3, max_length=60)]
    question: Text
    weight: int = Field(ge=1, le=100)
    judged_from: Judgement
    done_well: Text
    gap: Text
    why: Text


class Checklist(Section):
    """The whole of `referral_quality.yaml`."""

    version: Version
    levels: dict[int, Level]
    stated_level_field: str | None = None
    items: tuple[Item, ...] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _four_levels(cls, levels: dict[int, Level]) -> dict[int, Level]:
        if tuple(sorted(levels)) != LEVELS:
            raise ValueError("must name the four levels of need, 1 to 4")
        return levels

    @field_validator("stated_level_field")
    @classmethod
    def _a_referral_field(cls, value: str | None) -> str | None:
        if value is not None and value not in Referral.model_fields:
            raise ValueError(f"'{value[:60]}' is not a field of a referral; leave it null if the referral has none")
        return value

    @field_validator("items")
    @classmethod
    def _unique_ids(cls, items: tuple[Item, ...]) -> tuple[Item, ...]:
        seen: set[str] = set()
        for item in items:
            if item.id in seen:
                raise ValueError(f"item id '{item.id}' is used twice")
            seen.add(item.id)
        return items

    @property
    def total_weight(self) -> int:
        return sum(item.weight for item in self.items)

    def labels(self) -> dict[str, str]:
        """Each item's label by id, for reports of stored assessments."""
        return {item.id: item.label for item in self.items}


def values_at(referral: Referral, path: FieldPath) -> Iterator[object]:
    """Every value `path` reaches in `referral` (None where a step is missing), one per person picked."""
    current: Sequence[object] = [referral]
    for name, roles in path.steps:
        following: list[object] = []
        for holder in current:
            value = getattr(holder, name, None) if holder is not None else None
            if isinstance(value, list):
                following += [item for item in value if roles is None or getattr(item, "role", None) in roles]
            else:
                following.append(value)
        current = following
    yield from current


def read_checklist(path: Path) -> Checklist:
    """Read and validate the checklist; a `ConfigFileError`, one line naming the file and setting, if it is wrong."""
    return read_config_model(path, Checklist, hint=f"Set HUB_CONFIG_DIR to the folder holding {CHECKLIST_FILE}.")


def load_checklist(settings: HubSettings) -> Checklist:
    """The checklist in the council's config folder (`$HUB_CONFIG_DIR/referral_quality.yaml`); `UserError` if wrong."""
    try:
        return read_checklist(settings.config_dir / CHECKLIST_FILE)
    except ConfigFileError as error:
        raise UserError(str(error)) from None
