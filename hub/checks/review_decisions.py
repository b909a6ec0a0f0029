"""A practitioner's decision on a candidate identity link: recorded, audited, and the history assembled again.

`hub review confirm|reject N` and the web application's review page decide through here, so a decision
is the same store call with the same audit (`link_review.decide`, the reason sealed) whichever way it
was made, and the referral's chronologies are assembled again at once: the next history read reflects it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from hub.access.guard import SignedIn
from hub.access.permissions import Permission
from hub.checks.steps import store_chronologies
from hub.store import LinkReview, UnknownReview

REVIEW_PURPOSE = "identity link review"
"""The purpose on every audit event of deciding (and, in the CLI, listing and showing) a review."""


@dataclass(frozen=True)
class Decided:
    """The review as decided, and each child's chronology version stored because of it."""

    review: LinkReview
    stored: list[dict[str, str | int]]


def decide_link_review(signed: SignedIn, review_id: int, *, confirm: bool, reason: str) -> Decided:
    """Record the decision if the person may decide on the review's referral (`review.decide`; refusals audited).

    The caller has checked that `reason` says something: it is kept, stripped and sealed, with the decision.
    """
    store, actor = signed.store, signed.actor
    found = [review for review in store.link_reviews() if review.review_id == review_id]
    if not found:
        raise UnknownReview(review_id)
    with signed.permit(Permission.REVIEW_DECIDE, found[0].referral_id, purpose=REVIEW_PURPOSE):
        review = store.decide_review(
            review_id, confirm=confirm, reason=reason.strip(), actor=actor, purpose=REVIEW_PURPOSE
        )
        stored = store_chronologies(store, review.referral_id, datetime.now(UTC), actor=actor, purpose=REVIEW_PURPOSE)
    return Decided(review, stored)
