"""The review queue: uncertain links wait for a practitioner; decisions are audited, remembered and applied."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hub.checks.steps import store_chronologies
from hub.settings import HubSettings
from hub.store import HubStore, ReviewAlreadyDecided, ReviewStatus, UnknownReview
from hub.store.home import open_store
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID, example_referral, household_replies
from tests.hub.cli.test_bad_input import assert_clean_refusal
from tests.hub_here import run_hub_here
from tests.staff import signed_in_home

WHO = {"actor": "airflow:mash_referral", "purpose": "mash_checks"}
SOCIAL_WORKER = {"actor": "cli:sw", "purpose": "identity link review"}


@pytest.fixture
def assembled(hub_home: Path) -> HubStore:
    """The example household's replies stored and assembled once: police P-5 waits for review."""
    store = open_store(HubSettings.from_env())
    store.save_referral(example_referral(), **WHO)
    for reply in household_replies():
        store.save_reply(reply, actor="pipeline")
    store_chronologies(store, REFERRAL_ID, ASSEMBLED_AT, **WHO)
    return store


def occ2_in_amaras_history(store: HubStore) -> bool:
    [amara] = [c for c in store.latest_chronologies(REFERRAL_ID, **WHO) if c.child_subject_id == "S1"]
    return any(entry.source.record_id == "OCC-2" for entry in amara.entries)


def test_an_uncertain_candidate_waits_once_and_its_records_stay_out(assembled: HubStore) -> None:
    [review] = assembled.link_reviews(pending_only=True)
    assert (review.agency, review.agency_person_id, review.subject_id) == ("police", "P-5", "S1")
    assert "birth date differs by one digit" in review.evidence and review.review_reasons
    assert not occ2_in_amaras_history(assembled)
    store_chronologies(assembled, REFERRAL_ID, ASSEMBLED_AT + timedelta(hours=1), **WHO)  # the DAG runs again
    assert len(assembled.link_reviews()) == 1  # proposed once, not again


def test_confirming_links_the_record_reassembles_and_is_remembered(assembled: HubStore) -> None:
    [review] = assembled.link_reviews()
    decided = assembled.decide_review(review.review_id, confirm=True, reason="Same child.", **SOCIAL_WORKER)
    assert decided.status is ReviewStatus.CONFIRMED and decided.decided_by == "cli:sw"
    store_chronologies(assembled, REFERRAL_ID, ASSEMBLED_AT + timedelta(hours=1), actor="cli:sw", purpose="review")
    assert occ2_in_amaras_history(assembled)
    [amara] = [c for c in assembled.latest_chronologies(REFERRAL_ID, **WHO) if c.child_subject_id == "S1"]
    [link] = [link for link in amara.links if link.agency_person_id == "P-5"]
    assert (link.outcome.value, link.decided_by) == ("linked", "practitioner")
    assert amara.version == 2
    with pytest.raises(ReviewAlreadyDecided):
        assembled.decide_review(review.review_id, confirm=False, reason="changed my mind", **SOCIAL_WORKER)
    events = assembled.audit_trail(action="link_review.decide")
    assert [(event.actor, event.object_id) for event in events] == [("cli:sw", f"review/{review.review_id}")]


def test_rejecting_keeps_the_record_apart_and_it_is_never_proposed_again(assembled: HubStore) -> None:
    [review] = assembled.link_reviews()
    assembled.decide_review(review.review_id, confirm=False, reason="Different child.", **SOCIAL_WORKER)
    store_chronologies(assembled, REFERRAL_ID, ASSEMBLED_AT + timedelta(hours=2), **WHO)
    assert assembled.link_reviews(pending_only=True) == []
    assert not occ2_in_amaras_history(assembled)
    with pytest.raises(UnknownReview):
        assembled.decide_review(999, confirm=True, reason="x", **SOCIAL_WORKER)


def test_the_reason_is_sealed(assembled: HubStore, hub_home: Path) -> None:
    [review] = assembled.link_reviews()
    assembled.decide_review(review.review_id, confirm=True, reason="Confirmed by Okonkwo-Pemberton", **SOCIAL_WORKER)
    assert b"Okonkwo-Pemberton" not in (hub_home / "hub.db").read_bytes()


def test_the_cli_lists_confirms_and_refuses_cleanly(assembled: HubStore, hub_home: Path) -> None:
    signed_in_home(hub_home, allocated=(REFERRAL_ID,))
    listed = run_hub_here("review", "list", home=hub_home)
    assert listed.returncode == 0, listed.stderr
    text = " ".join(listed.stdout.split())
    assert "Amara Joy Okafor-Reid" in text and "police P-5" in text and "Why review" in text
    [review] = assembled.link_reviews()
    confirmed = run_hub_here("review", "confirm", str(review.review_id), "--reason", "Same child", home=hub_home)
    assert confirmed.returncode == 0, confirmed.stderr
    assert f"Review {review.review_id} confirmed" in " ".join(confirmed.stdout.split())
    assert "No open link reviews" in run_hub_here("review", "list", home=hub_home).stdout
    assert_clean_refusal(run_hub_here("review", "reject", str(review.review_id), "--reason", "x", home=hub_home),
                         "already confirmed")  # fmt: skip
    assert_clean_refusal(
        run_hub_here("review", "reject", "404", "--reason", "x", home=hub_home), "no link review number 404"
    )
    assert_clean_refusal(run_hub_here("review", "reject", "1", "--reason", " ", home=hub_home), "Give the reason")


def test_a_re_referral_is_linked_to_the_earlier_one_and_flagged(hub_home: Path) -> None:
    from hub.chronology.family_history import build

    store = open_store(HubSettings.from_env())
    current = example_referral()
    earlier_child = current.subject("S1")
    earlier = current.model_copy(
        update={
            "referral_id": "REF-2026-000101",
            "received_at": current.received_at - timedelta(days=120),
            "subjects": [earlier_child],
        }
    )
    later = current.model_copy(
        update={"referral_id": "REF-2027-000001", "received_at": current.received_at + timedelta(days=400)}
    )
    store.save_referrals([earlier, current, later], **WHO)
    for reply in household_replies():
        store.save_reply(reply, actor="pipeline")
    store_chronologies(store, REFERRAL_ID, ASSEMBLED_AT, **WHO)

    chronologies = store.latest_chronologies(REFERRAL_ID, **WHO)
    [prior] = chronologies[0].prior_referrals  # the later referral is not "prior"
    assert (prior.subject_id, prior.earlier_referral_id, prior.outcome.value) == ("S1", "REF-2026-000101", "linked")
    history = build(current, chronologies, ["health", "police"])
    assert history.re_referral == (
        "Re-referral within a year: Amara Joy Okafor-Reid was referred on 05 Jul 2026 (REF-2026-000101)"
    )
    assert history.prior_referrals[0].evidence and "birth date matches" in history.prior_referrals[0].evidence


def test_a_practitioners_decision_carries_to_the_same_child_in_a_later_referral(assembled: HubStore) -> None:
    [review] = assembled.link_reviews()
    assembled.decide_review(review.review_id, confirm=False, reason="Another child.", **SOCIAL_WORKER)
    current = example_referral()
    later = current.model_copy(
        update={"referral_id": "REF-2027-000002", "received_at": current.received_at + timedelta(days=90)}
    )
    assembled.save_referral(later, **WHO)
    for reply in household_replies():
        assembled.save_reply(reply.model_copy(update={"referral_id": later.referral_id}), actor="pipeline")
    store_chronologies(assembled, later.referral_id, ASSEMBLED_AT + timedelta(days=90), **WHO)
    assert assembled.link_reviews(later.referral_id) == []  # not proposed again: the earlier decision stands
    [amara] = [c for c in assembled.latest_chronologies(later.referral_id, **WHO) if c.child_subject_id == "S1"]
    [p5] = [link for link in amara.links if link.agency_person_id == "P-5"]
    assert (p5.outcome.value, p5.decided_by) == ("not_linked", "practitioner")
    assert not any(entry.source.record_id == "OCC-2" for entry in amara.entries)
