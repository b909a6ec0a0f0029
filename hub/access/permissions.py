"""Everything a person can be allowed to do. Its own module, light enough to import while building the CLI."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    """Everything a person can be allowed to do; `config/roles.yaml` grants each per role."""

    REFERRAL_SUBMIT = "referral.submit"
    REFERRAL_LIST = "referral.list"
    REFERRAL_ALLOCATE = "referral.allocate"
    REFERRAL_FEEDBACK = "referral.feedback"
    REFERRAL_QUALITY = "referral.quality"
    HISTORY_READ = "history.read"
    REVIEW_DECIDE = "review.decide"
    BREAK_GLASS_REQUEST = "break_glass.request"
    BREAK_GLASS_REVIEW = "break_glass.review"
    AUDIT_READ = "audit.read"
    AUDIT_EXPORT = "audit.export"
    CONNECTORS_MANAGE = "connectors.manage"
    LINKAGE_MANAGE = "linkage.manage"
    USERS_MANAGE = "users.manage"
    DECISION_RECORD = "decision.record"
    DECISION_SIGN_OFF = "decision.sign_off"
    REFERRAL_IMPORT_HISTORY = "referral.import_history"
    REFERRAL_INSIGHT = "referral.insight"
    RETENTION_MANAGE = "retention.manage"
    SAR_EXPORT = "sar.export"
