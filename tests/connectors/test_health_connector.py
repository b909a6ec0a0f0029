"""The health connector: parsing PDS FHIR, and checks against a real health sandbox.

Live tests serve the handcrafted patients of `sandbox.health.examples` and follow what the connector
asks PDS, in order: NHS number, non-fuzzy (with history) on each name, narrowing a TOO_MANY_MATCHES
by given names then postcode, and fuzzy only when nothing matched.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qsl, unquote

import pytest

from connectors.health import (
    HealthConnector,
    parse_encounters,
    parse_flags,
    parse_gp_registration,
    parse_patient,
    parse_patient_matches,
)
from connectors.sdk.recording import Recording
from hub.linkage import Outcome, link_candidates
from sandbox.health.app import create_app
from sandbox.health.examples import CHLOE, JACK_RYAN, MINIMAL, NADIA, OLIVER, example_population
from sandbox.population.dataset import Dataset, write_population
from sandbox.server import ServerThread
from schemas import (
    Address,
    AgencyReply,
    EntryCategory,
    Identifiers,
    Person,
    PersonName,
    ReplyStatus,
    Sensitivity,
    Sex,
    Subject,
    SubjectRole,
)

RESTRICTED_PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "p-restricted",
    "meta": {"security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}]},
    "name": [{"use": "usual", "family": "Rahman", "given": ["Nadia"]}],
    "gender": "female",
    "birthDate": "2013-06-21",
    "address": [{"use": "home", "line": ["5 Heron Court"], "postalCode": "NE3 1HC"}],
    "generalPractitioner": [
        {"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "Y90002"}}
        | {"type": "Organization"}
    ],
}


@pytest.fixture(scope="module")
def health(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    dataset = Dataset(write_population(example_population(), tmp_path_factory.mktemp("health") / "pop", {"seed": 0}))
    with ServerThread(create_app(dataset.database("health"))) as server:
        yield server.url


class Recorder:
    """The URL paths and patient-search bodies a connector sent, in order (from the check's recording)."""

    def __init__(self, recording: Recording) -> None:
        self.urls = [exchange.path for exchange in recording.exchanges]
        self.searches = [
            parse_qsl(exchange.request_body.decode())
            for exchange in recording.exchanges
            if exchange.path == "/Patient/_search"
        ]


def subject(
    given: list[str],
    family: str,
    born: date,
    sex: Sex,
    *,
    postcode: str | None = None,
    nhs_number: str | None = None,
) -> Subject:
    person = Person(
        name=PersonName(given_names=given, family_name=family),
        birth_date=born,
        sex=sex,
        address=Address(postcode=postcode) if postcode else None,
        identifiers=Identifiers(nhs_number=nhs_number),
    )
    return Subject(subject_id="S1", role=SubjectRole.SUBJECT_CHILD, person=person)


def check(url: str, who: Subject) -> tuple[AgencyReply, Recorder]:
    checked = HealthConnector.configured(url).check_recorded("REF-HEALTH", who)
    return checked.reply, Recorder(checked.recording)


# --- Parsing --------------------------------------------------------------------------------


def test_a_restricted_patient_never_yields_an_address_or_gp_even_if_sent() -> None:
    candidate = parse_patient(RESTRICTED_PATIENT)
    assert candidate.person.address is None
    assert parse_gp_registration(RESTRICTED_PATIENT) == []


def test_the_current_home_is_the_address_without_an_end_date() -> None:
    patient = copy.deepcopy(RESTRICTED_PATIENT)
    del patient["meta"]
    patient["address"] = [
        {"use": "home", "line": ["9 Chapel Row"], "postalCode": "NE5 3CR", "period": {"end": "2023-05-01"}},
        {"use": "home", "line": ["22 Alder Grove"], "postalCode": "NE4 2AG", "period": {"start": "2023-05-01"}},
    ]
    patient["name"].append({"use": "old", "family": "Marsh", "given": ["Nadia"]})
    person = parse_patient(patient).person
    assert person.address is not None and person.address.postcode == "NE4 2AG"
    assert [alias.family_name for alias in person.aliases] == ["Marsh"]


def test_search_scores_are_read_in_order() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"search": {"score": 0.9559}, "resource": {"resourceType": "Patient", "id": "a"}},
            {"search": {"score": 0.8}, "resource": {"resourceType": "Patient", "id": "b"}},
        ],
    }
    assert parse_patient_matches(bundle) == [("a", 0.9559), ("b", 0.8)]


def test_restricted_entries_are_marked_and_leave_out_places() -> None:
    encounters = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {
                "resource": {
                    "resourceType": "Encounter",
                    "id": "e1",
                    "status": "finished",
                    "class": {"code": "EMER"},
                    "period": {"start": "2026-09-14"},
                    "reasonCode": [{"text": "Fractured wrist"}],
                    "serviceProvider": {"display": "Northbridge General Hospital"},
                }
            }
        ],
    }
    flags = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {
                "resource": {
                    "resourceType": "Flag",
                    "id": "f1",
                    "status": "active",
                    "code": {"coding": [{"code": "CPP"}]},
                    "subject": {"reference": "Patient/p1"},
                    "period": {"start": "2026-10-01"},
                    "author": {"display": "Northbridge City Council"},
                }
            }
        ],
    }
    [attendance] = parse_encounters(encounters, "p1", restricted=True)
    [plan] = parse_flags(flags, "p1", restricted=True)
    assert attendance.summary == "Attended A&E: fractured wrist."
    assert plan.summary == "Subject of a child protection plan; recorded on CP-IS."
    assert attendance.sensitivity is plan.sensitivity is Sensitivity.RESTRICTED
    assert parse_encounters(encounters, "p1")[0].sensitivity is Sensitivity.SENSITIVE


# --- Against the sandbox --------------------------------------------------------------------


def _options(search: list[tuple[str, str]]) -> set[str]:
    return {name for name, _ in search if name.startswith("_") and name != "_max-results"}


@pytest.mark.parametrize("postcode", [None, NADIA.postcode])
def test_restricted_patient_is_found_and_kept_restricted(health: str, postcode: str | None) -> None:
    who = subject(["Nadia"], "Rahman", NADIA.birth_date, Sex.FEMALE, postcode=postcode)
    reply, recorder = check(health, who)
    assert reply.status is ReplyStatus.FOUND, reply.error_code
    [candidate] = reply.candidates
    assert candidate.agency_person_id == NADIA.patient_id and candidate.person.address is None
    assert [entry.category for entry in reply.entries] == [
        EntryCategory.EMERGENCY_ATTENDANCE,
        EntryCategory.CHILD_PROTECTION_PLAN,
    ], "no GP registration: PDS withholds a restricted patient's GP"
    assert all(entry.sensitivity is Sensitivity.RESTRICTED for entry in reply.entries)
    assert not any("Northbridge" in entry.summary for entry in reply.entries)
    assert all("address-postalcode" not in dict(search) for search in recorder.searches)


def test_restricted_patient_found_by_nhs_number(health: str) -> None:
    who = subject(["Nadia"], "Rahman", NADIA.birth_date, Sex.FEMALE, nhs_number=NADIA.nhs_number)
    reply, recorder = check(health, who)
    assert reply.status is ReplyStatus.FOUND and reply.candidates[0].person.address is None
    assert [dict(search).get("identifier", "").endswith(NADIA.nhs_number) for search in recorder.searches] == [True]


def test_a_previous_surname_is_found_by_a_history_search(health: str) -> None:
    reply, recorder = check(health, subject(["Chloe"], "Marsh", CHLOE.birth_date, Sex.FEMALE))
    assert reply.status is ReplyStatus.FOUND, reply.error_code
    [candidate] = reply.candidates
    assert candidate.person.name.family_name == "Bennett"
    assert [alias.family_name for alias in candidate.person.aliases] == ["Marsh"]
    assert candidate.person.address is not None and candidate.person.address.postcode == "NE4 2AG"
    assert [_options(search) for search in recorder.searches] == [{"_history"}]
    by_category = {entry.category: entry for entry in reply.entries}
    assert by_category[EntryCategory.GP_REGISTRATION].summary.startswith("Registered with GP practice Foundry Lane")
    looked_after = by_category[EntryCategory.LOOKED_AFTER]
    assert looked_after.ended_on == date(2025, 3, 31) and looked_after.sensitivity is Sensitivity.SENSITIVE
    assert "Northbridge General Hospital" in by_category[EntryCategory.EMERGENCY_ATTENDANCE].summary


def test_a_transposed_birth_date_is_found_only_by_the_fuzzy_search_after_an_exact_one(health: str) -> None:
    reply, recorder = check(health, subject(["Oliver"], "Quinn", date(2014, 7, 4), Sex.MALE))
    assert reply.status is ReplyStatus.FOUND, reply.error_code
    [candidate] = reply.candidates
    assert candidate.agency_person_id == OLIVER.patient_id and candidate.person.birth_date == date(2014, 4, 7)
    assert [_options(search) for search in recorder.searches] == [{"_history"}, {"_fuzzy-match"}]
    assert [entry.category for entry in reply.entries] == [
        EntryCategory.GP_REGISTRATION,
        EntryCategory.EMERGENCY_ATTENDANCE,
    ]


def test_a_patient_whose_birth_date_is_a_day_out_is_found_by_the_first_search(health: str) -> None:
    """PDS holds Chloe born on CHLOE.birth_date; the referral says a day later. An exact-date search found
    nothing, and neither did the fuzzy one, so the check read "no record" (issue 13). The non-fuzzy search
    now asks for a week either side, still by family and given name, and the identity check decides."""
    who = subject(["Chloe"], "Bennett", CHLOE.birth_date + timedelta(days=1), Sex.FEMALE)
    reply, recorder = check(health, who)
    assert reply.status is ReplyStatus.FOUND, reply.error_code
    assert [candidate.agency_person_id for candidate in reply.candidates] == [CHLOE.patient_id]
    [judgement] = link_candidates(who.person, reply.candidates)
    assert judgement.outcome is not Outcome.NOT_LINKED
    [search] = recorder.searches
    born = CHLOE.birth_date + timedelta(days=1)
    assert [value for name, value in search if name == "birthdate"] == [
        f"ge{born - timedelta(days=7)}",
        f"le{born + timedelta(days=7)}",
    ]
    assert ("family", "Bennett") in search and ("given", "Chloe") in search


@pytest.mark.parametrize("days", [-7, 0, 7])
def test_the_non_fuzzy_search_covers_a_week_either_side(health: str, days: int) -> None:
    reply, recorder = check(health, subject(["Nadia"], "Rahman", NADIA.birth_date + timedelta(days=days), Sex.FEMALE))
    assert [candidate.agency_person_id for candidate in reply.candidates] == [NADIA.patient_id]
    assert [_options(search) for search in recorder.searches] == [{"_history"}]


def test_a_fuzzy_near_miss_is_not_taken_for_the_subject(health: str) -> None:
    """PDS returns Oliver Quinn to a fuzzy search for Olivia Quyn, but scored too low to be her."""
    reply, recorder = check(health, subject(["Olivia"], "Quyn", date(2014, 7, 4), Sex.FEMALE))
    assert reply.status is ReplyStatus.NO_RECORD and not reply.entries
    assert [_options(search) for search in recorder.searches] == [{"_history"}, {"_fuzzy-match"}]


def test_too_many_matches_is_narrowed_by_postcode(health: str) -> None:
    who = subject(["Jack"], "Taylor", JACK_RYAN.birth_date, Sex.MALE, postcode="ne71ts")
    reply, recorder = check(health, who)
    assert reply.status is ReplyStatus.FOUND, reply.error_code
    assert reply.candidates[0].agency_person_id == JACK_RYAN.patient_id
    assert [dict(search).get("address-postalcode") for search in recorder.searches] == [None, "NE7 1TS"]


def test_too_many_matches_is_narrowed_by_every_given_name(health: str) -> None:
    reply, recorder = check(health, subject(["Jack", "Ryan"], "Taylor", JACK_RYAN.birth_date, Sex.MALE))
    assert reply.status is ReplyStatus.FOUND, reply.error_code
    assert reply.candidates[0].agency_person_id == JACK_RYAN.patient_id
    assert [[value for name, value in search if name == "given"] for search in recorder.searches] == [
        ["Jack"],
        ["Jack", "Ryan"],
    ]


def test_too_many_matches_that_cannot_be_narrowed_fails_the_check(health: str) -> None:
    reply, recorder = check(health, subject(["Jack"], "Taylor", JACK_RYAN.birth_date, Sex.MALE))
    assert reply.status is ReplyStatus.FAILED and reply.error_code == "too_many_matches"
    assert not reply.candidates and len(recorder.searches) == 1, "no fuzzy search after too many exact matches"


def test_no_personal_data_in_any_url(health: str) -> None:
    people = [
        subject(["Nadia"], "Rahman", NADIA.birth_date, Sex.FEMALE, postcode=NADIA.postcode, nhs_number="9991001018"),
        subject(["Chloe"], "Marsh", CHLOE.birth_date, Sex.FEMALE),
        subject(["Oliver"], "Quinn", date(2014, 7, 4), Sex.MALE),
        subject(["Jack"], "Taylor", JACK_RYAN.birth_date, Sex.MALE, postcode="NE7 1TS"),
    ]
    for who in people:
        _, recorder = check(health, who)
        person = who.person
        assert person.birth_date is not None
        markers = [person.name.family_name, *person.name.given_names, person.birth_date.isoformat()]
        markers += [*person.identifiers.present().values(), "NE71TS", "NE31HC"]
        for url in recorder.urls:
            plain = unquote(url).casefold().replace(" ", "")
            assert not [marker for marker in markers if marker.casefold().replace(" ", "") in plain], url


# --- PDS minimal records: a Patient with an NHS number and no name (issue 13) ------------------


def test_a_patient_without_a_name_is_a_candidate_without_one() -> None:
    """Refused before with "Patient has no name with a family name"; PDS returns such records."""
    patient = {k: v for k, v in RESTRICTED_PATIENT.items() if k not in ("name", "meta")}
    patient["identifier"] = [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NADIA.nhs_number}]
    candidate = parse_patient(patient)
    person = candidate.person
    assert person.name is None and person.aliases == [] and person.display_name == "name not recorded"
    assert person.identifiers.nhs_number == NADIA.nhs_number and person.birth_date == date(2013, 6, 21)
    assert candidate.set_aside == []


def test_a_minimal_patient_is_found_by_nhs_number_and_links_on_it_alone(health: str) -> None:
    """The sandbox's minimal record holds no name: the referral's NHS number finds and links her."""
    who = subject(["Ella"], "Tern", MINIMAL.birth_date, Sex.FEMALE, nhs_number=MINIMAL.nhs_number)
    reply, recorder = check(health, who)
    assert reply.status is ReplyStatus.FOUND, reply.error_code
    [candidate] = reply.candidates
    assert candidate.agency_person_id == MINIMAL.patient_id and candidate.person.name is None
    assert candidate.person.identifiers.nhs_number == MINIMAL.nhs_number
    assert [entry.category for entry in reply.entries] == [
        EntryCategory.GP_REGISTRATION,
        EntryCategory.EMERGENCY_ATTENDANCE,
    ]
    assert [dict(search).get("identifier", "").endswith(MINIMAL.nhs_number) for search in recorder.searches] == [True]
    [judgement] = link_candidates(who.person, reply.candidates)
    assert judgement.outcome is Outcome.LINKED, judgement.review_reasons


def test_a_minimal_patient_and_a_referral_that_disagree_on_nhs_number_do_not_link(health: str) -> None:
    """With no name to weigh, the NHS number is the evidence: a different number never links."""
    reply, _ = check(health, subject(["Ella"], "Tern", MINIMAL.birth_date, Sex.FEMALE, nhs_number=MINIMAL.nhs_number))
    other = subject(["Ella"], "Tern", MINIMAL.birth_date, Sex.FEMALE, nhs_number=NADIA.nhs_number)
    [judgement] = link_candidates(other.person, reply.candidates)
    assert judgement.outcome is not Outcome.LINKED
