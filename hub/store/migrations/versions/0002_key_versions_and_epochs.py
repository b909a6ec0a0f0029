"""Data keys record the KEK version that wrapped them and their retention epoch.

Revision ID: 0002
Revises: 0001

- `kek_version`: every key the previous release stored was wrapped by its one key file, which is KEK
  version 1 of the local key provider (`keys/kek.bin`, unchanged, whose fingerprint is the rows'
  `kek_id`, `local:<16 hex>`), so existing rows get 1.
- `epoch`: NULL for every existing row: a legacy key, wrapped without an epoch mask. The retention run
  moves referral and child keys into their disposal epochs; until then they read as before.
Both indexed: rotation finds keys below the current version, retention the keys of one epoch.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("data_keys") as batch:
        batch.add_column(sa.Column("kek_version", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("epoch", sa.String(length=64), nullable=True))
        batch.create_index("ix_data_keys_kek_version", ["kek_version"])
        batch.create_index("ix_data_keys_epoch", ["epoch"])


def downgrade() -> None:
    """Only while every key is still as the previous release wrote it: it knows no versions or epochs."""
    changed = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM data_keys WHERE kek_version <> 1 OR epoch IS NOT NULL")
    )
    if changed:
        raise RuntimeError(
            f"{changed} data keys are under a later KEK version or in a retention epoch, which the previous "
            "release cannot read; restore a backup made before the upgrade instead of downgrading"
        )
    with op.batch_alter_table("data_keys") as batch:
        batch.drop_index("ix_data_keys_epoch")
        batch.drop_index("ix_data_keys_kek_version")
        batch.drop_column("epoch")
        batch.drop_column("kek_version")
