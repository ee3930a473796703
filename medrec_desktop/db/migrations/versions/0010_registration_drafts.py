"""Drafts of a new registration: a form draft may belong to no patient yet (the patient the
user is registering has no record until the form is saved).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite cannot drop NOT NULL in place: batch mode copies the table (rows, constraints,
    # index) into its new shape; PostgreSQL alters the column.
    with op.batch_alter_table("form_draft") as batch:
        batch.alter_column("patient_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
