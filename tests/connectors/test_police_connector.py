"""The police connector: parsing POLE JSON into candidates and chronology entries, then real checks
against the police sandbox serving the handcrafted population of `tests.sandbox.police.test_sandbox_police`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
import requests
from fastapi import FastAPI

from connectors.police import PoliceConnector, parse_nominals, parse_occurrences, parse_ppns
from connectors.sdk.base import birth_years_to_search
from connectors.sdk.errors import ConnectorError, MalformedReply
from hub.linkage import Outcome, link_candidates
from sandbox.common.async_replies import AsyncConfig, AsyncReplies
from sandbox.common.faults import FaultConfig, FaultInjector
from sandbox.common.store import Database
from sandbox.police.app import SEARCH_PATHS, create_app, malformed_body, render_error
from sandbox.server import ServerThread
from schemas import (
    AgencyReply,
    EntryCategory,
    InvolvementRole,
    Person,
    PersonName,
    ReplyStatus,
    Sensitivity,
    Sex,
    Subject,
    SubjectRole,
)
from tests.sandbox.police.test_sandbox_police import (
    AMARA,
    ANNA,
    DA_OCCURRENCE,
    DANIEL,
    GRACE,
    LIAM,
    MISSING_OCCURRENCE,
    THOMAS,
    TYLER,
    ZOFIA,
    ZOFIA_AGAIN,
    police_database,
)

OCCURRENCE: dict[str, Any] = {
    "occurrence_id": "OCC-1",
    "type": "domestic_abuse",
    "date": "2026-11-01",
    "location": {"type": "home_address", "address": "14 Larch Close", "postcode": "NE6 5QT"},
    "summary": "Neighbour reported shouting.",
    "outcome": "Suspect arrested.",
    "dash_risk": "medium",
    "missing_episode": None,
    "flags": ["child_present"],
    "persons": [
        {"nominal_id": "N1", "role": "victim"},
        {"nominal_id": "N2", "role": "suspect"},
        {"nominal_id": "N3", "role": "child_present"},
        {"nominal_id": "N4", "role": "child_present"},
    ],
}
NOMINAL: dict[str, Any] = {
    "nominal_id": "N1",
    "pnc_id": None,
    "surname": "Okafor",
    "forenames": ["Grace"],
    "date_of_birth": None,
    "sex": None,
    "aliases": {"surnames": ["Okafor-Reid"], "forenames": ["Gracie"]},
    "address": {"line": "14 Larch Close", "postcode": "NE6 5QT"},
    "warning_markers": [],
}
PPN: dict[str, Any] = {
    "ppn_id": "PPN-1",
    "nominal_id": "N3",
    "submitted_on": "2026-11-01",
    "concern": "child_at_risk",
    "risk": "high",
    "shared_with": "Children's Social Care (MASH)",
    "occurrence": {"occurrence_id": "OCC-1", "type": "domestic_abuse", "date": "2026-11-01"},
}


# --- Parsing, without HTTP -----------------------------------------------------------------


def test_occurrence_summary_reads_like_a_practitioner_wrote_it() -> None:
    [entry] = parse_occurrences({"occurrences": [OCCURRENCE]})
    assert entry.category is EntryCategory.DOMESTIC_ABUSE_INCIDENT
    assert entry.summary == (
        "Domestic abuse incident at home address; DASH risk assessed as medium; two children present. "
        "Neighbour reported shouting."
    )
    assert entry.action_taken == "Suspect arrested." and entry.sensitivity is Sensitivity.SENSITIVE
    assert [(p.agency_person_id, p.role) for p in entry.people][2] == ("N3", InvolvementRole.CHILD_PRESENT)


def test_a_nominal_without_birth_date_is_a_candidate_with_every_alias_pairing() -> None:
    [candidate] = parse_nominals({"nominals": [NOMINAL], "count": 1, "truncated": False})
    person = candidate.person
    assert person.birth_date is None and person.sex is Sex.UNKNOWN
    assert person.identifiers.police_nominal_id == "N1"
    assert person.address is not None and person.address.postcode == "NE6 5QT"
    assert {alias.display for alias in person.aliases} == {"Gracie Okafor", "Grace Okafor-Reid", "Gracie Okafor-Reid"}


def test_an_unrecognisable_postcode_is_dropped_not_fatal() -> None:
    [candidate] = parse_nominals({"nominals": [NOMINAL | {"address": {"line": "1 Road", "postcode": "N1"}}]})
    assert candidate.person.address is not None and candidate.person.address.postcode is None


def test_a_truncated_search_is_too_many_matches() -> None:
    with pytest.raises(ConnectorError) as raised:
        parse_nominals({"nominals": [NOMINAL], "count": 1, "truncated": True})
    assert raised.value.code == "too_many_matches"


def test_a_missing_episode_becomes_a_period_with_its_return() -> None:
    missing = OCCURRENCE | {
        "type": "missing_person",
        "dash_risk": None,
        "flags": ["cse_concern", "repeat_missing"],
        "missing_episode": {
            "reported": "2026-09-12",
            "returned": None,
            "risk": "no_apparent_risk",
            "reported_by": "parent_carer",
        },
        "persons": [{"nominal_id": "N3", "role": "missing_person"}],
        "summary": "",
    }
    [entry] = parse_occurrences({"occurrences": [missing]})
    assert entry.category is EntryCategory.MISSING_EPISODE and entry.ended_on is None
    assert entry.summary == (
        "Missing person episode at home address; reported missing by a parent or carer on 12 September 2026; "
        "not returned when recorded; risk graded no apparent risk; repeat missing episode; "
        "child sexual exploitation concern flagged."
    )
    assert entry.sensitivity is Sensitivity.RESTRICTED and entry.people[0].role is InvolvementRole.SUBJECT


@pytest.mark.parametrize(
    ("changes", "category", "lead"),
    [
        (
            {"type": "anti_social_behaviour", "location": {"type": "retail"}, "dash_risk": None, "persons": []},
            EntryCategory.ANTI_SOCIAL_BEHAVIOUR,
            "Anti-social behaviour at a shop.",
        ),
        (
            {"type": "burglary", "location": None, "dash_risk": None, "persons": []},
            EntryCategory.POLICE_OCCURRENCE,
            "Burglary.",
        ),
        (
            {"flags": ["child_present", "marac"], "dash_risk": "high"},
            EntryCategory.DOMESTIC_ABUSE_INCIDENT,
            "Domestic abuse incident at home address; DASH risk assessed as high; two children present; "
            "referred to MARAC.",
        ),
    ],
)
def test_other_occurrence_types_locations_and_flags(
    changes: dict[str, Any], category: EntryCategory, lead: str
) -> None:
    occurrence = OCCURRENCE | {"summary": ""} | changes
    occurrence["persons"] = occurrence["persons"] or [{"nominal_id": "N1", "role": "suspect"}]
    [entry] = parse_occurrences({"occurrences": [occurrence]})
    assert (entry.category, entry.summary) == (category, lead)


def test_a_ppn_names_its_concern_risk_occurrence_and_recipient() -> None:
    [entry] = parse_ppns({"nominal_id": "N3", "ppns": [PPN], "count": 1})
    assert entry.category is EntryCategory.PUBLIC_PROTECTION_NOTICE and entry.source.record_id == "PPN-1"
    assert entry.summary == (
        "Public Protection Notice submitted: child at risk; risk assessed as high; "
        "after the domestic abuse incident of 1 November 2026."
    )
    assert entry.action_taken == "Shared with Children's Social Care (MASH)."
    assert entry.sensitivity is Sensitivity.SENSITIVE and entry.people[0].role is InvolvementRole.SUBJECT


@pytest.mark.parametrize(
    "parse",
    [
        lambda: parse_nominals({"nominals": [{"nominal_id": "N1", "surname": "Okafor"}]}),
        lambda: parse_nominals({"nominals": [NOMINAL | {"forenames": "Grace"}]}),
        lambda: parse_nominals({"nominals": [NOMINAL | {"aliases": ["Okafor-Reid"]}]}),
        lambda: parse_nominals(["not", "an", "object"]),
        lambda: parse_occurrences({"occurrences": [OCCURRENCE | {"date": "1st November"}]}),
        lambda: parse_occurrences({"occurrences": {"OCC-1": OCCURRENCE}}),
        lambda: parse_occurrences({"occurrences": [OCCURRENCE | {"persons": []}]}),
        lambda: parse_ppns({"ppns": [PPN | {"submitted_on": None}]}),
        lambda: parse_ppns({"ppns": "none"}),
    ],
)
def test_malformed_police_payloads_raise_malformed_reply(parse: Any) -> None:
    with pytest.raises(MalformedReply) as raised:
        parse()
    assert raised.value.code == "malformed_reply"
    assert "Okafor" not in str(raised.value) and raised.value.__cause__ is None


# --- Checks against the police sandbox over HTTP -------------------------------------------


@pytest.fixture(scope="module")
def police_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    return police_database(tmp_path_factory.mktemp("police-connector") / "population")


@pytest.fixture(scope="module")
def police_url(police_db: Database) -> Iterator[str]:
    server = ServerThread(create_app(police_db))
    server.start()
    yield server.url
    server.stop()


def _subject(given: str, family: str, born: date, *aliases: PersonName) -> Subject:
    person = Person(
        name=PersonName(given_names=given.split(), family_name=family), aliases=list(aliases), birth_date=born
    )
    return Subject(subject_id="S1", role=SubjectRole.SUBJECT_CHILD, person=person)


def _check(police_url: str, subject: Subject) -> AgencyReply:
    return PoliceConnector.configured(police_url, retry={"attempts": 1}).check("REF-POLICE", subject)


def test_a_nominal_held_under_an_alias_surname_is_found(police_url: str) -> None:
    subject = _subject("Grace", "Okafor-Reid", date(1989, 11, 20))
    reply = _check(police_url, subject)
    assert reply.status is ReplyStatus.FOUND and [c.agency_person_id for c in reply.candidates] == [GRACE]
    assert link_candidates(subject.person, reply.candidates)[0].outcome is Outcome.LINKED
    [ppn] = [entry for entry in reply.entries if entry.category is EntryCategory.PUBLIC_PROTECTION_NOTICE]
    assert ppn.summary.startswith("Public Protection Notice submitted: domestic abuse; risk assessed as high")
    assert ppn.action_taken == "Shared with MARAC."


def test_a_nickname_recorded_as_an_alias_forename_is_found_and_linked(police_url: str) -> None:
    subject = _subject("Danny", "Bradley", date(2009, 4, 4))
    reply = _check(police_url, subject)
    assert reply.status is ReplyStatus.FOUND and reply.candidates[0].agency_person_id == DANIEL
    assert reply.candidates[0].person.name.given_names == ["Daniel", "James"]
    [judgement] = link_candidates(subject.person, reply.candidates)
    assert judgement.outcome is Outcome.LINKED and "nickname" in judgement.summary
    assert reply.entries == []


def test_a_nominal_without_birth_date_stays_a_candidate_for_identity_checking(police_url: str) -> None:
    subject = _subject("Thomas", "Reid", date(1990, 1, 1))
    reply = _check(police_url, subject)
    assert reply.status is ReplyStatus.FOUND
    [candidate] = reply.candidates
    assert candidate.agency_person_id == THOMAS and candidate.person.birth_date is None
    [judgement] = link_candidates(subject.person, [candidate])
    assert judgement.outcome is not Outcome.LINKED  # a missing birth date is never linked automatically
    assert "birth date missing on one side" in judgement.summary


def test_a_domestic_abuse_incident_with_children_present_and_their_ppn(police_url: str) -> None:
    reply = _check(police_url, _subject("Amara Joy", "Okafor-Reid", date(2015, 3, 14)))
    assert reply.status is ReplyStatus.FOUND and reply.candidates[0].agency_person_id == AMARA
    incident, notice = reply.entries
    assert incident.source.record_id == DA_OCCURRENCE and incident.occurred_on == date(2026, 11, 1)
    assert incident.category is EntryCategory.DOMESTIC_ABUSE_INCIDENT
    assert incident.summary.startswith(
        "Domestic abuse incident at home address; DASH risk assessed as high; two children present; repeat victim."
    )
    assert [(p.agency_person_id, p.role) for p in incident.people] == [
        (GRACE, InvolvementRole.VICTIM),
        (LIAM, InvolvementRole.SUSPECT),
        (AMARA, InvolvementRole.CHILD_PRESENT),
        (TYLER, InvolvementRole.CHILD_PRESENT),
    ]
    assert notice.category is EntryCategory.PUBLIC_PROTECTION_NOTICE and notice.source.record_id == "PPN-0002"
    assert notice.summary == (
        "Public Protection Notice submitted: child at risk; risk assessed as high; "
        "after the domestic abuse incident of 1 November 2026."
    )
    assert [(p.agency_person_id, p.role) for p in notice.people] == [(AMARA, InvolvementRole.SUBJECT)]


def test_a_missing_episode_with_a_cse_concern_is_restricted(police_url: str) -> None:
    reply = _check(police_url, _subject("Zofia", "Kowalczyk", date(2011, 6, 1)))
    episode, notice = reply.entries
    assert episode.source.record_id == MISSING_OCCURRENCE and episode.category is EntryCategory.MISSING_EPISODE
    assert (episode.occurred_on, episode.ended_on) == (date(2026, 9, 12), date(2026, 9, 14))
    assert episode.summary.startswith(
        "Missing person episode at home address; reported missing by mother on 12 September 2026; "
        "returned 14 September 2026; risk graded high; child sexual exploitation concern flagged."
    )
    assert [(p.agency_person_id, p.role) for p in episode.people] == [
        (ZOFIA, InvolvementRole.SUBJECT),
        (ANNA, InvolvementRole.REPORTING_PERSON),
    ]
    assert episode.sensitivity is Sensitivity.RESTRICTED and episode.action_taken is not None
    assert notice.summary.startswith("Public Protection Notice submitted: child sexual exploitation")
    assert notice.sensitivity is Sensitivity.RESTRICTED


def test_too_many_namesakes_fail_the_check_rather_than_miss_one(police_url: str) -> None:
    reply = _check(police_url, _subject("John", "Smith", date(1980, 1, 1)))
    assert reply.status is ReplyStatus.FAILED and reply.error_code == "too_many_matches"


def test_every_name_is_searched_and_the_nominals_found_are_pooled(police_url: str) -> None:
    alias = PersonName(given_names=["Zofia"], family_name="Kowalski")
    reply = _check(police_url, _subject("Zofia", "Kowalczyk", date(2011, 6, 1), alias))
    assert reply.status is ReplyStatus.MULTIPLE_CANDIDATES
    assert [c.agency_person_id for c in reply.candidates] == [ZOFIA, ZOFIA_AGAIN]
    assert len(reply.entries) == 2, "the duplicate nominal has no records of its own"


def test_someone_the_police_do_not_know_is_no_record(police_url: str) -> None:
    reply = _check(police_url, _subject("Zephyrine", "Quillfeather", date(2014, 2, 28)))
    assert reply.status is ReplyStatus.NO_RECORD and not reply.candidates and not reply.entries


# --- Through the shared layers the lead wires around the app -------------------------------


def _serve_wrapped(database: Database, wrap: Callable[[FastAPI], Any]) -> ServerThread:
    server = ServerThread(wrap(create_app(database)))
    server.start()
    return server


def test_async_replies_give_the_same_answer_later(police_db: Database) -> None:
    config = AsyncConfig(mode="poll", delay_seconds=0.05, retry_after_seconds=0)
    server = _serve_wrapped(
        police_db, lambda app: AsyncReplies(app, config, paths=SEARCH_PATHS, render_error=render_error)
    )
    try:
        reply = _check(server.url, _subject("Amara Joy", "Okafor-Reid", date(2015, 3, 14)))
        accepted = requests.post(f"{server.url}/nominals/search", json={"surname": "Nobody"}, timeout=5)
    finally:
        server.stop()
    assert reply.status is ReplyStatus.FOUND
    assert [entry.source.record_id for entry in reply.entries] == [DA_OCCURRENCE, "PPN-0002"]
    assert accepted.status_code == 202 and accepted.headers["Location"]


@pytest.mark.parametrize(
    ("faults", "code"),
    [(FaultConfig(malformed_rate=1.0), "malformed_reply"), (FaultConfig(error_rate=1.0), "http_503")],
)
def test_injected_faults_fail_the_check_with_a_code(police_db: Database, faults: FaultConfig, code: str) -> None:
    def wrap(app: FastAPI) -> FaultInjector:
        config = faults.model_copy(update={"error_statuses": (503,)})
        return FaultInjector(app, config, render_error=render_error, malformed_body=malformed_body, seed=1)

    server = _serve_wrapped(police_db, wrap)
    try:
        reply = _check(server.url, _subject("Amara Joy", "Okafor-Reid", date(2015, 3, 14)))
        refused = requests.post(f"{server.url}/nominals/search", json={"surname": "X"}, timeout=5)
    finally:
        server.stop()
    assert reply.status is ReplyStatus.FAILED and reply.error_code == code
    if faults.error_rate:
        assert refused.json()["error"]["code"] == "service_unavailable"


def test_a_nominal_whose_birth_date_is_a_day_out_is_still_returned_for_identity_checking(police_url: str) -> None:
    """The force holds Tyler born 2 July; the referral says 3 July. An exact-date search found nothing and the
    check read "no record" (issue 13); the identity check, not the search screen, must decide."""
    subject = _subject("Tyler", "Okafor-Reid", date(2018, 7, 3))
    reply = _check(police_url, subject)
    assert reply.status is ReplyStatus.FOUND and [c.agency_person_id for c in reply.candidates] == [TYLER]
    [judgement] = link_candidates(subject.person, reply.candidates)
    assert judgement.outcome is not Outcome.NOT_LINKED


@pytest.mark.parametrize(
    ("born", "years"),
    [(date(2018, 7, 3), [2018]), (date(2018, 1, 2), [2017, 2018]), (date(2017, 12, 29), [2017, 2018])],
)
def test_the_search_covers_every_birth_year_a_few_days_either_side_reaches(born: date, years: list[int]) -> None:
    assert birth_years_to_search(born) == years
