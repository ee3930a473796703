"""The chart's other clinical item kinds: medications, immunizations, vitals, and medical,
surgical, family and social history. Their versions go to the shared, append-only
clinical_item_version table of 0007.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
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


def upgrade() -> None:
    _item_table(
        "medication",
        _text("name", 200, nullable=False),
        _text("strength", 100),
        _number("dose", sa.Float),
        _text("dose_unit", 16),
        _text("route", 24),
        _text("frequency", 100),
        _text("instructions"),
        _text("start", 10),
        _text("stop", 10),
        _text("indication", 200),
        sa.Column(
            "indication_problem_id",
            sa.Integer(),
            sa.ForeignKey("problem.id", name="fk_medication_indication_problem_id_problem"),
            nullable=True,
        ),
        _text("prescriber", 200),
    )
    _item_table(
        "immunization",
        _text("vaccine", 200, nullable=False),
        _text("cvx", 3),
        _text("administration", 16, nullable=False),
        _text("given_on", 10),
        _number("dose_number"),
        _text("lot_number", 40),
        _text("site", 24),
        _text("route", 16),
        _text("given_by", 200),
        _text("source", 200),
        _text("refusal_reason"),
    )
    _item_table(
        "vitals",
        _text("taken_at", 32, nullable=False),  # UTC ISO text, like every time in the schema
        _text("units", 8, nullable=False),
        _number("systolic"),
        _number("diastolic"),
        _number("pulse"),
        _number("respirations"),
        _number("temperature_c", sa.Float),
        _number("spo2"),
        _number("height_cm", sa.Float),
        _number("weight_kg", sa.Float),
        _number("bmi", sa.Float),
        _number("pain"),
    )
    op.create_index("ix_vitals_taken_at", "vitals", ["taken_at"])
    _item_table(
        "medical_history",
        _text("condition", nullable=False),
        _text("icd10cm", 16),
        _text("onset", 10),
        _text("notes"),
    )
    _item_table(
        "surgical_history",
        _text("procedure", nullable=False),
        _text("performed", 10),
        _text("site", 200),
        _text("laterality", 16),
        _text("notes"),
    )
    _item_table(
        "family_history",
        _text("relative", 24, nullable=False),
        _text("condition", nullable=False),
        _text("icd10cm", 16),
        _number("age_at_onset"),
        sa.Column("deceased", sa.Boolean(), nullable=False),
        _number("age_at_death"),
        _text("notes"),
    )
    _item_table(
        "social_history",
        _text("smoking_status", 32),
        _number("packs_per_day", sa.Float),
        _number("years_smoked", sa.Float),
        _number("pack_years", sa.Float),
        _number("audit_c_frequency"),
        _number("audit_c_typical"),
        _number("audit_c_six_or_more"),
        _number("audit_c_score"),
        _text("other_substances"),
        _text("occupation", 200),
        _text("living_situation", 24),
        _text("living_notes"),
        _text("housing", 16),
        _text("food_insecurity", 8),
        _text("transport_problems", 8),
        _text("feels_safe", 8),
    )


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
