"""Assessments on record: storing a referral's assessment on intake, and reading it (or the report) back.

The assessment is stored as the model's JSON, sealed by the store under the referral's key, with the
plain columns the per-referrer report reads (`hub.store.quality_records.QualitySummary`). What was
judged is kept in the words of the checklist as it was then, so a later change to the checklist never
rewrites the feedback a referrer was given.
"""

from __future__ import annotations

from datetime import date

from hub.errors import UserError
from hub.quality.assessment import QualityAssessment, assess
from hub.quality.by_referrer import ReferrerQuality, by_referrer
from hub.quality.checklist import Checklist, load_checklist
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.quality_records import QualitySummary
from schemas import Referral

ASSESS_PURPOSE = "referral_quality_assessment"
FEEDBACK_PURPOSE = "referral_feedback"
REPORT_PURPOSE = "referral_quality_report"


def summary_of(assessment: QualityAssessment) -> QualitySummary:
    return QualitySummary(
        referral_id=assessment.referral_id,
        received_at=assessment.received_at,
        checklist_version=assessment.checklist_version,
        score=assessment.score,
        referrer_kind=assessment.referrer_kind.value,
        referrer_organisation=assessment.referrer_organisation,
        gap_ids=assessment.gap_ids,
    )


def record_assessment(store: HubStore, referral: Referral, checklist: Checklist, *, actor: str) -> QualityAssessment:
    """Assess a stored referral and keep the result with it (audited `quality.write`)."""
    assessment = assess(referral, checklist)
    document = assessment.model_dump_json().encode("utf-8")
    store.save_quality(summary_of(assessment), document, actor=actor, purpose=ASSESS_PURPOSE)
    return assessment


def stored_assessment(
    store: HubStore, referral_id: str, *, actor: str, purpose: str = FEEDBACK_PURPOSE
) -> QualityAssessment | None:
    """The assessment kept with a referral (audited `quality.read`); None if it was never assessed."""
    document = store.quality_document(referral_id, actor=actor, purpose=purpose)
    return None if document is None else QualityAssessment.model_validate_json(document)


def referrer_report(
    store: HubStore, *, actor: str, received_from: date | None = None, received_to: date | None = None
) -> list[ReferrerQuality]:
    """Quality per referrer over referrals received in the period (audited once, `quality.report`)."""
    summaries = store.quality_summaries(
        actor=actor, purpose=REPORT_PURPOSE, received_from=received_from, received_to=received_to
    )
    return by_referrer(summaries)


def assess_on_intake(settings: HubSettings, store: HubStore, referral: Referral, *, actor: str) -> str:
    """Assess a referral just stored and keep the result; the line to show whoever submitted it.

    A checklist with a mistake never holds up a referral about a child: the referral is stored and its
    checks start all the same, and the line says the quality was not assessed and why (naming the setting).
    """
    try:
        checklist = load_checklist(settings)
    except UserError as error:
        return f"Referral quality was not assessed: {error}"
    assessment = record_assessment(store, referral, checklist, actor=actor)
    gaps = len(assessment.gaps)
    return (
        f"Referral quality: {assessment.score} out of 100, {gaps} gap{'s' if gaps != 1 else ''} against the "
        f"checklist. The note for the referrer: hub referral feedback {referral.referral_id}"
    )
