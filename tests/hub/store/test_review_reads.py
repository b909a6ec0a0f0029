"""The store's reads behind `hub review show` and `hub linkage learn`, on every backend: audited, tamper-checked."""

from __future__ import annotations

import pytest

from hub.store import HubStore, ReviewStatus, UnknownReview
from hub.store.errors import RecordTampered
from tests.hub.builders import REFERRAL_ID, example_referral, reply

WHO = {"actor": "alice", "purpose": "identity link review"}


def test_one_reply_is_read_alone_and_audited(store: HubStore) -> None:
    store.save_referral(example_referral(), **WHO)
    store.save_reply(reply("police", "S1"), actor="pipeline")
    store.save_reply(reply("health", "S1"), actor="pipeline")
    found = store.load_reply(REFERRAL_ID, "police", "S1", **WHO)
    assert found is not None and (found.agency, found.subject_id) == ("police", "S1")
    assert store.load_reply(REFERRAL_ID, "housing", "S1", **WHO) is None
    reads = [(e.actor, e.object_id, e.purpose) for e in store.audit_trail(action="replies.read")]
    assert reads == [
        ("alice", f"{REFERRAL_ID}/police/S1", "identity link review"),
        ("alice", f"{REFERRAL_ID}/housing/S1", "identity link review"),
    ]


def test_an_edited_or_deleted_reply_is_refused(store: HubStore) -> None:
    store.save_referral(example_referral(), **WHO)
    store.save_reply(reply("police", "S1"), actor="pipeline")
    with store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE agency_replies SET record_count = record_count + 7 WHERE agency = 'police'")
    with pytest.raises(RecordTampered, match="does not match"):
        store.load_reply(REFERRAL_ID, "police", "S1", **WHO)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM agency_replies WHERE agency = 'police'")
    with pytest.raises(RecordTampered, match="was deleted"):
        store.load_reply(REFERRAL_ID, "police", "S1", **WHO)


def test_a_review_by_number_and_the_decided_ones(store: HubStore) -> None:
    from schemas import CandidateLink, LinkOutcome

    store.save_referral(example_referral(), **WHO)
    links = [
        CandidateLink(
            agency="police", agency_person_id=pid, subject_id="S1", outcome=LinkOutcome.REVIEW, probability=0.5
        )
        for pid in ("P-5", "P-6")
    ]
    store.propose_reviews(REFERRAL_ID, links, **WHO)
    first, second = store.link_reviews()
    assert store.link_review(second.review_id).agency_person_id == "P-6"
    with pytest.raises(UnknownReview):
        store.link_review(404)
    assert store.decided_reviews() == []
    store.decide_review(first.review_id, confirm=True, reason="Same child", **WHO)
    [decided] = store.decided_reviews()
    assert (decided.review_id, decided.status) == (first.review_id, ReviewStatus.CONFIRMED)
