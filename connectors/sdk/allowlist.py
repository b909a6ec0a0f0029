"""What a connector may return: an allow-list of fields and categories, applied before anything is stored.

Data minimisation (UK GDPR Art 5(1)(c)) made mechanical: a connector declares the optional fields of
the shared model it fills in, and the entry categories it produces. Anything else an agency sends,
or a mapping fills in by mistake, is dropped before the reply is stored, and the drop is logged by
field name (never by value). Required fields (a person's name, an entry's date, category, summary,
source and people) are always kept: without them the record means nothing. So are an entry's
sensitivity and date precision: dropping them would fail open, or change what a date means.
"""

from __future__ import annotations

import logging
import types
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel

from schemas import AgencyPerson, ChronologyEntry, EntryCategory, NormalisedDocument, Person, RelatedPerson

logger = logging.getLogger(__name__)

ALWAYS_KEPT_PERSON_FIELDS = frozenset({"name"})
"""Never dropped, declared or not: a person's name is who they are (optional only because some records hold
none, such as a PDS Patient with only an NHS number)."""
ALWAYS_KEPT_ENTRY_FIELDS = frozenset({"sensitivity", "date_precision"})
"""Never dropped, declared or not: losing them would fail open (a restricted entry read as standard)
or change what a date means."""

Exclusions = dict[str, Any]
M = TypeVar("M", bound=BaseModel)


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside `Model` or `Model | None`, if the field holds one."""
    if get_origin(annotation) in (Union, types.UnionType):
        models = [arg for arg in get_args(annotation) if arg is not type(None)]
        annotation = models[0] if len(models) == 1 else None
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def optional_fields(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every dotted field path of `model` that may be left out (within optional nested models too).

    A required field is kept whole, nested fields and all: a person's name is their name.
    """
    paths: set[str] = set()
    for name, info in model.model_fields.items():
        if info.is_required():
            continue
        path = f"{prefix}{name}"
        paths.add(path)
        if (nested := _nested_model(info.annotation)) is not None:
            paths |= optional_fields(nested, f"{path}.")
    return paths


def _exclusions(model: type[BaseModel], allowed: frozenset[str], prefix: str = "") -> Exclusions:
    """A `model_dump(exclude=...)` spec removing every optional field not allowed."""
    exclude: Exclusions = {}
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        if path in allowed or info.is_required():
            continue
        if not any(item.startswith(f"{path}.") for item in allowed):
            exclude[name] = True
        elif (nested := _nested_model(info.annotation)) is not None and (
            inner := _exclusions(nested, allowed, f"{path}.")
        ):
            exclude[name] = inner
    return exclude


@dataclass(frozen=True)
class ReturnedFields:
    """A connector's allow-list. `person` and `entry` name optional fields as dotted paths
    (`identifiers.nhs_number`, `address.postcode`); naming a parent (`identifiers`) allows all below it."""

    person: frozenset[str]
    entry: frozenset[str]
    categories: frozenset[EntryCategory]
    related: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for name, model, paths in (
            ("person", Person, self.person),
            ("entry", ChronologyEntry, self.entry),
            ("related", RelatedPerson, self.related),
        ):
            always = ALWAYS_KEPT_PERSON_FIELDS if model is Person else frozenset()
            droppable = {path for path in optional_fields(model) if path.split(".")[0] not in always}
            unknown = sorted(set(paths) - droppable)
            if unknown:
                raise ValueError(
                    f"allow-list '{name}' names fields that are not optional {model.__name__} fields: {unknown}"
                )
        if not self.categories:
            raise ValueError("allow-list must declare at least one entry category")

    def restrict(self, document: NormalisedDocument) -> tuple[NormalisedDocument, Counter[str]]:
        """The document with every undeclared field and category removed, and what was removed."""
        dropped: Counter[str] = Counter()
        candidates = [self._candidate(candidate, dropped) for candidate in document.candidates]
        entries = []
        for entry in document.entries:
            if entry.category not in self.categories:
                dropped[f"entry category {entry.category.value}"] += 1
                continue
            entries.append(_pruned(entry, ChronologyEntry, self.entry | ALWAYS_KEPT_ENTRY_FIELDS, dropped, "entry"))
        related = [
            _pruned(person, RelatedPerson, self.related, dropped, "related") for person in document.related_people
        ]
        restricted = document.model_copy(
            update={"candidates": candidates, "entries": entries, "related_people": related}
        )
        if dropped:
            logger.warning(
                "%s: dropped what its allow-list does not declare: %s",
                document.agency,
                ", ".join(f"{name} x{count}" for name, count in sorted(dropped.items())),
            )
        return restricted, dropped

    def _candidate(self, candidate: AgencyPerson, dropped: Counter[str]) -> AgencyPerson:
        person = _pruned(candidate.person, Person, self.person | ALWAYS_KEPT_PERSON_FIELDS, dropped, "person")
        return candidate.model_copy(update={"person": person})


def _set_paths(value: Any, prefix: str = "") -> Iterable[str]:
    """Dotted paths holding a value other than the default (for reporting what was dropped)."""
    if isinstance(value, BaseModel):
        for name in value.model_fields_set:
            yield from _set_paths(getattr(value, name), f"{prefix}{name}.")
    elif value not in (None, [], {}):
        yield prefix.rstrip(".")


def _pruned(value: M, model: type[M], allowed: frozenset[str], dropped: Counter[str], label: str) -> M:
    exclude = _exclusions(model, allowed)
    if not exclude:
        return value
    kept = model.model_validate(value.model_dump(exclude=exclude))
    before, after = set(_set_paths(value)), set(_set_paths(kept))
    for path in sorted(before - after):
        dropped[f"{label}.{path}"] += 1
    return kept
