"""The audit trail's vocabulary and its hash chain, independent of any database. Thin public module."""

from hub.audit.chain import (
    DEFAULT_LAWFUL_BASIS,
    GENESIS_HASH,
    AuditAction,
    AuditEvent,
    ChainVerification,
    event_hash,
    utc_text,
    verify_chain,
)

__all__ = [
    "DEFAULT_LAWFUL_BASIS",
    "GENESIS_HASH",
    "AuditAction",
    "AuditEvent",
    "ChainVerification",
    "event_hash",
    "utc_text",
    "verify_chain",
]
