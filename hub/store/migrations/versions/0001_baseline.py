"""Baseline: the previous release's schema (commit ad40a7b).

Exactly as that release's `create_all` made it.

Revision ID: 0001
Revises: (none)

The tables are written out here as data (`BASELINE`), frozen as they were in that release, rather than
taken from the models, which later migrations change. `hub db upgrade` also compares a database the
previous release made (hub tables, no `alembic_version`) with `BASELINE` before stamping it "0001",
so a home that was altered by hand is refused rather than upgraded into something else.

Rendered by Alembic's autogenerate from ad40a7b's models, with the hub's UTC type written as the plain
`DateTime` it stores (naive UTC).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from alembic.operations.ops import CreateIndexOp, CreateTableOp

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BASELINE = sa.MetaData()

sa.Table(
    "api_clients",
    BASELINE,
    sa.Column("name", sa.String(length=100), nullable=False),
    sa.Column("role", sa.String(length=64), nullable=False),
    sa.Column("key_id", sa.String(length=32), nullable=False),
    sa.Column("key_hash", sa.String(length=200), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("created_by", sa.String(length=128), nullable=False),
    sa.Column("revoked_at", sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint("name"),
    sa.UniqueConstraint("key_id"),
)
sa.Table(
    "audit_checkpoints",
    BASELINE,
    sa.Column("tree_size", sa.Integer(), autoincrement=False, nullable=False),
    sa.Column("root_hash", sa.String(length=64), nullable=False),
    sa.Column("signed_at", sa.DateTime(), nullable=False),
    sa.Column("note", sa.String(length=2000), nullable=False),
    sa.PrimaryKeyConstraint("tree_size"),
)
sa.Table(
    "audit_events",
    BASELINE,
    sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
    sa.Column("occurred_at", sa.DateTime(), nullable=False),
    sa.Column("actor", sa.String(length=128), nullable=False),
    sa.Column("role", sa.String(length=64), nullable=False),
    sa.Column("action", sa.String(length=64), nullable=False),
    sa.Column("object_type", sa.String(length=64), nullable=False),
    sa.Column("object_id", sa.String(length=200), nullable=False),
    sa.Column("referral_id", sa.String(length=64), nullable=True),
    sa.Column("purpose", sa.String(length=200), nullable=False),
    sa.Column("lawful_basis", sa.String(length=200), nullable=False),
    sa.Column("basis", sa.String(length=64), nullable=False),
    sa.Column("outcome", sa.String(length=16), nullable=False),
    sa.Column("record_digest", sa.String(length=64), nullable=True),
    sa.Column("leaf_hash", sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint("seq"),
    sa.Index("ix_audit_events_actor", "actor"),
    sa.Index("ix_audit_events_object_id", "object_id"),
    sa.Index("ix_audit_events_referral_id", "referral_id"),
)
sa.Table(
    "audit_tree",
    BASELINE,
    sa.Column("log", sa.Integer(), autoincrement=False, nullable=False),
    sa.Column("origin", sa.String(length=200), nullable=False),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("frontier", sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint("log"),
)
sa.Table(
    "connector_state",
    BASELINE,
    sa.Column("key", sa.String(length=100), nullable=False),
    sa.Column("arrival", sa.Float(), nullable=True),
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.Column("opened_until", sa.Float(), nullable=True),
    sa.Column("cause", sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint("key"),
)
sa.Table(
    "data_keys",
    BASELINE,
    sa.Column("key_id", sa.String(length=160), nullable=False),
    sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
    sa.Column("kek_id", sa.String(length=64), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("key_id"),
)
sa.Table(
    "person_index_tokens",
    BASELINE,
    sa.Column("token", sa.String(length=64), nullable=False),
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("subject_id", sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint("token", "referral_id", "subject_id"),
)
sa.Table(
    "school_register",
    BASELINE,
    sa.Column("dfe_number", sa.String(length=16), nullable=False),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("pupils", sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint("dfe_number"),
)
sa.Table(
    "sign_in_throttle",
    BASELINE,
    sa.Column("address_digest", sa.String(length=64), nullable=False),
    sa.Column("window_started_at", sa.DateTime(), nullable=False),
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint("address_digest"),
)
sa.Table(
    "web_re_authentications",
    BASELINE,
    sa.Column("state_digest", sa.String(length=64), nullable=False),
    sa.Column("session_digest", sa.String(length=64), nullable=False),
    sa.Column("return_to", sa.String(length=200), nullable=False),
    sa.Column("started_at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("state_digest"),
)
sa.Table(
    "web_sign_in_flows",
    BASELINE,
    sa.Column("state_digest", sa.String(length=64), nullable=False),
    sa.Column("nonce", sa.String(length=128), nullable=False),
    sa.Column("code_verifier", sa.String(length=128), nullable=False),
    sa.Column("started_at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("state_digest"),
)
sa.Table(
    "referrals",
    BASELINE,
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("received_at", sa.DateTime(), nullable=False),
    sa.Column("rag", sa.String(length=16), nullable=False),
    sa.Column("key_id", sa.String(length=160), nullable=False),
    sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
    sa.Column("digest", sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(
        ["key_id"],
        ["data_keys.key_id"],
    ),
    sa.PrimaryKeyConstraint("referral_id"),
)
sa.Table(
    "staff_users",
    BASELINE,
    sa.Column("username", sa.String(length=64), nullable=False),
    sa.Column("role", sa.String(length=64), nullable=False),
    sa.Column("display_name", sa.String(length=200), nullable=False),
    sa.Column("password_hash", sa.String(length=200), nullable=True),
    sa.Column("totp_key_id", sa.String(length=160), nullable=True),
    sa.Column("totp_ciphertext", sa.LargeBinary(), nullable=True),
    sa.Column("totp_last_step", sa.Integer(), nullable=True),
    sa.Column("oidc_issuer", sa.String(length=300), nullable=True),
    sa.Column("oidc_subject", sa.String(length=255), nullable=True),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
    sa.Column("locked_until", sa.DateTime(), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("created_by", sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(
        ["totp_key_id"],
        ["data_keys.key_id"],
    ),
    sa.PrimaryKeyConstraint("username"),
)
sa.Table(
    "agency_recordings",
    BASELINE,
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("agency", sa.String(length=64), nullable=False),
    sa.Column("subject_id", sa.String(length=64), nullable=False),
    sa.Column("connector", sa.String(length=200), nullable=False),
    sa.Column("exchange_count", sa.Integer(), nullable=False),
    sa.Column("key_id", sa.String(length=160), nullable=False),
    sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(
        ["key_id"],
        ["data_keys.key_id"],
    ),
    sa.ForeignKeyConstraint(
        ["referral_id"],
        ["referrals.referral_id"],
    ),
    sa.PrimaryKeyConstraint("referral_id", "agency", "subject_id"),
)
sa.Table(
    "agency_replies",
    BASELINE,
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("agency", sa.String(length=64), nullable=False),
    sa.Column("subject_id", sa.String(length=64), nullable=False),
    sa.Column("status", sa.String(length=32), nullable=False),
    sa.Column("requested_at", sa.DateTime(), nullable=False),
    sa.Column("completed_at", sa.DateTime(), nullable=True),
    sa.Column("record_count", sa.Integer(), nullable=False),
    sa.Column("error_code", sa.String(length=64), nullable=True),
    sa.Column("key_id", sa.String(length=160), nullable=False),
    sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(
        ["key_id"],
        ["data_keys.key_id"],
    ),
    sa.ForeignKeyConstraint(
        ["referral_id"],
        ["referrals.referral_id"],
    ),
    sa.PrimaryKeyConstraint("referral_id", "agency", "subject_id"),
)
sa.Table(
    "allocations",
    BASELINE,
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("username", sa.String(length=64), nullable=False),
    sa.Column("allocated_by", sa.String(length=128), nullable=False),
    sa.Column("allocated_at", sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(
        ["referral_id"],
        ["referrals.referral_id"],
    ),
    sa.ForeignKeyConstraint(
        ["username"],
        ["staff_users.username"],
    ),
    sa.PrimaryKeyConstraint("referral_id"),
)
sa.Table(
    "assembly_revisions",
    BASELINE,
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("revision", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(
        ["referral_id"],
        ["referrals.referral_id"],
    ),
    sa.PrimaryKeyConstraint("referral_id"),
)
sa.Table(
    "break_glass",
    BASELINE,
    sa.Column("number", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("username", sa.String(length=64), nullable=False),
    sa.Column("role", sa.String(length=64), nullable=False),
    sa.Column("reason", sa.String(length=64), nullable=False),
    sa.Column("opened_at", sa.DateTime(), nullable=False),
    sa.Column("expires_at", sa.DateTime(), nullable=False),
    sa.Column("key_id", sa.String(length=160), nullable=False),
    sa.Column("note_ciphertext", sa.LargeBinary(), nullable=False),
    sa.Column("review", sa.String(length=16), nullable=False),
    sa.Column("reviewed_by", sa.String(length=128), nullable=True),
    sa.Column("reviewed_at", sa.DateTime(), nullable=True),
    sa.Column("review_ciphertext", sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(
        ["key_id"],
        ["data_keys.key_id"],
    ),
    sa.ForeignKeyConstraint(
        ["referral_id"],
        ["referrals.referral_id"],
    ),
    sa.ForeignKeyConstraint(
        ["username"],
        ["staff_users.username"],
    ),
    sa.PrimaryKeyConstraint("number"),
    sa.Index("ix_break_glass_referral_id", "referral_id"),
    sa.Index("ix_break_glass_review", "review"),
    sa.Index("ix_break_glass_username", "username"),
)
sa.Table(
    "callback_deliveries",
    BASELINE,
    sa.Column("token", sa.String(length=64), nullable=False),
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("agency", sa.String(length=64), nullable=False),
    sa.Column("subject_id", sa.String(length=64), nullable=False),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("media_type", sa.String(length=200), nullable=True),
    sa.Column("request_id", sa.String(length=100), nullable=True),
    sa.Column("received_at", sa.DateTime(), nullable=False),
    sa.Column("key_id", sa.String(length=160), nullable=False),
    sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(
        ["key_id"],
        ["data_keys.key_id"],
    ),
    sa.ForeignKeyConstraint(
        ["referral_id"],
        ["referrals.referral_id"],
    ),
    sa.PrimaryKeyConstraint("token"),
    sa.Index("ix_callback_deliveries_referral_id", "referral_id"),
)
sa.Table(
    "check_progress",
    BASELINE,
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("agency", sa.String(length=64), nullable=False),
    sa.Column("subject_id", sa.String(length=64), nullable=False),
    sa.Column("phase", sa.String(length=32), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("reason", sa.String(length=64), nullable=True),
    sa.Column("cause", sa.String(length=64), nullable=True),
    sa.Column("cause_count", sa.Integer(), nullable=False),
    sa.Column("due_at", sa.DateTime(), nullable=True),
    sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.Column("escalated_at", sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(
        ["referral_id"],
        ["referrals.referral_id"],
    ),
    sa.PrimaryKeyConstraint("referral_id", "agency", "subject_id"),
)
sa.Table(
    "chronology_versions",
    BASELINE,
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("child_subject_id", sa.String(length=64), nullable=False),
    sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
    sa.Column("assembled_at", sa.DateTime(), nullable=False),
    sa.Column("key_id", sa.String(length=160), nullable=False),
    sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
    sa.Column("digest", sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(
        ["key_id"],
        ["data_keys.key_id"],
    ),
    sa.ForeignKeyConstraint(
        ["referral_id"],
        ["referrals.referral_id"],
    ),
    sa.PrimaryKeyConstraint("referral_id", "child_subject_id", "version"),
)
sa.Table(
    "link_reviews",
    BASELINE,
    sa.Column("review_id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("agency", sa.String(length=64), nullable=False),
    sa.Column("agency_person_id", sa.String(length=200), nullable=False),
    sa.Column("subject_id", sa.String(length=64), nullable=False),
    sa.Column("probability", sa.Float(), nullable=False),
    sa.Column("evidence", sa.String(length=2000), nullable=False),
    sa.Column("review_reasons", sa.String(length=1000), nullable=False),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column("proposed_at", sa.DateTime(), nullable=False),
    sa.Column("decided_at", sa.DateTime(), nullable=True),
    sa.Column("decided_by", sa.String(length=128), nullable=True),
    sa.Column("key_id", sa.String(length=160), nullable=True),
    sa.Column("reason_ciphertext", sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(
        ["key_id"],
        ["data_keys.key_id"],
    ),
    sa.ForeignKeyConstraint(
        ["referral_id"],
        ["referrals.referral_id"],
    ),
    sa.PrimaryKeyConstraint("review_id"),
    sa.UniqueConstraint("referral_id", "agency", "agency_person_id", "subject_id"),
    sa.Index("ix_link_reviews_referral_id", "referral_id"),
    sa.Index("ix_link_reviews_status", "status"),
)
sa.Table(
    "mash_decisions",
    BASELINE,
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
    sa.Column("outcome", sa.String(length=40), nullable=False),
    sa.Column("level", sa.Integer(), nullable=False),
    sa.Column("recorded_by", sa.String(length=128), nullable=False),
    sa.Column("recorded_at", sa.DateTime(), nullable=False),
    sa.Column("key_id", sa.String(length=160), nullable=False),
    sa.Column("rationale_ciphertext", sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(
        ["key_id"],
        ["data_keys.key_id"],
    ),
    sa.ForeignKeyConstraint(
        ["referral_id"],
        ["referrals.referral_id"],
    ),
    sa.PrimaryKeyConstraint("referral_id", "number"),
    sa.Index("ix_mash_decisions_outcome", "outcome"),
    sa.Index("ix_mash_decisions_recorded_at", "recorded_at"),
)
sa.Table(
    "pending_jobs",
    BASELINE,
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("agency", sa.String(length=64), nullable=False),
    sa.Column("subject_id", sa.String(length=64), nullable=False),
    sa.Column("request_key", sa.String(length=300), nullable=False),
    sa.Column("location", sa.String(length=2000), nullable=False),
    sa.Column("request_id", sa.String(length=100), nullable=False),
    sa.Column("accepted_at", sa.Float(), nullable=False),
    sa.Column("poll_after", sa.Float(), nullable=False),
    sa.Column("token", sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(
        ["referral_id"],
        ["referrals.referral_id"],
    ),
    sa.PrimaryKeyConstraint("referral_id", "agency", "subject_id", "request_key"),
    sa.UniqueConstraint("token"),
)
sa.Table(
    "person_index",
    BASELINE,
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("subject_id", sa.String(length=64), nullable=False),
    sa.Column("received_at", sa.DateTime(), nullable=False),
    sa.Column("key_id", sa.String(length=160), nullable=False),
    sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(
        ["key_id"],
        ["data_keys.key_id"],
    ),
    sa.ForeignKeyConstraint(
        ["referral_id"],
        ["referrals.referral_id"],
    ),
    sa.PrimaryKeyConstraint("referral_id", "subject_id"),
)
sa.Table(
    "referral_checks",
    BASELINE,
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("state", sa.String(length=32), nullable=False),
    sa.Column("run_id", sa.String(length=250), nullable=True),
    sa.Column("trigger_attempts", sa.Integer(), nullable=False),
    sa.Column("due_at", sa.DateTime(), nullable=True),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.Column("escalated_at", sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(
        ["referral_id"],
        ["referrals.referral_id"],
    ),
    sa.PrimaryKeyConstraint("referral_id"),
    sa.Index("ix_referral_checks_state", "state"),
)
sa.Table(
    "referral_insight",
    BASELINE,
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("received_at", sa.DateTime(), nullable=False),
    sa.Column("rag", sa.String(length=16), nullable=False),
    sa.Column("referrer_kind", sa.String(length=32), nullable=False),
    sa.Column("referrer_organisation", sa.Text(), nullable=True),
    sa.Column("child_keys", sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(
        ["referral_id"],
        ["referrals.referral_id"],
    ),
    sa.PrimaryKeyConstraint("referral_id"),
    sa.Index("ix_referral_insight_received_at", "received_at"),
)
sa.Table(
    "referral_quality",
    BASELINE,
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("received_at", sa.DateTime(), nullable=False),
    sa.Column("assessed_at", sa.DateTime(), nullable=False),
    sa.Column("checklist_version", sa.String(length=32), nullable=False),
    sa.Column("score", sa.Integer(), nullable=False),
    sa.Column("referrer_kind", sa.String(length=32), nullable=False),
    sa.Column("referrer_organisation", sa.Text(), nullable=True),
    sa.Column("gap_ids", sa.Text(), nullable=False),
    sa.Column("key_id", sa.String(length=160), nullable=False),
    sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(
        ["key_id"],
        ["data_keys.key_id"],
    ),
    sa.ForeignKeyConstraint(
        ["referral_id"],
        ["referrals.referral_id"],
    ),
    sa.PrimaryKeyConstraint("referral_id"),
    sa.Index("ix_referral_quality_received_at", "received_at"),
)
sa.Table(
    "referral_submissions",
    BASELINE,
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("submitter", sa.String(length=128), nullable=False),
    sa.Column("channel", sa.String(length=64), nullable=False),
    sa.Column("submitted_at", sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(
        ["referral_id"],
        ["referrals.referral_id"],
    ),
    sa.PrimaryKeyConstraint("referral_id"),
    sa.Index("ix_referral_submissions_submitter", "submitter"),
)
sa.Table(
    "staff_sessions",
    BASELINE,
    sa.Column("token_digest", sa.String(length=64), nullable=False),
    sa.Column("username", sa.String(length=64), nullable=False),
    sa.Column("role", sa.String(length=64), nullable=False),
    sa.Column("method", sa.String(length=32), nullable=False),
    sa.Column("os_uid", sa.Integer(), nullable=False),
    sa.Column("started_at", sa.DateTime(), nullable=False),
    sa.Column("last_used_at", sa.DateTime(), nullable=False),
    sa.Column("expires_at", sa.DateTime(), nullable=False),
    sa.Column("ended_at", sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(
        ["username"],
        ["staff_users.username"],
    ),
    sa.PrimaryKeyConstraint("token_digest"),
    sa.Index("ix_staff_sessions_username", "username"),
)
sa.Table(
    "web_pending_sign_ins",
    BASELINE,
    sa.Column("token_digest", sa.String(length=64), nullable=False),
    sa.Column("username", sa.String(length=64), nullable=False),
    sa.Column("session_digest", sa.String(length=64), nullable=True),
    sa.Column("started_at", sa.DateTime(), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(
        ["username"],
        ["staff_users.username"],
    ),
    sa.PrimaryKeyConstraint("token_digest"),
)
sa.Table(
    "web_sessions",
    BASELINE,
    sa.Column("token_digest", sa.String(length=64), nullable=False),
    sa.Column("username", sa.String(length=64), nullable=False),
    sa.Column("role", sa.String(length=64), nullable=False),
    sa.Column("method", sa.String(length=32), nullable=False),
    sa.Column("started_at", sa.DateTime(), nullable=False),
    sa.Column("last_used_at", sa.DateTime(), nullable=False),
    sa.Column("authenticated_at", sa.DateTime(), nullable=False),
    sa.Column("expires_at", sa.DateTime(), nullable=False),
    sa.Column("ended_at", sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(
        ["username"],
        ["staff_users.username"],
    ),
    sa.PrimaryKeyConstraint("token_digest"),
    sa.Index("ix_web_sessions_username", "username"),
)
sa.Table(
    "mash_decision_sign_offs",
    BASELINE,
    sa.Column("referral_id", sa.String(length=64), nullable=False),
    sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
    sa.Column("verdict", sa.String(length=16), nullable=False),
    sa.Column("signed_by", sa.String(length=128), nullable=False),
    sa.Column("signed_at", sa.DateTime(), nullable=False),
    sa.Column("key_id", sa.String(length=160), nullable=False),
    sa.Column("note_ciphertext", sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(
        ["key_id"],
        ["data_keys.key_id"],
    ),
    sa.ForeignKeyConstraint(
        ["referral_id", "number"],
        ["mash_decisions.referral_id", "mash_decisions.number"],
    ),
    sa.PrimaryKeyConstraint("referral_id", "number"),
)


def upgrade() -> None:
    for table in BASELINE.sorted_tables:
        op.invoke(CreateTableOp.from_table(table))
        for index in sorted(table.indexes, key=lambda index: str(index.name)):
            op.invoke(CreateIndexOp.from_index(index))


def downgrade() -> None:
    for table in reversed(BASELINE.sorted_tables):
        op.drop_table(table.name)
