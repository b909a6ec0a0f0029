"""Northbridge at scale: street names, addresses and postcodes, and services sized to the population."""

from __future__ import annotations

import random
import re
from collections import defaultdict

import pytest

import sandbox.model.places as fixed
from sandbox.world.city.addresses import MAX_ADDRESSES, RESERVED_ADDRESSES, TOWN, Address, AddressFactory
from sandbox.world.city.postcodes import POSTCODE_DISTRICTS, normalise_postcode, validate_postcode
from sandbox.world.city.services import COUNCIL, HOSPITAL, LEA, ServiceEstate
from sandbox.world.city.street_names import MAX_STREETS, neighbourhood_names, street_names
from sandbox.world.default import build_population

CANONICAL = re.compile(r"NE([1-9]|[1-3][0-9]|40) [0-9][ABDEFGHJLNPQRSTUWXYZ]{2}")


# --- Postcodes ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["NE6 5QT", "ne65qt", " NE4  7BX ", "SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "GIR 0AA"]
)
def test_valid_postcodes(text: str) -> None:
    assert validate_postcode(text)


@pytest.mark.parametrize(
    "text", ["", "NE6", "NE6 5QC", "NE6 5IT", "NE6 QT5", "QE6 5QT", "NE65 QT", "NE6 5QTT", "GIR 1AA"]
)
def test_invalid_postcodes(text: str) -> None:
    assert not validate_postcode(text)
    with pytest.raises(ValueError):
        normalise_postcode(text)


def test_normalise_postcode() -> None:
    assert normalise_postcode("ne65qt") == "NE6 5QT"
    assert normalise_postcode("  ne40 1ab ") == "NE40 1AB"
    assert normalise_postcode("sw1a1aa") == "SW1A 1AA"


# --- Streets --------------------------------------------------------------------------------------------------


def test_street_names_start_with_the_fixed_streets_and_are_deterministic() -> None:
    names = street_names(20_000)
    assert names[: len(fixed.STREETS)] == fixed.STREETS
    assert len(set(names)) == len(names)
    assert street_names(500) == names[:500]
    assert street_names(0) == ()
    suffixes = {name.rsplit(" ", 1)[1] for name in names[:300]}
    assert {"Close", "Road", "Street", "Avenue", "Grove", "Terrace", "Court", "Lane", "Crescent"} <= suffixes


def test_street_names_have_a_limit() -> None:
    with pytest.raises(ValueError, match="at most"):
        street_names(MAX_STREETS + 1)
    with pytest.raises(ValueError):
        street_names(-1)


def test_neighbourhoods() -> None:
    names = neighbourhood_names(300)
    assert names[:2] == ("Larchfield", "Millbrook")
    assert len(set(names)) == 300


# --- Addresses ------------------------------------------------------------------------------------------------


def _every_address(factory: AddressFactory) -> dict[Address, str]:
    """Each address the factory could make → its street."""
    return {street.address(offset): street.name for street in factory.streets for offset in range(street.size)}


def test_same_seeds_give_the_same_addresses() -> None:
    def draw(plan_seed: int, draw_seed: int) -> list[Address]:
        factory = AddressFactory(random.Random(plan_seed), 5_000)
        rng = random.Random(draw_seed)
        return [factory.new_address(rng) for _ in range(1_000)]

    assert draw(1, 2) == draw(1, 2)
    assert draw(1, 2) != draw(1, 3)
    assert draw(1, 2) != draw(4, 2)


def test_generated_postcodes_are_valid_and_in_northbridge() -> None:
    factory = AddressFactory.for_population(random.Random(7), 40_000)
    rng = random.Random(8)
    addresses = [factory.new_address(rng) for _ in range(10_000)]
    for address in addresses:
        assert validate_postcode(address.postcode), address
        assert CANONICAL.fullmatch(address.postcode), address
        assert normalise_postcode(address.postcode) == address.postcode
        assert address.line.endswith(f", {TOWN}")
    assert {address.postcode.split()[0] for address in addresses} <= set(POSTCODE_DISTRICTS)
    assert any(address.line.startswith("Flat ") for address in addresses)


def test_each_street_is_in_one_sector_and_units_hold_about_fifteen_addresses() -> None:
    factory = AddressFactory(random.Random(11), 30_000)
    sectors: dict[str, set[str]] = defaultdict(set)
    unit_streets: dict[str, set[str]] = defaultdict(set)
    unit_sizes: dict[str, int] = defaultdict(int)
    for address, street in _every_address(factory).items():
        sectors[street].add(address.postcode[:-2])
        unit_streets[address.postcode].add(street)
        unit_sizes[address.postcode] += 1
    assert all(len(found) == 1 for found in sectors.values())
    assert all(len(found) == 1 for found in unit_streets.values())
    assert max(unit_sizes.values()) <= 18
    assert 10 <= sum(unit_sizes.values()) / len(unit_sizes) <= 18
    assert len({postcode.split()[0] for postcode in unit_sizes}) >= 5


def test_addresses_are_distinct_up_to_capacity_and_then_run_out() -> None:
    factory = AddressFactory(random.Random(13), 3_000)
    assert factory.capacity >= 3_000
    rng = random.Random(14)
    lines = [factory.new_address(rng).line for _ in range(factory.capacity)]
    assert len(set(lines)) == len(lines) == factory.issued == factory.capacity
    with pytest.raises(ValueError, match="handed out"):
        factory.new_address(rng)


def test_reserved_addresses_are_never_handed_out_but_their_units_exist() -> None:
    factory = AddressFactory(random.Random(17), 2_000)
    possible = _every_address(factory)
    assert set(RESERVED_ADDRESSES) <= set(possible)
    rng = random.Random(18)
    issued = {factory.new_address(rng) for _ in range(factory.capacity)}
    assert not issued & set(RESERVED_ADDRESSES)
    assert any(address.postcode == "NE6 5QT" for address in issued)


def test_the_sample_family_lives_at_reserved_addresses() -> None:
    population = build_population(people=4)
    homes = {Address(person.address_line, person.postcode) for person in population.people.values()}
    assert homes <= set(RESERVED_ADDRESSES)


def test_capacity_limits() -> None:
    with pytest.raises(ValueError, match="holds 1 to"):
        AddressFactory(random.Random(1), MAX_ADDRESSES + 1)
    with pytest.raises(ValueError):
        AddressFactory(random.Random(1), 0)
    assert AddressFactory.for_population(random.Random(1), 100_000).capacity >= 50_000


# --- Services -------------------------------------------------------------------------------------------------


def test_the_fixed_names_are_those_of_sandbox_places() -> None:
    assert (TOWN, COUNCIL, HOSPITAL, LEA) == (fixed.TOWN, fixed.COUNCIL, fixed.HOSPITAL, "393")


@pytest.mark.parametrize("people", [0, 5_000, 100_000, 1_000_000])
def test_estates_scale_with_the_population_and_keep_the_fixed_places_first(people: int) -> None:
    estate = ServiceEstate.for_population(people, random.Random(3))
    assert estate.gp_practices[: len(fixed.GP_PRACTICES)] == fixed.GP_PRACTICES
    assert estate.primary_schools[: len(fixed.PRIMARY_SCHOOLS)] == fixed.PRIMARY_SCHOOLS
    assert estate.secondary_schools[: len(fixed.SECONDARY_SCHOOLS)] == fixed.SECONDARY_SCHOOLS
    assert estate.hospitals[0] == HOSPITAL
    assert len(estate.gp_practices) == max(4, round(people / 8_000))
    assert len(estate.primary_schools) == max(3, round(people / 2_500))
    assert len(estate.secondary_schools) == max(2, round(people / 12_000))
    assert 1 <= len(estate.special_schools) <= max(1, people // 20_000)
    assert len(estate.hospitals) == max(1, round(people / 300_000))


def test_estate_codes_and_names_are_valid_and_unique() -> None:
    estate = ServiceEstate.for_population(1_000_000, random.Random(5))
    codes = [practice.ods_code for practice in estate.gp_practices]
    assert all(re.fullmatch(r"Y9\d{4}", code) for code in codes)
    assert len(set(codes)) == len(codes)
    schools = estate.schools
    assert len({school.estab for school in schools}) == len(schools)
    assert len({school.name for school in schools}) == len(schools)
    assert len({practice.name for practice in estate.gp_practices}) == len(codes)
    assert all(school.lea == LEA for school in schools)
    ranges = (
        (estate.primary_schools, 2000, 3999),
        (estate.secondary_schools, 4000, 4999),
        (estate.special_schools, 7000, 7999),
    )
    for group, low, high in ranges:
        assert all(low <= int(school.estab) <= high for school in group)
    assert all(school.name.endswith(("School", "Academy")) for school in estate.primary_schools)
    assert all("Special" in school.name or "School" in school.name for school in estate.special_schools)
    assert len(set(estate.hospitals)) == len(estate.hospitals)


def test_estates_are_deterministic_for_a_seed() -> None:
    assert ServiceEstate.for_population(200_000, random.Random(9)) == ServiceEstate.for_population(
        200_000, random.Random(9)
    )
    assert ServiceEstate.for_population(200_000, random.Random(9)) != ServiceEstate.for_population(
        200_000, random.Random(10)
    )
