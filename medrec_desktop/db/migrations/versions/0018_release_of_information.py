"""Release of information (issue 14): a disclosure also says who asked for it, in what form
it left (PDF, FHIR, CSV, print), which sections and dates of the record it carried, the
authorization on file, the SHA-256 of the file and whether it was password-protected.

The columns are added in place (ADD COLUMN): the table keeps its append-only triggers, which a
batch copy would drop. ``authorization_document_id`` names a scanned document without a
foreign key (SQLite adds no constraint in place); the service checks it belongs to the patient.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for column in (
        sa.Column("requester", sa.String(200), nullable=True),
        sa.Column("medium", sa.String(16), nullable=True),
        sa.Column("sections", sa.Text(), nullable=True),
        sa.Column("period_since", sa.Date(), nullable=True),
        sa.Column("period_until", sa.Date(), nullable=True),
        sa.Column("authorization_document_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("encrypted", sa.Boolean(), nullable=True),
    ):
        op.add_column("disclosure", column)


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
