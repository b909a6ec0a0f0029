"""The generated world as the front door sees it: children, their households, schools, GPs and what has happened.

Referrals are about children who exist in the population the sandboxes serve, so that every check
finds (or truly does not find) their records. This module reads a population folder once: the truth
(people, households, family ties, life events) and the two agencies' records that say which school a
child attends and which GP practice they are registered with. Life events make some children far
likelier to be referred than others, as in life: a household with domestic abuse on record is referred
again and again, most households never.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sandbox.model.places import HOSPITAL
from sandbox.model.truth import Household, TruePerson
from sandbox.population.dataset import Dataset
from schemas import ConcernCategory

EVIDENCE: dict[str, tuple[float, ConcernCategory]] = {
    "domestic_abuse": (4.0, ConcernCategory.DOMESTIC_ABUSE),
    "child_protection_plan": (5.0, ConcernCategory.NEGLECT),
    "cse_concern": (6.0, ConcernCategory.CHILD_SEXUAL_EXPLOITATION),
    "missing_episode": (4.0, ConcernCategory.MISSING),
    "assault": (2.0, ConcernCategory.PHYSICAL_ABUSE),
    "anti_social_behaviour": (1.0, ConcernCategory.CRIMINAL_EXPLOITATION),
    "attendance_decline": (2.0, ConcernCategory.EDUCATION_CONCERN),
    "suspension": (1.5, ConcernCategory.EDUCATION_CONCERN),
    "permanent_exclusion": (2.0, ConcernCategory.EDUCATION_CONCERN),
    "missing_education": (3.0, ConcernCategory.EDUCATION_CONCERN),
    "homelessness_application": (2.0, ConcernCategory.HOUSING_INSTABILITY),
    "notice_seeking_possession": (1.5, ConcernCategory.HOUSING_INSTABILITY),
    "eviction": (2.0, ConcernCategory.HOUSING_INSTABILITY),
    "rent_arrears": (0.5, ConcernCategory.HOUSING_INSTABILITY),
}
"""Life events that make a household likelier to be referred (weight added to a base of 1), and the concern
each points to. Events of the three years before the referral year's end count."""
EVIDENCE_YEARS = 3
PARENT_TIES = {"mother": "mother", "father": "father", "step_parent": "step-parent", "grandparent": "grandparent"}
"""A tie that makes an adult of the household a parent or carer in a referral, and the word a referrer uses."""


@dataclass(frozen=True)
class School:
    """A school as a referrer: the DfE number (LA and establishment) and the pupils on its roll."""

    dfe_number: str
    name: str
    pupils: int


@dataclass(frozen=True)
class Child:
    """A child of the world who could be referred."""

    person: TruePerson
    household_id: str
    weight: float
    """How likely a referral is about this child, relative to a child with nothing on record (1)."""
    concerns: tuple[ConcernCategory, ...]
    """What the household's records point to, strongest first."""
    school: str | None
    """The DfE number of the school the child is on the roll of (education's records), if any."""
    gp: str | None
    """The ODS code of the child's GP practice (health's records), if registered."""

    def age_on(self, day: date) -> int:
        born = self.person.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def child_on(self, day: date) -> bool:
        """Born before `day` and under 18 on it: a child a referral on that day can be about."""
        return self.person.birth_date < day and self.age_on(day) < 18


@dataclass
class Families:
    """What the referral generator needs of a population, read once."""

    people: dict[str, TruePerson]
    households: dict[str, Household]
    children: list[Child]
    schools: dict[str, School]
    gp_practices: dict[str, str]
    """ODS code -> practice name."""
    hospitals: tuple[str, ...]
    ties: dict[tuple[str, str], str] = field(default_factory=dict)
    """(adult, child) -> what the adult is to the child (mother, father, step_parent, grandparent)."""

    def parent_word(self, adult_id: str, child_id: str) -> str | None:
        """The word for the adult's tie to the child ("mother", "step-parent"), or None if not a parent or carer."""
        tie = self.ties.get((adult_id, child_id))
        return PARENT_TIES.get(tie) if tie is not None else None


def _evidence(dataset: Dataset, since: date, until: date) -> dict[str, list[tuple[float, ConcernCategory]]]:
    """household -> (weight, concern) of each telling event between the dates."""
    marks = ", ".join("?" for _ in EVIDENCE)
    rows = dataset.database("truth").query(
        f"SELECT household_id, kind, json_extract(doc, '$.on') FROM events WHERE kind IN ({marks})",  # noqa: S608
        list(EVIDENCE),
    )
    found: dict[str, list[tuple[float, ConcernCategory]]] = defaultdict(list)
    for household_id, kind, on in rows:
        if since.isoformat() <= on <= until.isoformat():
            found[household_id].append(EVIDENCE[kind])
    return found


def _concerns(evidence: Iterable[tuple[float, ConcernCategory]]) -> tuple[ConcernCategory, ...]:
    totals: dict[ConcernCategory, float] = defaultdict(float)
    for weight, concern in evidence:
        totals[concern] += weight
    return tuple(sorted(totals, key=lambda concern: (-totals[concern], concern.value)))


def _schools(dataset: Dataset) -> tuple[dict[str, str], dict[str, School]]:
    """person -> DfE number of their school, and each school with its roll."""
    rows = dataset.database("education").query(
        "SELECT json_extract(doc, '$.person_id'), json_extract(doc, '$.school.lea') || '/' || "
        "json_extract(doc, '$.school.estab'), json_extract(doc, '$.school.name') FROM pupils ORDER BY id"
    )
    attends: dict[str, str] = {}
    names: dict[str, str] = {}
    rolls: dict[str, set[str]] = defaultdict(set)
    for person_id, dfe_number, name in rows:
        attends.setdefault(person_id, dfe_number)
        names[dfe_number] = name
        rolls[dfe_number].add(person_id)
    return attends, {number: School(number, names[number], len(rolls[number])) for number in sorted(names)}


def _gp_practices(dataset: Dataset) -> tuple[dict[str, str], dict[str, str]]:
    """person -> ODS code of their practice, and each practice's name."""
    rows = dataset.database("health").query(
        "SELECT json_extract(doc, '$.person_id'), json_extract(doc, '$.gp.ods_code'), json_extract(doc, '$.gp.name') "
        "FROM patients ORDER BY id"
    )
    registered: dict[str, str] = {}
    names: dict[str, str] = {}
    for person_id, ods_code, name in rows:
        if ods_code:
            registered.setdefault(person_id, ods_code)
            names[ods_code] = name
    return registered, dict(sorted(names.items()))


def _hospitals(dataset: Dataset) -> tuple[str, ...]:
    rows = dataset.database("health").query(
        "SELECT DISTINCT json_extract(doc, '$.provider') FROM encounters "
        "WHERE json_extract(doc, '$.class_code') = 'EMER'"
    )
    return tuple(sorted(provider for (provider,) in rows if provider))


def _ties(dataset: Dataset) -> dict[tuple[str, str], str]:
    rows = dataset.database("truth").query(
        "SELECT json_extract(doc, '$.person_id'), json_extract(doc, '$.other_id'), json_extract(doc, '$.kind') "
        "FROM relationships"
    )
    return {(adult, child): kind for adult, child, kind in rows if kind in PARENT_TIES}


def read_families(dataset: Dataset, year: int) -> Families:
    """The population's children and households, weighted by what happened to them before and during `year`."""
    truth = dataset.database("truth")
    people: dict[str, TruePerson] = {person.person_id: person for person in truth.table("people")}
    households: dict[str, Household] = {household.household_id: household for household in truth.table("households")}
    year_end = date(year, 12, 31)
    evidence = _evidence(dataset, year_end - timedelta(days=int(EVIDENCE_YEARS * 365.25)), year_end)
    attends, schools = _schools(dataset)
    registered, practices = _gp_practices(dataset)
    children: list[Child] = []
    for household_id in sorted(households):
        household = households[household_id]
        found = evidence.get(household_id, [])
        weight = 1.0 + sum(weight for weight, _ in found)
        for person_id, role in household.members:
            person = people[person_id]
            if role != "child" or person.birth_date > year_end or year - person.birth_date.year > 18:
                continue
            children.append(
                Child(person, household_id, weight, _concerns(found), attends.get(person_id), registered.get(person_id))
            )
    return Families(
        people, households, children, schools, practices, _hospitals(dataset) or (HOSPITAL,), _ties(dataset)
    )
