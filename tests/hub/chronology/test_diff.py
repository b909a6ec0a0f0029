"""What changed between two chronology versions: entries added, removed or changed, and check states.

Pure cases over `Chronology` objects; tests/hub/cli/test_chronology_diff.py runs the command on a real store.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import pytest
from rich.console import Console

from hub.chronology.diff import (
    CheckSnapshot,
    EntryIdentity,
    changed_fields,
    diff_chronologies,
    diff_document,
    diff_entries,
)
from hub.chronology.diff_reading import ChildComparison, Outcome, diff_histories_document, print_diff, version_list
from schemas import (
    CheckResult,
    CheckState,
    Chronology,
    ChronologyEntry,
    DatePrecision,
    EntryCategory,
    Involvement,
    ReplyStatus,
    Sensitivity,
)
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID, ROLE, entry

LATER = ASSEMBLED_AT + timedelta(hours=1)
NAMES = {"S1": "Amara Joy Okafor-Reid", "S2": "Tyler Okafor-Reid", "S3": "Grace Okafor"}


def chronology(
    version: int,
    entries: Sequence[ChronologyEntry] = (),
    checks: Sequence[CheckResult] = (),
    *,
    assembled_at: datetime = ASSEMBLED_AT,
    child: str = "S1",
) -> Chronology:
    return Chronology(
        referral_id=REFERRAL_ID,
        child_subject_id=child,
        version=version,
        assembled_at=assembled_at,
        entries=list(entries),
        checks=list(checks),
    )


def check(agency: str, subject_id: str, state: CheckState | None, **fields: object) -> CheckResult:
    status = fields.pop("status", ReplyStatus.FOUND if state is CheckState.RECORDS_FOUND else ReplyStatus.PENDING)
    return CheckResult.model_validate(
        {"agency": agency, "subject_id": subject_id, "status": status, "state": state, **fields}
    )


def occurrence(record_id: str = "OCC-1", /, **changes: object) -> ChronologyEntry:
    made = entry("police", record_id, "2026-11-01", [("P-1", ROLE.CHILD_PRESENT), ("P-7", ROLE.SUSPECT)])
    return made.model_copy(update=changes)


def test_identical_versions_have_nothing_to_report() -> None:
    checks = [check("police", "S1", CheckState.RECORDS_FOUND, linked_candidates=1)]
    diff = diff_chronologies(chronology(1, [occurrence()], checks), chronology(2, [occurrence()], checks))
    assert diff.unchanged
    assert (diff.earlier.version, diff.later.version) == (1, 2)


def test_entries_added_removed_and_changed_are_told_apart_by_identity() -> None:
    kept = occurrence("OCC-1")
    gone = occurrence("OCC-2", occurred_on=date(2025, 6, 1))
    reworded = occurrence("OCC-3", summary="Police attended; no further action.")
    new = entry("health", "AE-1", "2025-12-05", [("H-1", ROLE.PATIENT)], category=EntryCategory.EMERGENCY_ATTENDANCE)
    earlier = chronology(1, [gone, kept, occurrence("OCC-3")])
    later = chronology(2, [new, kept, reworded])

    diff = diff_chronologies(earlier, later)

    assert diff.added == (new,)
    assert diff.removed == (gone,)
    [change] = diff.changed
    assert change.identity == EntryIdentity("police", "OCC-3", "police_occurrence")
    assert change.fields == ("summary",)
    assert change.before.summary != change.after.summary == "Police attended; no further action."


def test_the_same_record_in_another_category_is_another_entry() -> None:
    as_occurrence = occurrence()
    as_abuse = occurrence(category=EntryCategory.DOMESTIC_ABUSE_INCIDENT)
    added, removed, changed = diff_entries([as_occurrence], [as_abuse])
    assert (added, removed, changed) == ([as_abuse], [as_occurrence], [])


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"occurred_on": date(2026, 11, 2)}, ("occurred_on",)),
        ({"date_precision": DatePrecision.MONTH}, ("date_precision",)),
        ({"ended_on": date(2026, 12, 1)}, ("ended_on",)),
        ({"summary": "Another account."}, ("summary",)),
        ({"action_taken": "Referred to MASH."}, ("action_taken",)),
        ({"sensitivity": Sensitivity.RESTRICTED}, ("sensitivity",)),
        (
            {"people": [Involvement(agency_person_id="P-1", role=ROLE.VICTIM, subject_id="S1")]},
            ("people",),
        ),
        (
            {"occurred_on": date(2026, 1, 1), "date_precision": DatePrecision.YEAR, "summary": "Re-dated."},
            ("occurred_on", "date_precision", "summary"),
        ),
    ],
)
def test_a_changed_entry_names_every_field_that_changed(changes: dict[str, object], fields: tuple[str, ...]) -> None:
    assert changed_fields(occurrence(), occurrence(**changes)) == fields


def test_people_listed_in_another_order_are_not_a_change() -> None:
    original = occurrence()
    reordered = original.model_copy(update={"people": list(reversed(original.people))})
    assert changed_fields(original, reordered) == ()
    assert diff_entries([original], [reordered]) == ([], [], [])


def test_a_person_linked_since_is_a_change_of_people() -> None:
    unlinked = occurrence()
    linked = unlinked.model_copy(
        update={"people": [unlinked.people[0].model_copy(update={"subject_id": "S1"}), unlinked.people[1]]}
    )
    assert changed_fields(unlinked, linked) == ("people",)


def test_two_entries_of_one_identity_match_the_identical_one_first() -> None:
    first = occurrence(summary="First report.")
    second = occurrence(summary="Second report.")
    amended = occurrence(summary="Second report, amended.")
    added, removed, changed = diff_entries([first, second], [amended, first])
    assert (added, removed) == ([], [])
    assert [(change.before, change.after, change.fields) for change in changed] == [(second, amended, ("summary",))]


def test_check_states_that_changed_with_reason_and_attempts() -> None:
    earlier = chronology(
        1,
        checks=[
            check("police", "S1", CheckState.AWAITING_REPLY, attempts=1),
            check("housing", "S3", CheckState.FAILED_RETRYING, reason="http_503", attempts=2),
            check("health", "S1", CheckState.NO_RECORD, status=ReplyStatus.NO_RECORD, attempts=1),
        ],
    )
    later = chronology(
        2,
        checks=[
            check("police", "S1", CheckState.RECORDS_FOUND, linked_candidates=1, attempts=1),
            check("housing", "S3", CheckState.FAILED, reason="timeout", attempts=4),
            check("health", "S1", CheckState.NO_RECORD, status=ReplyStatus.NO_RECORD, attempts=1),
            check("education", "S1", CheckState.NO_RECORD, status=ReplyStatus.NO_RECORD, attempts=1),
        ],
        assembled_at=LATER,
    )

    changes = {(change.agency, change.subject_id): change for change in diff_chronologies(earlier, later).checks}

    assert list(changes) == [("education", "S1"), ("housing", "S3"), ("police", "S1")]  # health unchanged
    police = changes["police", "S1"]
    assert (police.before, police.after) == (
        CheckSnapshot(CheckState.AWAITING_REPLY, None, 1),
        CheckSnapshot(CheckState.RECORDS_FOUND, None, 1),
    )
    assert police.fields == ("state",)
    housing = changes["housing", "S3"]
    assert housing.fields == ("state", "reason", "attempts")
    assert (housing.before and housing.before.reason, housing.after and housing.after.reason) == ("http_503", "timeout")
    assert changes["education", "S1"].before is None  # not checked in version 1 at all


def test_a_changed_reason_alone_is_a_change() -> None:
    earlier = chronology(1, checks=[check("housing", "S1", CheckState.FAILED_RETRYING, reason="timeout", attempts=2)])
    later = chronology(2, checks=[check("housing", "S1", CheckState.FAILED_RETRYING, reason="http_503", attempts=2)])
    [change] = diff_chronologies(earlier, later).checks
    assert change.fields == ("reason",)


def test_a_version_stored_before_states_existed_has_its_state_derived() -> None:
    legacy = chronology(
        1,
        checks=[
            check("police", "S1", None, status=ReplyStatus.PENDING),
            check("health", "S1", None, status=ReplyStatus.FOUND, linked_candidates=1),
            check("housing", "S1", None, status=ReplyStatus.FAILED, reason="timeout", attempts=1),
        ],
    )
    current = chronology(
        2,
        checks=[
            check("police", "S1", CheckState.RECORDS_FOUND, linked_candidates=1),
            check("health", "S1", CheckState.RECORDS_FOUND, linked_candidates=1),
            check("housing", "S1", CheckState.FAILED, status=ReplyStatus.FAILED, reason="timeout", attempts=1),
        ],
        assembled_at=LATER,
    )

    diff = diff_chronologies(legacy, current)

    [police] = diff.checks  # health (found) and housing (failed) derive the states version 2 stores
    assert (police.agency, police.before, police.after) == (
        "police",
        CheckSnapshot(CheckState.NOT_ASKED, None, 0),
        CheckSnapshot(CheckState.RECORDS_FOUND, None, 0),
    )
    assert not diff.earlier.partial  # a version without states never said it was partial


def test_states_are_as_of_each_version_so_a_diff_never_depends_on_when_it_is_run() -> None:
    due = ASSEMBLED_AT + timedelta(minutes=30)
    waiting = check("education", "S1", CheckState.AWAITING_REPLY, due_at=due)
    diff = diff_chronologies(chronology(1, checks=[waiting]), chronology(2, checks=[waiting], assembled_at=LATER))
    [change] = diff.checks
    assert (change.before and change.before.state, change.after and change.after.state) == (
        CheckState.AWAITING_REPLY,
        CheckState.OVERDUE,
    )


def test_partial_versions_list_what_was_outstanding() -> None:
    earlier = chronology(
        1,
        checks=[
            check("police", "S1", CheckState.AWAITING_REPLY),
            check("housing", "S3", CheckState.FAILED_RETRYING, reason="http_503"),
            check("health", "S1", CheckState.NO_RECORD, status=ReplyStatus.NO_RECORD),
        ],
    )
    later = chronology(
        2,
        checks=[
            check("police", "S1", CheckState.RECORDS_FOUND, linked_candidates=1),
            check("housing", "S3", CheckState.FAILED, reason="http_503"),
            check("health", "S1", CheckState.NO_RECORD, status=ReplyStatus.NO_RECORD),
        ],
        assembled_at=LATER,
    )
    diff = diff_chronologies(earlier, later)
    assert diff.earlier.partial and diff.earlier.outstanding == (("housing", "S3"), ("police", "S1"))
    assert not diff.later.partial and diff.later.outstanding == ()


def test_versions_of_different_children_are_not_compared() -> None:
    with pytest.raises(ValueError, match="one child"):
        diff_chronologies(chronology(1), chronology(2, child="S2"))


def test_the_json_document_names_versions_entries_and_states() -> None:
    earlier = chronology(1, [occurrence()], [check("police", "S1", CheckState.AWAITING_REPLY)])
    later = chronology(
        2,
        [occurrence(summary="Updated."), occurrence("OCC-9")],
        [check("police", "S1", CheckState.RECORDS_FOUND, linked_candidates=1, attempts=1)],
        assembled_at=LATER,
    )
    document = json.loads(json.dumps(diff_document(diff_chronologies(earlier, later))))
    assert document["from"] == {
        "version": 1,
        "assembled_at": ASSEMBLED_AT.isoformat(),
        "partial": True,
        "outstanding": [{"agency": "police", "subject_id": "S1"}],
    }
    assert document["to"]["partial"] is False and document["unchanged"] is False
    assert [item["source"]["record_id"] for item in document["entries"]["added"]] == ["OCC-9"]
    assert document["entries"]["removed"] == []
    [changed] = document["entries"]["changed"]
    assert (changed["record_id"], changed["fields"], changed["after"]["summary"]) == ("OCC-1", ["summary"], "Updated.")
    assert document["checks"] == [
        {
            "agency": "police",
            "subject_id": "S1",
            "fields": ["state", "attempts"],
            "before": {"state": "awaiting_reply", "reason": None, "attempts": 0},
            "after": {"state": "records_found", "reason": None, "attempts": 1},
        }
    ]


@pytest.mark.parametrize(
    ("versions", "words"),
    [
        ([], "no versions"),
        ([1], "version 1 only"),
        ([1, 2, 3], "versions 1 to 3"),
        ([1, 2], "versions 1 and 2"),
        ([1, 2, 4], "versions 1, 2 and 4"),
    ],
)
def test_version_lists_in_words(versions: list[int], words: str) -> None:
    assert version_list(versions) == words


HOSTILE = "[link=file:///etc/passwd]x[/link]\x1b[31m"


def test_the_terminal_shows_stored_text_literally_even_on_a_real_terminal() -> None:
    names = {**NAMES, "S1": HOSTILE}
    earlier = chronology(1, [occurrence()], [check("police", "S1", CheckState.AWAITING_REPLY)])
    later = chronology(
        2,
        [
            occurrence(
                summary=f"Summary {HOSTILE}",
                people=[Involvement(agency_person_id="P-1", role=ROLE.VICTIM, subject_id="S1")],
            )
        ],
        [check("police", "S1", CheckState.RECORDS_FOUND, linked_candidates=1)],
        assembled_at=LATER,
    )
    comparison = ChildComparison("S1", HOSTILE, (1, 2), Outcome.COMPARED, diff=diff_chronologies(earlier, later))
    buffer = io.StringIO()
    print_diff(REFERRAL_ID, names, [comparison], Console(file=buffer, force_terminal=True, width=200))
    output = buffer.getvalue()

    assert "\x1b]8;" not in output and "file:///etc/passwd" in output  # no OSC-8 link: the markup is text
    assert "\x1b[31m" not in output and "[link=file:///etc/passwd]x[/link]\ufffd[31m" in output
    assert "awaiting reply → records found" in output
    document = diff_histories_document(REFERRAL_ID, names, [comparison])
    assert "\x1b" not in json.dumps(document, ensure_ascii=True)
