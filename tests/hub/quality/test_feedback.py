"""The feedback note: thanks, what was done well, what was missing and why, and nothing about the child."""

from __future__ import annotations

from pathlib import Path

from hub.quality.assessment import assess
from hub.quality.checklist import CHECKLIST_FILE, read_checklist
from hub.quality.feedback import WIDTH, feedback_note
from tests.hub.quality.referrals import good_referral, referral
from tests.markers import sample_family_markers

CHECKLIST = read_checklist(Path(__file__).resolve().parents[3] / "config" / CHECKLIST_FILE)


def test_a_poor_referrals_note_lists_each_gap_and_why_it_matters() -> None:
    assessment = assess(referral(), CHECKLIST)
    note = feedback_note(assessment)
    flat = " ".join(note.split())
    assert note.startswith("Feedback on referral REF-2026-000417\n")
    assert "To: Northbridge Police Public Protection Unit" in note
    assert "Received: 2 November 2026" in note
    assert "Thank you for your referral" in flat
    assert "What your referral did well" in note and "It gave each child's NHS number." in flat
    assert "What would have helped us" in note
    for gap in assessment.gaps:
        assert " ".join(gap.words.split()) in flat and " ".join(gap.why.split()) in flat
    assert "covered 3 of 11 points: a score of 20 out of 100" in flat
    assert "It is not a decision about the child" in flat
    assert all(len(line) <= WIDTH for line in note.splitlines())


def test_the_note_names_nobody_in_the_household() -> None:
    for made in (referral(), good_referral()):
        note = feedback_note(assess(made, CHECKLIST))
        leaked = [marker for marker in sample_family_markers() if marker in note]
        assert leaked == []
        for subject in made.subjects:
            assert subject.name.family_name not in note
            assert str(subject.person.birth_date) not in note
        assert "Larch Close" not in note and "NE6 5QT" not in note


def test_a_referral_meeting_everything_is_told_so() -> None:
    note = feedback_note(assess(good_referral(), CHECKLIST))
    assert "What would have helped us" not in note
    assert "told us everything our checklist asks for" in " ".join(note.split())


def test_a_private_referrer_is_not_named() -> None:
    neighbour = referral(referrer={"kind": "public", "organisation": "Mrs Jean Privett, next door"})
    note = feedback_note(assess(neighbour, CHECKLIST))
    assert "Privett" not in note and "To: the person who made this referral" in note
