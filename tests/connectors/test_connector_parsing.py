"""Normalising native payloads, from fixtures and without HTTP; malformed input raises typed errors."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.education import parse_pupil_entries, parse_pupils
from connectors.health import parse_encounters, parse_patient_search
from connectors.sdk.errors import ConnectorError, MalformedReply
from schemas import EntryCategory, Sensitivity, Sex

PATIENT_BUNDLE: dict[str, Any] = {
    "resourceType": "Bundle",
    "type": "searchset",
    "total": 1,
    "entry": [
        {
            "fullUrl": "http://pds/Patient/p1",
            "search": {"score": 1},
            "resource": {
                "resourceType": "Patient",
                "id": "p1",
                "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990001014"}],
                "name": [
                    {"use": "old", "family": "Reid", "given": ["Amara"]},
                    {"use": "usual", "family": "Okafor-Reid", "given": ["Amara", "Joy"]},
                ],
                "gender": "female",
                "birthDate": "2015-03-14",
                "address": [{"use": "home", "line": ["14 Larch Close", "Northbridge"], "postalCode": "NE65QT"}],
            },
        }
    ],
}
CTF = b"""<?xml version="1.0" encoding="utf-8"?>
<CTfile><Header><DocumentName>Common Transfer File</DocumentName><CTFversion>26.0</CTFversion>
<DateTime>2026-11-02T09:15:00</DateTime><DocumentQualifier>partial</DocumentQualifier><SupplierID>TEST</SupplierID>
<SourceSchool><LEA>393</LEA><Estab>0000</Estab><SchoolName>Pupil Records</SchoolName><AcademicYear>2026</AcademicYear>
</SourceSchool><DestSchool><LEA>393</LEA><Estab>MASH</Estab></DestSchool></Header><CTFpupilData><Pupil>
<UPN>Y393201510011</UPN><Surname>Okafor-Reid</Surname><Forename>Amara</Forename><DOB>2015-03-14</DOB><Gender>F</Gender>
<BasicDetails><MiddleNames>Joy</MiddleNames></BasicDetails>
<Attendance><YearData><Year>2026</Year><LEA>393</LEA><Estab>2015</Estab>
<SchoolName>Larchfield Primary School</SchoolName>
<SessionsPossible>78</SessionsPossible><SessionsAuthorised>4</SessionsAuthorised><SessionsAttended>64</SessionsAttended>
<SessionsUnauthorised>10</SessionsUnauthorised><AttendanceStartDate>2026-09-03</AttendanceStartDate></YearData></Attendance>
<SchoolHistory><School><LEA>393</LEA><Estab>2015</Estab><SchoolName>Larchfield Primary School</SchoolName>
<EntryDate>2019-09-04</EntryDate></School></SchoolHistory>
<Exclusions><Exclusion><LEA>393</LEA><Estab>2015</Estab><StartDate>2026-10-06</StartDate><Category>FIXD</Category>
<Reason>DB</Reason><Sessions>2</Sessions></Exclusion></Exclusions>
</Pupil></CTFpupilData></CTfile>"""


def test_health_patient_bundle_normalises_to_a_person() -> None:
    [candidate] = parse_patient_search(PATIENT_BUNDLE)
    person = candidate.person
    assert candidate.agency_person_id == "p1"
    assert person.name.given_names == ["Amara", "Joy"] and person.name.family_name == "Okafor-Reid"
    assert [alias.family_name for alias in person.aliases] == ["Reid"]
    assert person.sex is Sex.FEMALE and person.identifiers.nhs_number == "9990001014"
    assert person.address is not None and person.address.postcode == "NE6 5QT"


def test_health_too_many_matches_is_a_typed_failure() -> None:
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": "multiple-matches", "details": {"coding": [{"code": "TOO_MANY_MATCHES"}]}}
        ],
    }
    with pytest.raises(ConnectorError) as raised:
        parse_patient_search(outcome)
    assert raised.value.code == "too_many_matches"


def test_health_encounter_becomes_an_emergency_attendance() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {
                "resource": {
                    "resourceType": "Encounter",
                    "id": "e1",
                    "status": "finished",
                    "class": {"code": "EMER"},
                    "period": {"start": "2026-10-18T21:40:00+00:00"},
                    "reasonCode": [{"text": "Minor head injury"}],
                    "serviceProvider": {"display": "Northbridge General Hospital"},
                }
            }
        ],
    }
    [entry] = parse_encounters(bundle, "p1")
    assert entry.category is EntryCategory.EMERGENCY_ATTENDANCE and entry.occurred_on.isoformat() == "2026-10-18"
    assert entry.summary == "Attended A&E at Northbridge General Hospital: minor head injury."
    assert entry.source.record_id == "Encounter/e1" and entry.sensitivity is Sensitivity.SENSITIVE


def test_education_ctf_normalises_pupil_and_events() -> None:
    [candidate] = parse_pupils(CTF)
    assert candidate.person.identifiers.upn == "Y393201510011"
    assert candidate.person.name.given_names == ["Amara", "Joy"]
    categories = [entry.category for entry in parse_pupil_entries(CTF, "Y393201510011")]
    assert categories == [EntryCategory.SCHOOL_ENROLMENT, EntryCategory.ATTENDANCE, EntryCategory.SUSPENSION]


@pytest.mark.parametrize(
    "parse",
    [
        lambda: parse_patient_search({"resourceType": "Patient", "id": "x"}),
        lambda: parse_patient_search({"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": {}}]}),
        lambda: parse_pupils(b"<CTfile><CTFpupilData><Pupil><UPN>Y393201510011</UPN></Pupil>"),
        lambda: parse_pupils(b"<NotACTF/>"),
    ],
)
def test_malformed_payloads_raise_malformed_reply(parse: Any) -> None:
    with pytest.raises(MalformedReply) as raised:
        parse()
    assert raised.value.code == "malformed_reply"
    assert "Okafor" not in str(raised.value) and raised.value.__cause__ is None


def test_xml_with_a_doctype_is_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><CTfile><CTFpupilData/></CTfile>'
    with pytest.raises(MalformedReply):
        parse_pupils(bomb)
