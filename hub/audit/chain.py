"""The audit trail's vocabulary and its SHA-256 hash chain, independent of any database.

Each event's hash covers its canonical content and the previous event's hash, so editing, inserting
or deleting an event anywhere before the newest one breaks every later link.
Events carry ids only: never names, birth dates, identifiers or narratives.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum

from hub.crypto.digest import canonical_json

DEFAULT_LAWFUL_BASIS = "Children Act 1989 s17/s47; UK GDPR Art 6(1)(e); DPA 2018 Sch 1 para 18"
GENESIS_HASH = "0" * 64


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
    CALLBACK_RECEIVE = "callback.receive"
    CALLBACK_READ = "callback.read"
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
    AuditAction.PRIOR_PERSON_READ: "indexed_person",
    AuditAction.LINK_REVIEW_PROPOSE: "link_review",
    AuditAction.LINK_REVIEW_DECIDE: "link_review",
    AuditAction.CHRONOLOGY_WRITE: "chronology",
    AuditAction.CHRONOLOGY_READ: "chronology",
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
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainVerification:
    """The outcome of checking the chain; `first_bad_seq` is None when it verifies."""

    ok: bool
    events_checked: int
    message: str
    first_bad_seq: int | None = None

    def __bool__(self) -> bool:
        return self.ok


def utc_text(moment: datetime) -> str:
    """One spelling per instant, whichever database returned it (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over the canonical event (all fields but `hash`), which includes `prev_hash`."""
    fields = asdict(event)
    del fields["hash"]
    fields["occurred_at"] = utc_text(event.occurred_at)
    return hashlib.sha256(canonical_json(fields)).hexdigest()


def verify_chain(events: Iterable[AuditEvent]) -> ChainVerification:
    """Check sequence numbers run 1, 2, 3… and every hash and back-link; stop at the first break.

    Deleting the newest events cannot be seen from the chain alone: compare `events_checked` with
    a count recorded elsewhere (e.g. a periodic IG report) to detect truncation.
    """
    expected_prev = GENESIS_HASH
    checked = 0
    for checked, event in enumerate(events, start=1):
        if event.seq != checked:
            return ChainVerification(False, checked - 1, f"event {checked} is missing (found {event.seq})", checked)
        if event.prev_hash != expected_prev:
            return ChainVerification(
                False, checked - 1, f"event {event.seq} does not follow its predecessor", event.seq
            )
        if event_hash(event) != event.hash:
            return ChainVerification(False, checked - 1, f"event {event.seq} was altered", event.seq)
        expected_prev = event.hash
    return ChainVerification(True, checked, f"audit chain verified: {checked} events")
