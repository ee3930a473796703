"""Forward-secure audit chain: a second MAC per event, the evolving key in the head, and the
audit root key wrapped under administrators' passwords.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ALTER TABLE ... ADD COLUMN directly (not batch mode): batch mode on SQLite copies the
    # table, which the append-only triggers on audit_event would not survive.
    op.add_column("audit_event", sa.Column("fs_mac", sa.String(64), nullable=True))
    op.add_column("audit_head", sa.Column("fs_key", sa.String(64), nullable=True))
    op.add_column("app_user", sa.Column("audit_root", sa.Text(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
