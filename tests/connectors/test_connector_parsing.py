"""Normalising native payloads, from fixtures and without HTTP; malformed input raises typed errors."""

from __future__ import annotations

from typing import Any

import pytest

from connectors import ConnectorError, MalformedReply
from connectors.education import parse_pupil_entries, parse_pupils
from connectors.health import parse_encounters, parse_patient_search
from connectors.housing import parse_people, parse_records
from connectors.police import parse_nominals, parse_occurrences
from connectors.wording import count, long_date, sentence
from schemas import EntryCategory, InvolvementRole, Sensitivity, Sex

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
OCCURRENCE = {
    "occurrence_id": "OCC-1",
    "type": "domestic_abuse",
    "date": "2026-11-01",
    "location": {"type": "home_address", "address": "14 Larch Close"},
    "summary": "Neighbour reported shouting.",
    "outcome": "Suspect arrested.",
    "dash_risk": "medium",
    "persons": [
        {"nominal_id": "N1", "role": "victim"},
        {"nominal_id": "N2", "role": "suspect"},
        {"nominal_id": "N3", "role": "child_present"},
        {"nominal_id": "N4", "role": "child_present"},
    ],
}
CTF = b"""<?xml version="1.0" encoding="utf-8"?>
<CTfile><Header><DocumentName>Common Transfer File</DocumentName></Header><CTFpupilData><Pupil>
<UPN>Y393201510011</UPN><Surname>Okafor-Reid</Surname><Forename>Amara</Forename><MiddleNames>Joy</MiddleNames>
<DOB>2015-03-14</DOB><Gender>F</Gender>
<SchoolHistory><School><LEA>393</LEA><Estab>2015</Estab><SchoolName>Larchfield Primary School</SchoolName>
<EntryDate>2019-09-04</EntryDate></School></SchoolHistory>
<Attendance><YearData><Year>2026</Year><SessionsPossible>78</SessionsPossible><SessionsAttended>64</SessionsAttended>
<SessionsAuthorised>4</SessionsAuthorised><SessionsUnauthorised>10</SessionsUnauthorised>
<AttendanceStartDate>2026-09-03</AttendanceStartDate><AttendanceEndDate>2026-10-30</AttendanceEndDate></YearData></Attendance>
<Exclusions><Exclusion><ExclusionStartDate>2026-10-06</ExclusionStartDate><Category>FIXD</Category><Reason>DB</Reason>
<Sessions>2</Sessions></Exclusion></Exclusions>
</Pupil></CTFpupilData></CTfile>"""
HOUSING_RECORDS = {
    "person_ref": "HP1",
    "tenancies": [
        {
            "tenancy_ref": "TEN1",
            "address": {"line": "14 Larch Close, Northbridge", "postcode": "NE6 5QT"},
            "tenure": "secure council tenancy",
            "start_date": "2021-04-12",
            "end_date": None,
            "tenant": {"person_ref": "HP1"},
            "household": [{"person_ref": "HP2", "relationship": "child"}],
            "arrears": [{"as_at": "2026-10-26", "balance": "1486.20", "weeks_in_arrears": 11}],
            "notices": [],
        }
    ],
    "homelessness": [
        {
            "case_ref": "HL1",
            "applicant_ref": "HP1",
            "household": [{"person_ref": "HP2"}],
            "application_date": "2025-02-01",
            "duty": "relief",
            "temporary_accommodation": True,
        }
    ],
}


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


def test_police_occurrence_summary_reads_like_a_practitioner_wrote_it() -> None:
    [entry] = parse_occurrences({"occurrences": [OCCURRENCE]})
    assert entry.category is EntryCategory.DOMESTIC_ABUSE_INCIDENT
    assert entry.summary.startswith(
        "Domestic abuse incident at home address; DASH risk assessed as medium; two children present."
    )
    assert entry.action_taken == "Suspect arrested."
    assert [(p.agency_person_id, p.role) for p in entry.people][2] == ("N3", InvolvementRole.CHILD_PRESENT)


def test_education_ctf_normalises_pupil_and_events() -> None:
    [candidate] = parse_pupils(CTF)
    assert candidate.person.identifiers.upn == "Y393201510011"
    assert candidate.person.name.given_names == ["Amara", "Joy"]
    categories = [entry.category for entry in parse_pupil_entries(CTF, "Y393201510011")]
    assert categories == [EntryCategory.SCHOOL_ENROLMENT, EntryCategory.ATTENDANCE, EntryCategory.SUSPENSION]


def test_housing_records_normalise_tenancy_arrears_and_homelessness() -> None:
    entries = parse_records(HOUSING_RECORDS)
    assert [entry.category for entry in entries] == [
        EntryCategory.TENANCY,
        EntryCategory.RENT_ARREARS,
        EntryCategory.HOMELESSNESS,
    ]
    assert "£1,486.20" in entries[1].summary
    assert entries[0].people[0].role is InvolvementRole.TENANT


@pytest.mark.parametrize(
    "parse",
    [
        lambda: parse_patient_search({"resourceType": "Patient", "id": "x"}),
        lambda: parse_patient_search({"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": {}}]}),
        lambda: parse_nominals({"nominals": [{"nominal_id": "N1", "surname": "Okafor"}]}),
        lambda: parse_nominals(["not", "an", "object"]),
        lambda: parse_occurrences({"occurrences": [OCCURRENCE | {"date": "1st November"}]}),
        lambda: parse_pupils(b"<CTfile><CTFpupilData><Pupil><UPN>Y393201510011</UPN></Pupil>"),
        lambda: parse_pupils(b"<NotACTF/>"),
        lambda: parse_people({"people": []}),
        lambda: parse_records({"tenancies": [{"tenancy_ref": "T"}], "homelessness": []}),
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


def test_wording_helpers() -> None:
    from datetime import date

    assert long_date(date(2015, 3, 14)) == "14 March 2015"
    assert count(2, "child", "children") == "two children" and count(1, "session") == "one session"
    assert sentence("first clause.", None, "second") == "First clause; second."
