"""Tables: personal data lives only inside `ciphertext`; plaintext columns hold ids, statuses and times."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, LargeBinary, String, TypeDecorator, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID = String(64)  # Matches schemas.models.OpaqueId.
DIGEST = String(64)  # Hex SHA-256 / HMAC-SHA256.


class UtcDateTime(TypeDecorator[datetime]):
    """Stores instants as naive UTC and returns them tz-aware, identically on SQLite and PostgreSQL."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class DataKey(Base):
    """A wrapped data key: one per referral, one per child, one per hub-wide purpose (digests, index, staff).

    `kek_version` is the key-encryption key version that wrapped it (rotation moves it up), `kek_id` that
    version's non-secret name; `epoch` is the retention epoch whose secret masks it (`pending`, `permanent`,
    `disposal-2032` ...; NULL: a legacy key from before epochs, unmasked). See `hub.crypto.providers`.
    """

    __tablename__ = "data_keys"

    key_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    kek_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    kek_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", index=True)
    epoch: Mapped[str | None] = mapped_column(String(64), index=True)


class ReferralRow(Base):
    __tablename__ = "referrals"

    referral_id: Mapped[str] = mapped_column(ID, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    rag: Mapped[str] = mapped_column(String(16))
    key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.key_id"))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[str] = mapped_column(DIGEST)


class AgencyReplyRow(Base):
    """One agency's answer about one subject; re-running a check replaces the row."""

    __tablename__ = "agency_replies"

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.referral_id"), primary_key=True)
    agency: Mapped[str] = mapped_column(ID, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ID, primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    record_count: Mapped[int] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(ID)
    key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.key_id"))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class AgencyRecordingRow(Base):
    """The raw exchanges behind an agency reply, kept beside it so history can be re-normalised.

    Written in the same transaction as its reply and replaced with it; sealed under the referral's key.
    """

    __tablename__ = "agency_recordings"

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.referral_id"), primary_key=True)
    agency: Mapped[str] = mapped_column(ID, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ID, primary_key=True)
    connector: Mapped[str] = mapped_column(String(200))
    exchange_count: Mapped[int] = mapped_column(Integer)
    key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.key_id"))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class LinkReviewRow(Base):
    """A candidate linkage sent to review, and what a practitioner decided about it.

    Ids and the model's evidence words only (which never quote the data); a practitioner's reason,
    free text, is sealed under the referral's key.
    """

    __tablename__ = "link_reviews"
    __table_args__ = (UniqueConstraint("referral_id", "agency", "agency_person_id", "subject_id"),)

    review_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.referral_id"), index=True)
    agency: Mapped[str] = mapped_column(ID)
    agency_person_id: Mapped[str] = mapped_column(String(200))
    subject_id: Mapped[str] = mapped_column(ID)
    probability: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(String(2000))
    review_reasons: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(16), index=True)
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(128))
    key_id: Mapped[str | None] = mapped_column(ForeignKey("data_keys.key_id"))
    reason_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)


class IndexedPersonRow(Base):
    """A referral subject in the person index, sealed under the referral's key (see `person_index`)."""

    __tablename__ = "person_index"

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.referral_id"), primary_key=True)
    subject_id: Mapped[str] = mapped_column(ID, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.key_id"))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class PersonIndexTokenRow(Base):
    """A keyed blocking token (HMAC) under which an indexed subject is found; never a plaintext value."""

    __tablename__ = "person_index_tokens"

    token: Mapped[str] = mapped_column(DIGEST, primary_key=True)
    referral_id: Mapped[str] = mapped_column(ID, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ID, primary_key=True)


class ResilienceStateRow(Base):
    """Shared per-agency rate-limit and circuit-breaker state (no personal data: agency ids and times)."""

    __tablename__ = "connector_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    arrival: Mapped[float | None] = mapped_column(Float)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    opened_until: Mapped[float | None] = mapped_column(Float)
    cause: Mapped[str | None] = mapped_column(ID)
    """The code of the failure that began the current run of failures (what opened the circuit)."""


class ChronologyVersionRow(Base):
    """An immutable chronology version for one child; rows are inserted, never updated."""

    __tablename__ = "chronology_versions"

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.referral_id"), primary_key=True)
    child_subject_id: Mapped[str] = mapped_column(ID, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    assembled_at: Mapped[datetime] = mapped_column(UtcDateTime())
    key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.key_id"))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[str] = mapped_column(DIGEST)


class AuditEventRow(Base):
    """An audit event: one leaf of the Merkle log. `seq` is assigned under the write lock so the log never forks.

    Columns are in `hub.audit.leaf_bytes` order; `leaf_hash` is the leaf's hash, checked by `hub audit verify`.
    """

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(128), index=True)
    role: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(200), index=True)
    referral_id: Mapped[str | None] = mapped_column(ID, index=True)
    purpose: Mapped[str] = mapped_column(String(200))
    lawful_basis: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    record_digest: Mapped[str | None] = mapped_column(DIGEST)
    leaf_hash: Mapped[str] = mapped_column(DIGEST)


class CheckProgressRow(Base):
    """Where one agency check stands (`schemas.CheckProgress`): ids, codes, counts and times, never content.

    Kept apart from the reply so a check that was never asked, is in flight, awaits a later reply or
    is about to be retried is on record as exactly that, not as a missing reply.
    """

    __tablename__ = "check_progress"

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.referral_id"), primary_key=True)
    agency: Mapped[str] = mapped_column(ID, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ID, primary_key=True)
    phase: Mapped[str] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(ID)
    cause: Mapped[str | None] = mapped_column(ID)
    cause_count: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ReferralChecksRow(Base):
    """A referral's checks as a whole: triggered or not, by which run, and when they are due."""

    __tablename__ = "referral_checks"

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.referral_id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    run_id: Mapped[str | None] = mapped_column(String(250))
    trigger_attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AssemblyRevisionRow(Base):
    """A counter per referral, raised by every change a chronology is assembled from (a reply, a check's
    progress, a practitioner's link decision). An assembly stores its result only if the counter has not
    moved since it read its inputs, so a slower assembly can never store an older picture over a newer one.
    """

    __tablename__ = "assembly_revisions"

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.referral_id"), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)


class PendingJobRow(Base):
    """A request an agency accepted for a later reply, kept between a check's runs (`connectors.sdk.jobs`).

    The request is named by method, path and its order within the check, never by its body; the job's
    location is the agency's opaque job URL. No personal data.
    """

    __tablename__ = "pending_jobs"

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.referral_id"), primary_key=True)
    agency: Mapped[str] = mapped_column(ID, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ID, primary_key=True)
    request_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    location: Mapped[str] = mapped_column(String(2000))
    request_id: Mapped[str] = mapped_column(String(100))
    accepted_at: Mapped[float] = mapped_column(Float)
    poll_after: Mapped[float] = mapped_column(Float)
    token: Mapped[str | None] = mapped_column(String(64), unique=True)
    """The callback token sent with the request, when the agency was asked to push its reply."""


class CallbackDeliveryRow(Base):
    """A reply an agency pushed to the hub's callback endpoint, sealed under its referral's data key.

    The first delivery for a token is kept; copies are acknowledged and dropped.
    """

    __tablename__ = "callback_deliveries"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.referral_id"), index=True)
    agency: Mapped[str] = mapped_column(ID)
    subject_id: Mapped[str] = mapped_column(ID)
    status: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str | None] = mapped_column(String(200))
    request_id: Mapped[str | None] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.key_id"))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class AuditTreeRow(Base):
    """The audit log's tree head: its origin, size and right edge, so an append costs O(log n), not a re-read.

    One row. `frontier` is the roots of the tree's perfect subtrees, largest first (`hub.audit.merkle.Frontier`).
    """

    __tablename__ = "audit_tree"

    log: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    origin: Mapped[str] = mapped_column(String(200))
    """The log's name in its checkpoints (`mash-hub/audit/<random id>`), chosen when the first event is written."""
    size: Mapped[int] = mapped_column(Integer)
    frontier: Mapped[bytes] = mapped_column(LargeBinary)


class AuditCheckpointRow(Base):
    """A signed checkpoint of the audit log, one per audited transaction that added events.

    The signing key is never in the database (`hub.audit.notary`): these are only what it signed.
    """

    __tablename__ = "audit_checkpoints"

    tree_size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(DIGEST)
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(String(2000))
