"""The simple identity rules: identifiers first, then exact normalised name (or alias) and birth date."""

from __future__ import annotations

import pytest

from hub.identity import decide, link_reply
from schemas import Person
from tests.core.builders import candidate, person, reply

CHILD = person("Amara Joy", "Okafor-Reid", "2015-03-14", nhs_number="9990001014", upn="Y393201510011")


def test_identifier_match_links_despite_name_differences() -> None:
    decision = decide(CHILD, candidate("H-1", person("Amy", "Reid", "2015-03-15", nhs_number="999 000 1014")))
    assert decision.linked
    assert decision.reason == "NHS number matches"
    assert decision.agency_person_id == "H-1"


def test_identifier_conflict_blocks_a_name_and_birth_date_match() -> None:
    decision = decide(
        CHILD, candidate("H-9", person("Amara Joy", "Okafor-Reid", "2015-03-14", nhs_number="9990001022"))
    )
    assert not decision.linked
    assert decision.reason == "NHS number conflicts"


def test_match_with_another_conflict_links_but_asks_for_review() -> None:
    decision = decide(
        CHILD, candidate("E-1", person("Amara", "Okafor-Reid", None, nhs_number="9990001014", upn="A123456789012"))
    )
    assert decision.linked
    assert "UPN differs; review the link" in decision.reason


@pytest.mark.parametrize(
    ("given", "family"),
    [
        ("Amara Joy", "Okafor-Reid"),
        ("AMARA  JOY", "okafor reid"),
        ("Amara-Joy", "Okafor–Reid"),
        ("AmaraJoy", "OkaforReid"),
    ],
)
def test_exact_normalised_name_and_birth_date_link(given: str, family: str) -> None:
    subject = person("Amara Joy", "Okafor-Reid", "2015-03-14")
    decision = decide(subject, candidate("P-1", person(given, family, "2015-03-14")))
    assert decision.linked
    assert decision.reason == "name and birth date match exactly"


def test_a_left_out_middle_name_still_links_and_says_so() -> None:
    subject = person("Amara Joy", "Okafor-Reid", "2015-03-14")
    decision = decide(subject, candidate("P-2", person("Amara", "Okafor-Reid", "2015-03-14")))
    assert decision.linked
    assert decision.reason == "first and family names and birth date match exactly"


def test_a_family_name_alone_never_links() -> None:
    subject = person("Amara Joy", "Okafor-Reid", "2015-03-14")
    family_only = Person.model_validate(
        {"name": {"family_name": "Okafor-Reid"}, "birth_date": "2015-03-14"}
    )  # PDS requires only a family name
    assert not decide(subject, candidate("P-3", family_only)).linked


def test_alias_on_either_side_links() -> None:
    mother = person("Grace", "Okafor", "1989-11-20", aliases=[("Grace", "Okafor-Reid")])
    assert decide(mother, candidate("P-9", person("Grace", "Okafor-Reid", "1989-11-20"))).reason == (
        "alias and birth date match exactly"
    )
    held_as = person("Grace", "Smith", "1989-11-20", aliases=[("Grace", "Okafor")])
    assert decide(mother, candidate("P-8", held_as)).linked


@pytest.mark.parametrize(
    ("candidate_person", "reason"),
    [
        (person("Amara Joy", "Okafor-Reid", "2015-04-14"), "name matches but birth date differs"),
        (person("Joy", "Okafor-Reid", "2015-03-14"), "birth date matches but name differs"),
        (person("Amara Jo", "Okafor-Reid", "2015-03-14"), "birth date matches but name differs"),
        (person("Amira Joy", "Okafor-Reid", "2015-03-14"), "birth date matches but name differs"),
        (person("Tyler", "Okafor-Reid", "2018-07-02"), "name and birth date differ"),
        (person("Amara Joy", "Okafor-Reid", None), "birth date missing, and no identifier in common"),
    ],
)
def test_near_misses_are_not_linked(candidate_person: Person, reason: str) -> None:
    subject = person("Amara Joy", "Okafor-Reid", "2015-03-14")
    decision = decide(subject, candidate("P-2", candidate_person))
    assert not decision.linked
    assert decision.reason == reason


def test_reasons_never_quote_personal_data() -> None:
    for other in [person("Amara Joy", "Okafor-Reid", "2015-04-14", nhs_number="9990001022"), CHILD]:
        reason = decide(CHILD, candidate("X", other)).reason
        for fragment in ["Amara", "Okafor", "2015", "9990001014", "9990001022", "Y3932"]:
            assert fragment not in reason


def test_link_reply_returns_linked_ids_and_one_decision_per_candidate() -> None:
    answer = reply(
        "police",
        "S1",
        candidates=[
            candidate("P-1", person("Amara Joy", "Okafor-Reid", "2015-03-14")),
            candidate("P-5", person("Amara Joy", "Okafor-Reid", "2015-04-14")),
            candidate("P-6", person("Amy", "Reid", None, upn="Y393201510011")),
        ],
    )
    linked, decisions = link_reply(CHILD, answer)
    assert linked == ["P-1", "P-6"]
    assert [d.agency_person_id for d in decisions] == ["P-1", "P-5", "P-6"]
    assert [d.linked for d in decisions] == [True, False, True]
