"""Ground truth for the synthetic population: who really exists, and who lives with whom.

Agencies hold their own (possibly imperfect) views of these people; see `sandbox.model.records`.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sandbox.model.records import EducationRecords, HealthRecords, HousingRecords, PoliceRecords, PreviousAddress
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
    preferred_surname: str | None = None
    """A surname the person uses without having changed it legally (a step-parent's, say)."""


@dataclass(frozen=True)
class Household:
    household_id: str
    address_line: str
    postcode: str
    members: tuple[tuple[str, str], ...]
    """(person_id, role) with role parent_carer, partner, child or other_adult in a family, and
    householder, partner or other_adult in a household without children."""
    kind: str = ""
    """Household type: single_adult, couple, couple_with_children, step_family, lone_parent,
    multi_generational, adults_with_adult_children or sharers (the generator's own figures)."""


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
    detail: str = ""
    """What happened in a few words or a code: an A&E reason, an exclusion reason, a homelessness reason."""
    end: date | None = None
    """When a period (a child protection plan, a missing episode, time out of school) ended; None if still open."""


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


NHS_BLOCK = 10**6
_NHS_STRIDE = 387_403
"""Coprime with NHS_BLOCK, so stepping by it visits every number of a block once, in a scattered order."""


class NhsNumbers:
    """Valid modulus-11 NHS numbers, each handed out once, without remembering them all.

    The 999 test range holds only about 909,000 valid numbers, so after it come other numbers
    beginning with 9: NHS England never issues those to patients. `prefixes` are the three-digit
    blocks to walk in order; within a block, a seeded stride gives a scattered but repeatable order.
    """

    def __init__(self, prefixes: Sequence[int], offset: int, reserved: set[str]) -> None:
        self._prefixes = prefixes
        self._offset = offset
        self._reserved = reserved
        self._block = 0
        self._index = 0

    def next(self) -> str:
        while True:
            if self._index == NHS_BLOCK:
                self._block, self._index = self._block + 1, 0
            slot = (self._index * _NHS_STRIDE + self._offset) % NHS_BLOCK
            self._index += 1
            first_nine = f"{self._prefixes[self._block]}{slot:06d}"
            check = nhs_number_check_digit(first_nine)
            if check is not None and (number := f"{first_nine}{check}") not in self._reserved:
                return number


class IdFactory:
    """Hands out unique, deterministic ids and identifiers; one factory serves a whole generation.

    Nothing here grows with the population except counters per prefix and per school and year,
    so a million people can be generated in batches with ids unique across all of them. People's
    NHS numbers come from 999 downwards; second numbers of duplicate health records come from 900
    upwards, so adding duplicates never changes anyone's true number.
    """

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._counters: Counter[str] = Counter()
        self._reserved_nhs: set[str] = set()
        self._reserved_upns: set[str] = set()
        offset = rng.randrange(NHS_BLOCK)
        self._people_nhs = NhsNumbers(range(999, 949, -1), offset, self._reserved_nhs)
        self._duplicate_nhs = NhsNumbers(range(900, 950), offset, self._reserved_nhs)
        self._upn_serials: dict[tuple[str, str, int], int] = {}

    def sequence(self, prefix: str, width: int = 6) -> str:
        self._counters[prefix] += 1
        return f"{prefix}{self._counters[prefix]:0{width}d}"

    def opaque(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def reserve(self, *, nhs_number: str | None = None, upn: str | None = None) -> None:
        """Keep a fixed identifier (the sample family's) from ever being handed out again."""
        if nhs_number:
            self._reserved_nhs.add(nhs_number)
        if upn:
            self._reserved_upns.add(upn)

    def nhs_number(self) -> str:
        """A person's NHS number: valid modulus 11, in the 999 test range while it lasts."""
        return self._people_nhs.next()

    def duplicate_nhs_number(self) -> str:
        """A second NHS number for a duplicate health record (a 90x number, never a person's own)."""
        return self._duplicate_nhs.next()

    def upn(self, lea: str, estab: str, allocated_year: int) -> str:
        """A valid UPN: check letter, LA, establishment, two-digit year, three-digit serial.

        Serials count up per school and year; a school that has used all 1,000 of a year's serials
        carries on in the following year's numbers, as a late allocation would.
        """
        year = allocated_year
        while True:
            key = (lea, estab, year % 100)
            serial = self._upn_serials.get(key, 0)
            while serial < 1000:
                body = f"{lea}{estab}{year % 100:02d}{serial:03d}"
                serial += 1
                number = upn_check_letter(body) + body
                if number not in self._reserved_upns:
                    self._upn_serials[key] = serial
                    return number
            self._upn_serials[key] = serial
            year += 1

    def temporary_upn(self, lea: str, estab: str, allocated_year: int) -> str:
        """A valid temporary UPN (its last character a letter), as a school issues before the real one arrives."""
        key = (lea, estab, -1 - allocated_year % 100)
        serial = self._upn_serials.get(key, 0)
        self._upn_serials[key] = serial + 1
        letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
        body = (
            f"{lea}{estab}{(allocated_year + serial // 2300) % 100:02d}{serial // 23 % 100:02d}{letters[serial % 23]}"
        )
        return upn_check_letter(body) + body


def age_on(birth_date: date, on: date = REFERENCE_DATE) -> int:
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - before_birthday
