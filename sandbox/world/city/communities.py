"""Choosing among Northbridge's naming communities: a household's, a partner's, and the names their children get.

A household's community comes in proportion to the city's shares; a partner often from another
community, whose child may then get mixed given names or both parents' surnames joined. Twins and
siblings get names alike but not the same (`similar_given_name`). The communities themselves are
`sandbox.world.city.names.COMMUNITIES`.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from functools import cache
from itertools import accumulate

from sandbox.world.city.name_variants import NICKNAMES, SPELLING_VARIANTS
from sandbox.world.city.names import COMMUNITIES
from sandbox.world.city.naming import Community, Sex, add_distinct

COMPOUND_SURNAME_RATE_MIXED = 0.15
"""Share of mixed-heritage couples whose children get both parents' surnames, as in "Okafor-Reid"."""

SAME_INITIAL_RATE = 0.5
"""How often `similar_given_name` keeps the first name's initial (Amara and Amelia; Tyler and Tommy)."""

_COMMUNITY_CUM = tuple(accumulate(community.share for community in COMMUNITIES))


def _partner_choices() -> dict[str, tuple[tuple[Community, ...], tuple[float, ...]]]:
    """For each community, every other one with cumulative shares: out-partners follow the city's mix."""
    choices = {}
    for community in COMMUNITIES:
        others = tuple(other for other in COMMUNITIES if other is not community)
        choices[community.key] = (others, tuple(accumulate(other.share for other in others)))
    return choices


_PARTNER_CHOICES = _partner_choices()


def pick_community(rng: random.Random) -> Community:
    """A community in proportion to its share of the city."""
    return COMMUNITIES[bisect_right(_COMMUNITY_CUM, rng.random() * _COMMUNITY_CUM[-1], 0, len(COMMUNITIES) - 1)]


def partner_community(rng: random.Random, community: Community) -> Community:
    """A partner's community: usually the same; otherwise another in proportion to the city's shares."""
    if rng.random() >= community.conventions.outpartnering:
        return community
    others, cum = _PARTNER_CHOICES[community.key]
    return others[bisect_right(cum, rng.random() * cum[-1], 0, len(others) - 1)]


def mixed_given_names(
    rng: random.Random, sex: Sex, first: Community, second: Community, born_year: int | None = None
) -> tuple[str, ...]:
    """Given names for a child of a mixed-heritage couple: a first name from one side, often a middle from the other."""
    lead, other = (first, second) if rng.random() < 0.5 else (second, first)
    names = [lead.given_name(rng, sex, born_year)]
    if rng.random() < 0.6:
        add_distinct(names, other.given_pool(sex, born_year), rng)
    elif rng.random() < lead.conventions.second_given:
        add_distinct(names, lead.given_pool(sex, born_year), rng)
    return tuple(names)


def compound_surname(first: str, second: str) -> str:
    """Two surnames hyphenated ("Okafor-Reid"); never more than double-barrelled, so a compound gives one part."""
    left = first.split("-")[0].strip()
    right = second.split("-")[-1].strip()
    if not left or not right:
        raise ValueError("both surnames must be non-empty")
    if left.casefold() == right.casefold():
        return left
    return f"{left}-{right}"


@cache
def all_given_names() -> frozenset[str]:
    """Every given name the communities can produce, in any pool or position."""
    names: set[str] = set()
    for community in COMMUNITIES:
        for pool in (community.female, community.male, community.older_female, community.older_male):
            if pool is not None:
                names.update(pool.names)
        conv = community.conventions
        if conv.leading_male_name:
            names.add(conv.leading_male_name)
        if conv.sex_markers is not None:
            names.update(conv.sex_markers)
    return frozenset(names)


@cache
def all_surnames() -> frozenset[str]:
    """Every single (not double-barrelled) surname the communities can produce, in every form for either sex."""
    names: set[str] = set()
    for community in COMMUNITIES:
        conv = community.conventions
        bases = set(community.surnames.names)
        if community.prefix_pool is not None:
            bases |= {prefix + name for prefix in community.prefix_pool.names for name in community.surnames.names}
        if conv.patronymic:
            bases |= set(community.male.names)
        for name in bases:
            names.add(community.surname_for_sex(name, "female"))
            names.add(community.surname_for_sex(name, "male"))
        names.update(conv.female_surnames)
        if conv.sex_markers is not None:
            names.update(conv.sex_markers)
    return frozenset(names)


def similar_given_name(
    rng: random.Random, community: Community, sex: Sex, avoid: str | Sequence[str], born_year: int | None = None
) -> str:
    """A different given name for a twin or sibling: often the same initial, never a nickname or spelling of `avoid`."""
    avoided = [avoid] if isinstance(avoid, str) else list(avoid)
    if not avoided:
        raise ValueError("similar_given_name needs at least one name to avoid")
    avoided_folded = {name.casefold() for name in avoided}
    blocked = {form.casefold() for name in avoided for form in _informal_forms(name)}
    pool = community.given_pool(sex, born_year)
    same_initial = pool.with_initial(avoided[0])

    def clashes(name: str) -> bool:
        """Whether `name` is an avoided name, one of its forms, or a name they are forms of (Tom → Thomas)."""
        return name.casefold() in blocked or any(form.casefold() in avoided_folded for form in _informal_forms(name))

    for _ in range(16):
        source = same_initial if same_initial is not None and rng.random() < SAME_INITIAL_RATE else pool
        name = source.pick(rng)
        if not clashes(name):
            return name
    for name in pool.names:
        if not clashes(name):
            return name
    raise ValueError(f"no given name in {community.key} avoids {avoided}")


def _informal_forms(name: str) -> tuple[str, ...]:
    return (name, *NICKNAMES.get(name, ()), *SPELLING_VARIANTS.get(name, ()))
