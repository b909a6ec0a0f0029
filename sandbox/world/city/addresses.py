"""Northbridge at scale: streets, addresses with valid postcodes, and GP practices, schools and hospitals sized to
the population.

The fixed places of `sandbox.model.places` (the sample family's streets, GP practices and schools) come first in every
list, so the sample family's records stay valid at any scale. Each street sits in one postcode sector, with
about 15 addresses to a unit postcode as in real UK addressing; addresses are drawn without replacement in O(1).
"""

from __future__ import annotations

import random
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from math import ceil

from sandbox.model.places import COUNCIL, GP_PRACTICES, HOSPITAL, LEA, PRIMARY_SCHOOLS, SECONDARY_SCHOOLS, STREETS, TOWN
from sandbox.model.records import GpPractice, School

__all__ = [
    "ADDRESSES_PER_PERSON",
    "COUNCIL",
    "HOSPITAL",
    "INWARD_LETTERS",
    "LEA",
    "MAX_ADDRESSES",
    "MAX_NEIGHBOURHOODS",
    "MAX_STREETS",
    "PEOPLE_PER_GP_PRACTICE",
    "PEOPLE_PER_HOSPITAL",
    "PEOPLE_PER_PRIMARY_SCHOOL",
    "PEOPLE_PER_SECONDARY_SCHOOL",
    "PEOPLE_PER_SPECIAL_SCHOOL",
    "POSTCODE_DISTRICTS",
    "RESERVED_ADDRESSES",
    "TOWN",
    "UNITS_PER_SECTOR",
    "Address",
    "AddressFactory",
    "ServiceEstate",
    "Street",
    "neighbourhood_names",
    "normalise_postcode",
    "street_names",
    "validate_postcode",
]

# --- Postcodes ---------------------------------------------------------------------------------------------------

INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
"""Letters allowed in the last two places of a UK postcode (never C, I, K, M, O or V)."""
POSTCODE_DISTRICTS = tuple(f"NE{number}" for number in range(1, 41))
"""Northbridge's outward codes."""

_POSTCODE = re.compile(
    r"(?P<outward>GIR|[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|[A-PR-UWYZ][0-9][A-HJKPSTUW]|"
    r"[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"\s*(?P<inward>[0-9][ABD-HJLNP-UW-Z]{2})"
)


def _match_postcode(text: str) -> re.Match[str] | None:
    match = _POSTCODE.fullmatch(text.strip().upper())
    if match is not None and match["outward"] == "GIR" and match["inward"] != "0AA":
        return None
    return match


def validate_postcode(text: str) -> bool:
    """Whether `text` is a UK postcode in the Royal Mail format, in any case, spaced or not ("ne65qt" is)."""
    return _match_postcode(text) is not None


def normalise_postcode(text: str) -> str:
    """A postcode in its canonical form: upper case, one space before the inward code ("ne65qt" → "NE6 5QT")."""
    match = _match_postcode(text)
    if match is None:
        raise ValueError(f"not a UK postcode: {text!r}")
    return f"{match['outward']} {match['inward']}"


# --- Neighbourhoods --------------------------------------------------------------------------------------------

_AREA_STEMS = (
    "Ash", "Alder", "Black", "Bracken", "Bright", "Copper", "Crow", "Elder", "Fox", "Gold", "Grey", "Hawk", "Heath",
    "Holly", "Iron", "Kings", "Lark", "Lime", "Mill", "Moss", "Nether", "Oak", "Queens", "Raven", "Red", "Rose",
    "Salt", "Stone", "Thorn", "Whin", "Willow", "Wood", "Cold", "Fern", "Hazel", "High", "Long", "Marsh", "Rye",
    "Birk",
)  # fmt: skip
_AREA_ENDINGS = (
    "field", "dale", "brook", "ley", "ton", "wood", "bank", "hill", "gate", "moor", "side", "burn", "well", "ford",
    "croft", "hurst", "mead", "haugh",
)  # fmt: skip
_FIXED_AREAS = ("Larchfield", "Millbrook")


def _all_neighbourhoods() -> tuple[str, ...]:
    """Fixed neighbourhoods, then every stem with every ending, neighbours in the order differing in both."""
    names = list(_FIXED_AREAS)
    seen = set(names)
    for round_ in range(len(_AREA_ENDINGS)):
        for index, stem in enumerate(_AREA_STEMS):
            ending = _AREA_ENDINGS[(index + round_) % len(_AREA_ENDINGS)]
            name = stem + ending
            if stem[-1] != ending[0] and name not in seen:
                seen.add(name)
                names.append(name)
    return tuple(names)


_NEIGHBOURHOODS = _all_neighbourhoods()
MAX_NEIGHBOURHOODS = len(_NEIGHBOURHOODS)


def neighbourhood_names(count: int) -> tuple[str, ...]:
    """The first `count` of Northbridge's fictional neighbourhoods (Larchfield, Millbrook, then generated)."""
    if not 0 <= count <= MAX_NEIGHBOURHOODS:
        raise ValueError(f"Northbridge has at most {MAX_NEIGHBOURHOODS} neighbourhood names; asked for {count}")
    return _NEIGHBOURHOODS[:count]


# --- Streets -----------------------------------------------------------------------------------------------------

_STREET_WORDS = (
    "Abbey", "Acorn", "Albert", "Albion", "Alexandra", "Allendale", "Alnwick", "Amble", "Anchor", "Appleby",
    "Armstrong", "Ashbrook", "Aspen", "Balmoral", "Bamburgh", "Barley", "Beech", "Belford", "Belmont", "Birch",
    "Blackthorn", "Blenheim", "Bluebell", "Bracken", "Bramble", "Brunswick", "Buckthorn", "Burnside", "Byron",
    "Cambridge", "Campion", "Carlton", "Castle", "Cedar", "Chantry", "Cherry", "Chester", "Cheviot", "Chestnut",
    "Church", "Clarence", "Clover", "Coach", "Coldstream", "Collingwood", "Colliery", "Coquet", "Coronation",
    "Cotswold", "Cragside", "Cromwell", "Curlew", "Dale", "Dene", "Derwent", "Dovecote", "Dunstan", "Durham",
    "Edendale", "Elder", "Elm", "Elmfield", "Ennerdale", "Eskdale", "Falcon", "Farne", "Fenwick", "Fern", "Ferry",
    "Fieldfare", "Forge", "Fountain", "Foxglove", "Gainsborough", "Garth", "Gladstone", "Glebe", "Grange",
    "Granville", "Grasmere", "Greenfield", "Hadrian", "Harbour", "Hareshaw", "Harrow", "Hawthorn", "Hazel",
    "Heather", "Hedgerow", "Hexham", "Highfield", "Holly", "Holystone", "Honeysuckle", "Hope", "Ivy", "Jubilee",
    "Juniper", "Keel", "Kelso", "Kestrel", "Kielder", "Kingfisher", "Kingsley", "Kirkwood", "Laburnum",
    "Lambton", "Lancaster", "Langdale", "Lapwing", "Lavender", "Lilac", "Lime", "Linden", "Linnet", "Loansdean",
    "Lowther", "Lumley", "Magpie", "Malvern", "Manor", "Maple", "Marlborough", "Mayfield", "Meadow", "Melrose",
    "Mill", "Milton", "Minster", "Moorland", "Morpeth", "Mulberry", "Nelson", "Newlands", "Nightingale", "Norham",
    "Northumberland", "Oak", "Oakfield", "Orchard", "Osprey", "Otterburn", "Oxford", "Paddock", "Park", "Parkside",
    "Pear", "Pennine", "Percy", "Pinewood", "Plover", "Poplar", "Primrose", "Priory", "Quarry", "Queensway",
    "Raby", "Railway", "Ravensworth", "Redesdale", "Redwing", "Regent", "Ridley", "Ripon", "Riverside", "Ropery",
    "Rosebery", "Rothbury", "Rowan", "Rydal", "Saltwell", "Sandpiper", "School", "Seaton", "Shaftesbury",
    "Shipley", "Skylark", "Sorrel", "Sparrow", "Springfield", "Staithes", "Stanhope", "Stephenson", "Swallow",
    "Swan", "Sycamore", "Tarset", "Teal", "Tennyson", "Thirlmere", "Thistle", "Thornfield", "Tower", "Trafalgar",
    "Tweed", "Valley", "Vicarage", "Victoria", "Wagtail", "Walnut", "Wansbeck", "Warkworth", "Waterloo",
    "Wellington", "Wesley", "Westmorland", "Whinfield", "Whitburn", "Willow", "Windermere", "Woodbine",
    "Woodland", "Wooler", "Wren", "Yew", "York",
)  # fmt: skip
_STREET_PREFIXES = ("Old", "New", "Upper", "Lower", "North", "South", "East", "West", "Back", "Little")

# suffix, kind, fewest and most addresses. "flats" streets are blocks ("Flat 3, Heron Court"); "terrace" streets
# are houses of which some are converted into flats ("Flat 2, 41 Station Road", or "41A Station Road").
_SUFFIXES: tuple[tuple[str, str, int, int], ...] = (
    ("Road", "terrace", 40, 180), ("Street", "terrace", 30, 140), ("Avenue", "terrace", 30, 120),
    ("Terrace", "terrace", 20, 70), ("Close", "houses", 8, 30), ("Court", "flats", 12, 60),
    ("Grove", "houses", 15, 50), ("Walk", "houses", 10, 40), ("Lane", "houses", 15, 80), ("Way", "houses", 20, 100),
    ("Crescent", "houses", 20, 70), ("Gardens", "houses", 15, 60), ("Row", "houses", 8, 30),
    ("View", "houses", 10, 40), ("Drive", "houses", 20, 90), ("Place", "houses", 8, 30), ("Mews", "houses", 6, 20),
    ("Square", "houses", 10, 40), ("Rise", "houses", 10, 40), ("Green", "houses", 10, 30),
    ("Park", "houses", 20, 60), ("Bank", "houses", 15, 50), ("House", "flats", 10, 40),
    ("Heights", "flats", 30, 90),
)  # fmt: skip
_SUFFIX_INFO = {suffix: (kind, low, high) for suffix, kind, low, high in _SUFFIXES}
_AREA_WORDS = tuple(name for name in _NEIGHBOURHOODS if name not in _STREET_WORDS)
MAX_STREETS = len(STREETS) + len(_SUFFIXES) * (len(_STREET_WORDS) * (1 + len(_STREET_PREFIXES)) + len(_AREA_WORDS))
"""Most street names `street_names` can make (a few fewer where a generated name repeats a fixed one)."""


def _crossed(words: Sequence[str], prefix: str = "") -> Iterator[str]:
    """Every word with every suffix, ordered so that neighbouring names differ in both word and suffix."""
    for index in range(len(words) * len(_SUFFIXES)):
        word_index = index % len(words)
        suffix = _SUFFIXES[(index // len(words) + word_index) % len(_SUFFIXES)][0]
        yield f"{prefix}{words[word_index]} {suffix}"


def _iter_street_names() -> Iterator[str]:
    """Fixed streets; then street words with suffixes; then neighbourhood names; then "Old", "Back"... forms."""
    seen = set(STREETS)
    yield from STREETS
    blocks = [_crossed(_STREET_WORDS), _crossed(_AREA_WORDS)]
    blocks += [_crossed(_STREET_WORDS, f"{prefix} ") for prefix in _STREET_PREFIXES]
    for block in blocks:
        for name in block:
            if name not in seen:
                seen.add(name)
                yield name


def street_names(count: int) -> tuple[str, ...]:
    """The first `count` street names of Northbridge: the fixed ones of `sandbox.model.places`, then generated ones.

    Deterministic (no randomness), so the same count always names the same streets.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    names = tuple(islice(_iter_street_names(), count))
    if len(names) < count:
        raise ValueError(f"Northbridge has at most {len(names)} street names; asked for {count}")
    return names


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
    names = _iter_street_names()
    while slots - len(pins) < capacity:
        name = next(names, None)
        if name is None:
            raise ValueError(f"Northbridge ran out of street names planning {capacity:,} addresses")
        kind, low, high = _SUFFIX_INFO[name.rsplit(" ", 1)[1]]
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


# --- Services ----------------------------------------------------------------------------------------------------

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
