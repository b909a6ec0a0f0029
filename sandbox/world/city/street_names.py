"""Northbridge's neighbourhood and street names: the fixed ones of `sandbox.model.places` first, then generated.

Deterministic (no randomness): the same count always names the same neighbourhoods and streets. A
street's suffix says what it is (a "Court" is a block of flats, a "Road" a terrace), which is how
`sandbox.world.city.addresses` lays its addresses out.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice

from sandbox.model.places import STREETS

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


def iter_street_names() -> Iterator[str]:
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
    names = tuple(islice(iter_street_names(), count))
    if len(names) < count:
        raise ValueError(f"Northbridge has at most {len(names)} street names; asked for {count}")
    return names


def street_kind(name: str) -> tuple[str, int, int]:
    """What a street's suffix makes it: houses, flats or a terrace, and its fewest and most addresses."""
    return _SUFFIX_INFO[name.rsplit(" ", 1)[1]]
