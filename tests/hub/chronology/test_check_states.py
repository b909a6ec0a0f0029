"""One truthful set of check states: never "no record" unless the agency said so, never a false all-clear.

Each case is a failure seen when the hub was tried as a new user would: a killed `plan` left every check
"not checked" while each chronology said "No agency holds records"; a failed check said only "check
failed"; `circuit_open` hid the first cause; hostile names styled and linked the terminal.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from hub.chronology.assembly import assemble
from hub.chronology.check_states import check_words, gaps, is_all_clear, reason_words, state_at, state_of
from hub.chronology.family_history import build
from hub.chronology.history_json import history_document
from hub.chronology.report import empty_chronology_words, print_family_history, write_html
from schemas import CheckPhase, CheckProgress, CheckResult, ChecksStage, CheckState, Referral, ReplyStatus
from tests.hub.builders import ASSEMBLED_AT, candidate, example_referral, household_replies, person, reply

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
AGENCIES = ["health", "police", "education", "housing"]


def progress(agency: str, subject_id: str, phase: CheckPhase, **fields: object) -> CheckProgress:
    return CheckProgress.model_validate({"agency": agency, "subject_id": subject_id, "phase": phase, **fields})


def result(state: CheckState, **fields: object) -> CheckResult:
    return CheckResult.model_validate(
        {"agency": "housing", "subject_id": "S1", "status": ReplyStatus.PENDING, "state": state, **fields}
    )


@pytest.mark.parametrize(
    ("status", "phase", "linked", "expected"),
    [
        (ReplyStatus.NO_RECORD, CheckPhase.ANSWERED, 0, CheckState.NO_RECORD),
        (ReplyStatus.FOUND, CheckPhase.ANSWERED, 1, CheckState.RECORDS_FOUND),
        (ReplyStatus.FOUND, CheckPhase.ANSWERED, 0, CheckState.RECORDS_RETURNED_NONE_LINKED),
        (ReplyStatus.MULTIPLE_CANDIDATES, CheckPhase.ANSWERED, 0, CheckState.RECORDS_RETURNED_NONE_LINKED),
        (ReplyStatus.FAILED, CheckPhase.RETRYING, 0, CheckState.FAILED_RETRYING),
        (ReplyStatus.FAILED, CheckPhase.GAVE_UP, 0, CheckState.FAILED),
        (ReplyStatus.FAILED, None, 0, CheckState.FAILED),
        (None, CheckPhase.ASKED, 0, CheckState.AWAITING_REPLY),
        (None, CheckPhase.AWAITING_REPLY, 0, CheckState.AWAITING_REPLY),
        (None, CheckPhase.NOT_ASKED, 0, CheckState.NOT_ASKED),
        (None, None, 0, CheckState.NOT_ASKED),
        (None, CheckPhase.GAVE_UP, 0, CheckState.FAILED),
    ],
)
def test_each_check_has_exactly_one_truthful_state(
    status: ReplyStatus | None, phase: CheckPhase | None, linked: int, expected: CheckState
) -> None:
    answer = None if status is None else reply("housing", "S1", status=status)
    step = None if phase is None else progress("housing", "S1", phase)
    assert state_of(answer, step, linked=linked) is expected


def test_only_an_agencys_answer_of_nothing_is_no_record() -> None:
    no_record_states = [state for state in CheckState if "no record" in check_words(result(state), NOW)]
    assert no_record_states == [CheckState.NO_RECORD]


def test_an_outstanding_check_past_its_due_time_is_overdue_and_a_final_one_is_not() -> None:
    due = NOW - timedelta(minutes=1)
    assert state_at(result(CheckState.AWAITING_REPLY, due_at=due), NOW) is CheckState.OVERDUE
    assert state_at(result(CheckState.FAILED_RETRYING, due_at=due, reason="http_503"), NOW) is CheckState.OVERDUE
    assert state_at(result(CheckState.NOT_ASKED, due_at=due), NOW) is CheckState.OVERDUE
    assert state_at(result(CheckState.NO_RECORD, due_at=due), NOW) is CheckState.NO_RECORD
    assert state_at(result(CheckState.AWAITING_REPLY, due_at=NOW + timedelta(hours=1)), NOW) is (
        CheckState.AWAITING_REPLY
    )


def test_a_failure_says_its_reason_in_words_with_its_code_and_what_to_do() -> None:
    failed = result(CheckState.FAILED, reason="http_503", attempts=4)
    assert check_words(failed, NOW) == "failed: the agency was unavailable (503) (http_503)"
    retrying = result(CheckState.FAILED_RETRYING, reason="timeout", next_attempt_at=NOW + timedelta(minutes=2))
    assert (
        check_words(retrying, NOW)
        == "failed, retrying: the agency did not answer in time (timeout); next try in two minutes"
    )
    (line,) = gaps([failed, failed.model_copy(update={"subject_id": "S2"})], {"S1": "Amara", "S2": "Tyler"}, now=NOW)
    assert line == (
        "Housing could not be checked for Amara and Tyler after four attempts: the agency was unavailable (503) "
        "(http_503); ask the agency directly, or check again later."
    )


def test_the_first_cause_survives_the_circuit_breaker() -> None:
    assert reason_words("circuit_open", "timeout", 3) == (
        "not called: the agency kept failing just before (circuit_open after three timeouts)"
    )
    assert "(circuit_open after five 503 answers)" in reason_words("circuit_open", "http_503", 5)


def test_an_all_clear_needs_every_check_for_every_person_to_have_answered_no_record() -> None:
    clear = [result(CheckState.NO_RECORD, subject_id=subject) for subject in ("S1", "S2")]
    assert is_all_clear(clear, NOW)
    for spoiler in (CheckState.NOT_ASKED, CheckState.AWAITING_REPLY, CheckState.FAILED, CheckState.FAILED_RETRYING):
        assert not is_all_clear([*clear, result(spoiler, subject_id="S3")], NOW)
    assert not is_all_clear([], NOW)  # no check at all is not a clear result either


def history_for(
    referral: Referral, *, progress_rows: list[CheckProgress], stage: ChecksStage | None, replies: bool = False
) -> tuple[str, dict[str, object]]:
    chronologies = assemble(
        referral, household_replies() if replies else [], assembled_at=ASSEMBLED_AT, progress=progress_rows
    )
    history = build(referral, chronologies, AGENCIES, progress=progress_rows, stage=stage, now=NOW)
    out = io.StringIO()
    print_family_history(history, Console(file=out, width=240, color_system=None))
    return out.getvalue(), history_document(history)


def test_checks_that_could_not_start_never_read_as_an_all_clear() -> None:
    """The killed-`plan` case: no check was made, so nothing may say that no agency holds records."""
    referral = example_referral()

    text, document = history_for(referral, progress_rows=[], stage=ChecksStage.COULD_NOT_START)

    assert "No agency holds records" not in text
    assert "The checks could not start, so no agency has been asked" in " ".join(text.split())
    assert "not asked" in text
    assert document["all_clear"] is False
    states = {check["state"] for check in document["checks"]}  # type: ignore[attr-defined]
    assert states == {"not_asked"}


def test_an_all_clear_is_said_only_when_every_agency_answered_no_record() -> None:
    referral = example_referral()
    rows = [
        progress(agency, subject.subject_id, CheckPhase.ANSWERED, attempts=1)
        for agency in AGENCIES
        for subject in referral.subjects
    ]
    answers = [
        reply(agency, subject.subject_id, status=ReplyStatus.NO_RECORD)
        for agency in AGENCIES
        for subject in referral.subjects
    ]
    chronologies = assemble(referral, answers, assembled_at=ASSEMBLED_AT, progress=rows)
    history = build(referral, chronologies, AGENCIES, progress=rows, stage=ChecksStage.COMPLETE, now=NOW)
    assert history.all_clear and history.gaps == []
    assert empty_chronology_words(history) == "No agency holds records about this child or the household adults."

    one_failed = [*rows[:-1], rows[-1].model_copy(update={"phase": CheckPhase.GAVE_UP, "reason": "timeout"})]
    history = build(referral, chronologies, AGENCIES, progress=one_failed, stage=ChecksStage.COMPLETE, now=NOW)
    assert not history.all_clear
    assert "No agency holds records" not in empty_chronology_words(history)


def test_the_ledger_brings_a_stored_version_up_to_date() -> None:
    """A version assembled while education was awaited must not go on saying so once it failed."""
    referral = example_referral()
    awaited = [progress("education", "S1", CheckPhase.AWAITING_REPLY, attempts=1, due_at=NOW + timedelta(hours=1))]
    chronologies = assemble(referral, [], assembled_at=ASSEMBLED_AT, progress=awaited)
    assert chronologies[0].outstanding  # stored as a partial version

    gave_up = [awaited[0].model_copy(update={"phase": CheckPhase.GAVE_UP, "reason": "reply_deadline", "attempts": 2})]
    history = build(referral, chronologies, AGENCIES, progress=gave_up, stage=ChecksStage.COMPLETE, now=NOW)

    cell = history.checks["S1"]["education"]
    assert (cell.state, cell.reason, cell.attempts) == ("failed", "reply_deadline", 2)
    assert history.children[0].partial


def test_json_has_one_object_per_check_with_the_fixed_fields() -> None:
    referral = example_referral()
    rows = [progress("police", "S4", CheckPhase.RETRYING, attempts=2, reason="http_429", next_attempt_at=NOW)]

    _, document = history_for(referral, progress_rows=rows, stage=ChecksStage.IN_PROGRESS, replies=True)

    checks = document["checks"]
    assert isinstance(checks, list) and len(checks) == len(referral.subjects) * len(AGENCIES)
    allowed = {state.value for state in CheckState}
    for check in checks:
        assert {"agency", "subject_id", "state", "reason", "due_at", "attempts"} <= set(check)
        assert check["state"] in allowed
    police_s4 = next(check for check in checks if (check["agency"], check["subject_id"]) == ("police", "S4"))
    assert (police_s4["state"], police_s4["reason"], police_s4["attempts"]) == ("failed_retrying", "http_429", 2)
    json.dumps(document)  # one JSON document, nothing left unserialisable


HOSTILE = (
    "[link=file:///etc/passwd]Click[/link][bold red]X[/]\x1b]8;;file:///etc/passwd\x1b\\Y\x1b]8;;\x1b\\\x1b[31mZ\u202e"
)


def test_the_terminal_shows_stored_text_as_stored_never_as_markup_links_or_escapes() -> None:
    base = example_referral()
    hostile_subjects = [
        subject.model_copy(
            update={"person": subject.person.model_copy(update={"name": person(HOSTILE, HOSTILE, "2015-03-14").name})}
        )
        if subject.subject_id == "S1"
        else subject
        for subject in base.subjects
    ]
    referral = base.model_copy(update={"subjects": hostile_subjects})
    history = build(referral, [], AGENCIES, now=NOW)
    out = io.StringIO()
    print_family_history(history, Console(file=out, width=400, force_terminal=True, color_system="truecolor"))
    text = out.getvalue()

    assert "\x1b]8;" not in text  # no OSC-8 hyperlink, ours or theirs
    assert "\x1b[31mZ" not in text and "\ufffd[31mZ" in text  # their escape is defused, and still visible
    assert "\u202e" not in text
    assert "[link=file:///etc/passwd]Click[/link][bold red]X[/]" in text  # shown literally, as stored


def test_the_html_report_marks_failed_checks_by_their_state(tmp_path: object) -> None:
    from pathlib import Path

    referral = example_referral()
    rows = [progress("housing", s.subject_id, CheckPhase.GAVE_UP, reason="http_503") for s in referral.subjects]
    history = build(referral, [], AGENCIES, progress=rows, stage=ChecksStage.COMPLETE, now=NOW)
    html = write_html(history, Path(str(tmp_path)) / "report.html").read_text()
    assert 'class="check-alert" data-state="failed"' in html and ".check-alert {" in html
    assert "could not be checked" in html
    assert "No agency holds records" not in html


def test_records_found_only_for_records_tied_to_the_person() -> None:
    referral = example_referral()
    amara = person("Amara Joy", "Okafor-Reid", "2015-03-14")
    elsewhere = reply("police", "S2", candidates=[candidate("P-5", person("Someone", "Else", "1970-01-01"))])
    found = reply("police", "S1", candidates=[candidate("P-1", amara)])
    checks = {
        (check.agency, check.subject_id): check
        for check in assemble(referral, [found, elsewhere], assembled_at=ASSEMBLED_AT)[0].checks
    }
    assert checks[("police", "S1")].state is CheckState.RECORDS_FOUND
    assert checks[("police", "S2")].state is CheckState.RECORDS_RETURNED_NONE_LINKED
    assert check_words(checks[("police", "S2")], NOW) == "records returned, none linked: 1"  # how many to open


def test_due_times_read_as_the_councils_clocks_show_them() -> None:
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    summer = datetime(2026, 7, 1, 9, 0, tzinfo=london)
    due = datetime(2026, 7, 1, 15, 30, tzinfo=UTC)  # 16:30 on a London clock in summer
    assert check_words(result(CheckState.AWAITING_REPLY, due_at=due), summer) == (
        "awaiting reply; due at 16:30 on 01 Jul 2026 BST"
    )
    winter = datetime(2026, 12, 1, 9, 0, tzinfo=london)
    assert check_words(result(CheckState.AWAITING_REPLY, due_at=winter + timedelta(hours=5)), winter).endswith(
        "14:00 on 01 Dec 2026 GMT"
    )
