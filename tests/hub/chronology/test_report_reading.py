"""The family history as a practitioner reads it: the report's defects issue 14 measured, each shown fixed.

- Check states were emitted under one class name and styled under another, so failed checks were not
  red: every class the report emits must be one its stylesheet styles, for every check state.
- Raw record ids (`Patient/44c4a2ef-…`, a UPN in a CTF path) read as machine output: the reading names
  the agency and the kind of record; the ids stay in the JSON document, for IG and scripts.
- Repeated evidence ("shown by housing TEN000001; shown by housing TEN000001"): each source once.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import tinycss2
from rich.console import Console

from hub.chronology.assembly import assemble
from hub.chronology.check_states import STATE_TONES, state_class
from hub.chronology.family_history import CheckCell, FamilyHistory, build, evidence_words
from hub.chronology.history_json import history_document
from hub.chronology.report import print_family_history, render_html
from schemas import (
    AgencyReply,
    CandidateLink,
    CheckState,
    EntryCategory,
    InvolvementRole,
    LinkEvidence,
    LinkOutcome,
    PersonName,
    RelatedPerson,
    SourceRef,
)
from tests.hub.builders import ASSEMBLED_AT, candidate, entry, example_referral, household_replies, person, reply

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
AGENCIES = ["health", "police", "education", "housing"]
PATIENT = "44c4a2ef-6b1d-4c7e-9a51-2f0e8d3c6b7a"


def styled_classes() -> set[str]:
    """Every class a selector of the report's stylesheet names."""
    css = (files("hub.chronology") / "templates" / "report.css").read_text(encoding="utf-8")
    classes = set()
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "qualified-rule":
            classes |= set(re.findall(r"\.([A-Za-z][\w-]*)", tinycss2.serialize(rule.prelude)))
    return classes


def every_state(history: FamilyHistory) -> FamilyHistory:
    """The history with one check in each state, so the report emits every state's class."""
    agencies = [f"agency{index}" for index, _ in enumerate(CheckState)]
    cells = {
        agency: CheckCell(agency, "S1", state.value, state.value, None, None, 1, None, None)
        for agency, state in zip(agencies, CheckState, strict=True)
    }
    return dataclasses.replace(history, agencies=agencies, checks={"S1": cells})


def test_every_check_state_has_a_class_its_stylesheet_styles() -> None:
    styled = styled_classes()
    assert set(STATE_TONES) == set(CheckState)  # no state without a tone
    assert {state_class(state) for state in CheckState} <= styled


def test_every_class_the_report_emits_for_a_check_is_styled_and_failed_is_red() -> None:
    referral = example_referral()
    history = build(referral, assemble(referral, household_replies(), assembled_at=ASSEMBLED_AT), AGENCIES, now=NOW)
    html = render_html(every_state(history), produced_by="user:test")
    emitted = re.findall(r'<td class="([^"]+)" data-state="([a-z_]+)"', html)
    assert {state for _, state in emitted} == {state.value for state in CheckState}
    assert {name for names, _ in emitted for name in names.split()} <= styled_classes()
    failed = {names for names, state in emitted if state == "failed"}
    assert failed == {"check-alert"} and re.search(r"\.check-alert \{ color: var\(--govuk-error-colour\);", html)
    assert re.search(r"--govuk-error-colour:#[0-9a-f]{3,6}[;}]", html)  # GOV.UK's error red, from its package


def issue_household() -> list[AgencyReply]:
    """The example household, with a health record keyed as PDS keys it, and a tenancy naming mother and child.

    The tenancy lists Grace (tenant) and Amara (household member) and states Amara is Grace's child:
    one record showing a parent and that the two live together.
    """
    replies = household_replies()
    amara = person("Amara Joy", "Okafor-Reid", "2015-03-14")
    grace = person("Grace", "Okafor-Reid", "1989-11-20")
    attendance = entry(
        "health",
        f"Encounter/{PATIENT}",
        "2026-01-04",
        [(PATIENT, InvolvementRole.PATIENT)],
        category=EntryCategory.EMERGENCY_ATTENDANCE,
        summary="A&E attendance: a burn to the hand.",
    )
    tenancy = entry(
        "housing",
        "TEN000001",
        "2021-04-12",
        [("HP-3", InvolvementRole.TENANT), ("HP-1", InvolvementRole.HOUSEHOLD_MEMBER)],
        category=EntryCategory.TENANCY,
        summary="Secure council tenancy.",
    )
    stated = RelatedPerson(
        agency_person_id="HP-3",
        relationship="child",
        relationship_code="child",
        related_agency_person_id="HP-1",
        name=PersonName(given_names=["Amara"], family_name="Okafor-Reid"),
        source=SourceRef(agency="housing", record_id="TEN000001"),
    )
    return [
        *[item for item in replies if (item.agency, item.subject_id) != ("health", "S1")],
        reply("health", "S1", candidates=[candidate(PATIENT, amara)], entries=[attendance]),
        reply("housing", "S1", candidates=[candidate("HP-1", amara)], entries=[tenancy]),
        reply("housing", "S3", candidates=[candidate("HP-3", grace)], entries=[tenancy]).model_copy(
            update={"related_people": [stated]}
        ),
    ]


def issue_history() -> FamilyHistory:
    referral = example_referral()
    return build(referral, assemble(referral, issue_household(), assembled_at=ASSEMBLED_AT), AGENCIES, now=NOW)


RAW_IDS = ("TEN000001", PATIENT, "Encounter/", "OCC-1", "OCC-3", "P-1", "P-5", "P-9", "HP-1", "HP-3", "H-2")


def test_the_practitioners_reading_names_records_in_words_never_by_their_ids() -> None:
    history = issue_history()
    html = render_html(history, produced_by="user:test")
    out = io.StringIO()
    print_family_history(history, Console(file=out, width=300))
    for reading in (html, out.getvalue()):
        assert not [raw for raw in RAW_IDS if raw in reading]
    amara = next(child for child in history.children if child.subject_id == "S1")
    burn = next(row for row in amara.rows if "burn" in row.summary)
    assert (burn.source, burn.people) == ("Health (NHS)", "Amara Joy Okafor-Reid (patient)")
    labels = {(link.person, link.label) for link in history.links}
    assert ("Amara Joy Okafor-Reid", "NHS patient record 1") in labels  # the PDS id sorts before H-2
    assert ("Tyler Okafor-Reid", "NHS patient record 2") in labels
    assert ("Amara Joy Okafor-Reid", "Police nominal record 1") in labels
    assert "<td>Police nominal record 2</td>" in html  # the look-alike waiting for review, P-5


def test_the_json_document_keeps_the_agencies_ids_for_ig_and_scripts() -> None:
    document = json.loads(json.dumps(history_document(issue_history())))
    assert "records" not in document
    assert {(link["agency"], link["record"]) for link in document["links"]} >= {("health", PATIENT), ("police", "P-5")}
    rows = [row for child in document["children"] for row in child["rows"]]
    assert f"health Encounter/{PATIENT}" in {row["record"] for row in rows}


def test_each_source_of_a_relationship_is_named_once() -> None:
    rows = {(row.person, row.of): row.stated_by for row in issue_history().relationships}
    # Before: "stated in the referral; shown by housing TEN000001; shown by housing TEN000001 (lives with)".
    assert rows[("Grace Okafor", "Amara Joy Okafor-Reid")] == "stated in the referral; shown by a housing record"


def test_two_records_of_one_agency_saying_the_same_are_counted_not_repeated() -> None:
    referral = example_referral()
    amara = person("Amara Joy", "Okafor-Reid", "2015-03-14")
    grace = person("Grace", "Okafor-Reid", "1989-11-20")
    tenancies = [
        entry(
            "housing",
            record,
            day,
            [("HP-3", InvolvementRole.TENANT), ("HP-1", InvolvementRole.HOUSEHOLD_MEMBER)],
            category=EntryCategory.TENANCY,
        )
        for record, day in (("TEN000001", "2019-01-01"), ("TEN000002", "2022-01-01"))
    ]
    replies = [
        reply("housing", "S1", candidates=[candidate("HP-1", amara)], entries=tenancies),
        reply("housing", "S3", candidates=[candidate("HP-3", grace)], entries=tenancies),
    ]
    history = build(referral, assemble(referral, replies, assembled_at=ASSEMBLED_AT), AGENCIES, now=NOW)
    rows = {(row.person, row.of): row.stated_by for row in history.relationships}
    assert rows[("Grace Okafor", "Amara Joy Okafor-Reid")] == (
        "stated in the referral; shown by 2 housing records (lives with)"
    )


def test_evidence_worded_alike_is_said_once() -> None:
    said = LinkEvidence(field="given_names", level="exact", weight=3.0, words="given names match")
    alias = LinkEvidence(field="aliases", level="exact", weight=2.0, words="given names match")
    born = LinkEvidence(field="birth_date", level="exact", weight=0.0, words="birth date matches")
    link = CandidateLink(
        outcome=LinkOutcome.LINKED,
        probability=0.99,
        evidence=[said, alias, born],
        agency="police",
        agency_person_id="P-1",
        subject_id="S1",
    )
    assert evidence_words(link) == "given names match; birth date matches"


def test_the_html_report_is_written_owner_only_with_its_print_stylesheet(tmp_path: Path) -> None:
    from hub.chronology.report import write_html

    written = write_html(issue_history(), tmp_path / "report.html", produced_by="user:test")
    assert written.stat().st_mode & 0o777 == 0o600
    html = written.read_text(encoding="utf-8")
    assert '<style media="print">' in html and "@page" in html and 'counter(page) " of " counter(pages)' in html
    assert "thead { display: table-header-group; }" in html
    assert html.count("<thead>") == html.count("<table>")  # every table's header can repeat on each page
