"""Agency records with a field left out as unusable, or with no name (a PDS minimal record), in the history.

A practitioner must see that a field of an agency's record was unusable (the check's result and the
report say so, naming the record, never the value), and a record without a name must read sensibly:
never "None", never a crash.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from hub.chronology.assembly import assemble
from hub.chronology.family_history import build
from hub.chronology.report import print_family_history, write_html
from schemas import AgencyReply, LinkOutcome
from tests.hub.builders import ASSEMBLED_AT, example_referral, household_replies

NOTE = "birth date is not a date, so it was left out"


def _replies() -> list[AgencyReply]:
    """The household's replies with police's second candidate for S1 missing its birth date (noted), and
    health's record of S1 a minimal one: an NHS number and birth date, no name."""
    replies = household_replies()
    police = replies[0]
    assert (police.agency, police.subject_id) == ("police", "S1")
    first, second = police.candidates
    unusable = second.model_copy(
        update={"person": second.person.model_copy(update={"birth_date": None}), "set_aside": [NOTE]}
    )
    replies[0] = police.model_copy(update={"candidates": [first, unusable]})
    index, health = next((i, r) for i, r in enumerate(replies) if (r.agency, r.subject_id) == ("health", "S1"))
    [record] = health.candidates
    nameless = record.model_copy(update={"person": record.person.model_copy(update={"name": None})})
    replies[index] = health.model_copy(update={"candidates": [nameless]})
    return replies


def test_the_check_result_names_the_record_whose_field_was_left_out() -> None:
    chronologies = assemble(example_referral(), _replies(), assembled_at=ASSEMBLED_AT)
    checks = {(check.agency, check.subject_id): check for check in chronologies[0].checks}
    assert checks[("police", "S1")].set_aside == (f"police record P-5: {NOTE}",)
    assert all(not check.set_aside for key, check in checks.items() if key != ("police", "S1"))


def test_a_nameless_health_record_links_on_its_nhs_number() -> None:
    chronologies = assemble(example_referral(), _replies(), assembled_at=ASSEMBLED_AT)
    [link] = [link for link in chronologies[0].links if link.agency_person_id == "H-1"]
    assert (link.subject_id, link.outcome) == ("S1", LinkOutcome.LINKED)
    s1 = next(chronology for chronology in chronologies if chronology.child_subject_id == "S1")
    assert "AE-1" in [entry.source.record_id for entry in s1.entries]


def test_the_report_says_which_field_was_left_out_and_never_prints_none(tmp_path: Path) -> None:
    referral = example_referral()
    chronologies = assemble(referral, _replies(), assembled_at=ASSEMBLED_AT)
    history = build(referral, chronologies, ["health", "police"], now=ASSEMBLED_AT)
    assert history.set_aside == [f"Police nominal record 2: {NOTE}"]  # P-1, P-5, P-7, P-9 in id order
    console = Console(record=True, width=200)
    print_family_history(history, console)
    text = console.export_text()
    assert f"Left out as unusable: Police nominal record 2: {NOTE}" in text
    assert "None" not in text
    html = write_html(history, tmp_path / "history.html").read_text(encoding="utf-8")
    assert f"<li>Police nominal record 2: {NOTE}</li>" in html and "None" not in html
