"""The housing connector: parsing the gateway's JSON, and checks against a real housing sandbox.

Live tests serve the handcrafted Dunmore household (`sandbox.housing.examples`): a previous
surname, a partner with no birth date, rent arrears through notice and court to eviction, then a
homelessness application listing two children.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.housing import HousingConnector, parse_people, parse_records
from connectors.sdk.errors import MalformedReply
from hub.linkage import Outcome, link_candidates
from sandbox.housing.app import create_app
from sandbox.housing.examples import DEAN, JAYDEN, KERRY, example_population
from sandbox.model.records import HousingPerson, HousingRecords, Tenancy
from sandbox.model.truth import Population
from sandbox.population.dataset import Dataset, write_population
from sandbox.server import ServerThread
from schemas import (
    Address,
    EntryCategory,
    InvolvementRole,
    Person,
    PersonName,
    ReplyStatus,
    Sensitivity,
    Subject,
    SubjectRole,
)

PERSON = {
    "person_ref": "HP1",
    "surname": "Dunmore",
    "forename": "Kerry Ann",
    "previous_surnames": ["Beckett"],
    "date_of_birth": None,
    "sex": "female",
    "current_address": {"line": "7 Rowan Court, Northbridge", "postcode": "NE32RW"},
    "matched_on": ["surname", "postcode"],
}
MEMBER = {"forename": "Jay", "surname": "Dunmore", "date_of_birth": "2016-08-30"}
RECORDS: dict[str, Any] = {
    "person_ref": "HP1",
    "person": PERSON,
    "tenancies": [
        {
            "tenancy_ref": "TEN1",
            "address": {"line": "7 Rowan Court, Northbridge", "postcode": "NE3 2RW"},
            "tenure": "secure council tenancy",
            "start_date": "2017-05-01",
            "end_date": "2025-08-18",
            "tenant": {"person_ref": "HP1", "relationship": "tenant"} | MEMBER,
            "household": [{"person_ref": "HP2", "relationship": "child"} | MEMBER],
            "arrears": [{"as_at": "2024-10-07", "balance": "1388.90", "weeks_in_arrears": 11}],
            "notices": [
                {"notice_ref": "N1", "type": "section_8", "served_on": "2024-07-15", "ground": "Ground 8 (arrears)"}
            ],
            "possession_proceedings": [
                {"reference": "K1", "stage": "eviction", "date": "2025-08-18", "ground": "Ground 8 (arrears)"}
            ],
            "asb_cases": [
                {
                    "case_ref": "ASB1",
                    "opened": "2023-03-10",
                    "category": "domestic_abuse",
                    "responsible_person_ref": None,
                    "outcome": "local_code",
                }
            ],
        }
    ],
    "homelessness": [
        {
            "case_ref": "HL1",
            "application_date": "2025-08-19",
            "applicant_ref": "HP1",
            "household": [
                {"person_ref": "HP1", "relationship": "applicant"} | MEMBER,
                {"person_ref": "HP2", "relationship": "child"} | MEMBER,
            ],
            "reason_for_loss_of_last_settled_home": "rent_arrears",
            "duty": "main_duty",
            "temporary_accommodation": True,
            "temporary_accommodation_type": "hostel",
        }
    ],
}


# --- Parsing, without HTTP ------------------------------------------------------------------------------------------


def test_a_person_without_a_birth_date_becomes_a_candidate_with_their_previous_surname() -> None:
    [candidate] = parse_people([PERSON])
    person = candidate.person
    assert candidate.agency_person_id == "HP1" and person.identifiers.housing_reference == "HP1"
    assert person.birth_date is None and person.name.given_names == ["Kerry", "Ann"]
    assert [alias.family_name for alias in person.aliases] == ["Beckett"]
    assert person.address is not None and person.address.postcode == "NE3 2RW"


def test_records_normalise_every_kind_of_housing_event() -> None:
    entries = parse_records(RECORDS)
    assert [entry.category for entry in entries] == [
        EntryCategory.TENANCY,
        EntryCategory.RENT_ARREARS,
        EntryCategory.HOUSING_NOTICE,
        EntryCategory.HOUSING_NOTICE,
        EntryCategory.ANTI_SOCIAL_BEHAVIOUR,
        EntryCategory.HOMELESSNESS,
    ]
    tenancy, arrears, notice, eviction, asb, homeless = entries
    assert tenancy.summary == (
        "Secure council tenancy at 7 Rowan Court, Northbridge from 1 May 2017 to 18 August 2025; "
        "household also includes one child."
    )
    assert tenancy.ended_on == date(2025, 8, 18) and tenancy.people[0].role is InvolvementRole.TENANT
    assert "£1,388.90 (11 weeks)" in arrears.summary
    assert notice.summary == (
        "Section 8 notice seeking possession served on the tenancy at 7 Rowan Court, Northbridge; Ground 8 (arrears)."
    )
    assert (
        eviction.summary.startswith("Eviction carried out from 7 Rowan Court")
        and eviction.source.record_id == "K1/eviction"
    )
    assert asb.summary.endswith("outcome: local code.") and asb.sensitivity is Sensitivity.SENSITIVE
    assert homeless.summary == (
        "Homelessness application; last settled home lost through rent arrears; main housing duty owed; "
        "household also includes one child; household placed in temporary accommodation (hostel)."
    )
    assert [(p.agency_person_id, p.role) for p in homeless.people] == [
        ("HP1", InvolvementRole.APPLICANT),
        ("HP2", InvolvementRole.HOUSEHOLD_MEMBER),
    ]


def _without(path: tuple[str | int, ...]) -> dict[str, Any]:
    broken = copy.deepcopy(RECORDS)
    target: Any = broken
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return broken


@pytest.mark.parametrize(
    "parse",
    [
        lambda: parse_people({"people": []}),
        lambda: parse_people([{k: v for k, v in PERSON.items() if k != "surname"}]),
        lambda: parse_records({"tenancies": [{"tenancy_ref": "T"}], "homelessness": []}),
        lambda: parse_records(_without(("tenancies", 0, "possession_proceedings"))),
        lambda: parse_records(_without(("homelessness", 0, "reason_for_loss_of_last_settled_home"))),
        lambda: parse_records(_without(("homelessness", 0, "household", 1, "relationship"))),
        lambda: parse_records(["not", "an", "object"]),
    ],
)
def test_malformed_payloads_raise_malformed_reply(parse: Any) -> None:
    with pytest.raises(MalformedReply) as raised:
        parse()
    assert raised.value.code == "malformed_reply"
    assert "Dunmore" not in str(raised.value) and raised.value.__cause__ is None


# --- Against a real housing sandbox ---------------------------------------------------------------------------------


def _serve(population: Population, directory: Path) -> Iterator[str]:
    with ServerThread(
        create_app(Dataset(write_population(population, directory, {"seed": 0})).database("housing"))
    ) as server:
        yield server.url


@pytest.fixture(scope="module")
def connector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HousingConnector]:
    for url in _serve(example_population(), tmp_path_factory.mktemp("housing") / "population"):
        yield HousingConnector.configured(url, retry={"attempts": 1})


def subject(
    given: str, family: str, birth_date: date | None, postcode: str | None = "NE3 2RW", aliases: tuple[str, ...] = ()
) -> Subject:
    return Subject(
        subject_id="S1",
        role=SubjectRole.SUBJECT_CHILD,
        person=Person(
            name=PersonName(given_names=[given], family_name=family),
            aliases=[PersonName(given_names=[given], family_name=alias) for alias in aliases],
            birth_date=birth_date,
            address=Address(line="7 Rowan Court, Northbridge", postcode=postcode) if postcode else None,
        ),
    )


def test_arrears_then_notice_then_court_then_homelessness_in_date_order(connector: HousingConnector) -> None:
    reply = connector.check("REF-HOUSING-1", subject("Kerry", "Dunmore", KERRY.date_of_birth))
    assert reply.status is ReplyStatus.FOUND, reply.error_code
    after_2024 = [(e.occurred_on.isoformat(), e.summary.split(" on the tenancy")[0]) for e in reply.entries][2:]
    assert [(day, text.split(";")[0].split(" (")[0]) for day, text in after_2024] == [
        ("2024-06-03", "Rent arrears of £612.40"),
        ("2024-07-15", "Notice seeking possession served"),
        ("2024-10-07", "Rent arrears of £1,388.90"),
        ("2024-11-20", "Possession claim issued"),
        ("2025-01-14", "Suspended possession order made"),
        ("2025-02-03", "Rent arrears of £2,140.00"),
        ("2025-06-30", "Warrant of possession issued"),
        ("2025-08-18", "Eviction carried out from 7 Rowan Court, Northbridge"),
        ("2025-08-19", "Homelessness application"),
    ]
    assert [entry.category for entry in reply.entries][:2] == [
        EntryCategory.TENANCY,
        EntryCategory.ANTI_SOCIAL_BEHAVIOUR,
    ]


def test_a_homelessness_case_lists_the_child(connector: HousingConnector) -> None:
    reply = connector.check("REF-HOUSING-2", subject("Jayden", "Dunmore", JAYDEN.date_of_birth))
    assert reply.status is ReplyStatus.FOUND and reply.candidates[0].agency_person_id == JAYDEN.person_ref
    [case] = [entry for entry in reply.entries if entry.category is EntryCategory.HOMELESSNESS]
    assert case.summary == (
        "Homelessness application; last settled home lost through rent arrears; relief duty owed; "
        "household also includes two children and one partner; "
        "household placed in temporary accommodation (bed and breakfast)."
    )
    roles = {person.agency_person_id: person.role for person in case.people}
    assert roles[KERRY.person_ref] is InvolvementRole.APPLICANT
    assert roles[JAYDEN.person_ref] is InvolvementRole.HOUSEHOLD_MEMBER and len(roles) == 4


def test_a_previous_surname_is_found_from_the_referral_name(connector: HousingConnector) -> None:
    reply = connector.check("REF-HOUSING-3", subject("Kerry", "Beckett", KERRY.date_of_birth, postcode=None))
    assert reply.status is ReplyStatus.FOUND
    person = reply.candidates[0].person
    assert person.name.family_name == "Dunmore" and [alias.family_name for alias in person.aliases] == ["Beckett"]


@pytest.mark.parametrize("birth_date", [date(1988, 4, 12), None])
def test_a_person_with_no_birth_date_held_is_found_by_postcode(
    connector: HousingConnector, birth_date: date | None
) -> None:
    reply = connector.check("REF-HOUSING-4", subject("Dean", "Pryce", birth_date))
    assert reply.status is ReplyStatus.FOUND, reply.error_code
    [candidate] = reply.candidates
    assert candidate.agency_person_id == DEAN.person_ref and candidate.person.birth_date is None
    [asb] = [entry for entry in reply.entries if entry.category is EntryCategory.ANTI_SOCIAL_BEHAVIOUR]
    assert (asb.people[0].agency_person_id, asb.people[0].role) == (DEAN.person_ref, InvolvementRole.SUBJECT)
    assert "a household member was named as responsible" in asb.summary


def test_a_person_whose_birth_date_is_a_day_out_is_still_returned_for_identity_checking(
    connector: HousingConnector,
) -> None:
    """Housing holds Jayden born 30 August; the referral says 31 August and gives no postcode. An exact-date
    search found nothing and the check read "no record" (issue 13); the identity check must decide."""
    who = subject("Jayden", "Dunmore", JAYDEN.date_of_birth + timedelta(days=1), postcode=None)
    reply = connector.check("REF-HOUSING-8", who)
    assert reply.status is ReplyStatus.FOUND, reply.error_code
    assert [candidate.agency_person_id for candidate in reply.candidates] == [JAYDEN.person_ref]
    [judgement] = link_candidates(who.person, reply.candidates)
    assert judgement.outcome is not Outcome.NOT_LINKED


@pytest.mark.parametrize("days", [-7, 0, 7])
def test_the_search_covers_a_week_either_side_and_only_the_name_asked_for(
    connector: HousingConnector, days: int
) -> None:
    """Kerry's household shares her surname and postcode; only Kerry is returned, by her previous surname too."""
    for family in ("Dunmore", "Beckett"):
        who = subject("Kerry", family, KERRY.date_of_birth + timedelta(days=days))
        assert [candidate.agency_person_id for candidate in connector.search(who.person)] == [KERRY.person_ref]


def test_without_birth_date_or_postcode_the_check_fails_honestly(connector: HousingConnector) -> None:
    reply = connector.check("REF-HOUSING-5", subject("Dean", "Pryce", None, postcode=None))
    assert reply.status is ReplyStatus.FAILED and reply.error_code == "insufficient_identifiers"


def test_an_unknown_person_is_no_record(connector: HousingConnector) -> None:
    reply = connector.check("REF-HOUSING-6", subject("Zephyrine", "Quillfeather", date(2014, 2, 28)))
    assert reply.status is ReplyStatus.NO_RECORD and not reply.entries


def test_too_many_matches_is_a_typed_failure(tmp_path: Path) -> None:
    people = [HousingPerson(f"HP{n:06d}", f"X{n}", "Smith", "Sam", None) for n in range(1, 23)]
    tenancies = [
        Tenancy(
            f"TEN{n}",
            f"{n} Mill Lane, Northbridge",
            "NE1 1AA",
            "assured tenancy",
            date(2020, 1, 1),
            None,
            p.person_ref,
            (),
        )
        for n, p in enumerate(people)
    ]
    population = Population(seed=0, housing=HousingRecords(people=people, tenancies=tenancies))
    for url in _serve(population, tmp_path / "population"):
        reply = HousingConnector.configured(url, retry={"attempts": 1}).check(
            "REF-HOUSING-7", subject("Sam", "Smith", None, "NE1 1AA")
        )
        assert reply.status is ReplyStatus.FAILED and reply.error_code == "too_many_matches"
