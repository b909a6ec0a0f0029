"""The review queue: candidate links the model would not make alone, waiting for a practitioner.

A review is keyed by referral, agency, the agency's person id and the referral subject. Once a
practitioner confirms or rejects it the decision is kept and reused: every later assembly of that
referral's chronologies links (or leaves out) that record without asking again, and the model never
proposes that pair again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hub.store.tables import LinkReviewRow

PairKey = tuple[str, str, str]
"""(agency, agency_person_id, subject_id)."""


class ReviewStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


@dataclass(frozen=True)
class LinkReview:
    """A review as the queue shows it: ids, the model's view, and the decision if made (no personal data)."""

    review_id: int
    referral_id: str
    agency: str
    agency_person_id: str
    subject_id: str
    probability: float
    evidence: str
    review_reasons: str
    status: ReviewStatus
    proposed_at: datetime
    decided_at: datetime | None
    decided_by: str | None

    @property
    def pair(self) -> PairKey:
        return (self.agency, self.agency_person_id, self.subject_id)

    @classmethod
    def of(cls, row: LinkReviewRow) -> LinkReview:
        return cls(
            review_id=row.review_id,
            referral_id=row.referral_id,
            agency=row.agency,
            agency_person_id=row.agency_person_id,
            subject_id=row.subject_id,
            probability=row.probability,
            evidence=row.evidence,
            review_reasons=row.review_reasons,
            status=ReviewStatus(row.status),
            proposed_at=row.proposed_at,
            decided_at=row.decided_at,
            decided_by=row.decided_by,
        )
