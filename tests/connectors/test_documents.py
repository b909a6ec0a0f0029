"""`parse_document`: each agency's captured native replies normalise offline; anything else is refused.

Every `.json` and `.xml` file under tests/fixtures/native is parsed by its agency's `parse_document`
(a new fixture is covered as soon as it is added). health/pds holds real NHS PDS responses as NHS
England publishes them; the rest were captured from the sandboxes. Refusals are `MalformedReply`
(or a typed error such as TOO_MANY_MATCHES) with a fixed one-line message quoting nothing sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from connectors import education, health, housing, police
from connectors.health import TooManyMatches
from connectors.sdk.errors import ConnectorError, MalformedReply
from schemas import EntryCategory, InvolvementRole, NormalisedDocument, PersonName, Sensitivity, Sex

FIXTURES = Path(__file__).parents[1] / "fixtures" / "native"
PDS = FIXTURES / "health" / "pds"
PARSERS: dict[str, Callable[[bytes], NormalisedDocument]] = {
    "health": health.parse_document,
    "police": police.parse_document,
    "education": education.parse_document,
    "housing": housing.parse_document,
}
KINDS = {
    "health": {"patient-search", "patient", "related-people", "encounters", "flags", "empty-searchset"},
    "police": {"nominal-search", "nominal", "occurrences", "ppns"},
    "education": {"pupil-records"},
    "housing": {"people-search", "records"},
}
EXPECTED: dict[str, str | type[ConnectorError]] = {
    "health/patient-search.json": "patient-search",
    "health/patient.json": "patient",
    "health/encounters.json": "encounters",
    "health/flags.json": "flags",
    "health/pds/PatientSearch.json": "patient-search",
    "health/pds/JaneSmith_JanetSmythe_bundle.json": "patient-search",
    "health/pds/mock_multiple_searchset.json": "patient-search",
    "health/pds/Sensitive_PatientSearch.json": "patient-search",
    "health/pds/PatientCompoundName.json": "patient-search",
    "health/pds/Patient.json": "patient",
    "health/pds/Sensitive_Patient.json": "patient",
    "health/pds/PatientMuliName.json": "patient",
    "health/pds/RelatedPersonBundle.json": "related-people",
    "health/pds/related_person_9000000009.json": "related-people",
    "health/pds/Personal_Details_RelatedPersonBundle.json": "related-people",
    "health/pds/Referenced_RelatedPersonBundle.json": "related-people",
    "health/pds/RelatedPerson.json": MalformedReply,
    "health/pds/TOO_MANY_MATCHES.json": TooManyMatches,
    "police/nominal-search.json": "nominal-search",
    "police/nominal.json": "nominal",
    "police/occurrences.json": "occurrences",
    "police/ppns.json": "ppns",
    "education/ctf.xml": "pupil-records",
    "housing/people-search.json": "people-search",
    "housing/records.json": "records",
}
"""Each known fixture's kind, or the error it must raise; a fixture not listed must be one of its agency's KINDS."""
PENDING: dict[str, str] = {}
"""Real documents the shared model cannot hold yet: strict xfail, so they fail loudly once they parse."""
SECRET = "Okonkwo-Pemberton"
"""A synthetic surname planted in every piece of garbage below: no error message may repeat it."""
OWNER_URL = "https://api.service.nhs.uk/personal-demographics/FHIR/R4/Patient/9000000009/RelatedPerson/RP1"


def _billion_laughs() -> bytes:
    """The classic entity-expansion bomb: nine levels of ten references, a billion copies of one name."""
    entities = [f'<!ENTITY lol0 "{SECRET}">']
    for level in range(1, 10):
        previous = f"&lol{level - 1};"
        entities.append(f'<!ENTITY lol{level} "{previous * 10}">')
    return f'<?xml version="1.0"?><!DOCTYPE lolz [{"".join(entities)}]><lolz>&lol9;</lolz>'.encode()


GARBAGE = {
    "empty": b"",
    "whitespace": b" \n\t ",
    "binary": bytes(range(256)) * 8 + SECRET.encode(),
    "truncated JSON": b'{"resourceType": "Bundle", "entry": [{"resource": {"family": "Okonkwo-Pemberton"',
    "HTML error page": (
        b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
        b"<body><h1>Bad Gateway</h1><p>Okonkwo-Pemberton</p></body></html>"
    ),
    "JSON array": b'["Okonkwo-Pemberton", 9434765919]',
    "JSON string": b'"Okonkwo-Pemberton"',
    "JSON object of another shape": b'{"resourceType": "Basic", "id": "x1", "surname": "Okonkwo-Pemberton"}',
    "XML billion laughs": _billion_laughs(),
    "XML of another shape": b"<Pupils><Pupil><Surname>Okonkwo-Pemberton</Surname></Pupil></Pupils>",
}


def _name(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


def _agency(path: Path) -> str:
    return path.relative_to(FIXTURES).parts[0]


def _parse(path: Path) -> NormalisedDocument:
    return PARSERS[_agency(path)](path.read_bytes())


def _fixture(name: str) -> NormalisedDocument:
    return _parse(FIXTURES / name)


DOCUMENTS = sorted(
    path for agency in PARSERS for path in (FIXTURES / agency).rglob("*") if path.suffix in {".json", ".xml"}
)


def _cases(paths: list[Path]) -> Iterator[Any]:
    for path in paths:
        pending = PENDING.get(_name(path))
        marks = [pytest.mark.xfail(strict=True, raises=MalformedReply, reason=pending)] if pending else []
        yield pytest.param(path, id=_name(path), marks=marks)


PARSED = [path for path in DOCUMENTS if not isinstance(EXPECTED.get(_name(path), ""), type)]
REFUSED = [path for path in DOCUMENTS if isinstance(EXPECTED.get(_name(path), ""), type)]


def _quotable(document: bytes) -> set[str]:
    """The values a document carries (JSON strings and numbers, XML text), which no message may repeat."""
    try:
        values: list[Any] = [json.loads(document)]
    except ValueError:
        values = [etree.fromstring(document, etree.XMLParser(resolve_entities=False)).itertext()]
    found: set[str] = set()
    while values:
        value = values.pop()
        if isinstance(value, dict):
            values += value.values()
        elif isinstance(value, list | Iterator):
            values += list(value)
        elif not isinstance(value, bool) and value is not None:
            found.add(str(value).strip())
    return {text for text in found if len(text) >= 4}


def _assert_safe(error: ConnectorError, quotable: set[str]) -> None:
    message = str(error)
    assert "\n" not in message and len(message) <= 120
    assert not [text for text in quotable if text in message]


# Every fixture -------------------------------------------------------------------------------------


def test_there_are_fixtures_for_every_agency() -> None:
    assert {_agency(path) for path in DOCUMENTS} == set(PARSERS)
    assert len(list(PDS.glob("*.json"))) >= 10


@pytest.mark.parametrize("path", _cases(PARSED))
def test_each_fixture_parses_to_its_kind_with_content(path: Path) -> None:
    document = _parse(path)

    assert document.agency == _agency(path)
    assert document.kind == EXPECTED.get(_name(path), document.kind)
    assert document.kind in KINDS[document.agency]
    assert document.candidates or document.entries or document.related_people
    for entry in document.entries:
        assert entry.source.agency == document.agency and entry.people


@pytest.mark.parametrize("path", _cases(PARSED))
def test_each_fixture_survives_a_json_round_trip(path: Path) -> None:
    document = _parse(path)

    assert NormalisedDocument.model_validate_json(document.model_dump_json()) == document


@pytest.mark.parametrize("path", REFUSED, ids=[_name(path) for path in REFUSED])
def test_documents_that_are_not_results_raise_their_typed_error(path: Path) -> None:
    expected = EXPECTED[_name(path)]
    assert isinstance(expected, type)

    with pytest.raises(expected) as raised:
        _parse(path)

    assert type(raised.value) is expected
    _assert_safe(raised.value, _quotable(path.read_bytes()))


# Real PDS responses --------------------------------------------------------------------------------


def test_pds_single_result_search_gives_the_published_patient() -> None:
    [candidate] = _fixture("health/pds/PatientSearch.json").candidates
    person = candidate.person

    assert candidate.agency_person_id == "9000000009"
    assert person.name == PersonName(given_names=["Jane"], family_name="Smith")
    assert person.identifiers.nhs_number == "9000000009"
    assert (person.birth_date, person.sex) == (date(2010, 10, 22), Sex.FEMALE)
    # The published home address has `period.end` 2021-12-31: a former home is not where she lives.
    assert person.address is None


def test_pds_multiple_result_search_keeps_every_patient_in_pds_order() -> None:
    candidates = _fixture("health/pds/JaneSmith_JanetSmythe_bundle.json").candidates

    assert [c.agency_person_id for c in candidates] == ["9000000009", "9000000017"]
    assert [c.person.name.display for c in candidates] == ["Jane Smith", "Jayne Smyth"]
    assert [c.person.identifiers.nhs_number for c in candidates] == ["9000000009", "9000000017"]


def test_pds_patient_read_with_uk_core_extensions_gives_candidate_and_gp_registration() -> None:
    document = _fixture("health/pds/Patient.json")
    [candidate] = document.candidates
    [gp] = document.entries

    assert candidate.agency_person_id == "9000000009"
    assert candidate.person.name.display == "Jane Smith"
    assert gp.category is EntryCategory.GP_REGISTRATION
    assert gp.occurred_on == date(2020, 1, 1)
    assert gp.summary == "Registered with GP practice Y12345."
    assert gp.source.record_id == "Patient/9000000009"


@pytest.mark.parametrize("name", ["health/pds/Sensitive_Patient.json", "health/pds/Sensitive_PatientSearch.json"])
def test_pds_restricted_patient_has_no_address_and_no_gp_registration(name: str) -> None:
    document = _fixture(name)
    [candidate] = document.candidates

    assert candidate.person.name.display == "Janet Smythe"
    assert candidate.person.identifiers.nhs_number == "9000000025"
    assert candidate.person.address is None and candidate.person.previous_addresses == []
    assert document.entries == []


def test_a_pds_home_address_that_has_ended_is_a_previous_address() -> None:
    """Every published example's home ended in 2021: no current address, but a previous one for linkage."""
    [candidate] = _fixture("health/pds/Patient.json").candidates
    assert candidate.person.address is None
    assert [address.postcode for address in candidate.person.previous_addresses] == ["LS1 6AE"]


@pytest.mark.parametrize("code", ["R", "V"])
def test_a_restricted_security_label_hides_an_address_and_gp_that_are_present(code: str) -> None:
    payload = json.loads((FIXTURES / "health" / "patient.json").read_bytes())
    unrestricted = health.parse_document(json.dumps(payload).encode())
    payload["meta"]["security"][0]["code"] = code

    restricted = health.parse_document(json.dumps(payload).encode())

    assert unrestricted.candidates[0].person.address is not None and unrestricted.entries
    assert restricted.candidates[0].person.address is None
    assert restricted.entries == []


@pytest.mark.parametrize(
    ("name", "given_names"),
    [
        ("health/pds/PatientCompoundName.json", ["John Paul"]),
        ("health/pds/PatientMuliName.json", ["Jane Aire", "Wild"]),
    ],
)
def test_pds_compound_given_names_are_kept_whole_and_in_order(name: str, given_names: list[str]) -> None:
    [candidate] = _fixture(name).candidates

    assert candidate.person.name == PersonName(given_names=given_names, family_name="Smith")
    # PDS publishes these with NHS number 9000000015, which fails the modulus 11 check: kept as the
    # record's id, never as a trusted NHS number.
    assert candidate.agency_person_id == "9000000015"
    assert candidate.person.identifiers.nhs_number is None


def test_pds_related_person_with_details_and_a_reference_to_their_own_record() -> None:
    [related] = _fixture("health/pds/RelatedPersonBundle.json").related_people

    assert related.agency_person_id == "9000000009"
    assert (related.relationship, related.relationship_code) == ("guardian", "Guardian")
    assert related.name == PersonName(given_names=["Jane"], family_name="Smith")
    assert related.related_agency_person_id == "90000000009"
    assert related.identifiers.nhs_number is None  # "90000000009" has 11 digits
    assert related.source.agency == "health" and related.source.record_id == "RelatedPerson/507B7621"


def test_pds_related_people_known_by_details_or_by_nhs_number_only() -> None:
    full, referenced = _fixture("health/pds/related_person_9000000009.json").related_people
    [by_details] = _fixture("health/pds/Personal_Details_RelatedPersonBundle.json").related_people

    assert [full.agency_person_id, referenced.agency_person_id] == ["9000000009", "9000000009"]
    assert full.name is not None and full.name.display == "Jane Smith"
    assert referenced.name is None and referenced.identifiers.nhs_number == "9000000009"
    assert [full.source.record_id, referenced.source.record_id] == ["RelatedPerson/507B7621", "RelatedPerson/B3380E98"]
    assert by_details.agency_person_id == "9000000017"
    assert by_details.name == PersonName(given_names=["Jane"], family_name="Smith")
    assert by_details.identifiers.present() == {} and by_details.related_agency_person_id is None


def _related_people_bundle(relationship: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [
                {
                    "fullUrl": OWNER_URL,
                    "resource": {
                        "resourceType": "RelatedPerson",
                        "id": "RP1",
                        "patient": {"type": "Patient"},
                        "relationship": [relationship],
                    },
                }
            ],
        }
    ).encode()


ROLE = "https://fhir.hl7.org.uk/CodeSystem/UKCore-AdditionalRelatedPersonRole"
TYPE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
CONTACT = "http://terminology.hl7.org/CodeSystem/v2-0131"


@pytest.mark.parametrize(
    ("relationship", "words", "code"),
    [
        (
            {
                "coding": [
                    {"system": ROLE, "code": "Personal"},
                    {"system": TYPE, "code": "MTH"},
                    {"system": CONTACT, "code": "N"},
                ]
            },
            "mother (next of kin)",
            "MTH",
        ),
        ({"coding": [{"system": ROLE, "code": "Personal"}, {"system": TYPE, "code": "FTH"}]}, "father", "FTH"),
        ({"coding": [{"system": TYPE, "code": "PRN", "display": "parent"}]}, "parent", "PRN"),
        ({"coding": [{"system": TYPE, "code": "GRMTH"}]}, "grandmother", "GRMTH"),
        ({"coding": [{"system": TYPE, "code": "PRNFOST"}]}, "foster parent", "PRNFOST"),
        ({"coding": [{"system": ROLE, "code": "Agent"}, {"system": ROLE, "code": "Carer"}]}, "carer", "Carer"),
        ({"coding": [{"system": CONTACT, "code": "N"}]}, "next of kin", "N"),
        ({"coding": [{"system": TYPE, "code": "GODPRN", "display": "godparent"}]}, "godparent", "GODPRN"),
        ({"text": "Aunt by marriage"}, "Aunt by marriage", None),
    ],
)
def test_relationships_read_in_words(relationship: dict[str, Any], words: str, code: str | None) -> None:
    [related] = health.parse_document(_related_people_bundle(relationship)).related_people

    assert (related.relationship, related.relationship_code) == (words, code)


def test_pds_too_many_matches_is_the_typed_error_a_check_fails_with() -> None:
    with pytest.raises(TooManyMatches) as raised:
        _fixture("health/pds/TOO_MANY_MATCHES.json")

    assert raised.value.code == "too_many_matches"


def test_a_lone_related_person_is_refused_since_it_does_not_say_whose_relative_it_is() -> None:
    with pytest.raises(MalformedReply, match="whose relative they are"):
        _fixture("health/pds/RelatedPerson.json")


def test_an_empty_searchset_is_a_document_with_nothing_in_it() -> None:
    document = health.parse_document(b'{"resourceType": "Bundle", "type": "searchset", "total": 0}')

    assert (document.kind, document.candidates, document.entries, document.related_people) == (
        "empty-searchset",
        [],
        [],
        [],
    )


# Sandbox captures ----------------------------------------------------------------------------------


def _subject_of_first_entry(name: str) -> str:
    payload = json.loads((FIXTURES / name).read_bytes())
    return str(payload["entry"][0]["resource"]["subject"]["reference"]).removeprefix("Patient/")


def test_encounters_and_flags_belong_to_the_patient_each_resource_names() -> None:
    [attendance] = _fixture("health/encounters.json").entries
    [plan] = _fixture("health/flags.json").entries

    assert attendance.category is EntryCategory.EMERGENCY_ATTENDANCE
    assert attendance.summary == "Attended A&E at Northbridge General Hospital: minor head injury."
    assert [p.agency_person_id for p in attendance.people] == [_subject_of_first_entry("health/encounters.json")]
    assert plan.category is EntryCategory.CHILD_PROTECTION_PLAN and plan.ended_on is not None
    assert [p.agency_person_id for p in plan.people] == [_subject_of_first_entry("health/flags.json")]
    assert attendance.sensitivity is plan.sensitivity is Sensitivity.SENSITIVE


def test_sandbox_patient_read_gives_the_sample_child_and_her_gp() -> None:
    document = _fixture("health/patient.json")
    [candidate] = document.candidates

    assert candidate.person.name == PersonName(given_names=["Amara", "Joy"], family_name="Okafor-Reid")
    assert candidate.person.identifiers.nhs_number == "9990001014"
    assert candidate.person.address is not None and candidate.person.address.postcode == "NE6 5QT"
    assert [entry.category for entry in document.entries] == [EntryCategory.GP_REGISTRATION]


def test_police_documents() -> None:
    [nominal] = _fixture("police/nominal-search.json").candidates
    [incident] = _fixture("police/occurrences.json").entries
    [notice] = _fixture("police/ppns.json").entries

    assert nominal == _fixture("police/nominal.json").candidates[0]
    assert nominal.person.name.display == "Grace Okafor"
    assert [alias.family_name for alias in nominal.person.aliases] == ["Okafor-Reid"]
    assert incident.category is EntryCategory.DOMESTIC_ABUSE_INCIDENT
    assert [p.role for p in incident.people].count(InvolvementRole.CHILD_PRESENT) == 2
    assert notice.category is EntryCategory.PUBLIC_PROTECTION_NOTICE


def test_education_ctf_gives_each_pupil_with_all_their_entries() -> None:
    document = _fixture("education/ctf.xml")
    [pupil] = document.candidates

    assert pupil.agency_person_id == "Y393201510011"
    assert pupil.person.name == PersonName(given_names=["Amara", "Joy"], family_name="Okafor-Reid")
    assert {entry.category for entry in document.entries} == {
        EntryCategory.SCHOOL_ENROLMENT,
        EntryCategory.ATTENDANCE,
        EntryCategory.SUSPENSION,
    }


def test_housing_documents() -> None:
    [found] = _fixture("housing/people-search.json").candidates
    records = _fixture("housing/records.json")

    assert found.agency_person_id == "HP000001" and found.person.name.display == "Grace Okafor"
    assert records.candidates == [found]
    assert [entry.category for entry in records.entries] == [
        EntryCategory.TENANCY,
        EntryCategory.RENT_ARREARS,
        EntryCategory.HOUSING_NOTICE,
    ]


# One code path with the connectors' own parsers ------------------------------------------------------


def _json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_bytes())


@pytest.mark.parametrize(
    ("name", "part", "expected"),
    [
        (
            "health/pds/JaneSmith_JanetSmythe_bundle.json",
            "candidates",
            lambda: health.parse_patient_search(_json("health/pds/JaneSmith_JanetSmythe_bundle.json")),
        ),
        ("health/patient.json", "candidates", lambda: [health.parse_patient(_json("health/patient.json"))]),
        ("health/patient.json", "entries", lambda: health.parse_gp_registration(_json("health/patient.json"))),
        (
            "health/encounters.json",
            "entries",
            lambda: health.parse_encounters(
                _json("health/encounters.json"), _subject_of_first_entry("health/encounters.json")
            ),
        ),
        ("police/occurrences.json", "entries", lambda: police.parse_occurrences(_json("police/occurrences.json"))),
        ("police/ppns.json", "entries", lambda: police.parse_ppns(_json("police/ppns.json"))),
        ("housing/records.json", "entries", lambda: housing.parse_records(_json("housing/records.json"))),
        ("housing/people-search.json", "candidates", lambda: housing.parse_people(_json("housing/people-search.json"))),
        (
            "education/ctf.xml",
            "entries",
            lambda: education.parse_pupil_entries((FIXTURES / "education/ctf.xml").read_bytes(), "Y393201510011"),
        ),
    ],
)
def test_documents_read_exactly_as_a_check_reads_them(name: str, part: str, expected: Callable[[], Any]) -> None:
    assert getattr(_fixture(name), part) == expected()


# Garbage ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("agency", sorted(PARSERS))
@pytest.mark.parametrize("garbage", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_is_malformed_and_never_quoted(agency: str, garbage: bytes) -> None:
    with pytest.raises(MalformedReply) as raised:
        PARSERS[agency](garbage)

    assert raised.value.code == "malformed_reply"
    _assert_safe(raised.value, {SECRET, "9434765919"})


def _other_agencies_documents() -> Iterator[Any]:
    for agency in sorted(PARSERS):
        for path in DOCUMENTS:
            if _agency(path) != agency:
                yield pytest.param(agency, path, id=f"{agency}<-{_name(path)}")


@pytest.mark.parametrize(("agency", "path"), _other_agencies_documents())
def test_another_agencys_document_is_malformed_and_never_quoted(agency: str, path: Path) -> None:
    document = path.read_bytes()

    with pytest.raises(MalformedReply) as raised:
        PARSERS[agency](document)

    _assert_safe(raised.value, _quotable(document))


@pytest.mark.parametrize(
    "agency",
    ["health", "police", "housing", "education"],
)
def test_deeply_nested_input_is_malformed(agency: str) -> None:
    nested = b"[" * 100_000 if agency != "education" else b"<a>" * 100_000

    with pytest.raises(MalformedReply):
        PARSERS[agency](nested)


def test_quotable_finds_the_values_a_message_must_not_repeat() -> None:
    """The safety check above is only as good as this: it must see names, numbers and XML text."""
    assert {"Okafor-Reid", "9990001014", "NE6 5QT"} <= _quotable((FIXTURES / "health/patient-search.json").read_bytes())
    assert {"Okafor-Reid", "Y393201510011", "2015-03-14"} <= _quotable((FIXTURES / "education/ctf.xml").read_bytes())
