"""Encounters with their SOAP note, addenda and amendment requests, test results and the
clinic's result templates, treatments and procedures (issue 10); vitals point at the
encounter they were taken in. The lock on signed notes is 0012.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _item_columns(table: str) -> list[sa.Column]:  # type: ignore[type-arg]
    """The columns of models.clinical.ClinicalItem, as they were at this revision (copied,
    not imported: a migration stays as it was written)."""
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


def _text(name: str, length: int | None = None, *, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    kind = sa.Text() if length is None else sa.String(length)
    return sa.Column(name, kind, nullable=nullable)


def _number(name: str, kind: type[sa.types.TypeEngine] = sa.Integer) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, kind(), nullable=True)


def _fk(name: str, table: str, target: str, *, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name,
        sa.Integer(),
        sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{name}_{target}"),
        nullable=nullable,
    )


def upgrade() -> None:
    _item_table(
        "encounter",
        _text("starts_at", 32, nullable=False),
        _text("encounter_type", 16, nullable=False),
        _fk("provider_id", "encounter", "app_user", nullable=False),
        _text("location", 200),
        _text("reason_for_visit", nullable=False),
        _text("subjective"),
        _text("objective"),
        _text("assessment"),
        _text("plan"),
        _text("problems_addressed", nullable=False),
        _fk("signed_by", "encounter", "app_user"),
        _text("signed_at", 32),
    )
    op.create_index("ix_encounter_starts_at", "encounter", ["starts_at"])
    op.create_index("ix_encounter_provider_id", "encounter", ["provider_id"])
    _item_table(
        "amendment_request",
        sa.Column("received_on", sa.Date(), nullable=False),
        _fk("encounter_id", "amendment_request", "encounter"),
        _text("concerns"),
        _text("requested_change", nullable=False),
        _text("patient_reason"),
        _text("decision", 16, nullable=False),
        _fk("decided_by", "amendment_request", "app_user"),
        sa.Column("decided_on", sa.Date(), nullable=True),
        _text("denial_reason"),
        _text("disagreement"),
    )
    op.create_table(
        "encounter_addendum",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("encounter_id", "encounter_addendum", "encounter", nullable=False),
        _fk("patient_id", "encounter_addendum", "patient", nullable=False),
        _fk("author_id", "encounter_addendum", "app_user", nullable=False),
        _text("written_at", 32, nullable=False),
        _text("reason", nullable=False),
        _text("text", nullable=False),
        _fk("amendment_request_id", "encounter_addendum", "amendment_request"),
    )
    op.create_index("ix_encounter_addendum_encounter_id", "encounter_addendum", ["encounter_id"])
    op.create_index("ix_encounter_addendum_patient_id", "encounter_addendum", ["patient_id"])
    _item_table(
        "lab_test",
        _text("name", 200, nullable=False),
        _text("loinc", 10),
        _text("specimen", 100),
        _text("collected_at", 32, nullable=False),
        _text("resulted_at", 32),
        _text("ordering_provider", 200),
        _text("performing_lab", 200),
        _text("results", nullable=False),
        _text("notes"),
        _fk("encounter_id", "lab_test", "encounter"),
    )
    op.create_index("ix_lab_test_encounter_id", "lab_test", ["encounter_id"])
    op.create_index("ix_lab_test_patient_collected", "lab_test", ["patient_id", "collected_at"])
    _item_table(
        "procedure",
        _text("description", nullable=False),
        _text("code_system", 8),
        _text("code", 16),
        _text("performed_at", 32, nullable=False),
        _text("performed_by", 200),
        _text("body_site", 200),
        _text("laterality", 16),
        _text("outcome"),
        _text("complications"),
        _fk("problem_id", "procedure", "problem"),
        _fk("encounter_id", "procedure", "encounter"),
        _text("notes"),
    )
    op.create_index("ix_procedure_encounter_id", "procedure", ["encounter_id"])
    op.create_table(
        "result_template",
        sa.Column("id", sa.Integer(), primary_key=True),
        _text("name", 100, nullable=False),
        _text("loinc", 10),
        _text("specimen", 100),
        _text("analytes", nullable=False),
        _fk("created_by", "result_template", "app_user", nullable=False),
        _text("created_at", 32, nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("name", name="uq_result_template_name"),
    )
    # SQLite adds a column with a foreign key only by copying the table (batch mode).
    with op.batch_alter_table("vitals") as batch:
        batch.add_column(_fk("encounter_id", "vitals", "encounter"))
        batch.create_index("ix_vitals_encounter_id", ["encounter_id"])


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
