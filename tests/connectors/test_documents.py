"""`parse_document`: each agency's captured native replies normalise offline; anything else is refused.

Every `.json` and `.xml` file under tests/fixtures/native is parsed by its agency's `parse_document`
(a new fixture is covered as soon as it is added). health/pds holds real NHS PDS responses as NHS
England publishes them; the rest were captured from the sandboxes. Refusals are `MalformedReply`
(or a typed error such as TOO_MANY_MATCHES) with a fixed one-line message quoting nothing sent.
What health reads from each real PDS response is in test_health_documents.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from connectors import education, health, housing, police
from connectors.health import TooManyMatches
from connectors.sdk.errors import ConnectorError, MalformedReply
from schemas import EntryCategory, InvolvementRole, NormalisedDocument, PersonName, Sensitivity

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
