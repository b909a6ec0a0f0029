"""Northbridge's GP practices, schools and hospitals, sized to the population, the fixed ones first.

The fixed places of `sandbox.model.places` (the sample family's GP practices and schools, the
hospital) come first in every list, so the sample family's records stay valid at any scale; the
rest are named from the city's neighbourhoods, streets and saints, and numbered around the fixed codes.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sandbox.model.places import COUNCIL, GP_PRACTICES, HOSPITAL, LEA, PRIMARY_SCHOOLS, SECONDARY_SCHOOLS
from sandbox.model.records import GpPractice, School
from sandbox.world.city.street_names import MAX_NEIGHBOURHOODS, neighbourhood_names, street_names

__all__ = [
    "COUNCIL",
    "HOSPITAL",
    "LEA",
    "PEOPLE_PER_GP_PRACTICE",
    "PEOPLE_PER_HOSPITAL",
    "PEOPLE_PER_PRIMARY_SCHOOL",
    "PEOPLE_PER_SECONDARY_SCHOOL",
    "PEOPLE_PER_SPECIAL_SCHOOL",
    "ServiceEstate",
]

_SAINTS = (
    "Aidan", "Cuthbert", "Bede", "Oswald", "Hilda", "Wilfrid", "Mary", "Joseph", "Peter", "Paul", "Michael",
    "Columba", "Patrick", "Anne", "Teresa", "John", "Andrew", "George", "Margaret", "Catherine", "Lawrence", "Mark",
    "Matthew", "Vincent", "Charles", "Bernadette", "Alban", "Chad", "Edmund", "Gregory", "James", "Stephen",
    "Barnabas", "Oswin", "Cecilia", "Francis", "Agnes", "Benedict", "Mungo", "Ninian",
)  # fmt: skip

PEOPLE_PER_GP_PRACTICE = 8_000
PEOPLE_PER_PRIMARY_SCHOOL = 2_500
PEOPLE_PER_SECONDARY_SCHOOL = 12_000
PEOPLE_PER_SPECIAL_SCHOOL = 50_000
PEOPLE_PER_HOSPITAL = 300_000

# (pattern, weight): {area} a neighbourhood, {saint} a saint's name with its possessive, {street} a street name.
_GP_NAMES = (
    ("{area} Medical Centre", 4), ("{area} Surgery", 4), ("{area} Health Centre", 3), ("{area} Family Practice", 2),
    ("The {area} Practice", 2), ("{area} Medical Group", 1), ("{street} Surgery", 2), ("{street} Health Centre", 1),
)  # fmt: skip
_PRIMARY_NAMES = (
    ("{area} Primary School", 6), ("{area} Community Primary School", 3), ("{area} Primary Academy", 2),
    ("St {saint} CE Primary School", 2), ("St {saint} RC Primary School", 2),
    ("St {saint} Catholic Primary School", 1), ("{area} Infant and Junior School", 1),
)  # fmt: skip
_SECONDARY_NAMES = (
    ("{area} Academy", 4), ("{area} High School", 3), ("{area} School", 2), ("{area} Community College", 1),
    ("St {saint} RC High School", 1), ("St {saint} Catholic Academy", 1), ("{area} Church of England Academy", 1),
)  # fmt: skip
_SPECIAL_NAMES = (
    ("{street} Special School", 2), ("{area} Special School", 2), ("{area} Park School", 1),
    ("{area} Hall School", 1),
)  # fmt: skip
_HOSPITAL_NAMES = (("{area} Community Hospital", 3), ("{area} General Hospital", 1), ("{area} Royal Infirmary", 1))


def _possessive(saint: str) -> str:
    return f"{saint}'" if saint.endswith("s") else f"{saint}'s"


class _Namer:
    """Draws unique names from weighted patterns; a name already taken (fixed ones included) is drawn again."""

    def __init__(self, rng: random.Random, areas: Sequence[str], streets: Sequence[str], taken: set[str]) -> None:
        self._rng, self._areas, self._streets, self._taken = rng, areas, streets, taken

    def name(self, patterns: Sequence[tuple[str, int]]) -> str:
        templates = [template for template, _ in patterns]
        weights = [weight for _, weight in patterns]
        for _ in range(1000):
            template = self._rng.choices(templates, weights)[0]
            name = template.format(
                area=self._rng.choice(self._areas),
                saint=_possessive(self._rng.choice(_SAINTS)),
                street=self._rng.choice(self._streets),
            )
            if name not in self._taken:
                self._taken.add(name)
                return name
        raise ValueError("ran out of distinct names for Northbridge's services")


def _numbers(rng: random.Random, low: int, high: int, fixed: Iterable[str], count: int, what: str) -> list[int]:
    """`count` distinct numbers from low..high (inclusive) not among the `fixed` codes, in ascending order."""
    taken = {int(code) for code in fixed}
    free = [number for number in range(low, high + 1) if number not in taken]
    if count > len(free):
        raise ValueError(f"Northbridge has room for {len(free)} more {what}; the population needs {count}")
    return sorted(rng.sample(free, count))


@dataclass(frozen=True)
class ServiceEstate:
    """The GP practices, schools and hospitals a population of a given size needs; the fixed ones come first."""

    gp_practices: tuple[GpPractice, ...]
    primary_schools: tuple[School, ...]
    secondary_schools: tuple[School, ...]
    special_schools: tuple[School, ...]
    hospitals: tuple[str, ...]

    @property
    def schools(self) -> tuple[School, ...]:
        return self.primary_schools + self.secondary_schools + self.special_schools

    @classmethod
    def for_population(cls, people: int, rng: random.Random) -> ServiceEstate:
        """About one GP practice per 8,000 people, a primary per 2,500, a secondary per 12,000, a special school
        per 50,000 and a hospital per 300,000, never fewer than the fixed ones. Deterministic for a seeded rng."""
        if people < 0:
            raise ValueError("people must not be negative")
        gps = max(len(GP_PRACTICES), round(people / PEOPLE_PER_GP_PRACTICE))
        primaries = max(len(PRIMARY_SCHOOLS), round(people / PEOPLE_PER_PRIMARY_SCHOOL))
        secondaries = max(len(SECONDARY_SCHOOLS), round(people / PEOPLE_PER_SECONDARY_SCHOOL))
        specials = max(1, round(people / PEOPLE_PER_SPECIAL_SCHOOL))
        hospitals = max(1, round(people / PEOPLE_PER_HOSPITAL))
        areas = neighbourhood_names(min(MAX_NEIGHBOURHOODS // 2, max(40, primaries)))
        taken = {practice.name for practice in GP_PRACTICES}
        taken |= {school.name for school in PRIMARY_SCHOOLS + SECONDARY_SCHOOLS}
        taken.add(HOSPITAL)
        namer = _Namer(rng, areas, street_names(200), taken)

        ods_fixed = [practice.ods_code.removeprefix("Y9") for practice in GP_PRACTICES]
        ods = _numbers(rng, 1, 9999, ods_fixed, gps - len(GP_PRACTICES), "GP practices")
        practices = GP_PRACTICES + tuple(GpPractice(f"Y9{code:0>4}", namer.name(_GP_NAMES)) for code in ods)

        def schools(
            fixed: tuple[School, ...], low: int, high: int, count: int, patterns: Sequence[tuple[str, int]], what: str
        ) -> tuple[School, ...]:
            estabs = _numbers(rng, low, high, [school.estab for school in fixed], count - len(fixed), what)
            return fixed + tuple(School(LEA, f"{estab}", namer.name(patterns)) for estab in estabs)

        return cls(
            gp_practices=practices,
            primary_schools=schools(PRIMARY_SCHOOLS, 2000, 3999, primaries, _PRIMARY_NAMES, "primary schools"),
            secondary_schools=schools(
                SECONDARY_SCHOOLS, 4000, 4999, secondaries, _SECONDARY_NAMES, "secondary schools"
            ),
            special_schools=schools((), 7000, 7999, specials, _SPECIAL_NAMES, "special schools"),
            hospitals=(HOSPITAL, *(namer.name(_HOSPITAL_NAMES) for _ in range(hospitals - 1))),
        )
