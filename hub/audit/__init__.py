"""The audit trail's vocabulary and its Merkle log, independent of any database. Thin public module."""

from hub.audit.chain import (
    DEFAULT_LAWFUL_BASIS,
    AuditAction,
    AuditEvent,
    AuditVerification,
    leaf_bytes,
    utc_text,
)

__all__ = [
    "DEFAULT_LAWFUL_BASIS",
    "AuditAction",
    "AuditEvent",
    "AuditVerification",
    "leaf_bytes",
    "utc_text",
]
