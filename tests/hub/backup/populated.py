"""A hub with something of every kind in it, and everything it holds read back, to compare after a restore.

Two referrals with their agency replies (and recorded exchanges), every chronology version, a MASH decision
signed off with a manager's note, a link review decided with a reason, staff accounts (one with a TOTP
secret), and the audit events all of that wrote. Synthetic data only (`tests/hub/builders.py`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hub.chronology.assembly import assemble
from hub.decisions.config import read_decisions_file
from hub.decisions.recording import record_decision, sign_off_decision
from hub.settings import REPO_ROOT
from hub.store import HubStore
from schemas import CandidateLink, LinkOutcome
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID, example_referral, household_replies
from tests.staff import add_staff

SECOND_REFERRAL = "REF-2026-000418"
REFERRALS = (REFERRAL_ID, SECOND_REFERRAL)
WHO = {"actor": "service:backup-test", "purpose": "backup test"}
DECISIONS = read_decisions_file(REPO_ROOT / "config" / "decisions.yaml")


def populate(store: HubStore) -> None:
    for referral_id in REFERRALS:
        referral = example_referral().model_copy(update={"referral_id": referral_id})
        store.save_referral(referral, actor="service:intake", purpose="referral_intake", for_checks=True)
        replies = [answer.model_copy(update={"referral_id": referral_id}) for answer in household_replies()]
        for answer in replies:
            store.save_reply(answer, actor="service:pipeline")
        for hours in (0, 1):  # two versions: the second has the replies, the first only some
            shown = replies if hours else replies[:2]
            for chronology in assemble(referral, shown, assembled_at=ASSEMBLED_AT + timedelta(hours=hours)):
                store.save_chronology(chronology, actor="service:pipeline")
    add_staff(store, "sam.patel", "practitioner", totp=True)
    add_staff(store, "maya.manager", "manager")
    record_decision(
        store,
        DECISIONS,
        REFERRAL_ID,
        outcome="s47_strategy_discussion",
        level="4",
        rationale="Police attended a domestic incident with the child present; strategy discussion needed.",
        actor="user:sam.patel",
    )
    note = "Agreed; the school's concerns are weighed."
    sign_off_decision(store, DECISIONS, REFERRAL_ID, 1, verdict="agree", note=note, actor="user:maya.manager")
    link = CandidateLink(
        agency="police", agency_person_id="P-77", subject_id="S1", outcome=LinkOutcome.REVIEW, probability=0.5
    )
    store.propose_reviews(SECOND_REFERRAL, [link], **WHO)
    [review] = store.link_reviews(SECOND_REFERRAL)
    store.decide_review(review.review_id, confirm=True, reason="Same child: school confirms.", **WHO)


def everything(store: HubStore) -> dict[str, Any]:
    """Every record, decrypted (each read audited as usual), and the plain facts beside them."""
    held: dict[str, Any] = {}
    for referral_id in REFERRALS:
        held[f"{referral_id} referral"] = store.load_referral(referral_id, **WHO)
        held[f"{referral_id} replies"] = store.load_replies(referral_id, **WHO)
        for chronology in store.latest_chronologies(referral_id, **WHO):
            child = chronology.child_subject_id
            for version in store.chronology_versions(referral_id, child):
                held[f"{referral_id} {child} v{version}"] = store.load_chronology(referral_id, child, version, **WHO)
        held[f"{referral_id} decisions"] = store.read_decisions(referral_id, **WHO)
    held["staff"] = store.staff_users()
    held["totp"] = store.totp_secret("sam.patel")
    held["reviews"] = store.link_reviews()
    return held
