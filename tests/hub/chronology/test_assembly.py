"""Assembly: linkage filters, attribution, de-duplication, ordering, household adults and the checks grid."""

from __future__ import annotations

import pytest

from hub.chronology.assembly import assemble, link_people
from schemas import Chronology, ChronologyEntry, InvolvementRole, ReplyStatus
from tests.hub.builders import ASSEMBLED_AT, candidate, entry, example_referral, household_replies, person, reply


def _by_child() -> dict[str, Chronology]:
    return {c.child_subject_id: c for c in assemble(example_referral(), household_replies(), assembled_at=ASSEMBLED_AT)}


def _records(chronology: Chronology) -> list[str]:
    return [e.source.record_id for e in chronology.entries]


def _people(item: ChronologyEntry) -> list[tuple[str, str, str | None]]:
    return [(p.agency_person_id, p.role.value, p.subject_id) for p in item.people]


def test_one_chronology_per_child_with_placeholder_version() -> None:
    chronologies = assemble(example_referral(), household_replies(), assembled_at=ASSEMBLED_AT)
    assert [c.child_subject_id for c in chronologies] == ["S1", "S2"]
    assert all(c.version == 1 and c.assembled_at == ASSEMBLED_AT for c in chronologies)
    assert all(c.referral_id == "REF-2026-000417" for c in chronologies)


def test_entries_sorted_by_date_with_adults_included_and_rejected_candidates_excluded() -> None:
    chronologies = _by_child()
    # OCC-3 involves only the mother (an adult), OCC-2 belongs to the rejected candidate P-5,
    # HV-1 involves only the sibling.
    assert _records(chronologies["S1"]) == ["OCC-3", "AE-1", "OCC-1"]
    assert _records(chronologies["S2"]) == ["OCC-3", "HV-1", "OCC-1"]


def test_duplicate_reports_appear_once_with_people_merged_and_attributed() -> None:
    [occurrence] = [e for e in _by_child()["S1"].entries if e.source.record_id == "OCC-1"]
    assert _people(occurrence) == [
        ("P-1", "child_present", "S1"),
        ("P-7", "suspect", None),  # Not a candidate in any search: stays unattributed.
        ("P-9", "victim", "S3"),
    ]


def test_same_day_entries_sort_by_agency_then_record() -> None:
    referral = example_referral()
    amara = person("Amara Joy", "Okafor-Reid", "2015-03-14")
    replies = [
        reply(
            "police",
            "S1",
            candidates=[candidate("P-1", amara)],
            entries=[
                entry("police", "B", "2026-01-01", [("P-1", InvolvementRole.VICTIM)]),
                entry("police", "A", "2026-01-01", [("P-1", InvolvementRole.VICTIM)]),
            ],
        ),
        reply(
            "health",
            "S1",
            candidates=[candidate("H-1", amara)],
            entries=[entry("health", "Z", "2026-01-01", [("H-1", InvolvementRole.PATIENT)])],
        ),
    ]
    [s1, _s2] = assemble(referral, replies, assembled_at=ASSEMBLED_AT)
    assert [(e.source.agency, e.source.record_id) for e in s1.entries] == [
        ("health", "Z"),
        ("police", "A"),
        ("police", "B"),
    ]


def test_checks_cover_every_agency_and_subject() -> None:
    checks = {(c.agency, c.subject_id): (c.status, c.record_count) for c in _by_child()["S1"].checks}
    assert checks == {
        ("health", "S1"): (ReplyStatus.FOUND, 1),
        ("health", "S2"): (ReplyStatus.FOUND, 1),
        ("health", "S3"): (ReplyStatus.PENDING, 0),  # Not answered: never shown as "no record".
        ("health", "S4"): (ReplyStatus.PENDING, 0),
        ("police", "S1"): (ReplyStatus.FOUND, 1),  # OCC-2 belonged to the rejected candidate.
        ("police", "S2"): (ReplyStatus.NO_RECORD, 0),
        ("police", "S3"): (ReplyStatus.FOUND, 2),
        ("police", "S4"): (ReplyStatus.FAILED, 0),
    }
    chronologies = _by_child()
    assert chronologies["S1"].checks == chronologies["S2"].checks


def test_assembly_is_deterministic_whatever_the_reply_order() -> None:
    referral = example_referral()
    forwards = assemble(referral, household_replies(), assembled_at=ASSEMBLED_AT)
    backwards = assemble(referral, list(reversed(household_replies())), assembled_at=ASSEMBLED_AT)
    assert forwards == backwards


def test_agency_person_linked_to_two_subjects_is_left_unlinked() -> None:
    referral = example_referral()
    # One agency person matched to both children (e.g. a merged record): attributing it to either is unsafe.
    both = [
        reply("health", subject.subject_id, candidates=[candidate("H-X", subject.person)])
        for subject in referral.children
    ]
    links, decided = link_people(referral, both)
    assert links == {}
    assert {(link.agency_person_id, link.subject_id, link.outcome.value) for link in decided} == {
        ("H-X", "S1", "linked"),
        ("H-X", "S2", "linked"),
    }


def test_replies_must_belong_to_the_referral() -> None:
    with pytest.raises(ValueError, match="not in the referral"):
        assemble(example_referral(), [reply("police", "S9")], assembled_at=ASSEMBLED_AT)
    with pytest.raises(ValueError, match="REF-OTHER"):
        assemble(example_referral(), [reply("police", "S1", referral_id="REF-OTHER")], assembled_at=ASSEMBLED_AT)
    with pytest.raises(ValueError, match="two replies"):
        assemble(example_referral(), [reply("police", "S1"), reply("police", "S1")], assembled_at=ASSEMBLED_AT)


def test_a_found_reply_whose_person_is_rejected_counts_as_unmatched_not_linked() -> None:
    referral = example_referral()
    child = referral.subject("S1").person
    stranger = person("Amira", "Okafor-Reid", "2015-03-14")  # same birth date, different first name
    replies = [
        reply(
            "housing",
            "S1",
            candidates=[candidate("H-1", stranger), candidate("H-2", child)],
            entries=[entry("housing", "T-1", "2026-01-05", [("H-1", InvolvementRole.TENANT)])],
        ),
        reply("education", "S1", candidates=[candidate("E-1", stranger)]),
    ]
    checks = {
        check.agency: check
        for check in assemble(referral, replies, assembled_at=ASSEMBLED_AT)[0].checks
        if check.subject_id == "S1"
    }
    assert (checks["housing"].linked_candidates, checks["housing"].unmatched_candidates) == (1, 1)
    assert checks["housing"].record_count == 0  # the only entry belonged to the rejected candidate
    assert (checks["education"].linked_candidates, checks["education"].unmatched_candidates) == (0, 1)
    assert checks["education"].status is ReplyStatus.FOUND  # the agency's answer is kept as given
