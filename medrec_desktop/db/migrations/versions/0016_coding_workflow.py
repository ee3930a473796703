"""The coder's day (issue 13): ``encounter_coding`` (an encounter's codes, versioned),
``coder_query`` (questions to the encounter's provider, versioned) and the append-only
``disclosure`` / ``disclosure_patient`` (what left the clinic, to whom, why: the billing
hand-off is the first).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _item_columns(table: str) -> list[sa.Column]:  # type: ignore[type-arg]
    """The columns of models.clinical.ClinicalItem, as they were at this revision (copied,
    not imported: a migration stays as it was written)."""
    return [
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("patient_id", table, "patient", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("sensitivity", sa.String(32), nullable=True),
        _fk("created_by", table, "app_user", nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        _fk("changed_by", table, "app_user", nullable=False),
        sa.Column("changed_at", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
    ]


def _fk(name: str, table: str, target: str, *, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name,
        sa.Integer(),
        sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{name}_{target}"),
        nullable=nullable,
    )


def _text(name: str, length: int | None = None, *, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Text() if length is None else sa.String(length), nullable=nullable)


_APPEND_ONLY = ("disclosure", "disclosure_patient")


def _sqlite_locks(table: str) -> tuple[str, ...]:
    return (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}"
        f" BEGIN SELECT RAISE(ABORT, '{table} rows are never changed'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}"
        f" BEGIN SELECT RAISE(ABORT, '{table} rows are never deleted'); END",
        # INSERT OR REPLACE deletes without firing DELETE triggers (db/row_identity.py)
        f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table}"
        f" WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id)"
        f" BEGIN SELECT RAISE(ABORT, '{table} rows are never replaced'); END",
    )


_PG_FUNCTION = (
    "CREATE FUNCTION disclosure_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN RAISE EXCEPTION 'disclosures are never changed or deleted'; END $$"
)


def _pg_locks(table: str) -> tuple[str, ...]:
    return (
        f"CREATE TRIGGER {table}_locked BEFORE UPDATE OR DELETE ON {table}"
        " FOR EACH ROW EXECUTE FUNCTION disclosure_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION disclosure_append_only()",
    )


def upgrade() -> None:
    op.create_table(
        "encounter_coding",
        *_item_columns("encounter_coding"),
        _fk("encounter_id", "encounter_coding", "encounter", nullable=False),
        _text("state", 16, nullable=False),
        _text("setting", 16, nullable=False),
        _text("diagnoses", nullable=False),
        _text("procedures", nullable=False),
        _text("overrides", nullable=False),
        _text("dismissals", nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("warning_count", sa.Integer(), nullable=False),
        _fk("coded_by", "encounter_coding", "app_user"),
        _text("coded_at", 32),
        _text("return_reason"),
        sa.UniqueConstraint("encounter_id", name="uq_encounter_coding_encounter_id"),
    )
    op.create_index("ix_encounter_coding_patient_id", "encounter_coding", ["patient_id"])
    op.create_index("ix_encounter_coding_state", "encounter_coding", ["state"])
    op.create_table(
        "coder_query",
        *_item_columns("coder_query"),
        _fk("encounter_id", "coder_query", "encounter", nullable=False),
        _fk("provider_id", "coder_query", "app_user", nullable=False),
        _text("template", 16, nullable=False),
        _text("question", nullable=False),
        _text("indicators"),
        _text("options", nullable=False),
        _text("state", 16, nullable=False),
        _fk("asked_by", "coder_query", "app_user", nullable=False),
        _text("asked_at", 32, nullable=False),
        _text("answer"),
        _text("answer_note"),
        _text("answered_at", 32),
        _text("withdraw_reason"),
    )
    op.create_index("ix_coder_query_patient_id", "coder_query", ["patient_id"])
    op.create_index("ix_coder_query_encounter_id", "coder_query", ["encounter_id"])
    op.create_index("ix_coder_query_provider_state", "coder_query", ["provider_id", "state"])
    op.create_table(
        "disclosure",
        sa.Column("id", sa.Integer(), primary_key=True),
        _text("disclosed_at", 32, nullable=False),
        _fk("disclosed_by", "disclosure", "app_user", nullable=False),
        _text("recipient", 200, nullable=False),
        _text("purpose", 32, nullable=False),
        _text("description", nullable=False),
        sa.Column("patient_count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_disclosure_disclosed_at", "disclosure", ["disclosed_at"])
    op.create_table(
        "disclosure_patient",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("disclosure_id", "disclosure_patient", "disclosure", nullable=False),
        _fk("patient_id", "disclosure_patient", "patient", nullable=False),
        _text("detail", nullable=False),
    )
    op.create_index("ix_disclosure_patient_disclosure_id", "disclosure_patient", ["disclosure_id"])
    op.create_index("ix_disclosure_patient_patient_id", "disclosure_patient", ["patient_id"])
    # The worklist reads signed encounters by date of service.
    op.create_index("ix_encounter_signed_starts", "encounter", ["signed_at", "starts_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for table in _APPEND_ONLY:
            for statement in _pg_locks(table):
                op.execute(statement)
    else:
        for table in _APPEND_ONLY:
            for statement in _sqlite_locks(table):
                op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
