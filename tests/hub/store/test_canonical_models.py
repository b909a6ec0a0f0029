"""The fast canonical JSON of models is byte for byte the plain `canonical_json` of their `model_dump(mode="json")`.

The plain bytes are what chronology digests have always been taken over, so any difference would make an
unchanged chronology look changed. The large, varied chronology is checked in test_chronology_serialised;
here: awkward strings, every kind of field the fast way converts, and the models it must leave to the
plain way.
"""

from __future__ import annotations

import json
import warnings
from datetime import UTC, date, datetime, timedelta, timezone
from enum import IntEnum, StrEnum
from typing import Annotated

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, computed_field, field_serializer

from hub.crypto import canonical_json
from hub.store.canonical_models import CanonicalWriter, canonical_writer
from schemas import (
    CheckResult,
    Chronology,
    ChronologyEntry,
    EntryCategory,
    EntryFacts,
    Involvement,
    InvolvementRole,
    SourceRef,
)


class Colour(StrEnum):
    RED = "red"
    NAVY = "navy"


class Size(IntEnum):
    SMALL = 1
    LARGE = 2


class Leaf(BaseModel):
    model_config = ConfigDict(frozen=True)

    zeta: str
    alpha: Colour = Colour.RED


class Mixed(BaseModel):
    """Every kind of field the fast way converts or passes on, declared out of sorted order."""

    model_config = ConfigDict(frozen=True)

    when: datetime | None = None
    day: date = date(2026, 1, 2)
    colour: Colour = Colour.NAVY
    maybe_colour: Colour | None = None
    colours: list[Colour] = Field(default_factory=list)
    size: Size = Size.SMALL
    leaf: Leaf = Leaf(zeta="z")
    maybe_leaf: Leaf | None = None
    leaves: list[Leaf] = Field(default_factory=list)
    maybe_leaves: list[Leaf] | None = None
    words: tuple[str, ...] = ()
    count: int = 0
    flag: bool | None = None
    text: str = ""


def _plain(items: list[BaseModel], exclude: frozenset[str] = frozenset()) -> bytes:
    return canonical_json([item.model_dump(mode="json", exclude=set(exclude)) for item in items])


def _same(items: list[BaseModel], exclude: frozenset[str] = frozenset()) -> None:
    writer = CanonicalWriter(type(items[0]), exclude)
    assert writer.fast
    assert writer.many(items) == _plain(items, exclude)
    assert [writer.one(item) for item in items] == [_plain([item], exclude)[1:-1] for item in items]


AWKWARD = 'quote " backslash \\ slash / tab \t newline \n nul \x00 unit \x1f del \x7f line \u2028 café “x” 😀 中'


def test_every_kind_of_field_is_written_as_the_plain_way_writes_it() -> None:
    shared = Leaf(zeta="shared", alpha=Colour.NAVY)
    _same(
        [
            Mixed(),
            Mixed(
                when=datetime(2026, 3, 4, 5, 6, 7, 89, tzinfo=UTC),
                maybe_colour=Colour.RED,
                colours=[Colour.NAVY, Colour.RED],
                size=Size.LARGE,
                leaf=Leaf(zeta=AWKWARD),
                maybe_leaf=shared,
                leaves=[shared, shared, Leaf(zeta="other")],
                maybe_leaves=[shared],
                words=("a", AWKWARD),
                count=-(10**30),
                flag=False,
                text=AWKWARD,
            ),
            Mixed(when=datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=-5, minutes=-30)))),
            Mixed(when=datetime(2026, 3, 4), flag=True, maybe_leaves=[]),
        ]
    )


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"])))
def test_any_string_is_written_as_the_plain_way_writes_it(text: str) -> None:
    assert CanonicalWriter(Leaf).one(Leaf(zeta=text)) == canonical_json({"alpha": "red", "zeta": text})


def test_fields_can_be_left_out() -> None:
    _same([Mixed(text="kept"), Mixed(count=3)], frozenset({"leaf", "text", "when"}))


def test_the_chronology_models_are_written_the_fast_way() -> None:
    """The models a chronology's digest is taken over: a change to them that the fast way cannot follow
    (a float, a custom serializer) would make saving slow again, so it must be seen here."""
    assert canonical_writer(ChronologyEntry).fast and canonical_writer(CheckResult).fast
    assert canonical_writer(ChronologyEntry, frozenset({"people"})).fast


class WithFloat(BaseModel):
    weight: float


class WithSerializer(BaseModel):
    value: Annotated[int, PlainSerializer(lambda value: value * 2)]


class WithFieldSerializer(BaseModel):
    value: int

    @field_serializer("value")
    def _doubled(self, value: int) -> int:
        return value * 2


class WithComputed(BaseModel):
    value: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def doubled(self) -> int:
        return self.value * 2


class WithExtra(BaseModel):
    model_config = ConfigDict(extra="allow")

    value: int


class WithAlias(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True)

    value: int = Field(serialization_alias="shown")


class HoldingOne(BaseModel):
    inner: WithFloat


@pytest.mark.parametrize(
    "item",
    [
        WithFloat(weight=1e16),
        WithSerializer(value=2),
        WithFieldSerializer(value=2),
        WithComputed(value=2),
        WithExtra(value=2, more="yes"),
        WithAlias(value=2),
        HoldingOne(inner=WithFloat(weight=0.1)),
    ],
    ids=lambda item: type(item).__name__,
)
def test_what_the_fast_way_could_write_otherwise_is_left_to_the_plain_way(item: BaseModel) -> None:
    writer = CanonicalWriter(type(item))
    assert not writer.fast
    assert writer.many([item]) == _plain([item]) and writer.one(item) == _plain([item])[1:-1]


class Node(BaseModel):
    name: str
    children: list[Node] = Field(default_factory=list)
    colour: Colour | None = None


def test_a_model_that_holds_itself_is_written_as_the_plain_way_writes_it() -> None:
    tree = Node(name="root", children=[Node(name="a", colour=Colour.RED, children=[Node(name="b")]), Node(name="c")])
    _same([tree, Node(name="leaf")])


@pytest.mark.parametrize(
    "unvalidated",
    [
        {"category": "police_occurrence"},  # a str where the enum belongs
        {"source": {"agency": "police", "record_id": "OCC-1"}},  # a dict where the model belongs
        {"people": None},  # None where a list belongs
    ],
    ids=["str-for-enum", "dict-for-model", "none-for-list"],
)
def test_values_set_without_validation_are_written_as_the_plain_way_writes_them(unvalidated: dict[str, object]) -> None:
    """Where the fast way cannot go on, the plain way decides (pydantic then warns of the value)."""
    fields: dict[str, object] = {
        "occurred_on": date(2026, 1, 1),
        "category": EntryCategory.POLICE_OCCURRENCE,
        "summary": "Synthetic.",
        "source": SourceRef(agency="police", record_id="OCC-1"),
        "people": [Involvement(agency_person_id="P-1", role=InvolvementRole.VICTIM)],
        "facts": EntryFacts(marac=True),
    }
    entry = ChronologyEntry.model_construct(**{**fields, **unvalidated})  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = _plain([entry])
        assert canonical_writer(ChronologyEntry).many([entry]) == plain
        assert canonical_writer(ChronologyEntry).one(entry) == plain[1:-1]


def test_the_fast_bytes_read_back_as_the_entries() -> None:
    """The fast bytes are JSON any reader parses (the stored document is read back with pydantic)."""
    entries = [
        ChronologyEntry.model_validate(
            {
                "occurred_on": "2026-01-01",
                "category": "police_occurrence",
                "summary": AWKWARD,
                "source": {"agency": "police", "record_id": "OCC-1"},
                "people": [{"agency_person_id": "P-1", "role": "victim", "subject_id": "S1"}],
                "facts": {"dash_risk": "standard", "exploitation": ["sexual", "criminal"]},
            }
        )
    ]
    written = canonical_writer(ChronologyEntry).many(entries)
    assert json.loads(written) == [entry.model_dump(mode="json") for entry in entries]
    assert (
        Chronology.model_validate_json(
            b'{"referral_id":"R-1","child_subject_id":"S1","version":1,"assembled_at":"2026-01-01T00:00:00Z",'
            b'"checks":[],"entries":' + written + b"}"
        ).entries
        == entries
    )


@pytest.mark.parametrize("count", [0, 1, 255, 256, 257, 600])
def test_any_number_of_items_is_written_as_the_plain_way_writes_them(count: int) -> None:
    """The fast way writes a few hundred items at a time: the joins between them are seamless."""
    items = [Leaf(zeta=f"item {number}", alpha=Colour.NAVY if number % 3 else Colour.RED) for number in range(count)]
    assert CanonicalWriter(Leaf).many(items) == canonical_json([item.model_dump(mode="json") for item in items])
