"""Versioned clinical items: the shared version table (append-only, refused by triggers like
the audit trail), problems, allergies and the "no known allergies" statement.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# services/version_guards.py compares the installed triggers with this text: keep them equal.
SQLITE_TRIGGERS = (
    """CREATE TRIGGER clinical_item_version_no_update BEFORE UPDATE ON clinical_item_version
       BEGIN SELECT RAISE(ABORT, 'clinical item versions are append-only'); END""",
    """CREATE TRIGGER clinical_item_version_no_delete BEFORE DELETE ON clinical_item_version
       BEGIN SELECT RAISE(ABORT, 'clinical item versions are append-only'); END""",
)
PG_TRIGGERS = (
    """CREATE FUNCTION clinical_item_version_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'clinical item versions are append-only'; END $$""",
    """CREATE TRIGGER clinical_item_version_no_change
       BEFORE UPDATE OR DELETE ON clinical_item_version
       FOR EACH ROW EXECUTE FUNCTION clinical_item_version_refuse()""",
    """CREATE TRIGGER clinical_item_version_no_truncate BEFORE TRUNCATE ON clinical_item_version
       FOR EACH STATEMENT EXECUTE FUNCTION clinical_item_version_refuse()""",
)


def _item_columns(table: str) -> list[sa.Column]:  # type: ignore[type-arg]
    """The columns of models.clinical.ClinicalItem, as they were at this revision."""
    return [
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "patient_id",
            sa.Integer(),
            sa.ForeignKey("patient.id", name=f"fk_{table}_patient_id_patient"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("sensitivity", sa.String(32), nullable=True),
        sa.Column(
            "created_by",
            sa.Integer(),
            sa.ForeignKey("app_user.id", name=f"fk_{table}_created_by_app_user"),
            nullable=False,
        ),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column(
            "changed_by",
            sa.Integer(),
            sa.ForeignKey("app_user.id", name=f"fk_{table}_changed_by_app_user"),
            nullable=False,
        ),
        sa.Column("changed_at", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
    ]


def _item_table(table: str, *content: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(table, *_item_columns(table), *content)
    op.create_index(f"ix_{table}_patient_id", table, ["patient_id"])


def upgrade() -> None:
    op.create_table(
        "clinical_item_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_type", sa.String(32), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("sensitivity", sa.String(32), nullable=True),
        sa.Column(
            "changed_by",
            sa.Integer(),
            sa.ForeignKey("app_user.id", name="fk_clinical_item_version_changed_by_app_user"),
            nullable=False,
        ),
        sa.Column("changed_at", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.UniqueConstraint(
            "item_type", "item_id", "version", name="uq_clinical_item_version_item_type"
        ),
    )
    _item_table(
        "problem",
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("icd10cm", sa.String(16), nullable=True),
        sa.Column("onset", sa.String(10), nullable=True),
        sa.Column("resolution", sa.String(10), nullable=True),
        sa.Column("chronic", sa.Boolean(), nullable=False),
    )
    _item_table(
        "allergy",
        sa.Column("substance", sa.String(200), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("reaction", sa.Text(), nullable=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("onset", sa.String(10), nullable=True),
    )
    _item_table(
        "allergy_statement",
        sa.Column("stated_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )
    triggers = PG_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
