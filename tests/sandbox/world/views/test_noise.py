"""Agency noise: the rates the generator reports match the rates asked for, and each kind does what it says."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sandbox.model.truth import REFERENCE_DATE, Population
from sandbox.world.generate import build_population, generate
from sandbox.world.settings import AGENCIES, DEFAULT_NOISE, NOISE_KINDS, UNSUPPORTED, GeneratorSettings

MIN_ELIGIBLE = 100


def _within_binomial_bounds(noise: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """Kinds whose applied count is outside 4 standard deviations of the configured rate."""
    outside = []
    checked = 0
    for agency, kinds in noise.items():
        for kind, figures in kinds.items():
            eligible, applied, rate = figures["eligible"], figures["applied"], figures["configured"]
            if eligible < MIN_ELIGIBLE:
                continue
            checked += 1
            expected = eligible * rate
            spread = 4 * math.sqrt(eligible * rate * (1 - rate)) + 1
            if abs(applied - expected) > spread:
                outside.append(f"{agency}.{kind}: {applied}/{eligible} for rate {rate}")
    assert checked >= 20, "too few kinds had enough eligible records to check"
    return outside


def _only(agency: str, **rates: float) -> dict[str, dict[str, float]]:
    """Noise settings with every kind of `agency` at 0 except `rates`."""
    return {agency: {kind: rates.get(kind, 0.0) for kind in NOISE_KINDS}}


def test_default_noise_matches_the_configured_rates(tmp_path: Path) -> None:
    manifest = generate(GeneratorSettings(people=20_000, seed=5), tmp_path / "p").manifest
    assert _within_binomial_bounds(manifest["noise"]) == []
    for agency in AGENCIES:
        reported = manifest["noise"][agency]
        assert set(reported) == set(NOISE_KINDS) - set(UNSUPPORTED[agency])
        for kind, figures in reported.items():
            assert figures["configured"] == DEFAULT_NOISE[agency][kind]
            if figures["eligible"]:
                assert figures["rate"] == pytest.approx(figures["applied"] / figures["eligible"], abs=1e-6)


def test_high_noise_matches_the_configured_rates(tmp_path: Path) -> None:
    noise = {
        agency: {
            kind: (0.0 if kind in UNSUPPORTED[agency] else 0.35 if kind != "duplicate" else 0.2) for kind in NOISE_KINDS
        }
        for agency in AGENCIES
    }
    manifest = generate(GeneratorSettings(people=8000, seed=6, noise=noise), tmp_path / "p").manifest
    assert _within_binomial_bounds(manifest["noise"]) == []
    assert manifest["noise"]["police"]["typo"]["applied"] > 0


def _noisy(agency: str, **rates: float) -> Population:
    return build_population(GeneratorSettings(people=6000, seed=8, noise=_only(agency, **rates)))


def _sample_family(population: Population) -> set[str]:
    """The sample family's records are fixed, so noise never touches them."""
    return {person_id for person_id, _ in population.households[0].members}


def test_transposed_birth_dates_swap_day_and_month_only_when_they_can() -> None:
    population = _noisy("police", day_month_transposed=1.0)
    swapped = 0
    for nominal in population.police.nominals:
        if nominal.person_id in _sample_family(population):
            continue
        born = population.people[nominal.person_id].birth_date
        recorded = nominal.date_of_birth
        assert recorded is not None
        if born.day <= 12 and born.day != born.month and date(born.year, born.day, born.month) <= REFERENCE_DATE:
            assert (recorded.day, recorded.month) == (born.month, born.day)
            swapped += 1
        else:
            assert recorded == born
    assert swapped


def test_old_surnames_come_from_before_a_change() -> None:
    population = _noisy("police", old_surname=1.0)
    changed = 0
    for nominal in population.police.nominals:
        if nominal.person_id in _sample_family(population):
            continue
        person = population.people[nominal.person_id]
        if person.alias_family_names:
            assert nominal.surname == person.alias_family_names[0]
            changed += 1
        else:
            assert nominal.surname == person.family_name
    assert changed


def test_old_addresses_only_for_people_who_moved() -> None:
    population = _noisy("education", old_address=1.0)
    for pupil in population.education.pupils:
        if pupil.person_id in _sample_family(population):
            continue
        person = population.people[pupil.person_id]
        assert pupil.address is not None
        if person.previous_addresses:
            assert pupil.address.line == person.previous_addresses[0].line
        else:
            assert pupil.address.line == person.address_line


def test_health_duplicates_have_a_second_untraced_nhs_number() -> None:
    population = _noisy("health", duplicate=1.0)
    by_person: dict[str, list[Any]] = {}
    for patient in population.health.patients:
        by_person.setdefault(patient.person_id, []).append(patient)
    random_people = [records for person_id, records in by_person.items() if person_id not in _sample_family(population)]
    assert random_people and all(len(records) == 2 for records in random_people)
    for first, second in random_people:
        assert first.nhs_number == population.people[first.person_id].nhs_number
        assert second.nhs_number != first.nhs_number and second.verification_status != "01"


def test_missing_birth_dates_and_names_without_noise() -> None:
    population = _noisy("housing", missing_birth_date=1.0)
    generated = [person for person in population.housing.people if person.person_id not in _sample_family(population)]
    assert generated and all(person.date_of_birth is None for person in generated)
    for person in generated:
        truth = population.people[person.person_id]
        assert person.surname == truth.family_name and person.forename == truth.given_names[0]


def test_no_noise_gives_exact_copies() -> None:
    settings = GeneratorSettings(
        people=3000, seed=9, noise={agency: dict.fromkeys(NOISE_KINDS, 0.0) for agency in AGENCIES}
    )
    population = build_population(settings)
    for patient in population.health.patients:
        truth = population.people[patient.person_id]
        assert (patient.given_names, patient.family_name, patient.birth_date) == (
            truth.given_names,
            truth.family_name,
            truth.birth_date,
        )
        assert patient.postcode == truth.postcode
