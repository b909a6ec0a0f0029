"""The synthetic population: deterministic, valid identifiers, and the sample family intact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.population import build_population
from sandbox.truth import Population, TruePerson
from schemas import Referral, Subject
from schemas.identifiers import is_valid_nhs_number, is_valid_upn

REFERRAL_PATH = Path(__file__).parents[2] / "config" / "examples" / "referral.json"


@pytest.fixture(scope="module")
def population() -> Population:
    return build_population()


@pytest.fixture(scope="module")
def referral() -> Referral:
    return Referral.model_validate(json.loads(REFERRAL_PATH.read_text(encoding="utf-8")))


def _truth_for(population: Population, subject: Subject) -> TruePerson:
    person = subject.person
    matches = [
        truth
        for truth in population.people.values()
        if truth.family_name == person.name.family_name and truth.birth_date == person.birth_date
    ]
    assert len(matches) == 1, subject.subject_id
    return matches[0]


def test_same_seed_gives_same_population() -> None:
    assert build_population(7, households=20) == build_population(7, households=20)
    assert build_population(7, households=20) != build_population(8, households=20)


def test_household_count_includes_the_sample_family(population: Population) -> None:
    assert len(population.households) == 50
    assert len(build_population(households=1).households) == 1


def test_sample_family_matches_the_referral_exactly(population: Population, referral: Referral) -> None:
    for subject in referral.subjects:
        truth = _truth_for(population, subject)
        person = subject.person
        assert list(truth.given_names) == person.name.given_names
        assert truth.sex == person.sex.value
        if person.identifiers.nhs_number:
            assert truth.nhs_number == person.identifiers.nhs_number
        if person.identifiers.upn:
            assert truth.upn == person.identifiers.upn
    household = population.households[0]
    members = {population.people[person_id].family_name for person_id, _ in household.members}
    assert members == {"Okafor-Reid", "Okafor", "Hartley"}


def test_sample_family_is_known_to_every_agency(population: Population, referral: Referral) -> None:
    ids = {subject.subject_id: _truth_for(population, subject).person_id for subject in referral.subjects}
    assert set(ids.values()) <= {patient.person_id for patient in population.health.patients}
    assert set(ids.values()) <= {nominal.person_id for nominal in population.police.nominals}
    assert {ids["S1"], ids["S2"]} <= {pupil.person_id for pupil in population.education.pupils}
    assert set(ids.values()) <= {person.person_id for person in population.housing.people}


def test_identifiers_are_valid_and_unique(population: Population) -> None:
    nhs_numbers = [patient.nhs_number for patient in population.health.patients]
    upns = [pupil.upn for pupil in population.education.pupils]
    assert all(is_valid_nhs_number(number) for number in nhs_numbers)
    assert all(number.startswith("999") for number in nhs_numbers)
    assert all(is_valid_upn(upn) for upn in upns)
    assert len(set(nhs_numbers)) == len(nhs_numbers)
    assert len(set(upns)) == len(upns)


def test_most_households_are_unknown_to_police(population: Population) -> None:
    assert len(population.police.occurrences) < len(population.households) / 2
