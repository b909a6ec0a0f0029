"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

Written by hand with `op.create_table` / `op.add_column`; on SQLite, alter an existing table inside
`with op.batch_alter_table(...)`. Run `hub db upgrade`, then the guard test
(tests/hub/store/migrations/test_models_match.py) proves the result equals the models.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
