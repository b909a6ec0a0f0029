"""The review queue's reads and writes: the model's review decisions in, practitioners' decisions out.

A mixin of `HubStore` (see `hub.store.audited` for why the store is put together this way); what a
review is, and why a decision is kept and reused, is in `hub.store.reviews`. Proposing and deciding
are audited; listing shows ids, evidence words and status only, so it is not.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select

from hub.audit import AuditAction
from hub.crypto import encrypt, row_aad
from hub.store.audited import AuditedStore
from hub.store.check_ledger import bump_revision
from hub.store.errors import ReviewAlreadyDecided, UnknownReferral, UnknownReview
from hub.store.reviews import LinkReview, PairKey, ReviewStatus
from hub.store.tables import LinkReviewRow, ReferralRow
from schemas import CandidateLink, LinkOutcome


def _review_query(referral_id: str, agency: str, agency_person_id: str, subject_id: str) -> Select[LinkReviewRow]:
    return select(LinkReviewRow).where(
        LinkReviewRow.referral_id == referral_id,
        LinkReviewRow.agency == agency,
        LinkReviewRow.agency_person_id == agency_person_id,
        LinkReviewRow.subject_id == subject_id,
    )


class ReviewQueue(AuditedStore):
    """Candidate links waiting for a practitioner, and the decisions they made."""

    def propose_reviews(self, referral_id: str, links: Iterable[CandidateLink], *, actor: str, purpose: str) -> int:
        """Queue the model's review decisions not queued before (a decided pair is never proposed again)."""
        proposed = 0
        with self._audited(actor, purpose) as (session, access, now):
            for link in links:
                if link.outcome is not LinkOutcome.REVIEW or link.decided_by != "linkage":
                    continue
                key = (referral_id, link.agency, link.agency_person_id, link.subject_id)
                if session.scalars(_review_query(*key)).first() is not None:
                    continue
                session.add(
                    LinkReviewRow(
                        referral_id=referral_id,
                        agency=link.agency,
                        agency_person_id=link.agency_person_id,
                        subject_id=link.subject_id,
                        probability=link.probability,
                        evidence="; ".join(item.words for item in link.evidence)[:2000],
                        review_reasons="; ".join(link.review_reasons)[:1000],
                        status=ReviewStatus.PENDING.value,
                        proposed_at=now,
                    )
                )
                proposed += 1
            if proposed:
                self._audit(session, access, now, AuditAction.LINK_REVIEW_PROPOSE, referral_id, referral_id)
        return proposed

    def link_reviews(self, referral_id: str | None = None, *, pending_only: bool = False) -> list[LinkReview]:
        """Reviews (ids, evidence words, status: no personal data, so not audited), oldest first."""
        query = select(LinkReviewRow).order_by(LinkReviewRow.review_id)
        if referral_id is not None:
            query = query.where(LinkReviewRow.referral_id == referral_id)
        if pending_only:
            query = query.where(LinkReviewRow.status == ReviewStatus.PENDING.value)
        with self._sessions() as session:
            return [LinkReview.of(row) for row in session.scalars(query)]

    def link_review(self, review_id: int) -> LinkReview:
        """One review by its number (ids, evidence words, status: not audited); `UnknownReview` if there is none."""
        with self._sessions() as session:
            row = session.get(LinkReviewRow, review_id)
            if row is None:
                raise UnknownReview(review_id)
            return LinkReview.of(row)

    def decided_reviews(self) -> list[LinkReview]:
        """Every review a practitioner confirmed or rejected, oldest first: the labels linkage learns from."""
        return [review for review in self.link_reviews() if review.status is not ReviewStatus.PENDING]

    def link_decisions(self, referral_id: str) -> dict[PairKey, bool]:
        """Practitioners' decisions for a referral: confirmed True, rejected False."""
        return {
            review.pair: review.status is ReviewStatus.CONFIRMED
            for review in self.link_reviews(referral_id)
            if review.status is not ReviewStatus.PENDING
        }

    def decide_review(self, review_id: int, *, confirm: bool, reason: str, actor: str, purpose: str) -> LinkReview:
        """Record a practitioner's decision and their reason (sealed); a decision is never overwritten."""
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(LinkReviewRow, review_id)
            if row is None:
                raise UnknownReview(review_id)
            if row.status != ReviewStatus.PENDING.value:
                raise ReviewAlreadyDecided(review_id, row.status)
            referral = session.get(ReferralRow, row.referral_id)
            if referral is None:  # The foreign key makes this impossible; refuse rather than guess.
                raise UnknownReferral(row.referral_id)
            key = self._stored_key(session, referral.key_id)
            row.status = (ReviewStatus.CONFIRMED if confirm else ReviewStatus.REJECTED).value
            row.decided_at, row.decided_by, row.key_id = now, actor, referral.key_id
            row.reason_ciphertext = encrypt(key, reason.encode("utf-8"), row_aad("review", str(review_id)))
            self._audit(session, access, now, AuditAction.LINK_REVIEW_DECIDE, f"review/{review_id}", row.referral_id)
            bump_revision(session, row.referral_id)
            return LinkReview.of(row)
