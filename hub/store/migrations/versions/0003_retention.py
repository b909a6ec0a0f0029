"""The retention schedule's tables: each referral's disposal, legal holds, the epochs used, destruction records.

Revision ID: 0003
Revises: 0002

New tables only (`hub/store/retention_tables.py`), so nothing existing changes: the first retention run
after the upgrade computes every referral's schedule and moves its keys (legacy, unmasked ones too) into
their disposal epochs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_schedule",
        sa.Column("referral_id", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("disposal_date", sa.Date(), nullable=False),
        sa.Column("epoch", sa.String(length=64), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.referral_id"]),
        sa.PrimaryKeyConstraint("referral_id"),
    )
    op.create_index("ix_retention_schedule_disposal_date", "retention_schedule", ["disposal_date"])
    op.create_table(
        "legal_holds",
        sa.Column("hold_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("note_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("placed_by", sa.String(length=128), nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("released_by", sa.String(length=128), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("release_ciphertext", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("hold_id"),
    )
    op.create_index("ix_legal_holds_referral_id", "legal_holds", ["referral_id"])
    op.create_index("ix_legal_holds_released_at", "legal_holds", ["released_at"])
    op.create_table(
        "retention_epochs",
        sa.Column("epoch", sa.String(length=64), nullable=False),
        sa.Column("first_used_at", sa.DateTime(), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("epoch"),
    )
    op.create_table(
        "destruction_records",
        sa.Column("record_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.String(length=64), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(), nullable=False),
        sa.Column("destroyed_by", sa.String(length=128), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("disposal_date", sa.Date(), nullable=False),
        sa.Column("rows_deleted", sa.Text(), nullable=False),
        sa.Column("keys_deleted", sa.Integer(), nullable=False),
        sa.Column("epochs", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("record_id"),
    )
    op.create_index("ix_destruction_records_referral_id", "destruction_records", ["referral_id"])


def downgrade() -> None:
    """Only while nothing has been destroyed or held: a downgrade must not erase the record of either."""
    bind = op.get_bind()
    destroyed = bind.scalar(sa.text("SELECT count(*) FROM destruction_records"))
    held = bind.scalar(sa.text("SELECT count(*) FROM legal_holds"))
    if destroyed or held:
        raise RuntimeError(
            f"{destroyed} destruction records and {held} legal holds are stored, which the previous revision "
            "has no table for; restore a backup made before the upgrade instead of downgrading"
        )
    op.drop_index("ix_destruction_records_referral_id", table_name="destruction_records")
    op.drop_table("destruction_records")
    op.drop_table("retention_epochs")
    op.drop_index("ix_legal_holds_released_at", table_name="legal_holds")
    op.drop_index("ix_legal_holds_referral_id", table_name="legal_holds")
    op.drop_table("legal_holds")
    op.drop_index("ix_retention_schedule_disposal_date", table_name="retention_schedule")
    op.drop_table("retention_schedule")
