"""A bad field is a missing field: one record's unusable value never fails the reply (issue 13).

An agency record with a birth date of 30 February, a postcode that is no postcode or an identifier
failing its check made the connector raise `MalformedReply`, so the whole check failed and every
other record the agency held was lost. Now that field is left out of that one record, with a note
in words, and the reply, the record and the other candidates are read as usual. Each bad value
carries a unique marker, which must never reach a note, an exception or a log. The same behaviour
over real HTTP, for every registered agency, is in tests/contract/test_contract.py.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest

from connectors import education, health, housing, police
from connectors.sdk.errors import MalformedReply
from connectors.sdk.fields import RecordFields
from sandbox.education.ctf import ctf_document
from sandbox.education.examples import KAI, NOOR
from schemas import AgencyPerson, AgencyReply

MARKER = "MKQ7ZX"
"""Seeded into every bad value: it must never appear in a note, an exception or a log."""
BAD_DATE = f"2019-02-30{MARKER}"
NOMINAL: dict[str, Any] = {
    "nominal_id": "N1",
    "surname": "Okafor",
    "forenames": ["Grace"],
    "date_of_birth": "1989-11-20",
    "sex": "female",
    "aliases": {},
    "address": {"line": "14 Larch Close", "postcode": "NE6 5QT"},
}
PERSON: dict[str, Any] = {
    "person_ref": "HP1",
    "surname": "Dunmore",
    "forename": "Kerry",
    "previous_surnames": [],
    "date_of_birth": "1990-04-02",
    "sex": "female",
    "current_address": {"line": "7 Rowan Court", "postcode": "NE3 2RW"},
}
PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "p1",
    "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9991001018"}],
    "name": [{"use": "usual", "family": "Rahman", "given": ["Nadia"]}],
    "gender": "female",
    "birthDate": "2013-06-21",
    "address": [{"use": "home", "line": ["5 Heron Court"], "postalCode": "NE3 1HC"}],
}
LEFT_OUT = "birth date is not a date, so it was left out"


def _searchset(*patients: dict[str, Any]) -> dict[str, Any]:
    entries = [{"search": {"score": 1}, "resource": patient} for patient in patients]
    return {"resourceType": "Bundle", "type": "searchset", "entry": entries}


def _no_marker(*things: object) -> None:
    for thing in things:
        text = thing.model_dump_json() if isinstance(thing, AgencyPerson | AgencyReply) else str(thing)
        assert MARKER not in text


def test_police_a_bad_birth_date_and_postcode_are_left_out_and_the_other_nominals_kept() -> None:
    bad = NOMINAL | {"date_of_birth": BAD_DATE, "address": {"line": "1 Road", "postcode": f"N1{MARKER}"}}
    good = NOMINAL | {"nominal_id": "N2"}
    first, second = police.parse_nominals({"nominals": [bad, good]})
    assert first.person.birth_date is None and first.person.name is not None
    assert first.person.address is not None and first.person.address.postcode is None
    assert first.person.address.line == "1 Road"
    assert first.set_aside == [LEFT_OUT, "postcode is not a UK postcode, so it was left out"]
    assert second.person.birth_date == date(1989, 11, 20) and second.set_aside == []
    _no_marker(first, second)


def test_police_a_birth_date_of_the_wrong_kind_is_left_out_too() -> None:
    [candidate] = police.parse_nominals({"nominals": [NOMINAL | {"date_of_birth": 19891120}]})
    assert candidate.person.birth_date is None and candidate.set_aside == [LEFT_OUT]


def test_police_a_nominal_missing_its_required_structure_is_still_malformed() -> None:
    with pytest.raises(MalformedReply):
        police.parse_nominals({"nominals": [{k: v for k, v in NOMINAL.items() if k != "date_of_birth"}]})


def test_housing_a_bad_birth_date_and_postcode_are_left_out() -> None:
    bad = PERSON | {"date_of_birth": BAD_DATE, "current_address": {"line": "7 Rowan Court", "postcode": MARKER}}
    first, second = housing.parse_people([bad, PERSON | {"person_ref": "HP2"}])
    assert first.person.birth_date is None
    assert first.person.address is not None and first.person.address.postcode is None
    assert first.set_aside == [LEFT_OUT, "postcode is not a UK postcode, so it was left out"]
    assert second.person.birth_date == date(1990, 4, 2) and second.set_aside == []
    _no_marker(first, second)


def test_education_a_pupils_bad_dob_and_postcode_are_left_out_and_the_other_pupil_kept() -> None:
    document = ctf_document([KAI, NOOR])
    kai_dob = f"<DOB>{KAI.dob.isoformat()}</DOB>".encode()
    assert kai_dob in document
    document = document.replace(kai_dob, f"<DOB>19/05/2012 {MARKER}</DOB>".encode(), 1)
    kai, noor = education.parse_pupils(document)
    assert (kai.agency_person_id, kai.person.birth_date, kai.set_aside) == (KAI.upn, None, [LEFT_OUT])
    assert noor.person.birth_date == NOOR.dob and noor.set_aside == []
    assert education.parse_pupil_entries(document, KAI.upn), "the pupil's records are still read"
    _no_marker(kai, noor)


def test_education_a_bad_postcode_is_left_out() -> None:
    document = ctf_document([KAI])
    assert b"<PostCode>NE4 7FL</PostCode>" in document
    [kai] = education.parse_pupils(document.replace(b"<PostCode>NE4 7FL</PostCode>", b"<PostCode>9E4 7FL</PostCode>"))
    assert kai.person.address is not None and kai.person.address.postcode is None
    assert kai.set_aside == ["postcode is not a UK postcode, so it was left out"]


def test_health_a_bad_birth_date_leaves_the_bundle_and_the_other_patients_whole() -> None:
    bad = PATIENT | {"birthDate": BAD_DATE}
    other = PATIENT | {"id": "p2"}
    first, second = health.parse_patient_search(_searchset(bad, other))
    assert first.person.birth_date is None and first.person.name is not None
    assert first.set_aside == [LEFT_OUT]
    assert second.person.birth_date == date(2013, 6, 21) and second.set_aside == []
    assert health.parse_patient_matches(_searchset(bad, other)) == [("p1", 1.0), ("p2", 1.0)]
    assert health.parse_patient(bad).set_aside == [LEFT_OUT]
    assert bad["birthDate"] == BAD_DATE, "the reply as received is not changed"
    _no_marker(first, second)


def test_health_a_partial_birth_date_a_bad_postcode_and_nhs_number_are_left_out() -> None:
    patient = copy.deepcopy(PATIENT) | {"birthDate": "2013-06"}
    patient["identifier"][0]["value"] = "9991001015"
    patient["address"][0]["postalCode"] = MARKER
    candidate = health.parse_patient(patient)
    person = candidate.person
    assert (person.birth_date, person.identifiers.nhs_number) == (None, None)
    assert person.address is not None and person.address.postcode is None
    assert candidate.set_aside == [
        "birth date is not a full date, so it was left out",
        "postcode is not a UK postcode, so it was left out",
        "NHS number is not a valid NHS number, so it was left out",
    ]
    _no_marker(candidate)


def test_health_parse_document_reads_a_patient_with_a_bad_birth_date() -> None:
    document = health.parse_document(json.dumps(PATIENT | {"birthDate": BAD_DATE}).encode())
    assert [candidate.set_aside for candidate in document.candidates] == [[LEFT_OUT]]


def test_structural_breakage_is_still_malformed_and_never_quotes_the_value() -> None:
    """A record that is not a record (a list for a Patient) is a broken reply, not a bad field."""
    with pytest.raises(MalformedReply) as raised:
        health.parse_patient_search({"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": [MARKER]}]})
    assert MARKER not in str(raised.value)


@pytest.mark.parametrize(
    ("read", "value", "kept"),
    [
        ("birth_date", "2014-03-01", date(2014, 3, 1)),
        ("birth_date", "2014-02-30", None),
        ("birth_date", "2014-3-1", None),
        ("birth_date", None, None),
        ("postcode", "ne6 5qt", "ne6 5qt"),
        ("postcode", "NE65QT", "NE65QT"),
        ("postcode", "N1", None),
        ("postcode", "", None),
        ("nhs_number", "999 100 1018", "9991001018"),
        ("nhs_number", "9991001015", None),
        ("upn", KAI.upn.lower(), KAI.upn),
        ("upn", "A" * 13, None),
    ],
)
def test_record_fields_keep_good_values_and_note_bad_ones(read: str, value: object, kept: object) -> None:
    fields = RecordFields()
    assert getattr(fields, read)(value) == kept
    assert len(fields.set_aside) == (1 if kept is None and value not in (None, "") else 0)
