"""The connector contract, for every agency in the registry, against its test double over real HTTP.

Each test runs once per registered agency (see conftest.py). Faults are scripted on the agency's
server for the very next requests, so each test makes exactly the fault it is about.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest

from connectors.sdk.registry import RegisteredAgency
from connectors.testing import (
    ContractAgency,
    ServedAgency,
    config_problems,
    contract_connector,
    declaration_problems,
    leaked_markers,
    personal_data_markers,
    replay_problems,
    reply_problems,
    round_trip_problems,
)
from schemas import AgencyReply, ReplyStatus
from tests.contract.doubles import ConnectorFactory, double_path, has_double
from tests.contract.rewriting import ReplyRewriter

REFERRAL_ID = "REF-CONTRACT-1"
FOUND = (ReplyStatus.FOUND, ReplyStatus.MULTIPLE_CANDIDATES)
CLIENT_ERRORS = [400, 401, 403, 404, 409, 422]


@contextmanager
def every_logger_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Capture DEBUG records from every logger (urllib3 and the agency servers' included), then restore."""
    caplog.set_level(logging.DEBUG)
    named = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    levels = {logger: logger.level for logger in named}
    isolated = [logger for logger in named if not logger.propagate]
    for logger in named:
        logger.setLevel(logging.DEBUG)
    for logger in isolated:
        logger.addHandler(caplog.handler)
    try:
        yield
    finally:
        for logger, level in levels.items():
            logger.setLevel(level)
        for logger in isolated:
            logger.removeHandler(caplog.handler)


def known_reply(connect: ConnectorFactory, agency: ContractAgency) -> AgencyReply:
    return connect().check(REFERRAL_ID, agency.known_subject)


def test_agency_has_a_test_double(agency_id: str) -> None:
    if not has_double(agency_id):
        pytest.fail(
            f"agency '{agency_id}' is registered but has no contract test double: create {double_path(agency_id)} "
            "exposing `def contract_agency(workdir: Path) -> ContractAgency` (see connectors/testing)",
            pytrace=False,
        )


def test_config_and_declarations_are_valid(registered: RegisteredAgency) -> None:
    assert config_problems(registered) == []
    assert declaration_problems(registered.connector_class) == []
    assert isinstance(registered.options, registered.connector_class.Options)
    assert registered.connector_class(registered.config).agency_id == registered.id


def test_no_personal_data_in_urls_or_logs(
    connect: ConnectorFactory, contract_agency: ContractAgency, served: ServedAgency, caplog: pytest.LogCaptureFixture
) -> None:
    subjects = (contract_agency.known_subject, contract_agency.unknown_subject)
    with every_logger_at_debug(caplog):
        served.script(["http_503", "malformed"])  # a retry and a failure log too
        replies = [connect().check(REFERRAL_ID, subject) for subject in (*subjects, *subjects)]
    assert replies[0].error_code == "malformed_reply"
    assert replies[2].status in FOUND, "the known subject was not found, so the check proves little"
    markers = [marker for subject in subjects for marker in personal_data_markers(subject.person)]
    assert served.recorder.urls, "the agency received no requests"
    assert leaked_markers(served.recorder.urls, markers) == [], "personal data in a URL the agency received"
    assert caplog.records, "nothing was logged, so the check proves little"
    assert leaked_markers([caplog.text], markers) == [], "personal data in a log record"


def test_a_person_found_gives_attributed_entries_of_declared_categories(
    connect: ConnectorFactory, contract_agency: ContractAgency, registered: RegisteredAgency
) -> None:
    reply = known_reply(connect, contract_agency)
    assert reply.status in FOUND, reply.error_code
    assert reply.candidates and reply.entries
    assert all(candidate.agency_person_id.strip() for candidate in reply.candidates)
    assert reply_problems(reply, registered.connector_class, registered.id) == []


def test_no_record_is_a_result_not_an_error(connect: ConnectorFactory, contract_agency: ContractAgency) -> None:
    reply = connect().check(REFERRAL_ID, contract_agency.unknown_subject)
    assert reply.status is ReplyStatus.NO_RECORD
    assert reply.error_code is None and not reply.candidates and not reply.entries


@pytest.mark.parametrize("fault", ["http_429", "http_503"])
def test_rate_limits_and_unavailability_are_retried(
    connect: ConnectorFactory, contract_agency: ContractAgency, served: ServedAgency, fault: str
) -> None:
    baseline = known_reply(connect, contract_agency)
    requests_without_fault = served.request_count
    served.reset()
    served.script([fault])
    reply = known_reply(connect, contract_agency)
    assert reply.status in FOUND, reply.error_code
    assert (reply.candidates, reply.entries) == (baseline.candidates, baseline.entries)
    assert served.request_count == requests_without_fault + 1, "the faulted request was not sent again"


@pytest.mark.parametrize("status", CLIENT_ERRORS)
def test_other_client_errors_fail_fast(
    connect: ConnectorFactory, contract_agency: ContractAgency, served: ServedAgency, status: int
) -> None:
    served.script([f"http_{status}"] * 2)
    reply = known_reply(connect, contract_agency)
    assert reply.status is ReplyStatus.FAILED
    assert reply.error_code == contract_agency.error_code_for(status)
    assert served.request_count == contract_agency.sends_for_client_error(status), "a client error was retried"


def test_a_timeout_is_a_typed_failure(
    connect: ConnectorFactory, contract_agency: ContractAgency, served: ServedAgency
) -> None:
    attempts = 2
    served.script(["hang"] * attempts)
    started = time.monotonic()
    reply = connect(timeouts={"read": 0.3}, retry={"attempts": attempts}).check(
        REFERRAL_ID, contract_agency.known_subject
    )
    assert (reply.status, reply.error_code) == (ReplyStatus.FAILED, "timeout")
    assert served.request_count == attempts
    assert time.monotonic() - started < 3, "the connector waited past its read timeout"


def test_a_malformed_reply_is_a_typed_failure_and_kept(
    connect: ConnectorFactory, contract_agency: ContractAgency, served: ServedAgency
) -> None:
    served.script(["malformed"])
    checked = connect().check_recorded(REFERRAL_ID, contract_agency.known_subject)
    assert (checked.reply.status, checked.reply.error_code) == (ReplyStatus.FAILED, "malformed_reply")
    malformed, _ = contract_agency.malformed_body()
    assert [exchange.body for exchange in checked.recording.exchanges] == [malformed]


def test_native_samples_round_trip(registered: RegisteredAgency, contract_agency: ContractAgency) -> None:
    assert contract_agency.samples, f"no captured native documents for '{registered.id}'"
    assert round_trip_problems(registered.connector_class, contract_agency.samples) == []


@pytest.mark.parametrize("subject", ["known", "unknown"])
def test_replies_round_trip_and_renormalise_to_the_same_reply(
    connect: ConnectorFactory, contract_agency: ContractAgency, subject: str
) -> None:
    person = contract_agency.known_subject if subject == "known" else contract_agency.unknown_subject
    connector = connect()
    checked = connector.check_recorded(REFERRAL_ID, person)
    assert checked.reply.status is not ReplyStatus.FAILED, checked.reply.error_code
    assert replay_problems(connector, REFERRAL_ID, person, checked) == []


BAD_VALUE_MARKER = "MKQ7ZX"
"""Seeded into the bad birth date: it must never reach a note, the reply, an exception or a log."""


def test_a_record_whose_birth_date_is_no_date_is_kept_without_it_and_noted(
    connect: ConnectorFactory,
    contract_agency: ContractAgency,
    registered: RegisteredAgency,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bad field is a missing field (issue 13): the check still finds the person, with everything else."""
    baseline = known_reply(connect, contract_agency)
    born = contract_agency.known_subject.person.birth_date
    assert born is not None and baseline.status in FOUND, baseline.error_code
    bad = f"{born.year}-02-30{BAD_VALUE_MARKER}".encode()
    rewriter = ReplyRewriter(contract_agency.app, born.isoformat().encode(), bad)
    with every_logger_at_debug(caplog), ServedAgency(replace(contract_agency, app=rewriter)) as served:
        reply = contract_connector(registered, contract_agency, served.url).check(
            REFERRAL_ID, contract_agency.known_subject
        )
    if not rewriter.rewritten:
        pytest.skip(f"'{registered.id}' never sends the birth date as YYYY-MM-DD, so this test cannot corrupt it")
    assert (reply.status, reply.error_code) == (baseline.status, None)
    assert reply.entries == baseline.entries, "the records of the person were lost"
    held = {candidate.agency_person_id: candidate for candidate in baseline.candidates}
    assert [candidate.agency_person_id for candidate in reply.candidates] == list(held)
    changed = [candidate for candidate in reply.candidates if candidate.set_aside]
    assert changed, "no candidate had its birth date left out"
    for candidate in reply.candidates:
        before = held[candidate.agency_person_id]
        if candidate.set_aside:
            assert before.person.birth_date == born and candidate.person.birth_date is None
            assert candidate.set_aside == ["birth date is not a date, so it was left out"]
        assert candidate.person.model_copy(update={"birth_date": before.person.birth_date}) == before.person
    assert reply.set_aside == [
        f"{registered.id} record {candidate.agency_person_id}: birth date is not a date, so it was left out"
        for candidate in changed
    ]
    assert BAD_VALUE_MARKER not in reply.model_dump_json() and BAD_VALUE_MARKER not in caplog.text
