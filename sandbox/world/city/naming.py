"""How a community puts names together: its conventions, and the draws of given names and surnames they govern.

Conventions (second given names, Sikh Kaur/Singh, Somali patronymics, Polish -ski/-ska, Al-/El- prefixes,
double-barrelled surnames) are data, drawn against as probabilities; Northbridge's own communities, with
their pools and conventions, are in `sandbox.world.city.names`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from sandbox.world.city.name_pool import NamePool

Sex = Literal["female", "male"]

OLDER_GENERATION_BEFORE = 1995
"""People born before this year draw from a community's older pools where it has them (Tracey, not Poppy)."""


@dataclass(frozen=True)
class Conventions:
    """How a community puts names together, as probabilities and small tables the generator draws against."""

    second_given: float = 0.5
    """P(at least two given names)."""
    third_given: float = 0.05
    """P(a third given name | two)."""
    double_surname: float = 0.0
    """P(a founder's surname is two of the community's surnames joined, as in "Smith-Jones" or "Costa Martins")."""
    surname_joiner: str = "-"
    surname_prefixes: tuple[str, ...] = ()
    """Particles some surnames carry ("Al-", "El-"), most common first."""
    prefix_prob: float = 0.0
    feminine_endings: tuple[tuple[str, str], ...] = ()
    """(masculine, feminine) surname endings: Kowalski for a man is Kowalska for a woman."""
    patronymic: float = 0.0
    """P(a child's surname is the father's first given name, as in many Somali families)."""
    patronymic_middle: bool = False
    """Middle names are fathers' names, so are drawn from the male pool whatever the person's sex."""
    sex_markers: tuple[str, str] | None = None
    """(female, male) names carried by everyone: Sikh Kaur and Singh."""
    marker_middle: float = 0.0
    """P(the marker is recorded as a middle name)."""
    marker_surname: float = 0.0
    """P(the marker is recorded as the surname)."""
    female_surnames: tuple[str, ...] = ()
    """Surnames women carry instead of the family's (Begum, Khatun, Bibi), most common first."""
    female_surname_prob: float = 0.0
    child_female_surname_prob: float = 0.0
    """The same for daughters born in the UK, where it is much rarer."""
    fresh_child_surname: float = 0.0
    """P(a child's surname is not a parent's at all, as in some Bangladeshi families)."""
    leading_male_name: str = ""
    """A name many men carry before the name they go by ("Muhammad Imran ...")."""
    leading_male_prob: float = 0.0
    family_name_first: float = 0.0
    """P(some agency records the family name first, so given and family name end up swapped)."""
    outpartnering: float = 0.1
    """P(a partner comes from another community)."""


@dataclass(frozen=True, eq=False)
class Community:
    """One naming tradition in Northbridge, with its share of the population, its pools and its conventions."""

    key: str
    label: str
    share: float
    female: NamePool
    male: NamePool
    surnames: NamePool
    conventions: Conventions
    older_female: NamePool | None = None
    older_male: NamePool | None = None
    female_surname_pool: NamePool | None = None
    prefix_pool: NamePool | None = None

    @classmethod
    def zipf(
        cls,
        key: str,
        label: str,
        share: float,
        female: Sequence[str],
        male: Sequence[str],
        surnames: Sequence[str],
        conventions: Conventions,
        *,
        older_female: Sequence[str] = (),
        older_male: Sequence[str] = (),
        given_offset: float = 4.0,
        surname_offset: float = 3.0,
    ) -> Community:
        """A community whose pools are listed most common first (see `NamePool.zipf` for the offsets)."""
        return cls(
            key=key,
            label=label,
            share=share,
            female=NamePool.zipf(female, given_offset),
            male=NamePool.zipf(male, given_offset),
            surnames=NamePool.zipf(surnames, surname_offset),
            conventions=conventions,
            older_female=_optional_pool(older_female, given_offset),
            older_male=_optional_pool(older_male, given_offset),
            female_surname_pool=_optional_pool(conventions.female_surnames, 1.0),
            prefix_pool=_optional_pool(conventions.surname_prefixes, 1.0),
        )

    def given_pool(self, sex: Sex, born_year: int | None = None) -> NamePool:
        """The pool first given names come from: the older one for people born before 1995, where there is one."""
        if born_year is not None and born_year < OLDER_GENERATION_BEFORE:
            older = self.older_female if sex == "female" else self.older_male
            if older is not None:
                return older
        return self.female if sex == "female" else self.male

    def given_name(self, rng: random.Random, sex: Sex, born_year: int | None = None) -> str:
        """One given name, as a first name."""
        return self.given_pool(sex, born_year).pick(rng)

    def given_names(self, rng: random.Random, sex: Sex, born_year: int | None = None) -> tuple[str, ...]:
        """One to three given names, first name first, following the community's conventions."""
        conv = self.conventions
        pool = self.given_pool(sex, born_year)
        marker = ""
        if conv.sex_markers is not None and rng.random() < conv.marker_middle:
            marker = conv.sex_markers[0] if sex == "female" else conv.sex_markers[1]
        room = 2 if marker else 3
        names = [pool.pick(rng)]
        lead = conv.leading_male_name
        if lead and sex == "male" and names[0] != lead and rng.random() < conv.leading_male_prob:
            names.insert(0, lead)
        if len(names) < room and rng.random() < conv.second_given:
            middles = self.male if conv.patronymic_middle else pool
            add_distinct(names, middles, rng)
            if len(names) < room and rng.random() < conv.third_given:
                add_distinct(names, middles, rng)
        if marker:
            names.append(marker)
        return tuple(names)

    def surname(self, rng: random.Random, sex: Sex) -> str:
        """A surname for someone whose family the generator has not met yet, in the form for their sex."""
        conv = self.conventions
        if sex == "female" and self.female_surname_pool is not None and rng.random() < conv.female_surname_prob:
            return self.female_surname_pool.pick(rng)
        if conv.sex_markers is not None and rng.random() < conv.marker_surname:
            return conv.sex_markers[0] if sex == "female" else conv.sex_markers[1]
        name = self.surnames.pick(rng)
        if self.prefix_pool is not None and rng.random() < conv.prefix_prob:
            name = self.prefix_pool.pick(rng) + name
        if conv.double_surname and rng.random() < conv.double_surname:
            other = self.surnames.pick(rng)
            if other != name:
                name = f"{name}{conv.surname_joiner}{other}"
        return self.surname_for_sex(name, sex) if conv.feminine_endings else name

    def full_name(self, rng: random.Random, sex: Sex, born_year: int | None = None) -> tuple[tuple[str, ...], str]:
        """Given names and surname drawn together, so a Sikh marker is never both middle name and surname."""
        given = self.given_names(rng, sex, born_year)
        family = self.surname(rng, sex)
        markers = self.conventions.sex_markers
        if markers is not None and family in markers and given[-1] in markers:
            family = self.surnames.pick(rng)
        return given, family

    def surname_for_sex(self, surname: str, sex: Sex) -> str:
        """The form of a family surname for a man or a woman (Kowalski/Kowalska); unchanged where it has one form."""
        endings = self.conventions.feminine_endings
        if not endings:
            return surname
        parts = surname.split("-")
        for index, part in enumerate(parts):
            for masculine, feminine in endings:
                old, new = (masculine, feminine) if sex == "female" else (feminine, masculine)
                if part.endswith(old):
                    parts[index] = part[: -len(old)] + new
                    break
        return "-".join(parts)

    def child_surname(self, rng: random.Random, family_surname: str, sex: Sex, father_given: str | None = None) -> str:
        """The surname a child of this community is registered under, given the family's and the father's name.

        Usually the family surname in the child's form; but a Somali child often takes the father's first given
        name, a Sikh daughter of "Singh" is "Kaur", and some Bangladeshi children get a surname of their own.
        """
        conv = self.conventions
        if father_given and conv.patronymic and rng.random() < conv.patronymic:
            return father_given
        if conv.sex_markers is not None and family_surname in conv.sex_markers:
            return conv.sex_markers[0] if sex == "female" else conv.sex_markers[1]
        if sex == "female" and self.female_surname_pool is not None:
            if rng.random() < conv.child_female_surname_prob:
                return self.female_surname_pool.pick(rng)
            if family_surname in self.female_surname_pool:
                return self.surnames.pick(rng)
        if conv.fresh_child_surname and rng.random() < conv.fresh_child_surname:
            return self.surnames.pick(rng)
        return self.surname_for_sex(family_surname, sex)


def _optional_pool(names: Sequence[str], offset: float) -> NamePool | None:
    """A pool of `names`, or None where a community has none of this kind."""
    return NamePool.zipf(names, offset) if names else None


def add_distinct(names: list[str], pool: NamePool, rng: random.Random) -> None:
    """Append a name not already in `names` (a few tries; gives up quietly on tiny pools)."""
    for _ in range(4):
        name = pool.pick(rng)
        if name not in names:
            names.append(name)
            return


def place_name_surnames(stems: Sequence[str], endings: Sequence[str], avoid: Iterable[str]) -> tuple[str, ...]:
    """Rare place-name surnames, stems varying fastest so the rarest are spread across stems."""
    taken = set(avoid)
    names: list[str] = []
    for ending in endings:
        for stem in stems:
            name = stem + ending
            if stem[-1] == ending[0] and stem[-1] != "l":
                continue
            if name not in taken:
                taken.add(name)
                names.append(name)
    return tuple(names)
