"""The audit trail's vocabulary, and the one byte encoding of an event that the Merkle log hashes.

Events carry ids only: never names, birth dates, identifiers or narratives. Each event is one leaf
of the log (`hub.audit.merkle`); its leaf bytes are built directly from its fields, never through a
generic serialiser, so verifying a million events stays a matter of seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

DEFAULT_LAWFUL_BASIS = "Children Act 1989 s17/s47; UK GDPR Art 6(1)(e); DPA 2018 Sch 1 para 18"
LEAF_TAG = "mash-hub/audit-event/1"
"""The first field of every leaf: names the encoding, so a later one can never be confused with it."""
LEAF_FIELDS = 14
"""The tag and the thirteen columns, between ASCII unit separators (0x1F), which no field may contain."""
STORED_TIME = "%Y-%m-%d %H:%M:%S.%f"
"""An event's time in its leaf: UTC, to the microsecond, as SQLite stores it (so SQLite's own text is checked)."""


class AuditAction(StrEnum):
    """What was done; `object_type` says to what."""

    REFERRAL_CREATE = "referral.create"
    REFERRAL_READ = "referral.read"
    REPLY_WRITE = "reply.write"
    REPLIES_READ = "replies.read"
    RECORDING_READ = "recording.read"
    PRIOR_PERSON_READ = "prior_person.read"
    LINK_REVIEW_PROPOSE = "link_review.propose"
    LINK_REVIEW_DECIDE = "link_review.decide"
    CHRONOLOGY_WRITE = "chronology.write"
    CHRONOLOGY_READ = "chronology.read"
    CHRONOLOGY_EXPORT = "chronology.export"
    """A family history taken out of the hub as a document (a PDF for a strategy discussion), with its purpose."""
    CALLBACK_RECEIVE = "callback.receive"
    CALLBACK_READ = "callback.read"
    # Referral quality (docs/practitioners.md, docs/managers.md): a referral checked against the checklist.
    QUALITY_WRITE = "quality.write"
    QUALITY_READ = "quality.read"
    """Reading one referral's quality assessment, or the feedback note made from it."""
    QUALITY_REPORT = "quality.report"
    """The per-referrer quality report: scores and gap ids only, no referral's content."""
    # Accountable access (docs/information-governance.md): who may read what, and why.
    USER_ADD = "user.add"
    USER_CHANGE = "user.change"
    SESSION_START = "session.start"
    SESSION_REFUSE = "session.refuse"
    SESSION_END = "session.end"
    REFERRAL_ALLOCATE = "referral.allocate"
    BREAK_GLASS = "access.break_glass"
    BREAK_GLASS_REVIEW = "access.review"
    AUDIT_READ = "audit.read"
    AUDIT_EXPORT = "audit.export"
    # The MASH decision (docs/practitioners.md): recorded by the allocated practitioner, signed off by a manager.
    DECISION_RECORD = "decision.record"
    DECISION_SIGN_OFF = "decision.sign_off"
    DECISION_READ = "decision.read"
    """Reading a referral's decisions with their sealed rationale and managers' notes."""
    # Referrer insight (docs/managers.md): counts by referrer, outcome and time, from plain columns only.
    INSIGHT_REPORT = "insight.report"
    # The records' lifecycle (docs/information-governance.md, docs/deployment.md): keys, retention, subject access.
    KEYS_ROTATE = "keys.rotate"
    """A new key-encryption key version, or a batch of data keys rewrapped under it (ids and counts only)."""
    KEYS_RETIRE = "keys.retire"
    """Older key-encryption key versions may no longer decrypt (a minimum decryption version was set)."""
    RECORD_UNREADABLE = "record.unreadable"
    """A stored record failed to decrypt; the event names the record and why (tampered, key shredded, key missing)."""
    RETENTION_RUN = "retention.run"
    """The retention schedule was applied (or, with a dry run, reported): counts only."""
    RETENTION_DESTROY = "retention.destroy"
    """A referral's records were destroyed under the retention schedule: its data keys and rows deleted."""
    LEGAL_HOLD_PLACE = "legal_hold.place"
    LEGAL_HOLD_RELEASE = "legal_hold.release"
    SAR_EXPORT = "sar.export"
    """Everything held about one person gathered for a subject access request, for IG to review."""
    BACKUP_CREATE = "backup.create"
    BACKUP_RESTORE = "backup.restore"

    @property
    def object_type(self) -> str:
        """The kind of object the action touches, recorded beside its id."""
        return _OBJECT_TYPES[self]


_OBJECT_TYPES = {
    AuditAction.REFERRAL_CREATE: "referral",
    AuditAction.REFERRAL_READ: "referral",
    AuditAction.REPLY_WRITE: "agency_reply",
    AuditAction.REPLIES_READ: "agency_replies",
    AuditAction.RECORDING_READ: "agency_recording",
    AuditAction.CALLBACK_RECEIVE: "agency_callback",
    AuditAction.CALLBACK_READ: "agency_callback",
    AuditAction.QUALITY_WRITE: "referral_quality",
    AuditAction.QUALITY_READ: "referral_quality",
    AuditAction.QUALITY_REPORT: "referral_quality",
    AuditAction.PRIOR_PERSON_READ: "indexed_person",
    AuditAction.LINK_REVIEW_PROPOSE: "link_review",
    AuditAction.LINK_REVIEW_DECIDE: "link_review",
    AuditAction.CHRONOLOGY_WRITE: "chronology",
    AuditAction.CHRONOLOGY_READ: "chronology",
    AuditAction.CHRONOLOGY_EXPORT: "chronology",
    AuditAction.USER_ADD: "user",
    AuditAction.USER_CHANGE: "user",
    AuditAction.SESSION_START: "session",
    AuditAction.SESSION_REFUSE: "session",
    AuditAction.SESSION_END: "session",
    AuditAction.REFERRAL_ALLOCATE: "allocation",
    AuditAction.BREAK_GLASS: "break_glass",
    AuditAction.BREAK_GLASS_REVIEW: "break_glass",
    AuditAction.AUDIT_READ: "audit_trail",
    AuditAction.AUDIT_EXPORT: "audit_trail",
    AuditAction.DECISION_RECORD: "mash_decision",
    AuditAction.DECISION_SIGN_OFF: "mash_decision",
    AuditAction.DECISION_READ: "mash_decision",
    AuditAction.INSIGHT_REPORT: "referrer_insight",
    AuditAction.KEYS_ROTATE: "key_ring",
    AuditAction.KEYS_RETIRE: "key_ring",
    AuditAction.RECORD_UNREADABLE: "stored_record",
    AuditAction.RETENTION_RUN: "retention_schedule",
    AuditAction.RETENTION_DESTROY: "referral",
    AuditAction.LEGAL_HOLD_PLACE: "legal_hold",
    AuditAction.LEGAL_HOLD_RELEASE: "legal_hold",
    AuditAction.SAR_EXPORT: "subject_access",
    AuditAction.BACKUP_CREATE: "backup",
    AuditAction.BACKUP_RESTORE: "backup",
}


@dataclass(frozen=True)
class AuditEvent:
    """One access: who, what, to which object (by id), why, and under which lawful basis."""

    seq: int
    occurred_at: datetime
    actor: str
    """Who: `user:<username>` for staff, `service:<name>` for the pipeline and other services."""
    role: str
    """The role the actor acted in (`config/roles.yaml`), e.g. `practitioner`; `service` for services."""
    action: str
    object_type: str
    object_id: str
    referral_id: str | None
    purpose: str
    lawful_basis: str
    basis: str
    """Why this actor may do this to this object: `allocated`, `break-glass:<n>`, `role` (the role alone
    suffices, e.g. IG reading the trail), `service`, or `none` (on a refusal)."""
    outcome: str
    """`success`, or `denied` for a refused attempt (refusals are audited too)."""
    record_digest: str | None
    """For a write: a digest of exactly what was written (the row's ciphertext), so the row is bound to the log."""
    leaf_hash: str
    """The event's leaf hash in the Merkle log (hex): SHA-256(0x00 || `leaf_bytes` of its fields)."""


@dataclass(frozen=True)
class AuditVerification:
    """What checking the audit trail found: intact, or the first problem and where it is.

    `first_bad_seq` names the event where the problem shows (None if it is not one event's), and
    `checkpoint_size` the signed checkpoint it was measured against.
    """

    ok: bool
    events_checked: int
    message: str
    first_bad_seq: int | None = None
    checkpoint_size: int | None = None
    problems: tuple[str, ...] = ()
    """Every problem found (the first is `message`), for the report to information governance."""
    destroyed_rows: int = 0
    """Bound rows the log records writing that are gone because their referral was destroyed under the
    retention schedule (a `retention.destroy` event and its destruction record, intact): expected, not problems."""
    destroyed: tuple[str, ...] = ()
    """One line per destroyed referral: how many of its records went, under which destruction record."""

    def __bool__(self) -> bool:
        return self.ok


def utc_text(moment: datetime) -> str:
    """One spelling per instant, whichever database returned it (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def stored_time(moment: datetime | str) -> str:
    """An event's time as its leaf encodes it: SQLite's stored text as is, any datetime converted to UTC."""
    if isinstance(moment, str):
        return moment
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime(STORED_TIME)


def leaf_bytes(
    seq: int,
    occurred_at: str,
    actor: str,
    role: str,
    action: str,
    object_type: str,
    object_id: str,
    referral_id: str | None,
    purpose: str,
    lawful_basis: str,
    basis: str,
    outcome: str,
    record_digest: str | None,
) -> bytes:
    """The event's canonical bytes: its fields in a fixed order between unit separators.

    An absent referral or digest is `-` and a present one `+value`, so absence and any value differ.
    Takes the columns in `audit_events` order, so a verifier hashes rows straight from the database.
    """
    return (
        f"{LEAF_TAG}\x1f{seq}\x1f{occurred_at}\x1f{actor}\x1f{role}\x1f{action}\x1f{object_type}\x1f{object_id}"
        f"\x1f{'-' if referral_id is None else '+' + referral_id}\x1f{purpose}\x1f{lawful_basis}\x1f{basis}"
        f"\x1f{outcome}\x1f{'-' if record_digest is None else '+' + record_digest}"
    ).encode()


def well_formed(leaf: bytes) -> bool:
    """Whether no field smuggled in a separator (which could make two different events encode alike)."""
    return leaf.count(b"\x1f") == LEAF_FIELDS - 1
