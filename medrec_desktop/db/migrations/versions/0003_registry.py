"""Patient registry: USCDI demographics, related persons, coverage, search tokens, merges.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TEXT_COLUMNS = (
    ("previous_names", sa.Text()),
    ("gender_identity", sa.String(64)),
    ("sexual_orientation", sa.String(64)),
    ("race", sa.String(128)),
    ("ethnicity", sa.String(64)),
    ("preferred_language", sa.String(64)),
    ("address_line1", sa.String(128)),
    ("address_line2", sa.String(128)),
    ("city", sa.String(64)),
    ("state", sa.String(32)),
    ("postal_code", sa.String(16)),
    ("mobile_phone", sa.String(32)),
    ("email", sa.String(128)),
    ("occupation", sa.String(128)),
)


def upgrade() -> None:
    with op.batch_alter_table("patient") as batch:
        for name, type_ in _TEXT_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_patient_merged_into_id_patient", "patient", ["merged_into_id"], ["id"]
        )
        batch.create_index("ix_patient_merged_into_id", ["merged_into_id"])
        batch.create_index("ix_patient_birth_date", ["birth_date"])
    op.create_table(
        "related_person",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patient.id"), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("relationship", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("emergency_contact", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_related_person_patient_id", "related_person", ["patient_id"])
    op.create_table(
        "coverage",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patient.id"), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("payer", sa.String(128), nullable=False),
        sa.Column("plan", sa.String(128), nullable=True),
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("group_number", sa.String(64), nullable=True),
        sa.Column("subscriber_name", sa.String(128), nullable=True),
        sa.Column("subscriber_relationship", sa.String(32), nullable=False),
    )
    op.create_index("ix_coverage_patient_id", "coverage", ["patient_id"])
    op.create_index("ix_coverage_member_id", "coverage", ["member_id"])
    op.create_table(
        "patient_search_token",
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patient.id"), primary_key=True),
        sa.Column("token", sa.String(64), primary_key=True),
    )
    op.create_index("ix_patient_search_token_token", "patient_search_token", ["token"])
    op.create_index("ix_audit_event_user_id_seq", "audit_event", ["user_id", "seq"])


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
