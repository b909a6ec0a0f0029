"""How a nominal is indexed for search: name-and-birth-date keys that sort so one range scan answers.

A key is `surname␟[forename␟]birth_date` with the search-normalised names (see `search_key`), the
ISO birth date (empty when unknown) and the unit separator between parts. Because ISO dates sort
as text, "this surname, born between A and B" is one range over the key index, "this surname,
any birth date" is one prefix range, and "birth date unknown" is one exact key. The same
functions build the keys when the population is written and the ranges when it is searched.
"""

from __future__ import annotations

from datetime import date

from sandbox.common.store import search_key
from sandbox.model.records import PoliceNominal

SEPARATOR = "\x1f"
"""ASCII unit separator: cannot be typed into a name, and sorts below every printable character."""


def name_prefix(*names: str) -> str:
    """The key prefix shared by every birth date of these (already normalised) names."""
    return "".join(f"{name}{SEPARATOR}" for name in names)


def prefix_end(prefix: str) -> str:
    """The smallest text above every key starting with `prefix` (it ends in SEPARATOR)."""
    return prefix[:-1] + chr(ord(SEPARATOR) + 1)


def _birth(nominal: PoliceNominal) -> str:
    return nominal.date_of_birth.isoformat() if nominal.date_of_birth else ""


def surnames_of(nominal: PoliceNominal) -> list[str]:
    """The recorded surname and every alias surname, normalised and without repeats."""
    keys = (search_key(name) for name in (nominal.surname, *nominal.alias_surnames))
    return list(dict.fromkeys(key for key in keys if key))


def forenames_of(nominal: PoliceNominal) -> list[str]:
    """The first forename and every alias forename (nicknames are recorded as aliases), normalised."""
    firsts = nominal.forenames[:1]
    keys = (search_key(name) for name in (*firsts, *nominal.alias_forenames))
    return list(dict.fromkeys(key for key in keys if key))


def surname_birth_keys(nominal: PoliceNominal) -> list[str]:
    """One key per surname: for searches that give no forename."""
    return [name_prefix(surname) + _birth(nominal) for surname in surnames_of(nominal)]


def name_birth_keys(nominal: PoliceNominal) -> list[str]:
    """One key per surname and forename pairing: for searches that give a forename."""
    birth = _birth(nominal)
    return [
        name_prefix(surname, forename) + birth for surname in surnames_of(nominal) for forename in forenames_of(nominal)
    ]


def birth_key(prefix: str, born: date) -> str:
    return prefix + born.isoformat()
