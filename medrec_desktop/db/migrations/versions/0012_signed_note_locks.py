"""Signed notes are locked by the database itself: triggers refuse changes to a signed
encounter (but a merge's patient_id), to the vitals, tests and procedures recorded in it, and
to addenda (append-only). See medrec_desktop/db/signed_locks.py.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from medrec_desktop.db import signed_locks

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    # The columns the tables have now (db.signed_locks says which are locked).
    columns = {
        table: [c["name"] for c in inspector.get_columns(table)] for table in signed_locks.TABLES
    }
    signed_locks.install(op.execute, bind.dialect.name, columns)


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
