"""Linkage records: built from the shared schema and the interchange format; unusable ones refused in words."""

from __future__ import annotations

import pytest

from hub.linkage.records import MalformedPerson, UnusableRecord, from_interchange, from_person
from tests.hub.builders import person
from tests.hub.linkage.builders import VALID_NHS, record


def test_names_are_normalised_once() -> None:
    built = record("ZOË  Amara-Joy", "O'Brien–Smith", "2015-03-12", postcode="ne65qt", nhs_number="999 000 1014")
    assert [name.text for name in built.given] == ["zoe", "amara", "joy"]
    assert built.family is not None and built.family.text == "obriensmith"
    assert built.family.parts == ("obrien", "smith")
    assert built.address is not None and built.address.postcode == "NE6 5QT" and built.address.sector == "NE6 5"
    assert built.identifiers == {"nhs_number": VALID_NHS[0]}


def test_an_identifier_failing_its_check_digit_is_dropped() -> None:
    assert record("Amara", "Okafor", None, nhs_number="9990001015").identifiers == {}


def test_from_person_keeps_aliases_as_other_names() -> None:
    mother = person("Grace", "Okafor", "1989-11-20", aliases=[("Gracie", "Okafor-Reid")], nhs_number=VALID_NHS[2])
    built = from_person(mother)
    assert [name.text for name in built.other_given] == ["gracie"]
    assert [name.text for name in built.other_family] == ["okaforreid"]
    assert built.record_id == "query" and built.identifiers["nhs_number"] == VALID_NHS[2]


def test_interchange_person_other_names_one_word_or_full_name() -> None:
    built = from_interchange({"family_name": "Okafor", "other_names": ["Okafor-Reid", "Gracie Smith"]}, "C1")
    assert {name.text for name in built.other_family} == {"okaforreid", "smith"}
    assert {name.text for name in built.other_given} == {"okaforreid", "gracie"}


def test_a_record_with_neither_name_nor_identifier_is_refused_in_words() -> None:
    with pytest.raises(UnusableRecord) as refusal:
        from_interchange({"birth_date": "2015-03-12", "postcode": "NE6 5QT", "nhs_number": "9990001015"}, "C1")
    message = str(refusal.value)
    assert message == "the record has no name and no usable identifier, so it cannot be compared"


def test_an_identifier_alone_is_usable() -> None:
    assert from_interchange({"nhs_number": VALID_NHS[0]}, "C1").identifiers == {"nhs_number": VALID_NHS[0]}


def test_interchange_identifiers_of_other_schemes_are_kept_beside_the_nhs_number() -> None:
    document = {
        "family_name": "Okafor",
        "nhs_number": VALID_NHS[0],
        "identifiers": {"social_security_number": "530 42"},
    }
    built = from_interchange(document, "C1")
    assert built.identifiers == {"nhs_number": VALID_NHS[0], "social_security_number": "53042"}
    assert from_interchange({"family_name": "Okafor", "identifiers": None}, "C1").identifiers == {}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"identifiers": {"nhs_number": VALID_NHS[0]}}, "identifiers: an NHS number goes in nhs_number, not there"),
        (
            {"identifiers": {"Case Id": "1"}},
            "identifiers: each scheme is a lower-case name of letters, digits and _ (up to 40)",
        ),
        ({"identifiers": {"case_id": "1" * 65}}, "identifiers: an identifier is at most 64 characters"),
        ({"identifiers": ["upn"]}, "identifiers: must be a valid dictionary"),
        ({"birth_date": "14/03/2015"}, "birth_date: is not a date (YYYY-MM-DD)"),
        ({"birth_date": "2015-13"}, "birth_date: is not a date (YYYY-MM-DD)"),
        ({"sex": "F"}, "sex: must be male, female, unknown or null"),
        ({"given_names": ["Amara"]}, "given_names: must be a valid string"),
        ({"surname": "Okafor"}, "surname: unknown field"),
    ],
)
def test_a_malformed_person_names_the_field_not_the_value(document: dict[str, object], expected: str) -> None:
    with pytest.raises(MalformedPerson) as problem:
        from_interchange({"family_name": "Okafor", **document}, "C1")
    assert str(problem.value) == expected


def test_partial_birth_dates_are_accepted() -> None:
    built = from_interchange({"family_name": "Okafor", "birth_date": "2015-03"}, "C1")
    assert built.birth_date is not None and (built.birth_date.year, built.birth_date.month) == (2015, 3)
    assert not built.birth_date.is_full
