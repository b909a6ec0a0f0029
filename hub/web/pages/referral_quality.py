"""The referral quality section of the referral page: the score, what the referral stated well, what was
missing, and the feedback note for the referrer, ready to copy into a letter or an email.

Shown to whoever may read the referral's feedback (`referral.feedback`: the allocated practitioner, a
manager); read inside the page's own permitted block, so its read (`quality.read`) carries the page's
purpose, role and basis.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.access.permissions import Permission
from hub.quality.assessment import QualityAssessment
from hub.quality.feedback import feedback_note
from hub.quality.records import stored_assessment
from hub.web.signed_in import WebUser


@dataclass(frozen=True)
class QualitySection:
    assessment: QualityAssessment | None
    """None: the referral was stored before assessments began, or when the checklist had a mistake."""
    note: str

    @property
    def tag(self) -> tuple[str, str]:
        """(words, GOV.UK tag class) for the score: a plain band, never a verdict on the concern."""
        score = self.assessment.score if self.assessment is not None else 0
        if score >= 80:
            return "Good", "govuk-tag--green"
        if score >= 50:
            return "Some gaps", "govuk-tag--yellow"
        return "Many gaps", "govuk-tag--orange"


def quality_section(user: WebUser, referral_id: str, *, purpose: str) -> QualitySection | None:
    """The section, or None for someone who may not read the referral's feedback (nothing is then read)."""
    if not user.signed.may(Permission.REFERRAL_FEEDBACK, referral_id):
        return None
    assessment = stored_assessment(user.store, referral_id, actor=user.signed.actor, purpose=purpose)
    return QualitySection(assessment, feedback_note(assessment) if assessment is not None else "")
