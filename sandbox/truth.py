"""Ground truth for the synthetic population: who really exists, and who lives with whom.

Agencies hold their own (possibly imperfect) views of these people; see `sandbox.records`.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sandbox.records import EducationRecords, HealthRecords, HousingRecords, PoliceRecords, PreviousAddress
from schemas.identifiers import nhs_number_check_digit, upn_check_letter

REFERENCE_DATE = date(2026, 11, 2)
""""Today" in the sandbox world: the sample referral's date, so ages and terms line up."""


@dataclass(frozen=True)
class TruePerson:
    person_id: str
    given_names: tuple[str, ...]
    family_name: str
    birth_date: date
    sex: str
    address_line: str
    postcode: str
    nhs_number: str | None = None
    upn: str | None = None
    alias_family_names: tuple[str, ...] = ()
    """Earlier surnames (before marriage, a parent's re-partnering, or a change by deed poll)."""
    known_as: str | None = None
    """The informal given name the person goes by (a nickname), if any."""
    previous_addresses: tuple[PreviousAddress, ...] = ()
    """Earlier homes, most recent first."""
    address_since: date | None = None
    twin_of: str | None = None
    community: str = ""
    """The naming tradition the person's names were drawn from (for the generator's own figures)."""


@dataclass(frozen=True)
class Household:
    household_id: str
    address_line: str
    postcode: str
    members: tuple[tuple[str, str], ...]
    """(person_id, role) with role parent_carer, partner, child or other_adult."""


@dataclass(frozen=True)
class Relationship:
    """A directed family tie in the ground truth: `person_id` is the `kind` of `other_id`.

    Kinds: mother, father, step_parent, partner, ex_partner, sibling, half_sibling, grandparent,
    other_adult. Agencies only ever hold some of these, in their own words.
    """

    person_id: str
    other_id: str
    kind: str


@dataclass(frozen=True)
class LifeEvent:
    """Something that really happened to a household, which some agencies came to record.

    The generator decides what happens (and how events follow one another); each agency's view
    then records the events it would know about, in its own terms.
    """

    event_id: str
    kind: str
    on: date
    household_id: str
    people: tuple[tuple[str, str], ...]
    """(person_id, role) of everyone involved, e.g. victim, suspect, child_present, subject."""
    severity: str = ""


@dataclass
class Population:
    seed: int
    people: dict[str, TruePerson] = field(default_factory=dict)
    households: list[Household] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)
    events: list[LifeEvent] = field(default_factory=list)
    health: HealthRecords = field(default_factory=HealthRecords)
    police: PoliceRecords = field(default_factory=PoliceRecords)
    education: EducationRecords = field(default_factory=EducationRecords)
    housing: HousingRecords = field(default_factory=HousingRecords)

    def add_person(self, person: TruePerson) -> TruePerson:
        self.people[person.person_id] = person
        return person


class IdFactory:
    """Hands out unique, deterministic ids and identifiers from the population's seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._counters: Counter[str] = Counter()
        self._nhs_numbers: set[str] = set()
        self._upns: set[str] = set()

    def sequence(self, prefix: str, width: int = 6) -> str:
        self._counters[prefix] += 1
        return f"{prefix}{self._counters[prefix]:0{width}d}"

    def opaque(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def reserve(self, *, nhs_number: str | None = None, upn: str | None = None) -> None:
        if nhs_number:
            self._nhs_numbers.add(nhs_number)
        if upn:
            self._upns.add(upn)

    def nhs_number(self) -> str:
        """A valid modulus-11 NHS number in the 999 test range, unused so far."""
        while True:
            first_nine = f"999{self._rng.randrange(10**6):06d}"
            check = nhs_number_check_digit(first_nine)
            number = f"{first_nine}{check}"
            if check is not None and number not in self._nhs_numbers:
                self._nhs_numbers.add(number)
                return number

    def upn(self, lea: str, estab: str, allocated_year: int) -> str:
        """A valid UPN: check letter, LA, establishment, two-digit year, three-digit serial."""
        while True:
            body = f"{lea}{estab}{allocated_year % 100:02d}{self._rng.randrange(1000):03d}"
            number = upn_check_letter(body) + body
            if number not in self._upns:
                self._upns.add(number)
                return number


def age_on(birth_date: date, on: date = REFERENCE_DATE) -> int:
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - before_birthday
