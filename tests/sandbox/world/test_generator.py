"""The population generator: deterministic files, exact counts, valid identifiers, plausible truth."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sandbox.model.records import PreviousAddress
from sandbox.model.truth import NHS_BLOCK, REFERENCE_DATE, IdFactory, LifeEvent, NhsNumbers, Population
from sandbox.population.dataset import Dataset, DatasetError
from sandbox.world import generate as generate_module
from sandbox.world.city.postcodes import validate_postcode
from sandbox.world.generate import build_population, generate
from sandbox.world.settings import GeneratorSettings
from schemas.identifiers import is_valid_nhs_number, is_valid_upn

SEED = 11


def _checksums(directory: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(directory.iterdir())}


def _too_young_parents(population: Population, years: int) -> list[str]:
    """Parent and grandparent ties where the elder is not at least `years` older."""
    people = population.people
    return [
        f"{tie.person_id}>{tie.other_id}"
        for tie in population.relationships
        if tie.kind in {"mother", "father", "grandparent"}
        and (people[tie.other_id].birth_date - people[tie.person_id].birth_date).days < years * 365.25
    ]


def _events_by_household(population: Population) -> dict[str, list[LifeEvent]]:
    grouped: dict[str, list[LifeEvent]] = defaultdict(list)
    for event in population.events:
        grouped[event.household_id].append(event)
    return grouped


@pytest.fixture(scope="module")
def population() -> Population:
    return build_population(GeneratorSettings(people=20_000, seed=SEED))


def test_same_seed_writes_byte_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    settings = GeneratorSettings(people=2000, seed=SEED)
    first = generate(settings, tmp_path / "first")
    second = generate(settings, tmp_path / "second")
    other = generate(GeneratorSettings(people=2000, seed=SEED + 1), tmp_path / "other")
    assert _checksums(first.directory) == _checksums(second.directory)
    assert set(_checksums(first.directory)) == {
        "manifest.json", "truth.sqlite", "health.sqlite", "police.sqlite", "education.sqlite", "housing.sqlite",
    }  # fmt: skip
    differing = {
        name for name, digest in _checksums(other.directory).items() if _checksums(first.directory)[name] != digest
    }
    assert {"truth.sqlite", "health.sqlite", "manifest.json"} <= differing


def test_noise_settings_never_change_the_truth(tmp_path: Path) -> None:
    quiet = generate(GeneratorSettings(people=1500, seed=SEED, noise={"police": {"typo": 0.0}}), tmp_path / "quiet")
    loud = generate(GeneratorSettings(people=1500, seed=SEED, noise={"police": {"typo": 0.9}}), tmp_path / "loud")
    assert _checksums(quiet.directory)["truth.sqlite"] == _checksums(loud.directory)["truth.sqlite"]
    assert _checksums(quiet.directory)["police.sqlite"] != _checksums(loud.directory)["police.sqlite"]


@pytest.mark.parametrize("people", [4, 5, 6, 7, 9, 1234])
def test_people_count_is_exact(people: int) -> None:
    population = build_population(GeneratorSettings(people=people, seed=people))
    assert len(population.people) == people
    assert sum(len(household.members) for household in population.households) == people
    assert population.households[0].members[0][1] == "parent_carer"


def test_manifest_and_files_agree(tmp_path: Path) -> None:
    report = generate(GeneratorSettings(people=3000, seed=SEED), tmp_path / "population")
    dataset = Dataset(report.directory)
    manifest = dataset.manifest
    assert manifest["people"] == report.people == 3000
    assert manifest["households"] == report.households
    assert manifest["generator"]["version"]
    assert manifest["settings"]["noise"]["police"]["typo"] == 0.05
    assert dataset.database("truth").table("people").count() == 3000
    assert dataset.database("health").table("patients").count() == manifest["counts"]["health"]["patients"]
    assert sum(manifest["truth"]["households_by_type"].values()) == report.households
    assert manifest["events"]["domestic_abuse"] > 0
    assert "timestamp" not in str(manifest).casefold()
    assert any("people in" in line for line in report.summary())


def test_identifiers_are_valid_and_unique(population: Population) -> None:
    people = list(population.people.values())
    assert len({person.person_id for person in people}) == len(people)
    numbers = [person.nhs_number or "" for person in people]
    assert all(is_valid_nhs_number(number) and number.startswith("999") for number in numbers)
    assert len(set(numbers)) == len(numbers)
    patients = population.health.patients
    assert len({patient.nhs_number for patient in patients}) == len(patients)
    duplicates = [
        patient for patient in patients if patient.nhs_number != population.people[patient.person_id].nhs_number
    ]
    assert duplicates and all(patient.nhs_number.startswith("90") for patient in duplicates)
    assert all(patient.verification_status != "01" for patient in duplicates)
    upns = [person.upn for person in people if person.upn]
    assert len(upns) > 0.1 * len(people)
    assert all(is_valid_upn(upn) for upn in upns) and len(set(upns)) == len(upns)
    pupils = [pupil.upn for pupil in population.education.pupils]
    assert all(is_valid_upn(upn) for upn in pupils) and len(set(pupils)) == len(pupils)
    postcodes = {person.postcode for person in people}
    postcodes |= {previous.postcode or "" for person in people for previous in person.previous_addresses}
    assert all(validate_postcode(postcode) for postcode in postcodes)


def test_current_homes_are_not_shared_between_households(population: Population) -> None:
    homes = [household.address_line for household in population.households]
    assert len(set(homes)) == len(homes)


def test_nhs_numbers_go_beyond_the_test_range_without_repeating() -> None:
    numbers = NhsNumbers((999, 998), offset=123, reserved={"9990001014"})
    numbers._index = NHS_BLOCK - 50
    drawn = [numbers.next() for _ in range(100)]
    assert len(set(drawn)) == 100 and all(is_valid_nhs_number(number) for number in drawn)
    assert {number[:3] for number in drawn} == {"999", "998"}


def test_upn_serials_never_collide_and_skip_reserved_numbers() -> None:
    ids = IdFactory(__import__("random").Random(1))
    ids.reserve(upn="Y393201510011")
    upns = [ids.upn("393", "2015", 2015) for _ in range(1500)]
    assert "Y393201510011" not in upns
    assert len(set(upns)) == 1500 and all(is_valid_upn(upn) for upn in upns)
    assert {upn[8:10] for upn in upns} == {"15", "16"}
    temporary = [ids.temporary_upn("393", "2015", 2020) for _ in range(50)]
    assert all(is_valid_upn(upn) and upn[-1].isalpha() for upn in temporary) and len(set(temporary)) == 50


def test_households_are_plausible(population: Population) -> None:
    people = population.people
    for household in population.households:
        assert all(person_id in people for person_id, _ in household.members)
    for tie in population.relationships:
        assert tie.person_id in people and tie.other_id in people
    assert _too_young_parents(population, years=15) == []
    twins = [person for person in people.values() if person.twin_of]
    assert twins
    for twin in twins:
        other = people[twin.twin_of or ""]
        assert other.twin_of == twin.person_id and other.birth_date == twin.birth_date
    kinds = {tie.kind for tie in population.relationships}
    assert kinds >= {
        "mother",
        "father",
        "step_parent",
        "partner",
        "ex_partner",
        "sibling",
        "half_sibling",
        "grandparent",
    }
    by_kind: dict[str, int] = defaultdict(int)
    for household in population.households:
        by_kind[household.kind] += 1
    total = len(population.households)
    assert 0.2 < by_kind["single_adult"] / total < 0.45
    families = by_kind["couple_with_children"] + by_kind["step_family"] + by_kind["lone_parent"]
    assert 0.15 < by_kind["lone_parent"] / families < 0.4
    assert any("-" in person.family_name for person in people.values())
    assert any(person.alias_family_names for person in people.values())
    assert any(person.known_as for person in people.values())
    assert any(len(person.given_names) > 2 for person in people.values())


def test_children_are_children_and_adults_are_adults(population: Population) -> None:
    for household in population.households:
        for person_id, role in household.members:
            age = (REFERENCE_DATE - population.people[person_id].birth_date).days / 365.25
            assert age >= 0
            if role in {"parent_carer", "householder", "partner"}:
                assert age >= 16, household


def test_address_histories_are_dated_and_ordered(population: Population) -> None:
    moved = 0
    for person in population.people.values():
        since = person.address_since
        assert since is not None and person.birth_date <= since <= REFERENCE_DATE
        previous: tuple[PreviousAddress, ...] = person.previous_addresses
        moved += bool(previous)
        later = since
        for address in previous:
            assert address.start is not None and address.end is not None
            assert address.start < address.end <= later
            later = address.start
    assert moved > 0.3 * len(population.people)


def test_school_changes_follow_moves_or_the_move_to_secondary(population: Population) -> None:
    changes = moves = 0
    for pupil in population.education.pupils:
        person = population.people[pupil.person_id]
        if not pupil.school_history:
            continue
        move_days = [person.address_since, *(address.start for address in person.previous_addresses)]
        for entry in (*(spell.entry for spell in pupil.school_history[1:]), pupil.entry_date):
            changes += 1
            if any(day is not None and 0 <= (entry - day).days <= 30 for day in move_days):
                moves += 1
        assert all(spell.leaving is not None for spell in pupil.school_history)
        reasons = {spell.leaving_reason for spell in pupil.school_history}
        assert reasons <= {"moved_away", "transfer_to_secondary", "permanent_exclusion"}
    assert changes and moves
    pupils = population.education.pupils
    assert any(pupil.preferred_surname for pupil in pupils)
    assert any(pupil.former_upn for pupil in pupils)
    for pupil in pupils:
        assert pupil.fsm_eligible == any(period.end is None for period in pupil.fsm_periods) or not pupil.fsm_periods


def _events(population: Population, kind: str) -> list[LifeEvent]:
    return [event for event in population.events if event.kind == kind]


def test_domestic_abuse_with_children_present_is_often_followed_by_a_and_e(population: Population) -> None:
    attendances: dict[str, list[date]] = defaultdict(list)
    for event in _events(population, "ae_attendance"):
        attendances[event.people[0][0]].append(event.on)
    present = [
        (event.on, person_id)
        for event in _events(population, "domestic_abuse")
        for person_id, role in event.people
        if role == "child_present"
    ]
    assert len(present) > 50
    followed = sum(any(0 <= (day - on).days <= 14 for day in attendances[child]) for on, child in present)
    assert 0.04 < followed / len(present) < 0.3


def test_event_chains_keep_their_order(population: Population) -> None:
    for events in _events_by_household(population).values():
        kinds = {event.kind: event.on for event in events}
        if "eviction" in kinds:
            assert kinds["rent_arrears"] < kinds["notice_seeking_possession"] < kinds["eviction"]
            arrears_homeless = [
                e for e in events if e.kind == "homelessness_application" and e.detail == "rent_arrears"
            ]
            assert arrears_homeless and kinds["notice_seeking_possession"] < arrears_homeless[0].on
        if "permanent_exclusion" in kinds:
            assert "attendance_decline" in kinds and "suspension" in kinds
        if "cse_concern" in kinds:
            assert sum(event.kind == "missing_episode" for event in events) >= 2
    plans = _events(population, "child_protection_plan")
    assert plans and all(plan.on <= REFERENCE_DATE for plan in plans)
    assert _events(population, "eviction")
    assert _events(population, "cse_concern")
    assert _events(population, "permanent_exclusion")


def test_most_households_have_nothing_with_police_or_housing(tmp_path: Path) -> None:
    manifest: dict[str, Any] = generate(GeneratorSettings(people=5000, seed=SEED), tmp_path / "p").manifest
    assert manifest["truth"]["households_without_police_record"] > 0.75
    assert manifest["truth"]["households_without_housing_record"] > 0.7
    assert manifest["truth"]["households_without_record_beyond_health"] > 0.4


def test_each_agency_knows_whom_it_should(population: Population) -> None:
    people = population.people
    registered = {patient.person_id for patient in population.health.patients}
    assert 0.97 < len(registered) / len(people) < 0.995
    patients = population.health.patients
    assert sum(patient.verification_status == "01" for patient in patients) / len(patients) > 0.97
    assert sum(patient.restricted for patient in patients) / len(patients) < 0.01
    for pupil in population.education.pupils:
        age = (REFERENCE_DATE - people[pupil.person_id].birth_date).days / 365.25
        assert 4 <= age < 18.1
    in_occurrences = {nominal_id for o in population.police.occurrences for nominal_id, _ in o.persons}
    with_occurrence = {n.person_id for n in population.police.nominals if n.nominal_id in in_occurrences}
    assert {nominal.person_id for nominal in population.police.nominals} == with_occurrence
    referenced = {t.tenant_ref for t in population.housing.tenancies}
    referenced |= {ref for t in population.housing.tenancies for ref, _ in t.members}
    referenced |= {c.applicant_ref for c in population.housing.homelessness}
    referenced |= {ref for c in population.housing.homelessness for ref, _ in c.members}
    known = {person.person_ref for person in population.housing.people}
    assert referenced <= known
    tenancies = {t.address_line for t in population.housing.tenancies if t.end is None}
    assert 0.1 < len(tenancies) / len(population.households) < 0.25


def test_a_failed_generation_leaves_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generate_module, "BATCH_PEOPLE", 300)

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate(GeneratorSettings(people=2000, seed=SEED), tmp_path / "population", on_progress=interrupt)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_kept_unless_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "population"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(DatasetError, match="--force"):
        generate(GeneratorSettings(people=10, seed=SEED), out)
    assert (out / "keep.txt").exists()
    generate(GeneratorSettings(people=10, seed=SEED), out, overwrite=True)
    assert not (out / "keep.txt").exists()


def _dates(value: Any) -> list[date]:
    """Every date inside a record (dataclasses, tuples and lists, recursively)."""
    if isinstance(value, date):
        return [value]
    if isinstance(value, tuple | list):
        return [found for item in value for found in _dates(item)]
    if hasattr(value, "__dataclass_fields__"):
        return [found for name in value.__dataclass_fields__ for found in _dates(getattr(value, name))]
    return []


def test_nothing_is_dated_after_the_reference_date(population: Population) -> None:
    records: list[Any] = [
        *population.people.values(), *population.events, *population.health.patients,
        *population.health.encounters, *population.health.flags, *population.police.nominals,
        *population.police.occurrences, *population.police.notices, *population.education.pupils,
        *population.housing.people, *population.housing.tenancies, *population.housing.homelessness,
    ]  # fmt: skip
    late = [record for record in records if any(day > REFERENCE_DATE for day in _dates(record))]
    assert late == []
    for event in population.events:
        born = [population.people[person_id].birth_date for person_id, _ in event.people]
        assert all(day <= event.on for day in born), event


def test_agency_codes_come_from_each_agency_vocabulary(population: Population) -> None:
    from sandbox.housing.vocabulary import (
        ASB_CATEGORIES,
        ASB_OUTCOMES,
        DUTIES,
        HOMELESSNESS_REASONS,
        HOUSEHOLD_RELATIONSHIPS,
        NOTICE_TYPES,
        POSSESSION_STAGES,
        TEMPORARY_ACCOMMODATION_TYPES,
        TENANCY_RELATIONSHIPS,
    )  # fmt: skip

    housing = population.housing
    assert {n.notice_type for t in housing.tenancies for n in t.notices} <= {*NOTICE_TYPES, *POSSESSION_STAGES}
    assert {a.category for t in housing.tenancies for a in t.asb_cases} <= set(ASB_CATEGORIES)
    assert {a.outcome for t in housing.tenancies for a in t.asb_cases} <= set(ASB_OUTCOMES)
    assert {r for t in housing.tenancies for _, r in t.members} <= set(TENANCY_RELATIONSHIPS)
    assert {r for c in housing.homelessness for _, r in c.members} <= set(HOUSEHOLD_RELATIONSHIPS)
    assert {c.reason for c in housing.homelessness} <= set(HOMELESSNESS_REASONS)
    assert {c.duty for c in housing.homelessness} <= set(DUTIES)
    placed = {c.temporary_accommodation_type for c in housing.homelessness if c.temporary_accommodation}
    assert placed and placed <= set(TEMPORARY_ACCOMMODATION_TYPES)
    police = population.police
    assert {o.occurrence_type for o in police.occurrences} <= {
        "domestic_abuse", "missing_person", "child_sexual_exploitation", "assault", "theft", "burglary",
        "anti_social_behaviour",
    }  # fmt: skip
    assert {role for o in police.occurrences for _, role in o.persons} <= {
        "victim", "suspect", "witness", "child_present", "missing_person", "reporting_person",
    }  # fmt: skip
    assert {flag for o in police.occurrences for flag in o.flags} <= {
        "child_present", "repeat_victim", "marac", "cse_concern", "repeat_missing",
    }  # fmt: skip
    assert {n.concern for n in police.notices} == {
        "child_at_risk",
        "domestic_abuse",
        "child_sexual_exploitation",
        "missing",
    }
    assert {n.risk for n in police.notices} <= {"standard", "medium", "high"}
