"""Which home, GP practice, school and hospital a household gets, from the city's places.

Addresses come from `AddressFactory` without replacement, but homes are also reused over time as
in a real city: a home someone moved out of goes into a pool, and a later household may move in
(never before the day it was vacated). That keeps a million people within the factory's
addresses, and it makes an old address in one agency's record someone else's current home, as
happens in real records. Services are assigned by postcode sector, a stand-in for catchments: a
short move within the sector keeps a child's school and GP; a move across sectors usually does not.
"""

from __future__ import annotations

import random
import zlib
from math import ceil

from sandbox.model.records import GpPractice, School
from sandbox.world.city.addresses import AddressFactory
from sandbox.world.city.services import ServiceEstate

ADDRESSES_PER_PERSON = 1.0
"""Addresses planned per person: current homes, earlier homes and partners' homes before they moved in."""
VACATED_POOL = 20_000
"""At most this many vacated homes are remembered for reuse (bounded memory at any scale)."""
REUSE = 0.6
"""Chance a household moving in takes a vacated home rather than a never-used one."""


def _sector(postcode: str) -> str:
    outward, _, inward = postcode.partition(" ")
    return f"{outward} {inward[:1]}"


def _stable(text: str) -> int:
    """A hash that is the same in every process (Python's str hash is salted)."""
    return zlib.crc32(text.encode("ascii"))


class Catchments:
    """Homes and services for one generation; deterministic for its seeded RNGs."""

    def __init__(self, rng: random.Random, people: int) -> None:
        capacity = min(max(ceil(people * ADDRESSES_PER_PERSON), 500), 1_200_000)
        self._factory = AddressFactory(rng, capacity)
        self.estate = ServiceEstate.for_population(people, rng)
        sectors = sorted({f"{street.district} {street.sector}" for street in self._factory.streets})
        self._sector_index = {sector: index for index, sector in enumerate(sectors)}
        self._vacated: list[tuple[str, str, int]] = []
        self._choices: dict[tuple[str, str], tuple[int, ...]] = {}

    # --- homes -------------------------------------------------------------------------------

    def home(self, rng: random.Random, moving_in: int) -> tuple[str, str]:
        """An address free from `moving_in` on: often a vacated home, otherwise a new one."""
        pool = self._vacated
        if pool and (rng.random() < REUSE or self._factory.issued >= self._factory.capacity):
            for _ in range(3):
                index = rng.randrange(len(pool))
                line, postcode, vacated = pool[index]
                if vacated <= moving_in:
                    pool[index] = pool[-1]
                    pool.pop()
                    return line, postcode
        address = self._factory.new_address(rng)
        return address.line, address.postcode

    def earlier_home(self, rng: random.Random, left: int) -> tuple[str, str]:
        """A home someone lived in until `left`; it becomes free for a later household."""
        address = self._factory.new_address(rng)
        self.vacate(rng, address.line, address.postcode, left)
        return address.line, address.postcode

    def vacate(self, rng: random.Random, line: str, postcode: str, on: int) -> None:
        pool = self._vacated
        if len(pool) < VACATED_POOL:
            pool.append((line, postcode, on))
        else:
            pool[rng.randrange(VACATED_POOL)] = (line, postcode, on)

    # --- services ----------------------------------------------------------------------------

    def _options(self, postcode: str, kind: str, count: int) -> tuple[int, ...]:
        """Indexes of the `kind` services serving a postcode sector: one or a few neighbouring ones."""
        sector = _sector(postcode)
        key = (sector, kind)
        options = self._choices.get(key)
        if options is None:
            sectors = max(len(self._sector_index), 1)
            position = self._sector_index.get(sector, _stable(sector) % sectors)
            first = position * count // sectors
            last = max(first, (position + 1) * count // sectors - 1)
            options = self._choices[key] = tuple(range(first, last + 1))
        return options

    def _pick(self, postcode: str, kind: str, count: int) -> int:
        options = self._options(postcode, kind, count)
        return options[_stable(postcode) % len(options)]

    def school(self, postcode: str, phase: str, current: School | None = None) -> School:
        """The school serving a postcode; a child already at a school serving its sector stays there."""
        schools = self.estate.primary_schools if phase == "primary" else self.estate.secondary_schools
        if current is not None:
            options = self._options(postcode, phase, len(schools))
            if any(schools[index] == current for index in options):
                return current
        return schools[self._pick(postcode, phase, len(schools))]

    def special_school(self, postcode: str) -> School:
        schools = self.estate.special_schools
        return schools[self._pick(postcode, "special", len(schools))]

    def gp(self, postcode: str) -> GpPractice:
        practices = self.estate.gp_practices
        return practices[self._pick(postcode, "gp", len(practices))]

    def hospital(self, postcode: str) -> str:
        hospitals = self.estate.hospitals
        return hospitals[self._pick(postcode, "hospital", len(hospitals))]
