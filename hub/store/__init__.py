"""The hub's encrypted, audited store. Thin public module: import from here."""

from hub.audit import AuditEvent, AuditVerification
from hub.store.errors import ReferralConflict, ReviewAlreadyDecided, StoreError, UnknownReferral, UnknownReview
from hub.store.hub_store import HubStore
from hub.store.reviews import LinkReview, ReviewStatus

__all__ = [
    "AuditEvent",
    "AuditVerification",
    "HubStore",
    "LinkReview",
    "ReferralConflict",
    "ReviewAlreadyDecided",
    "ReviewStatus",
    "StoreError",
    "UnknownReferral",
    "UnknownReview",
]
