"""Dates as day numbers: the generator's arithmetic on lifetimes, moves and school years.

Everything inside the generator works on `date.toordinal()` integers (cheap to add and compare);
dates are made only when a record is built.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from sandbox.model.truth import REFERENCE_DATE, TruePerson

TODAY = REFERENCE_DATE.toordinal()
YEAR = 365.25
WINDOW_YEARS = 10
WINDOW_START = TODAY - int(WINDOW_YEARS * YEAR)
"""Life events are spread over the ten years up to the reference date."""


def years_before(years: float, of: int = TODAY) -> int:
    return of - int(years * YEAR)


def years_after(years: float, of: int) -> int:
    return of + int(years * YEAR)


def age_at(born: int, on: int = TODAY) -> float:
    """Age in years (fractional) on a day; good enough for plausibility, not for birthdays."""
    return (on - born) / YEAR


def between(rng: random.Random, start: int, end: int) -> int:
    """A day in [start, end] (start if the range is empty)."""
    return start + int(rng.random() * (end - start + 1)) if end > start else start


def as_date(day: int) -> date:
    return date.fromordinal(day)


def reception_year(born: int) -> int:
    """The calendar year a child starts Reception: the September after they turn four (31 August rule)."""
    birth = date.fromordinal(born)
    return birth.year + (4 if birth.month <= 8 else 5)


def september(year: int, day: int = 4) -> int:
    return date(year, 9, day).toordinal()


@dataclass(slots=True)
class Home:
    """A period at one address; `end` is None for the current home."""

    line: str
    postcode: str
    start: int
    end: int | None = None

    def holds(self, day: int) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


def home_on(homes: list[Home], day: int) -> Home:
    """The home (oldest first list) someone lived in on a day; the earliest one before their first."""
    for home in reversed(homes):
        if home.start <= day:
            return home
    return homes[0]


def address_on(person: TruePerson, on: date) -> tuple[str, str]:
    """Where someone lived on a day, from their address history (their current home if unknown)."""
    if person.address_since is None or on >= person.address_since:
        return person.address_line, person.postcode
    for previous in person.previous_addresses:
        if previous.start is not None and previous.start <= on and (previous.end is None or on < previous.end):
            return previous.line, previous.postcode or person.postcode
    return person.address_line, person.postcode
