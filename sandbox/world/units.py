"""What a household is while it is built and once it is: the people in the making, and the unit others read.

A `Being` is a person while the household builder makes up their life; `freeze` turns them into the
`TruePerson` the truth holds. A `Unit` is one built household with what the event model and the
agency views need to know about it (roles, homes, tenure, partners, school spells, risk).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sandbox.model.records import PreviousAddress, School
from sandbox.model.truth import Household, TruePerson
from sandbox.world.city.naming import Community, Sex
from sandbox.world.timeline import Home, as_date


@dataclass(slots=True, eq=False)
class Being:
    """A person while their life is being made up; frozen into a TruePerson at the end."""

    person_id: str
    given: tuple[str, ...]
    family: str
    born: int
    sex: Sex
    community: Community
    homes: list[Home] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    """Earlier surnames, most recent first."""
    known_as: str | None = None
    twin_of: str | None = None
    upn: str | None = None
    nhs_number: str = ""
    parents: frozenset[str] = frozenset()
    preferred_surname: str | None = None

    def rename(self, surname: str) -> None:
        if surname != self.family:
            if self.family not in self.aliases:
                self.aliases.insert(0, self.family)
            if surname in self.aliases:
                self.aliases.remove(surname)
            self.family = surname


@dataclass(frozen=True, slots=True)
class SchoolSpell:
    school: School
    entry: int
    leaving: int | None
    leaving_reason: str | None = None
    """transfer_to_secondary or moved_away (see the education view for exclusions)."""


@dataclass(slots=True, eq=False)
class Unit:
    """One household as built, with what the event model and the agency views need to know."""

    household: Household
    people: list[TruePerson]
    roles: dict[str, str]
    homes: list[Home]
    """The household's homes, oldest first; the last is the current one."""
    tenure: str
    deprivation: float
    adults: list[str]
    children: list[str]
    """Dependent children (under 18), oldest first."""
    partners: list[tuple[str, str, int, int | None]] = field(default_factory=list)
    """(woman or first partner, other partner, together from, apart from) for every couple touching the household."""
    schools: dict[str, list[SchoolSpell]] = field(default_factory=dict)
    risk: int = 0


class Figures:
    """Counts of what the truth holds, for the manifest."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()


def freeze(being: Being, figures: Figures) -> TruePerson:
    """The finished person, counting in `figures` who has earlier surnames and who moved."""
    current = being.homes[-1]
    previous = tuple(
        PreviousAddress(home.line, home.postcode, as_date(home.start), as_date(home.end))
        for home in reversed(being.homes[:-1])
        if home.end is not None and home.start < home.end <= current.start
    )
    if being.aliases:
        figures.counts["people_with_earlier_surnames"] += 1
    if previous:
        figures.counts["people_who_moved"] += 1
    return TruePerson(
        person_id=being.person_id,
        given_names=being.given,
        family_name=being.family,
        birth_date=as_date(being.born),
        sex=being.sex,
        address_line=current.line,
        postcode=current.postcode,
        nhs_number=being.nhs_number,
        upn=being.upn,
        alias_family_names=tuple(being.aliases),
        known_as=being.known_as,
        previous_addresses=previous,
        address_since=as_date(max(current.start, being.born)),
        twin_of=being.twin_of,
        community=being.community.key,
        preferred_surname=being.preferred_surname,
    )
