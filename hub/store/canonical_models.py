"""Canonical JSON of many pydantic models at once: exactly `canonical_json` of their `model_dump(mode="json")`.

Why: a 10,000-entry chronology's canonical JSON is taken on every save (its content digest decides
whether a new version is due, and it is the stored document), and making it the plain way, a
`model_dump` per entry and then `json.dumps(sort_keys=True)`, was most of saving it (issue 17).

How: pydantic-core's JSON writer (`pydantic_core.to_json`) writes plain dicts, lists, strings, numbers,
dates and times as `json.dumps` does, several times faster, but keeps a dict's own key order and reads
an enum's value through Python's slow `Enum.value` property. So each model becomes a plain dict with
its fields in sorted order: read from its `__dict__` in one C call (`operator.itemgetter` of the sorted
names), enums replaced by their values (a dict lookup), nested models the same way (those in lists once
per object and call: assembly shares one `Involvement` between the entries that name it). pydantic-core
then writes a few hundred at a time, while their dicts are still in the processor's cache.

The plan for a model class is read from its pydantic core schema, which is what `model_dump` itself
follows. Where the fast bytes could differ from the plain ones, there is no plan and the plain way is
used (`CanonicalWriter.fast` is False): always right, only slower. That is any custom serializer,
computed field, extra field or serialisation setting, any float (Python and pydantic-core write some
floats differently) and any type not listed in `_LEAVES`. Tests hold the fast bytes equal to the plain
ones on a large, varied chronology and on awkward strings.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from operator import itemgetter
from typing import Any

import pydantic_core
from pydantic import BaseModel

from hub.crypto import canonical_json

_LEAVES = frozenset({"str", "int", "bool", "date", "datetime", "none"})
"""Core schema types whose values pydantic-core writes by itself exactly as `json.dumps` writes their
`model_dump(mode="json")` form (a tuple of them too: both write an array)."""

_FIELD_KEYS = frozenset({"type", "schema", "metadata", "validation_alias", "serialization_alias", "frozen"})
"""Keys of a model field's core schema that do not change its `model_dump` (aliases are unused by
`model_dump` unless the model's config says so, which is refused)."""

Buffer = bytes | memoryview
"""A piece of written JSON (`CanonicalWriter.pieces`)."""

Memo = dict[int, dict[str, Any]]
"""id of a nested model → its dict, within one call (the models are alive throughout, so ids are unique)."""


class Unsupported(Exception):
    """The core schema holds something whose fast bytes could differ from `canonical_json`'s."""


class _Values(dict[object, object]):
    """Enum member → its value; anything else (an unvalidated value) is kept as it is."""

    def __missing__(self, key: object) -> object:
        return key


_VALUE, _ENUM, _ENUMS, _MODEL, _MODELS = range(5)
"""What a converted field holds: an enum, an enum or None, a list of enums, a model, a list of models."""

_CONVERTED = {
    _VALUE: "how{i}[v{i}]",
    _ENUM: "None if v{i} is None else how{i}[v{i}]",
    _ENUMS: "None if v{i} is None else list(map(how{i}.__getitem__, v{i}))",
    _MODEL: "None if v{i} is None else how{i}.dump(v{i}, memo)",
    _MODELS: "None if v{i} is None else "
    "made if None not in (made := list(map(memo.get, map(id, v{i})))) else how{i}.many(v{i}, memo)",
}
"""The expression that converts field number i's value `v{i}`, by what it holds. A list of models is looked
up in the call's memo in C, and made in Python only where one is not there yet (`_Plan.many`)."""

_FLAT_MODEL = "None if v{i} is None else dict(zip(how{i}.names, how{i}.values(v{i}.__dict__)))"
"""A model whose fields need no converting, made in C calls alone (`_MODEL` would call its `dump`)."""


class _Plan:
    """How one model class becomes a dict with sorted keys: `steps` says which fields to convert, and how.

    The fields are read from the model's `__dict__` in one C call (`itemgetter` of the sorted names;
    pydantic keeps every field there), and `dump` is made from the plan as one Python function (`_compiled`).
    """

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        getter = itemgetter(*self.names)
        self.values: Callable[[Mapping[str, object]], tuple[object, ...]] = (
            getter if len(self.names) > 1 else lambda fields: (getter(fields),)
        )
        self.steps: dict[str, tuple[int, Any]] = {}
        self.dump: Callable[[object, Memo], dict[str, Any]]
        self.finished = False
        """Whether `steps` is complete (a model that holds itself is planned while being planned)."""

    def finish(self) -> None:
        self.dump = _compiled(self)
        self.finished = True

    def once(self, model: object, memo: Memo) -> dict[str, Any]:
        """`dump`, once per object within one call: assembly shares one `Involvement` between many entries."""
        made = memo.get(id(model))
        if made is None:
            made = memo[id(model)] = self.dump(model, memo)
        return made

    def many(self, models: Iterable[object], memo: Memo) -> list[dict[str, Any]]:
        return [self.once(model, memo) for model in models]


def _compiled(plan: _Plan) -> Callable[[object, Memo], dict[str, Any]]:
    """`plan` as one function: read every field in one C call, return one dict display.

    Why a function made from source (with `exec`, as `dataclasses` makes `__init__` and `namedtuple`
    its methods): a loop over the fields to convert, run for each of 10,000 entries and their nested
    models, cost a quarter of the writer's time. The source is made from the plan alone: variables
    and helpers are numbered, and the field names (Python identifiers, as pydantic requires) appear only
    as string literals (`repr`).
    """
    namespace: dict[str, Any] = {"values": plan.values}
    members = []
    for i, name in enumerate(plan.names):
        member = f"v{i}"
        if name in plan.steps:
            kind, how = plan.steps[name]
            namespace[f"how{i}"] = how
            flat = kind == _MODEL and how.finished and not how.steps
            member = (_FLAT_MODEL if flat else _CONVERTED[kind]).format(i=i)
        members.append(f"{name!r}: {member}")
    variables = "".join(f"v{i}, " for i in range(len(plan.names)))
    source = f"def dump(model, memo):\n    {variables}= values(model.__dict__)\n    return {{{', '.join(members)}}}\n"
    exec(source, namespace)  # noqa: S102 (source made from the plan alone; see the docstring)
    dump: Callable[[object, Memo], dict[str, Any]] = namespace["dump"]
    return dump


class _Reader:
    """Reads a model's core schema into `_Plan`s, raising `Unsupported` at anything it does not know."""

    def __init__(self) -> None:
        self.definitions: dict[str, Mapping[str, Any]] = {}
        self.plans: dict[type[BaseModel], _Plan] = {}

    def model_plan(self, schema: Mapping[str, Any], exclude: frozenset[str] = frozenset()) -> _Plan:
        schema, _ = self.value_schema(schema)
        if schema["type"] != "model" or schema.get("root_model") or "serialization" in schema:
            raise Unsupported(schema["type"])
        config = schema.get("config", {})
        if config.get("extra_fields_behavior") == "allow" or any(
            key.startswith("ser_") or key == "serialize_by_alias" for key in config
        ):
            raise Unsupported("serialisation config")
        cls = schema["cls"]
        if getattr(cls, "__pydantic_descriptor_fields__", None):
            raise Unsupported("fields read through descriptors")
        if not exclude and cls in self.plans:
            return self.plans[cls]
        fields_schema = self.resolved(schema["schema"])
        if fields_schema["type"] != "model-fields" or fields_schema.get("computed_fields"):
            raise Unsupported("computed fields")
        fields = {name: field for name, field in fields_schema["fields"].items() if name not in exclude}
        if not fields:
            raise Unsupported("no fields")
        plan = _Plan(sorted(fields))
        if not exclude:
            self.plans[cls] = plan
        for name in plan.names:
            field = fields[name]
            if not _FIELD_KEYS.issuperset(field):
                raise Unsupported(f"field {name}")
            self.add_field(plan, name, field["schema"])
        plan.finish()
        return plan

    def add_field(self, plan: _Plan, name: str, schema: Mapping[str, Any]) -> None:
        schema, nullable = self.value_schema(schema)
        kind = schema["type"]
        if kind in _LEAVES:
            return
        if kind == "enum":
            values = _enum_values(schema)
            plan.steps[name] = (_ENUM if nullable else _VALUE, values)
        elif kind == "model":
            plan.steps[name] = (_MODEL, self.model_plan(schema))
        elif kind in ("list", "tuple"):
            items, _ = self.value_schema(self.items_schema(schema))
            if items["type"] == "enum":
                plan.steps[name] = (_ENUMS, _enum_values(items))
            elif items["type"] == "model":
                plan.steps[name] = (_MODELS, self.model_plan(items))
            elif items["type"] not in _LEAVES:
                raise Unsupported(f"items of {name}: {items['type']}")
        else:
            raise Unsupported(f"field {name}: {kind}")

    def value_schema(self, schema: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool]:
        """The schema a value is written by, past defaults, None and validators (which do not change
        writing), and whether the value may be None."""
        nullable = False
        while True:
            schema = self.resolved(schema)
            if "serialization" in schema:
                raise Unsupported("custom serializer")
            if schema["type"] in ("default", "nullable", "function-after", "function-before", "function-wrap"):
                nullable = nullable or schema["type"] == "nullable"
                schema = schema["schema"]
            else:
                return schema, nullable

    def items_schema(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        items: list[Mapping[str, Any]] = [schema.get("items_schema", {"type": "any"})]
        if schema["type"] == "tuple":
            items = schema.get("items_schema", [])
            if schema.get("variadic_item_index") != 0 or len(items) != 1:
                raise Unsupported("fixed tuple")
        return items[0]

    def resolved(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while schema["type"] in ("definitions", "definition-ref"):
            if schema["type"] == "definitions":
                self.definitions.update((item["ref"], item) for item in schema["definitions"])
                schema = schema["schema"]
            else:
                schema = self.definitions[schema["schema_ref"]]
        return schema


def _enum_values(schema: Mapping[str, Any]) -> _Values:
    if schema.get("sub_type") not in ("str", "int"):
        raise Unsupported("enum of other values")
    members: Iterable[enum.Enum] = schema["members"]
    return _Values((member, member._value_) for member in members)


class CanonicalWriter:
    """`canonical_json([item.model_dump(mode="json") for item in items])`, and of one item, for one model class.

    `exclude` leaves those fields out, as `model_dump(exclude=...)` does.
    """

    def __init__(self, model: type[BaseModel], exclude: Iterable[str] = ()) -> None:
        self._exclude = frozenset(exclude)
        try:
            self._plan: _Plan | None = _Reader().model_plan(model.__pydantic_core_schema__, self._exclude)
        except Unsupported:
            self._plan = None

    @property
    def fast(self) -> bool:
        """Whether the fast way is used for this class (else the plain way, with the same bytes)."""
        return self._plan is not None

    def many(self, items: Sequence[BaseModel]) -> bytes:
        return b"".join(self.pieces(items))

    def pieces(self, items: Sequence[BaseModel]) -> list[Buffer]:
        """`many`'s bytes in pieces, to be joined into a larger document without a copy of their own.

        Written `_CHUNK` items at a time: the dicts of one chunk are still in the processor's cache when
        pydantic-core reads them (all 10,000 at once were a fifth slower).
        """
        if self._plan is not None:
            memo: Memo = {}
            dump = self._plan.dump
            pieces: list[Buffer] = [b"["]
            try:
                for start in range(0, len(items), _CHUNK):
                    chunk = [dump(item, memo) for item in items[start : start + _CHUNK]]
                    pieces += (memoryview(pydantic_core.to_json(chunk, by_alias=False))[1:-1], b",")
            except _UNEXPECTED:
                pass
            else:
                pieces[-1:] = [b"]"] if items else [b"[]"]
                return pieces
        return [canonical_json([item.model_dump(mode="json", exclude=set(self._exclude)) for item in items])]

    def one(self, item: BaseModel) -> bytes:
        if self._plan is not None:
            try:
                return pydantic_core.to_json(self._plan.dump(item, {}), by_alias=False)
            except _UNEXPECTED:
                pass
        return canonical_json(item.model_dump(mode="json", exclude=set(self._exclude)))


_CHUNK = 256
"""Items written in one call to pydantic-core (`CanonicalWriter.pieces`)."""

_UNEXPECTED = (AttributeError, KeyError, TypeError, pydantic_core.PydanticSerializationError)
"""What a value its field's type does not allow (set without validation) raises on the fast way: the plain
way then decides, as it always did (it writes what it can, or raises its own error)."""


@cache
def canonical_writer(model: type[BaseModel], exclude: frozenset[str] = frozenset()) -> CanonicalWriter:
    """The writer for `model` (made once per class and exclusion: reading the schema takes a moment)."""
    return CanonicalWriter(model, exclude)
