"""The hub's encrypted, audited store. Thin public module: import from here."""

from hub.audit import AuditEvent, ChainVerification
from hub.store.errors import ReferralConflict, StoreError, UnknownReferral
from hub.store.hub_store import HubStore

__all__ = ["AuditEvent", "ChainVerification", "HubStore", "ReferralConflict", "StoreError", "UnknownReferral"]
