"""Every comparison level, on synthetic pairs chosen to reach it."""

from __future__ import annotations

import pytest

from hub.linkage.comparisons import (
    AddressComparison,
    BirthDateComparison,
    Comparison,
    FamilyNameComparison,
    GivenNameComparison,
    IdentifierComparison,
    SexComparison,
    comparisons_for,
    default_comparisons,
)
from hub.linkage.records import LinkageRecord, build_record
from schemas.identifiers import is_valid_nhs_number
from tests.hub.linkage.builders import VALID_NHS, record


def level(comparison: Comparison, query: LinkageRecord, candidate: LinkageRecord) -> str:
    return comparison.compare(query, candidate)[0].key


@pytest.mark.parametrize(
    ("ours", "theirs", "expected"),
    [
        ("Amara Joy", "AMARA-JOY", "exact"),
        ("Amara Joy", "Amara", "middle_left_out"),
        ("Amara Joy", "Amara Grace", "first_matches"),
        ("Liz", "Elizabeth", "nickname"),
        ("Elizabeth", "Liz", "nickname"),
        ("Mohammed", "Muhammad", "spelling_variant"),
        ("Mohamed Ali", "Mohammad", "spelling_variant"),
        ("Oluwaseun", "Seun", "nickname"),
        ("Joy", "Amara Joy", "middle_name"),
        ("Catherine", "Kathryn", "spelling_variant"),
        ("Sarah", "Sarrah", "one_edit"),
        ("Naoh", "Noah", "one_edit"),
        ("vAa", "Ava", "one_edit"),
        ("Ncoah", "Naoh", "two_edits"),
        ("Philippa", "Filipa", "phonetic"),
        ("Christopher", "Chisrtopehr", "similar"),
        ("A", "Amara", "initial"),
        ("Tyler", "Amara", "differs"),
        (None, "Amara", "missing"),
    ],
)
def test_given_name_levels(ours: str | None, theirs: str, expected: str) -> None:
    query, candidate = record(ours, "Okafor", None), record(theirs, "Okafor", None)
    assert level(GivenNameComparison(), query, candidate) == expected


def test_a_liz_and_a_beth_are_not_nicknames_of_each_other() -> None:
    """Both are short for Elizabeth, but neither is listed against the other: sisters can be called Liz and Beth."""
    assert level(GivenNameComparison(), record("Liz", "Okafor", None), record("Beth", "Okafor", None)) != "nickname"


def test_given_name_matching_another_known_name_on_either_side() -> None:
    known_as = record("Elizabeth", "Okafor", None, other_given=["Betty"])
    assert level(GivenNameComparison(), known_as, record("Betty", "Okafor", None)) == "nickname"
    aliased = record("Ruth", "Okafor", None, other_given=["Grace"])
    assert level(GivenNameComparison(), aliased, record("Grace", "Okafor", None)) == "other_name"
    assert level(GivenNameComparison(), record("Grace", "Okafor", None), aliased) == "other_name"


@pytest.mark.parametrize("comparison", [GivenNameComparison(), FamilyNameComparison()])
def test_given_and_family_names_swapped(comparison: Comparison) -> None:
    assert level(comparison, record("Amara", "Okafor", None), record("Okafor", "Amara", None)) == "swapped"


@pytest.mark.parametrize(
    ("ours", "theirs", "expected"),
    [
        ("Okafor-Reid", "okafor reid", "exact"),
        ("Okafor-Reid", "Reid", "compound_part"),
        ("Reid", "Okafor-Reid", "compound_part"),
        ("de Souza", "Souza", "compound_part"),
        ("Chowdhury", "Choudhury", "spelling_variant"),
        ("Kowalska", "Kowalski", "spelling_variant"),
        ("McDonald", "MacDonald", "spelling_variant"),
        ("Smith", "Smyth", "spelling_variant"),
        ("Philips", "Fillips", "phonetic"),
        ("Sahota", "Sahpta", "one_edit"),
        ("Richardson", "Richadrsno", "two_edits"),
        ("Richardson", "Richandrso", "similar"),
        ("Okafor", "Hartley", "differs"),
    ],
)
def test_family_name_levels(ours: str, theirs: str, expected: str) -> None:
    assert level(FamilyNameComparison(), record("Amara", ours, None), record("Amara", theirs, None)) == expected


def test_a_particle_alone_is_not_a_shared_part() -> None:
    assert level(FamilyNameComparison(), record("Ana", "de Souza", None), record("Ana", "de Lima", None)) == "differs"


def test_previous_surnames_on_either_side() -> None:
    married = record("Grace", "Okafor-Reid", None, other_family=["Okafor"])
    assert level(FamilyNameComparison(), married, record("Grace", "Okafor", None)) == "previous_name"
    assert level(FamilyNameComparison(), record("Grace", "Okafor-Reid", None), record("Grace", "Okafor", None)) == (
        "compound_part"
    )
    renamed = record("Grace", "Smith", None, other_family=["Okafor"])
    assert level(FamilyNameComparison(), renamed, record("Grace", "Okafor", None)) == "previous_name"
    assert level(FamilyNameComparison(), record("Grace", "Okafor", None), renamed) == "previous_name"
    assert level(FamilyNameComparison(), record("Grace", None, None), renamed) == "missing"


@pytest.mark.parametrize(
    ("ours", "theirs", "expected"),
    [
        ("2015-03-12", "2015-03-12", "exact"),
        ("2015-03-12", "2015-12-03", "day_month_swapped"),
        ("2015-03-14", "2015-03-19", "one_digit_off"),
        ("2015-03-14", "2005-03-14", "one_digit_off"),
        ("2015-03-19", "2015-03-20", "few_days_apart"),
        ("2015-03-29", "2015-04-02", "few_days_apart"),
        ("2019-03-14", "2020-03-14", "year_off"),
        ("2015-03-14", "2015-03-29", "differs"),
        ("2015-03-14", "2015", "partial_agrees"),
        ("2015-03-14", "2015-03", "partial_agrees"),
        ("2015-03-14", "2015-04", "differs"),
        ("2015-03-14", "2014", "differs"),
        ("2015-03-14", "2016-07-02", "differs"),
        ("2015-03-14", None, "missing"),
    ],
)
def test_birth_date_levels(ours: str, theirs: str | None, expected: str) -> None:
    assert level(BirthDateComparison(), record("Amara", "Okafor", ours), record("Amara", "Okafor", theirs)) == expected


def test_a_date_with_day_equal_to_month_is_not_a_swap() -> None:
    same = record("Amara", "Okafor", "2015-03-03")
    assert level(BirthDateComparison(), same, record("Amara", "Okafor", "2015-03-03")) == "exact"


@pytest.mark.parametrize(
    ("ours", "theirs", "expected"),
    [
        ("female", "FEMALE", "match"),
        ("female", "male", "differs"),
        ("female", None, "unknown"),
        ("unknown", "male", "unknown"),
    ],
)
def test_sex_levels(ours: str, theirs: str | None, expected: str) -> None:
    query, candidate = record("Amara", "Okafor", None, sex=ours), record("Amara", "Okafor", None, sex=theirs)
    assert level(SexComparison(), query, candidate) == expected


HOME = ("14 Larch Close, Northbridge", "NE6 5QT")


@pytest.mark.parametrize(
    ("theirs", "previous", "expected"),
    [
        (("14 Larch Close", "ne65qt"), (), "same_address"),
        (("Flat 2, 16 Larch Close", "NE6 5QT"), (), "same_postcode"),
        ((None, "NE6 5QT"), (), "same_postcode"),
        (("3 Foundry Walk", "NE4 7BX"), [HOME], "previous_address"),
        (("14 Larch Close, Northbridge", None), (), "same_line"),
        (("16 Larhc Close, Northbridge", None), (), "similar_line"),
        (("3 Foundry Walk", "NE6 5XX"), (), "same_sector"),
        (("3 Foundry Walk", "NE6 7BX"), (), "same_district"),
        (("3 Foundry Walk", "NE4 7BX"), (), "differs"),
        ((None, None), (), "missing"),
    ],
)
def test_address_levels(theirs: tuple[str | None, str | None], previous: list[tuple[str, str]], expected: str) -> None:
    query = record("Amara", "Okafor", None, line=HOME[0], postcode=HOME[1])
    candidate = record("Amara", "Okafor", None, line=theirs[0], postcode=theirs[1], previous=previous)
    assert level(AddressComparison(), query, candidate) == expected


def test_a_previous_address_counts_from_either_side() -> None:
    moved = record("Amara", "Okafor", None, line="3 Foundry Walk", postcode="NE4 7BX", previous=[HOME])
    at_old_home = record("Amara", "Okafor", None, line=HOME[0], postcode=HOME[1])
    assert level(AddressComparison(), moved, at_old_home) == "previous_address"


@pytest.mark.parametrize(
    ("ours", "theirs", "expected"),
    [
        (VALID_NHS[0], "999 000 1014", "match"),
        (VALID_NHS[0], VALID_NHS[1], "conflict"),
        (VALID_NHS[0], None, "absent"),
        (VALID_NHS[0], "9990001015", "absent"),  # fails the modulus 11 check: not evidence
    ],
)
def test_identifier_levels(ours: str, theirs: str | None, expected: str) -> None:
    query = record("Amara", "Okafor", None, nhs_number=ours)
    candidate = record("Amara", "Okafor", None, nhs_number=theirs)
    assert level(IdentifierComparison("nhs_number"), query, candidate) == expected


@pytest.mark.parametrize(
    ("ours", "theirs", "expected"),
    [
        ("5304218", "5304218", "match"),
        ("5304218", "5304281", "one_slip"),  # two neighbours swapped
        ("5304218", "530421", "one_slip"),  # one dropped
        ("5304218", "5304299", "conflict"),
        ("5304218", None, "absent"),
    ],
)
def test_an_identifier_with_no_check_digit_allows_one_typing_slip(ours: str, theirs: str | None, expected: str) -> None:
    query = build_record("Q", family_name="Okafor", identifiers={"social_security_number": ours})
    candidate = build_record("C", family_name="Okafor", identifiers={"social_security_number": theirs})
    found = IdentifierComparison("social_security_number").compare(query, candidate)[0]
    assert found.key == expected
    assert found.neutral is (expected in {"one_slip", "absent"})


def _single_slips(number: str) -> set[str]:
    digits = "0123456789"
    changed = {number[:i] + d + number[i + 1 :] for i in range(len(number)) for d in digits}
    swapped = {number[:i] + number[i + 1] + number[i] + number[i + 2 :] for i in range(len(number) - 1)}
    return (changed | swapped) - {number}


def test_no_valid_nhs_number_is_one_slip_from_another() -> None:
    """Why the NHS number has no `one_slip` level: modulus 11 catches every changed digit and every swap
    of neighbours, so two valid numbers that differ are two numbers (a `conflict`), never a typing slip."""
    for number in VALID_NHS:
        assert not any(is_valid_nhs_number(slip) for slip in _single_slips(number)), number
    query = record("Amara", "Okafor", None, nhs_number=VALID_NHS[0])
    assert level(IdentifierComparison("nhs_number"), query, record("A", "O", None, nhs_number=VALID_NHS[1])) == (
        "conflict"
    )


def test_another_schemes_words_use_its_name_and_the_engine_compares_it_when_asked() -> None:
    comparison = IdentifierComparison("social_security_number")
    assert comparison.MATCH.words == "social security number matches"
    assert [c.field for c in comparisons_for(["social_security_number", "upn"])][-1] == "social_security_number"
    assert len(comparisons_for(["upn"])) == len(default_comparisons())


def test_every_comparison_documents_its_levels() -> None:
    """The docstring lists every level by key, as Splink's comparisons do."""
    for comparison in default_comparisons():
        doc = type(comparison).__doc__ or ""
        assert all(level.key in doc for level in comparison.levels), type(comparison).__name__
