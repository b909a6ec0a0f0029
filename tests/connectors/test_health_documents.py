"""Health's `parse_document` on real NHS PDS responses, as NHS England publishes them (fixtures/native/health/pds).

What each published response gives: the patient and their names as PDS holds them, former homes,
GP registration, restricted records, related people and their relationships in words, and the
typed errors a check fails with. That every fixture parses at all, and refusals quote nothing, is
test_documents.py's.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from connectors import health
from connectors.health import TooManyMatches
from connectors.sdk.errors import MalformedReply
from schemas import EntryCategory, NormalisedDocument, PersonName, Sex
from tests.connectors.test_documents import FIXTURES

OWNER_URL = "https://api.service.nhs.uk/personal-demographics/FHIR/R4/Patient/9000000009/RelatedPerson/RP1"


def _fixture(name: str) -> NormalisedDocument:
    """A captured health reply, parsed as `hub connectors parse health FILE` parses it."""
    return health.parse_document((FIXTURES / name).read_bytes())


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
