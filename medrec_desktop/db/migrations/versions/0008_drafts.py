"""Form drafts: each user's unsaved chart forms, kept in the (encrypted) database so a crash
or a kill loses no typing.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_draft",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("app_user.id", name="fk_form_draft_user_id_app_user"),
            nullable=False,
        ),
        sa.Column("form_key", sa.String(200), nullable=False),
        sa.Column(
            "patient_id",
            sa.Integer(),
            sa.ForeignKey("patient.id", name="fk_form_draft_patient_id_patient"),
            nullable=False,
        ),
        sa.Column("item_type", sa.String(32), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("data_json", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("user_id", "form_key", name="uq_form_draft_user_id"),
    )
    op.create_index("ix_form_draft_patient_id", "form_draft", ["patient_id"])


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
