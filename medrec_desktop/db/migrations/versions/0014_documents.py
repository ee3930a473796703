"""Documents in the chart (issue 12): the filed item (``document``) and the bytes it
describes (``document_blob``), both inside the encrypted database. A blob is never changed
or deleted: triggers refuse it, on SQLite and PostgreSQL alike.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
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


_SQLITE_LOCKS = (
    "CREATE TRIGGER document_blob_no_update BEFORE UPDATE ON document_blob"
    " BEGIN SELECT RAISE(ABORT, 'document_blob rows are never changed'); END",
    "CREATE TRIGGER document_blob_no_delete BEFORE DELETE ON document_blob"
    " BEGIN SELECT RAISE(ABORT, 'document_blob rows are never deleted'); END",
    # SQLite's INSERT OR REPLACE deletes the row it replaces without firing DELETE triggers:
    # an insert over a stored id is refused before it can swap the bytes (db/row_identity.py)
    "CREATE TRIGGER document_blob_no_replace BEFORE INSERT ON document_blob"
    " WHEN EXISTS (SELECT 1 FROM document_blob WHERE id = NEW.id)"
    " BEGIN SELECT RAISE(ABORT, 'document_blob rows are never replaced'); END",
)
_PG_LOCKS = (
    "CREATE FUNCTION document_blob_locked() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN RAISE EXCEPTION 'document_blob rows are never changed or deleted'; END $$",
    "CREATE TRIGGER document_blob_locked BEFORE UPDATE OR DELETE ON document_blob"
    " FOR EACH ROW EXECUTE FUNCTION document_blob_locked()",
    # TRUNCATE fires no row trigger
    "CREATE TRIGGER document_blob_no_truncate BEFORE TRUNCATE ON document_blob"
    " FOR EACH STATEMENT EXECUTE FUNCTION document_blob_locked()",
)


def upgrade() -> None:
    op.create_table(
        "document_blob",
        sa.Column("id", sa.Integer(), primary_key=True),
        _text("sha256", 64, nullable=False),
        _text("content_type", 40, nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        _fk("created_by", "document_blob", "app_user", nullable=False),
        _text("created_at", 32, nullable=False),
    )
    op.create_index("ix_document_blob_sha256", "document_blob", ["sha256"])
    _item_table(
        "document",
        _text("doc_type", 32, nullable=False),
        _text("type_name", 200),
        sa.Column("document_date", sa.Date(), nullable=False),
        _text("author", 200),
        _text("description"),
        _fk("encounter_id", "document", "encounter"),
        _text("file_name", 200),
        _fk("blob_id", "document", "document_blob", nullable=False),
        _text("content_type", 40, nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        _text("sha256", 64, nullable=False),
    )
    op.create_index("ix_document_encounter_id", "document", ["encounter_id"])
    op.create_index("ix_document_blob_id", "document", ["blob_id"])
    dialect = op.get_bind().dialect.name
    for statement in _PG_LOCKS if dialect == "postgresql" else _SQLITE_LOCKS:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
