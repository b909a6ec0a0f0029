"""The marking rules on their own: who referred, and what an event's words are when it names several people."""

from __future__ import annotations

import pytest

from hub.sar.bundle import Action
from hub.sar.marking import EntryMarker, referrer_mark
from schemas import InvolvementRole, ReferrerKind, Sensitivity
from tests.hub.builders import entry, example_referral


@pytest.mark.parametrize(
    ("kind", "action"),
    [
        (ReferrerKind.PUBLIC, Action.REDACT),
        (ReferrerKind.FAMILY, Action.REDACT),
        (ReferrerKind.OTHER, Action.REVIEW),
        (ReferrerKind.POLICE, Action.REVIEW),
        (ReferrerKind.EDUCATION, Action.REVIEW),
    ],
)
def test_a_member_of_the_public_who_referred_is_a_third_party_an_agency_a_professional(
    kind: ReferrerKind, action: Action
) -> None:
    assert referrer_mark(kind).action is action


def marker(*, links_known: bool = True) -> EntryMarker:
    referral = example_referral()
    subjects = {subject.subject_id: subject for subject in referral.subjects}
    names = {sid: subject.person.display_name for sid, subject in subjects.items()}
    return EntryMarker(
        "S1", {("police", "P-1"): "S1", ("police", "P-2"): "S2"}, subjects, names, links_known=links_known
    )


def test_an_event_is_the_requesters_mixed_or_someone_elses() -> None:
    mine = entry("police", "A", "2026-01-01", [("P-1", InvolvementRole.VICTIM)])
    mixed = entry("police", "B", "2026-01-01", [("P-1", InvolvementRole.VICTIM), ("P-2", InvolvementRole.WITNESS)])
    theirs = entry("police", "C", "2026-01-01", [("P-2", InvolvementRole.VICTIM)])
    marked = marker()
    assert marked.entry(mine).mark.action is Action.RELEASE
    assert marked.entry(mixed).summary.mark.label == (
        "review: also about 1 other person: release what is the requester's"
    )
    assert [person.who for person in marked.entry(mixed).people] == ["the requester", "Tyler Okafor-Reid"]
    assert marked.entry(theirs).mark.action is Action.REDACT
    assert marked.involves_requester(mixed) and not marked.involves_requester(theirs)


def test_before_identity_checking_an_unknown_person_is_for_review_not_taken_for_a_stranger() -> None:
    stranger = entry("police", "D", "2026-01-01", [("P-9", InvolvementRole.SUSPECT)])
    assert marker().entry(stranger).mark.action is Action.REDACT
    assert marker(links_known=False).entry(stranger).mark.action is Action.REVIEW


def test_an_action_taken_note_is_for_review_unless_the_event_is_someone_elses() -> None:
    base = entry("police", "A", "2026-01-01", [("P-1", InvolvementRole.VICTIM)])
    noted = base.model_copy(update={"action_taken": "PC Smith referred to MARAC."})
    held = marker().entry(noted)
    assert held.action_taken is not None and held.action_taken.mark.action is Action.REVIEW
    other = entry("police", "C", "2026-01-01", [("P-2", InvolvementRole.VICTIM)]).model_copy(
        update={"action_taken": "Referred to MARAC."}
    )
    held_other = marker().entry(other)
    assert held_other.action_taken is not None and held_other.action_taken.mark.action is Action.REDACT


def test_a_restricted_entry_about_the_requester_alone_is_still_for_review() -> None:
    mine = entry("police", "A", "2026-01-01", [("P-1", InvolvementRole.VICTIM)])
    restricted = mine.model_copy(update={"sensitivity": Sensitivity.RESTRICTED})
    held = marker().entry(restricted)
    assert held.mark.action is Action.REVIEW and held.summary.mark.why is not None
    assert held.summary.mark.why.startswith("restricted police material: ask the agency before disclosing")
    theirs = entry("police", "C", "2026-01-01", [("P-2", InvolvementRole.VICTIM)])
    assert (
        marker().entry(theirs.model_copy(update={"sensitivity": Sensitivity.RESTRICTED})).mark.action is Action.REDACT
    )
