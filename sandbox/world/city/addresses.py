"""Northbridge's addresses at scale: streets laid out in postcode sectors, and homes handed out without repeats.

Each street sits in one postcode sector, with about 15 addresses to a unit postcode as in real UK
addressing; addresses are drawn without replacement in O(1). The sample family's homes are reserved
(`RESERVED_ADDRESSES`), so their records stay valid at any scale.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from math import ceil

from sandbox.model.places import TOWN
from sandbox.world.city.postcodes import INWARD_LETTERS, POSTCODE_DISTRICTS
from sandbox.world.city.street_names import iter_street_names, street_kind

__all__ = [
    "ADDRESSES_PER_PERSON",
    "MAX_ADDRESSES",
    "RESERVED_ADDRESSES",
    "TOWN",
    "UNITS_PER_SECTOR",
    "Address",
    "AddressFactory",
    "Street",
]


@dataclass(frozen=True, slots=True)
class Address:
    """A home as agencies write it: one line and a postcode, the two things they match addresses on."""

    line: str
    """House or flat and street, with the town, as agencies record it: "Flat 3, Heron Court, Northbridge"."""
    postcode: str


@dataclass(frozen=True, slots=True)
class Street:
    """One street: all of it in one postcode sector, its addresses cut into unit postcodes of `unit_size`."""

    name: str
    district: str
    sector: int
    kind: str
    """houses, flats (a block) or converted (every house split into `flats_per_house` flats)."""
    size: int
    unit_size: int
    units: tuple[str, ...]
    """The two letters ending each unit postcode, in address order."""
    start: int
    """This street's first slot in the factory's numbering."""
    flats_per_house: int = 1
    lettered: bool = False
    """Converted flats written "41A" rather than "Flat 1, 41"."""

    def address(self, offset: int) -> Address:
        """The street's `offset`-th address (0-based)."""
        postcode = f"{self.district} {self.sector}{self.units[offset // self.unit_size]}"
        if self.kind == "houses":
            line = f"{offset + 1} {self.name}"
        elif self.kind == "flats":
            line = f"Flat {offset + 1}, {self.name}"
        else:
            house, flat = divmod(offset, self.flats_per_house)
            if self.lettered:
                line = f"{house + 1}{'ABCD'[flat]} {self.name}"
            else:
                line = f"Flat {flat + 1}, {house + 1} {self.name}"
        return Address(f"{line}, {TOWN}", postcode)


RESERVED_ADDRESSES: tuple[Address, ...] = (
    Address(f"14 Larch Close, {TOWN}", "NE6 5QT"),
    Address(f"3 Foundry Walk, {TOWN}", "NE4 7BX"),
)
"""The sample family's homes (`sandbox.world.sample_family`): their streets are pinned to these postcode units and the
factory never hands these addresses to anyone else."""

ADDRESSES_PER_PERSON = 0.5
"""Addresses `AddressFactory.for_population` plans per person: homes for ~2.3-person households, plus moves."""
MAX_ADDRESSES = 1_200_000
"""The most addresses one factory makes: enough for 2.4 million people, well within the postcode units available."""
UNITS_PER_SECTOR = 300
"""Unit postcodes used per sector, out of the 400 the inward letters allow."""
_ADDRESSES_PER_ACTIVE_SECTOR = 2500
_MIN_ACTIVE_SECTORS = 8


class AddressFactory:
    """Hands out distinct addresses across Northbridge, drawn at random without replacement.

    Construction plans enough streets for `capacity` addresses (rounded up to whole streets; see `capacity`)
    from its own rng; `new_address` then costs O(1) whatever the size, by a lazy Fisher-Yates over address
    slots. Asking for more than the factory holds raises ValueError rather than repeating an address.
    """

    def __init__(self, rng: random.Random, capacity: int) -> None:
        if not 1 <= capacity <= MAX_ADDRESSES:
            raise ValueError(f"an address factory holds 1 to {MAX_ADDRESSES:,} addresses; asked for {capacity:,}")
        self._streets = _plan_streets(rng, capacity)
        self._starts = [street.start for street in self._streets]
        last = self._streets[-1]
        self._slots = last.start + last.size
        self._reserved = frozenset(self._reserved_slots())
        self._remaining = self._slots
        self._swaps: dict[int, int] = {}
        self._issued = 0

    @classmethod
    def for_population(cls, rng: random.Random, people: int) -> AddressFactory:
        """A factory sized for `people` (ADDRESSES_PER_PERSON each, at least a few hundred)."""
        return cls(rng, max(ceil(people * ADDRESSES_PER_PERSON), 500))

    @property
    def capacity(self) -> int:
        """How many addresses `new_address` can hand out in all (at least what was asked for)."""
        return self._slots - len(self._reserved)

    @property
    def issued(self) -> int:
        return self._issued

    @property
    def streets(self) -> tuple[Street, ...]:
        return self._streets

    def new_address(self, rng: random.Random) -> Address:
        """An address nobody has been given yet, uniformly from those left."""
        while True:
            if self._issued >= self.capacity:
                raise ValueError(f"all {self.capacity:,} addresses have been handed out; plan a larger factory")
            slot = self._draw(rng)
            if slot not in self._reserved:
                self._issued += 1
                return self._address(slot)

    def _draw(self, rng: random.Random) -> int:
        index = rng.randrange(self._remaining)
        last = self._remaining - 1
        slot = self._swaps.get(index, index)
        tail = self._swaps.pop(last, last)
        if index != last:
            self._swaps[index] = tail
        self._remaining = last
        return slot

    def _address(self, slot: int) -> Address:
        street = self._streets[bisect_right(self._starts, slot) - 1]
        return street.address(slot - street.start)

    def _reserved_slots(self) -> Iterator[int]:
        by_name = {street.name: street for street in self._streets}
        for reserved in RESERVED_ADDRESSES:
            number, _, rest = reserved.line.partition(" ")
            street = by_name.get(rest.removesuffix(f", {TOWN}"))
            if street is not None:
                yield street.start + int(number) - 1


def _pins() -> dict[str, tuple[str, int, int, str]]:
    """Street name → (district, sector, 0-based offset, unit letters) for each reserved address."""
    pins = {}
    for reserved in RESERVED_ADDRESSES:
        number, _, rest = reserved.line.partition(" ")
        outward, inward = reserved.postcode.split()
        pins[rest.removesuffix(f", {TOWN}")] = (outward, int(inward[0]), int(number) - 1, inward[1:])
    return pins


class _UnitPools:
    """Unused unit postcodes (inward letters) per sector, shuffled on first use, with pinned units held back."""

    def __init__(self, rng: random.Random, pinned: Iterator[tuple[tuple[str, int], str]]) -> None:
        self._rng = rng
        self._pinned: dict[tuple[str, int], set[str]] = {}
        for sector, letters in pinned:
            self._pinned.setdefault(sector, set()).add(letters)
        self._left: dict[tuple[str, int], list[str]] = {}

    def _pool(self, sector: tuple[str, int]) -> list[str]:
        pool = self._left.get(sector)
        if pool is None:
            letters = [first + second for first in INWARD_LETTERS for second in INWARD_LETTERS]
            self._rng.shuffle(letters)
            held = self._pinned.get(sector, set())
            pool = self._left[sector] = [pair for pair in letters if pair not in held][: UNITS_PER_SECTOR - len(held)]
        return pool

    def left(self, sector: tuple[str, int]) -> int:
        return len(self._pool(sector))

    def take(self, sector: tuple[str, int], count: int) -> list[str]:
        pool = self._pool(sector)
        if count > len(pool):
            raise ValueError(f"sector {sector[0]} {sector[1]} has only {len(pool)} unit postcodes left")
        taken = pool[:count]
        del pool[:count]
        return taken


def _plan_streets(rng: random.Random, capacity: int) -> tuple[Street, ...]:
    """Lay out streets until there are `capacity` addresses besides the reserved ones, each in one sector."""
    pins = _pins()
    sectors = [(district, sector) for district in POSTCODE_DISTRICTS for sector in range(10)]
    rng.shuffle(sectors)
    units = _UnitPools(rng, (((district, sector), letters) for district, sector, _, letters in pins.values()))
    active = min(len(sectors), max(_MIN_ACTIVE_SECTORS, ceil(capacity / _ADDRESSES_PER_ACTIVE_SECTOR)))
    streets: list[Street] = []
    slots = 0
    names = iter_street_names()
    while slots - len(pins) < capacity:
        name = next(names, None)
        if name is None:
            raise ValueError(f"Northbridge ran out of street names planning {capacity:,} addresses")
        kind, low, high = street_kind(name)
        size = rng.randint(low, high)
        unit_size = rng.randint(12, 18)
        flats_per_house, lettered = 1, False
        if kind == "terrace":
            kind = "houses"
            if rng.random() < 0.15:
                kind, flats_per_house, lettered = "converted", rng.choice((2, 2, 3)), rng.random() < 0.3
                size -= size % flats_per_house
                unit_size -= unit_size % flats_per_house
        pin = pins.get(name)
        if pin is not None:
            kind, flats_per_house, size = "houses", 1, max(size, pin[2] + 4)  # neighbours share the unit
            sector = (pin[0], pin[1])
        else:
            sector, active = _sector_with_room(rng, sectors, active, ceil(size / unit_size), units)
        street_units = units.take(sector, ceil(size / unit_size))
        if pin is not None:
            street_units[pin[2] // unit_size] = pin[3]
        streets.append(
            Street(name, *sector, kind, size, unit_size, tuple(street_units), slots, flats_per_house, lettered)
        )
        slots += size
    return tuple(streets)


def _sector_with_room(
    rng: random.Random, sectors: Sequence[tuple[str, int]], active: int, needed: int, units: _UnitPools
) -> tuple[tuple[str, int], int]:
    """A random active sector with `needed` unit postcodes left, opening more sectors when the active ones fill."""
    while True:
        start = rng.randrange(active)
        for step in range(active):
            sector = sectors[(start + step) % active]
            if units.left(sector) >= needed:
                return sector, active
        if active == len(sectors):
            raise ValueError("Northbridge ran out of postcode units")
        active = min(len(sectors), active + _MIN_ACTIVE_SECTORS)
