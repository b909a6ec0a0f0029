"""A subject access export for Amara gathers exactly her records, and marks everyone else's for IG.

Amara is the subject child of one referral and a sibling in an earlier one, both found by her NHS
number; a referral naming her without it is left out (and pointed to), another family's is never
touched. Her details are released; her brother's, her mother's and the other adult's are kept but
marked for redaction wherever they appear, and nothing about them is left unmarked. Every read made
for the request is audited with its purpose, and each referral included has its `sar.export` event.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from hub.audit import AuditAction
from hub.audit.search import subject_of
from hub.sar.bundle import Action, HeldReferral, SubjectAccessBundle
from hub.sar.gather import gather
from hub.sar.processing import Setting
from hub.sar.request import SubjectAccessRequest, UnknownSubject, parse_request
from hub.store import HubStore, UnknownReferral
from tests.hub.builders import REFERRAL_ID
from tests.hub.sar.conftest import IG
from tests.hub.sar.household import (
    AMARA_NHS,
    EARLIER_ID,
    NAME_ONLY_ID,
    OTHER_FAMILY_ID,
    RATIONALE,
    REVIEW_REASON,
    TYLER_NHS,
)

OTHERS = ("Tyler", "Grace", "Liam", "Hartley", TYLER_NHS, "2018-07-02", "1989-11-20", "1986-05-09")
"""Everyone else's names, NHS number and birth dates."""
OTHER_FAMILY = ("Noah", "Pemberton", OTHER_FAMILY_ID)


def released(value: object) -> Iterator[str]:
    """Every string in the bundle's JSON that no mark withholds: what would go out if IG did nothing."""
    if isinstance(value, dict):
        mark = value.get("mark")
        if isinstance(mark, dict) and mark["action"] != Action.RELEASE:
            return
        for item in value.values():
            yield from released(item)
    elif isinstance(value, list):
        for item in value:
            yield from released(item)
    elif isinstance(value, str):
        yield value


def referral(bundle: SubjectAccessBundle, referral_id: str) -> HeldReferral:
    [found] = [item for item in bundle.referrals if item.referral_id == referral_id]
    return found


def test_the_export_holds_exactly_the_persons_referrals(amara: SubjectAccessBundle) -> None:
    assert [(item.referral_id, item.requester_subject_id, item.found_by) for item in amara.referrals] == [
        (EARLIER_ID, "S2", "nhs_number"),
        (REFERRAL_ID, "S1", "nhs_number"),
    ]
    lookup = amara.lookup
    assert (lookup.candidates_checked, lookup.confirmed, lookup.unreadable) == (2, 2, 0)
    assert not amara.nothing_held and not amara.unreadable
    document = amara.model_dump_json()
    assert not [word for word in OTHER_FAMILY if word in document]
    assert "only by name and date of birth" in lookup.statement
    counts = amara.counts
    assert (counts.referrals, counts.agency_replies, counts.decisions, counts.identity_reviews) == (2, 3, 1, 1)


def test_her_details_are_released_and_no_one_elses_is_left_unmarked(amara: SubjectAccessBundle) -> None:
    text = " ".join(released(amara.model_dump(mode="json")))
    assert not [word for word in OTHERS if word in text], "another person's details would go out unmarked"
    assert "Amara Joy Okafor-Reid" in text and AMARA_NHS in text and "2015-03-14" in text
    for held in amara.referrals:
        assert held.requester is not None and held.requester.mark.action is Action.RELEASE
        assert held.requester.details is not None and held.requester.details.identifiers["nhs_number"] == AMARA_NHS
        assert held.others and all(other.mark.action is Action.REDACT for other in held.others)
    tyler = next(other for other in referral(amara, REFERRAL_ID).others if other.subject_id == "S2")
    assert tyler.details is not None and tyler.details.identifiers["nhs_number"] == TYLER_NHS  # kept, not dropped
    assert tyler.mark.label == "redact: third party (a sibling named in the referral)"
    assert "redact: third party (the subject child named in the referral)" in {
        other.mark.label for other in referral(amara, EARLIER_ID).others
    }


def test_each_event_is_marked_by_whom_it_involves(amara: SubjectAccessBundle) -> None:
    current = referral(amara, REFERRAL_ID)
    entries = {entry.record_id: entry for entry in current.chronology_entries}
    assert set(entries) == {"OCC-1", "OCC-3", "AE-1"}
    assert entries["AE-1"].mark.action is Action.RELEASE
    assert entries["OCC-1"].mark.action is Action.REVIEW and entries["OCC-1"].in_chronologies == ["S1 v1", "S2 v1"]
    assert {(person.who, person.mark.action) for person in entries["OCC-1"].people} == {
        ("the requester", Action.RELEASE),
        ("police record P-7", Action.REDACT),
        ("Grace Okafor", Action.REDACT),
    }
    assert entries["OCC-3"].mark.label.startswith("redact: third party (an event about other people")
    assert [(version.child_subject_id, version.version, version.whose) for version in current.chronologies] == [
        ("S1", 1, "the requester"),
        ("S2", 1, "another child: a sibling named in the referral"),
    ]
    police = next(reply for reply in current.replies if reply.agency == "police")
    marks = {record.agency_person_id: record.mark.action for record in police.records}
    assert marks == {"P-1": Action.RELEASE, "P-5": Action.REVIEW}  # P-5 went to a practitioner's review
    other_child = next(entry for entry in police.entries if entry.record_id == "OCC-2")
    assert other_child.mark.action is Action.REDACT
    [shouting] = referral(amara, EARLIER_ID).chronology_entries
    assert shouting.in_chronologies == ["S1 v1", "S2 v1"] and shouting.mark.action is Action.REVIEW


def test_referrers_staff_and_free_text_are_for_review_a_member_of_the_public_redacted(
    amara: SubjectAccessBundle,
) -> None:
    current, earlier = referral(amara, REFERRAL_ID), referral(amara, EARLIER_ID)
    assert current.referrer is not None and current.referrer.mark.action is Action.REVIEW
    assert earlier.referrer is not None and earlier.referrer.mark.label == (
        "redact: third party (the referrer, a member of the public)"
    )
    assert current.narrative is not None and current.narrative.mark.action is Action.REVIEW
    [decision] = current.decisions
    assert decision.rationale.value == RATIONALE and decision.rationale.mark.action is Action.REVIEW
    assert (
        decision.outcome == "s17_assessment" and decision.recorded_by.mark.why == "a professional acting in their role"
    )
    assert decision.sign_off is not None and decision.sign_off.verdict == "agreed"
    [review] = current.identity_reviews
    assert review.reason is not None and review.reason.value == REVIEW_REASON
    assert (review.status, review.agency_person_id, review.reason.mark.action) == ("rejected", "P-5", Action.REVIEW)
    staff = {event.actor: event.mark.action for event in current.access if event.actor.startswith("user:")}
    assert staff["user:sam.practitioner"] is Action.REVIEW
    service = [
        event for event in current.access if event.object_id == f"{REFERRAL_ID}/police/S1" and event.role == "service"
    ]
    assert service and all(event.mark.action is Action.RELEASE for event in service)
    sibling = [event for event in current.access if event.object_id == f"{REFERRAL_ID}/police/S2"]
    assert sibling and all(event.mark.action is Action.REDACT for event in sibling)


def test_the_processing_facts_come_from_the_records(amara: SubjectAccessBundle) -> None:
    processing = amara.processing
    assert [(item.agency, item.referrals) for item in processing.recipients] == [
        ("health", [REFERRAL_ID]),
        ("police", [EARLIER_ID, REFERRAL_ID]),
    ]
    assert "MASH enquiry (mash_enquiry)" in processing.purposes
    assert not [purpose for purpose in processing.purposes if "subject access request" in purpose]
    assert processing.lawful_basis and processing.rights and processing.automated_decisions
    assert f"Referral {EARLIER_ID}: the referrer (public)" in processing.sources


def test_every_read_for_the_request_and_each_referral_exported_are_audited(
    household: HubStore, amara: SubjectAccessBundle, amara_request: SubjectAccessRequest
) -> None:
    events = [event for event in household.audit_trail() if event.purpose == amara_request.purpose]
    assert Counter(event.action for event in events) == {
        AuditAction.PRIOR_PERSON_READ: 2,
        AuditAction.REFERRAL_READ: 2,
        AuditAction.REPLIES_READ: 3,
        AuditAction.CHRONOLOGY_READ: 4,
        AuditAction.DECISION_READ: 1,
        AuditAction.SAR_EXPORT: 2,
    }
    exports = sorted(event.object_id for event in events if event.action == AuditAction.SAR_EXPORT)
    assert exports == [f"{EARLIER_ID}/S2/{amara.request_id}", f"{REFERRAL_ID}/S1/{amara.request_id}"]
    # So `hub audit search --child REF/S1` finds the exports of that subject's records.
    assert {subject_of(event) for event in events if event.action == AuditAction.SAR_EXPORT} == {"S1", "S2"}
    assert {event.referral_id for event in events} == {EARLIER_ID, REFERRAL_ID}
    assert {event.actor for event in events} == {IG}
    own = [event for event in referral(amara, REFERRAL_ID).access if event.purpose == amara_request.purpose]
    assert own, "the trail in the export shows this request's own reads"


def test_a_referral_linked_only_by_name_is_pointed_to_and_included_once_named(household: HubStore) -> None:
    by_number = gather(household, parse_request(AMARA_NHS, [], [], actor=IG, now=datetime.now(UTC)), Setting())
    pointers = {(item.referral_id, item.subject_id) for held in by_number.referrals for item in held.further_records}
    assert pointers == {(NAME_ONLY_ID, "S1")}
    named = gather(household, parse_request(None, [NAME_ONLY_ID], ["S1"], actor=IG, now=datetime.now(UTC)), Setting())
    assert [(item.referral_id, item.found_by) for item in named.referrals] == [(NAME_ONLY_ID, "named")]
    grandparent = named.referrals[0].referrer
    assert (
        grandparent is not None
        and grandparent.mark.label == "redact: third party (the referrer, a member of the family)"
    )
    # Naming a subject who has an NHS number finds what else is held under it too.
    both = gather(household, parse_request(None, [REFERRAL_ID], ["S1"], actor=IG, now=datetime.now(UTC)), Setting())
    assert [(item.referral_id, item.found_by) for item in both.referrals] == [
        (EARLIER_ID, "nhs_number"),
        (REFERRAL_ID, "named"),
    ]


def test_nothing_held_is_said_only_when_the_lookup_found_nothing(household: HubStore) -> None:
    before = len(household.audit_trail())
    nobody = gather(household, parse_request("999 000 3017", [], [], actor=IG, now=datetime.now(UTC)), Setting())
    assert nobody.nothing_held and nobody.referrals == [] and nobody.counts.referrals == 0
    assert nobody.lookup.candidates_checked == 0
    assert not [event for event in household.audit_trail()[before:] if event.action == AuditAction.SAR_EXPORT]


@pytest.mark.parametrize(
    ("referral_id", "subject_id", "error"),
    [(OTHER_FAMILY_ID, "S9", UnknownSubject), ("REF-2026-999999", "S1", UnknownReferral)],
)
def test_an_unknown_referral_or_subject_is_refused_before_anything_is_read(
    household: HubStore, referral_id: str, subject_id: str, error: type[Exception]
) -> None:
    before = len(household.audit_trail())
    request = parse_request(None, [referral_id], [subject_id], actor=IG, now=datetime.now(UTC))
    with pytest.raises(error):
        gather(household, request, Setting())
    assert len(household.audit_trail()) == before
