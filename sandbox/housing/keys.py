"""How housing records are indexed for search; the same functions build the keys when the population
is written (`sandbox.housing.tables`) and the values a search looks up (`sandbox.housing.search`).
"""

from __future__ import annotations

from datetime import date

from sandbox.common.store import search_key
from sandbox.model.records import HousingPerson

SEPARATOR = "\x1f"
"""ASCII unit separator: cannot be typed into a name."""


def postcode_key(postcode: str | None) -> str | None:
    """Postcodes compare without spaces and case: "ne3 2rw" is "NE32RW"."""
    compact = "".join((postcode or "").split()).upper()
    return compact or None


def surname_birth_key(surname: str, birth_date: date) -> str:
    """One key per (normalised surname, birth date): the usual search is one index lookup."""
    return f"{search_key(surname)}{SEPARATOR}{birth_date.isoformat()}"


def surname_birth_keys(person: HousingPerson) -> list[str]:
    """A key for the current and every previous surname; none without a recorded birth date."""
    if person.date_of_birth is None:
        return []
    born = person.date_of_birth
    return [surname_birth_key(name, born) for name in (person.surname, *person.previous_surnames) if search_key(name)]
