"""Nicknames and spelling variants, from the tables in `hub/linkage/data/` (see its README for sources).

Deliberately independent of the synthetic population generator's own name tables: the engine is
measured on generated cases, and sharing the generator's lists would make that measure circular.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
NICKNAME_FILES = ("nicknames.csv", "short_forms.csv")
VARIANT_FILE = "spelling_variants.csv"

_SURNAME_ENDINGS = (("dzka", "dzki"), ("ska", "ski"), ("cka", "cki"))
"""Polish surnames change ending with sex (Kowalska, Kowalski); agencies often record the other form."""


def _rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", newline="") as file:
        for row in csv.reader(file):
            names = [cell.strip().casefold() for cell in row if cell.strip()]
            if names and not names[0].startswith("#"):
                yield names


def variant_key(name: str) -> str:
    """A squashed name with spelling conventions evened out: "mcdonald" → "macdonald", "kowalska" → "kowalski"."""
    key = f"mac{name[2:]}" if name.startswith("mc") else name
    for feminine, masculine in _SURNAME_ENDINGS:
        if key.endswith(feminine):
            return key[: -len(feminine)] + masculine
    return key


@dataclass(frozen=True)
class NameTables:
    """Which squashed names are nicknames, short forms or other spellings of one another."""

    nicknames: Mapping[str, frozenset[str]]
    variant_groups: Mapping[str, frozenset[int]]

    def nickname_of(self, name: str) -> frozenset[str]:
        """The names directly related to `name` as a nickname or short form (either way round)."""
        return self.nicknames.get(name, frozenset())

    def variant_groups_of(self, name: str) -> frozenset[int]:
        """The spelling groups `name` belongs to (empty when it has no listed variant)."""
        return self.variant_groups.get(name, frozenset())


def _nickname_relation(paths: list[Path]) -> dict[str, frozenset[str]]:
    related: defaultdict[str, set[str]] = defaultdict(set)
    for path in paths:
        for head, *forms in _rows(path):
            for form in forms:
                if form != head and form.isalpha():
                    related[head].add(form)
                    related[form].add(head)
    return {name: frozenset(others) for name, others in related.items()}


def _variant_groups(path: Path) -> dict[str, frozenset[int]]:
    groups: defaultdict[str, set[int]] = defaultdict(set)
    for number, names in enumerate(_rows(path)):
        for name in names:
            groups[name].add(number)
    return {name: frozenset(ids) for name, ids in groups.items()}


@cache
def name_tables(data_dir: Path = DATA_DIR) -> NameTables:
    """The tables, read once per process."""
    return NameTables(
        nicknames=_nickname_relation([data_dir / name for name in NICKNAME_FILES]),
        variant_groups=_variant_groups(data_dir / VARIANT_FILE),
    )
