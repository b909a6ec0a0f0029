"""No silent "no record" (issue 13): records an agency returned but the hub did not link are counted, can be
opened, and are never read as the household's without saying whose check returned them.

The live run this reproduces: police held a referred child whose birth date was one day out. Police's
check for him returned nothing (an exact-date search), his mother's check returned two missing episodes
naming him, and every child's chronology showed them with "person not in referral".
"""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

from rich.console import Console

from hub.chronology.assembly import assemble
from hub.chronology.check_states import check_words
from hub.chronology.family_history import FamilyHistory, build
from hub.chronology.history_json import history_document
from hub.chronology.report import print_family_history, write_html
from hub.chronology.returned import NOT_LINKED_WORDS, returned_records
from schemas import AgencyReply, CheckState, Chronology, ChronologyEntry, EntryCategory, LinkOutcome, ReplyStatus
from tests.hub.builders import ASSEMBLED_AT, ROLE, candidate, entry, example_referral, person, reply
from tests.hub.chronology.test_check_states import NOW

AGENCIES = ["police"]
GRACE = candidate("P-9", person("Grace", "Okafor", "1989-11-20", aliases=[("Grace", "Okafor-Reid")]))
TYLER_NEAR_MISS = candidate("P-4", person("Tylor", "Okafor-Reid", "2018-06-30"))
"""Police's Tyler (born 2 July), recorded with a typing error in his name and a birth date two days out."""
STRANGERS = [
    candidate("P-20", person("Tyrone", "Oakley", "2018-01-30")),
    candidate("P-21", person("Taylor", "Reed", "2017-09-12")),
]


def missing_episodes(*, named: str = "P-4") -> list[ChronologyEntry]:
    return [
        entry(
            "police",
            f"MIS-{number}",
            day,
            [(named, ROLE.SUBJECT), ("P-9", ROLE.REPORTING_PERSON)],
            category=EntryCategory.MISSING_EPISODE,
            summary="Missing person episode; reported missing by mother.",
        )
        for number, day in ((1, "2026-03-02"), (2, "2026-06-20"))
    ]


def history_of(replies: list[AgencyReply]) -> tuple[list[Chronology], FamilyHistory]:
    referral = example_referral()
    chronologies = assemble(referral, replies, assembled_at=ASSEMBLED_AT)
    return chronologies, build(referral, chronologies, AGENCIES, now=NOW)


def everything_shown(history: FamilyHistory, tmp_path: Path) -> str:
    """The history as a practitioner can read it: terminal, JSON and HTML together."""
    out = io.StringIO()
    print_family_history(history, Console(file=out, width=250))
    html = write_html(history, tmp_path / "history.html").read_text()
    return out.getvalue() + json.dumps(history_document(history)) + html


def test_the_live_run_no_event_about_an_unlinked_child_reads_as_someone_outside_the_household(tmp_path: Path) -> None:
    grace = reply("police", "S3", candidates=[GRACE], entries=missing_episodes())
    tyler = reply("police", "S2", status=ReplyStatus.NO_RECORD)  # the exact-date search found nothing
    _, history = history_of([grace, tyler])

    for child in history.children:  # both children: the episodes reach them through their mother
        episodes = [row for row in child.rows if row.category == "missing episode"]
        assert len(episodes) == 2
        for row in episodes:
            assert "Police nominal record 1, returned for Grace Okafor's check, not linked (subject)" in row.people
            assert "Grace Okafor (reporting person)" in row.people
    assert "person not in referral" not in everything_shown(history, tmp_path)


def test_a_record_returned_for_a_childs_own_check_names_that_child(tmp_path: Path) -> None:
    grace = reply("police", "S3", candidates=[GRACE], entries=missing_episodes())
    stranger_named = reply("police", "S2", candidates=STRANGERS, entries=missing_episodes(named="P-20"))
    chronologies, history = history_of([grace, stranger_named])

    [row, *_] = [row for row in history.children[0].rows if row.category == "missing episode"]
    assert "Police nominal record 1, returned for Tyler Okafor-Reid's check, not linked (subject)" in row.people
    people = {p.agency_person_id: p for e in chronologies[0].entries for p in e.people}
    assert (people["P-20"].subject_id, people["P-20"].returned_for) == (None, "S2")
    assert (people["P-9"].subject_id, people["P-9"].returned_for) == ("S3", None)  # linked: nobody else's


def test_records_returned_none_linked_says_how_many_in_every_form(tmp_path: Path) -> None:
    _, history = history_of([reply("police", "S2", candidates=STRANGERS)])
    cell = history.checks["S2"]["police"]
    assert (cell.state, cell.words) == (
        CheckState.RECORDS_RETURNED_NONE_LINKED.value,
        "records returned, none linked: 2",
    )
    chronologies, _ = history_of([reply("police", "S2", candidates=STRANGERS)])
    [stored] = [check for check in chronologies[0].checks if check.subject_id == "S2"]
    assert (stored.unmatched_candidates, stored.linked_candidates, stored.review_candidates) == (2, 0, 0)
    assert check_words(stored, NOW) == "records returned, none linked: 2"
    shown = everything_shown(history, tmp_path)
    assert shown.count("records returned, none linked: 2") >= 3  # terminal, JSON, HTML
    assert not history.all_clear


def test_a_practitioner_can_open_the_records_returned_and_not_linked(tmp_path: Path) -> None:
    referral = example_referral()
    replies = [reply("police", "S2", candidates=STRANGERS), reply("police", "S3", candidates=[GRACE])]
    chronologies, history = history_of(replies)

    rows = returned_records(referral, replies, chronologies[0].links)

    assert [(row.checked_for, row.agency, row.record) for row in rows] == [
        ("Tyler Okafor-Reid", "police", "P-20"),
        ("Tyler Okafor-Reid", "police", "P-21"),
    ]  # Grace's record is linked to her, so it is in the chronology, not here
    tyrone = rows[0]
    assert (tyrone.name, tyrone.born, tyrone.decision) == ("Tyrone Oakley", "30 Jan 2018", NOT_LINKED_WORDS)
    assert "first names differ" in tyrone.evidence or "differ" in tyrone.evidence
    opened = dataclasses.replace(history, returned=rows)
    shown = everything_shown(opened, tmp_path)
    assert shown.count("Tyrone Oakley") >= 3 and "Records agencies returned that are not linked" in shown
    assert history_document(history)["returned"] is None  # never shown unless asked for


def test_a_near_miss_goes_to_review_and_the_events_naming_him_say_so(tmp_path: Path) -> None:
    """Once police return him (a search by birth year), a plausible near miss is reviewed, never dropped."""
    grace = reply("police", "S3", candidates=[GRACE], entries=missing_episodes())
    tyler = reply("police", "S2", candidates=[TYLER_NEAR_MISS], entries=missing_episodes())
    chronologies, history = history_of([grace, tyler])

    [link] = [link for link in chronologies[0].links if link.agency_person_id == "P-4"]
    assert (link.subject_id, link.outcome) == ("S2", LinkOutcome.REVIEW)
    assert any("birth date" in reason or "not strong enough" in reason for reason in link.review_reasons)
    cell = history.checks["S2"]["police"]
    assert cell.state == CheckState.RECORDS_FOUND.value
    assert cell.words == "records found; 1 possible match awaiting review, not yet confirmed"
    for child in history.children:
        for row in (row for row in child.rows if row.category == "missing episode"):
            assert "Police nominal record 1, possibly Tyler Okafor-Reid: awaiting review (subject)" in row.people
