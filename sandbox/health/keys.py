"""How PDS-style patient records are indexed, and the text folding every health search shares.

The same functions build the key columns when a population is written (`sandbox.health.tables`) and the
values a search looks up (`sandbox.health.search`), so the two can never drift apart.

A name-and-birth key is `name␟YYYY-MM-DD`: ISO dates sort as text, so "this name, born between A
and B" is one range scan over the key index, whatever the population size. Names are indexed in two
forms: folded (for exact and wildcard searches) and as a Soundex code (for fuzzy searches, which PDS
documents as Soundex-based). Every family name a record has held is indexed, so history searches
are range scans too; whether a previous name may match is decided after the lookup.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

import jellyfish

from sandbox.model.records import HealthPatient

SEPARATOR = "\x1f"
"""ASCII unit separator: cannot be typed into a name, and sorts below every printable character."""

LAST_CHARACTER = "\U0010ffff"
"""Sorts after every other character, so `prefix + LAST_CHARACTER` bounds every text starting with `prefix`."""
_NOT_LETTERS = re.compile(r"[^a-z]+")


def fold(text: str) -> str:
    """Case, accents and spacing folded away, as PDS compares names: "  Kociński " is "kocinski"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.split())


def letters(text: str) -> str:
    """Only the letters of a folded name: "O'Reilly-Smith" is "oreillysmith"."""
    return _NOT_LETTERS.sub("", fold(text))


def words(text: str) -> tuple[str, ...]:
    """The letter runs of a name: "Okafor-Reid" is ("okafor", "reid")."""
    return tuple(word for word in _NOT_LETTERS.split(fold(text)) if word)


def soundex(text: str) -> str | None:
    """The Soundex code of a name's letters (None for a name without any)."""
    plain = letters(text)
    return jellyfish.soundex(plain) if plain else None


def postcode_key(postcode: str | None) -> str | None:
    """Postcodes compare without spaces and case: "ne6 5qt" is "NE65QT"."""
    compact = "".join((postcode or "").split()).upper()
    return compact or None


def name_birth_key(name: str, born: date) -> str:
    return f"{name}{SEPARATOR}{born.isoformat()}"


def key_range(name: str, low: date | None, high: date | None) -> tuple[str, str]:
    """The inclusive key bounds for one folded name (or Soundex code) born between `low` and `high`."""
    return f"{name}{SEPARATOR}{low.isoformat() if low else ''}", name_birth_key(name, high or date.max)


def prefix_range(prefix: str) -> tuple[str, str]:
    """The inclusive key bounds for every name starting with `prefix` (a wildcard search's "sm" of "Sm*")."""
    return prefix, prefix + LAST_CHARACTER


def family_names(patient: HealthPatient) -> list[str]:
    """The current family name first, then every previous one, folded and without repeats."""
    folded = (fold(name) for name in (patient.family_name, *patient.previous_family_names))
    return list(dict.fromkeys(name for name in folded if name))


def family_birth_keys(patient: HealthPatient) -> list[str]:
    """One key per family name the record has held: for exact, wildcard and history searches."""
    return [name_birth_key(name, patient.birth_date) for name in family_names(patient)]


def sound_birth_keys(patient: HealthPatient) -> list[str]:
    """One key per Soundex code of the names held: for fuzzy searches over a birth-date range."""
    codes = (soundex(name) for name in family_names(patient))
    return [name_birth_key(code, patient.birth_date) for code in dict.fromkeys(codes) if code]


def postcode_keys(patient: HealthPatient) -> list[str]:
    """The current postcode and every previous one: for fuzzy searches that give no family name."""
    held: Iterable[str | None] = (patient.postcode, *(address.postcode for address in patient.previous_addresses))
    return list(dict.fromkeys(key for key in map(postcode_key, held) if key))


def transposed(born: date) -> date | None:
    """The date with day and month swapped (3 April for 4 March), when that is another real date."""
    if born.day > 12 or born.day == born.month:
        return None
    return born.replace(month=born.day, day=born.month)
