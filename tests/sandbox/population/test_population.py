"""The default population: deterministic, exact in size, valid identifiers, and the sample family intact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.model.truth import Population, TruePerson
from sandbox.world.default import build_population
from schemas import Referral, Subject
from schemas.identifiers import is_valid_nhs_number, is_valid_upn

REFERRAL_PATH = Path(__file__).parents[3] / "config" / "examples" / "referral.json"


@pytest.fixture(scope="module")
def population() -> Population:
    return build_population(people=2000)


@pytest.fixture(scope="module")
def referral() -> Referral:
    return Referral.model_validate(json.loads(REFERRAL_PATH.read_text(encoding="utf-8")))


def _truth_for(population: Population, subject: Subject) -> TruePerson:
    person = subject.person
    matches = [
        truth
        for truth in population.people.values()
        if truth.family_name == person.name.family_name
        and truth.birth_date == person.birth_date
        and list(truth.given_names) == person.name.given_names
    ]
    assert len(matches) == 1, subject.subject_id
    return matches[0]


def test_same_seed_gives_same_population() -> None:
    assert build_population(7, people=300) == build_population(7, people=300)
    assert build_population(7, people=300) != build_population(8, people=300)


def test_people_count_is_exact_and_the_sample_family_comes_first(population: Population) -> None:
    assert len(population.people) == 2000
    alone = build_population(people=4)
    assert len(alone.people) == 4 and len(alone.households) == 1
    for people in (5, 6, 7, 11):
        assert len(build_population(3, people=people).people) == people
    assert population.households[0] == alone.households[0]


def test_sample_family_matches_the_referral_exactly(population: Population, referral: Referral) -> None:
    for subject in referral.subjects:
        truth = _truth_for(population, subject)
        person = subject.person
        assert truth.sex == person.sex.value
        if person.identifiers.nhs_number:
            assert truth.nhs_number == person.identifiers.nhs_number
        if person.identifiers.upn:
            assert truth.upn == person.identifiers.upn
        assert [alias.family_name for alias in person.aliases] == list(truth.alias_family_names)
    household = population.households[0]
    members = {population.people[person_id].family_name for person_id, _ in household.members}
    assert members == {"Okafor-Reid", "Okafor", "Hartley"}


def test_sample_family_is_known_to_every_agency(population: Population, referral: Referral) -> None:
    ids = {subject.subject_id: _truth_for(population, subject).person_id for subject in referral.subjects}
    assert set(ids.values()) <= {patient.person_id for patient in population.health.patients}
    assert set(ids.values()) <= {nominal.person_id for nominal in population.police.nominals}
    assert {ids["S1"], ids["S2"]} <= {pupil.person_id for pupil in population.education.pupils}
    assert set(ids.values()) <= {person.person_id for person in population.housing.people}
    kinds = {(tie.person_id, tie.other_id): tie.kind for tie in population.relationships}
    assert kinds[ids["S3"], ids["S1"]] == "mother"
    assert kinds[ids["S1"], ids["S2"]] == "sibling"
    assert kinds[ids["S3"], ids["S4"]] == "partner"


def test_identifiers_are_valid_and_unique(population: Population) -> None:
    people_numbers = [person.nhs_number or "" for person in population.people.values()]
    record_numbers = [patient.nhs_number for patient in population.health.patients]
    upns = [pupil.upn for pupil in population.education.pupils]
    assert all(is_valid_nhs_number(number) and number.startswith("999") for number in people_numbers)
    assert all(is_valid_nhs_number(number) for number in record_numbers)
    assert all(is_valid_upn(upn) for upn in upns)
    assert len(set(people_numbers)) == len(people_numbers)
    assert len(set(record_numbers)) == len(record_numbers)
    assert len(set(upns)) == len(upns)


def test_most_households_are_unknown_to_police(population: Population) -> None:
    assert len(population.police.occurrences) < len(population.households) / 2
