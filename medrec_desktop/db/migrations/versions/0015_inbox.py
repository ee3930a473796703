"""The scanner inbox and cover sheets (issue 12): ``inbox_item`` (a picked-up file waiting
to be filed; never deleted, triggers refuse it on SQLite and PostgreSQL) and ``cover_sheet``
(the opaque token printed as a barcode and what it files to).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _fk(name: str, table: str, target: str, *, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name,
        sa.Integer(),
        sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{name}_{target}"),
        nullable=nullable,
    )


_SQLITE_LOCKS = (
    "CREATE TRIGGER inbox_item_no_delete BEFORE DELETE ON inbox_item"
    " BEGIN SELECT RAISE(ABORT, 'inbox_item rows are never deleted'); END",
    # INSERT OR REPLACE deletes without firing DELETE triggers (db/row_identity.py)
    "CREATE TRIGGER inbox_item_no_replace BEFORE INSERT ON inbox_item"
    " WHEN EXISTS (SELECT 1 FROM inbox_item WHERE id = NEW.id)"
    " BEGIN SELECT RAISE(ABORT, 'inbox_item rows are never replaced'); END",
)
_PG_LOCKS = (
    "CREATE FUNCTION inbox_item_kept() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN RAISE EXCEPTION 'inbox_item rows are never deleted'; END $$",
    "CREATE TRIGGER inbox_item_no_delete BEFORE DELETE ON inbox_item"
    " FOR EACH ROW EXECUTE FUNCTION inbox_item_kept()",
    "CREATE TRIGGER inbox_item_no_truncate BEFORE TRUNCATE ON inbox_item"
    " FOR EACH STATEMENT EXECUTE FUNCTION inbox_item_kept()",
)


def upgrade() -> None:
    op.create_table(
        "cover_sheet",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token", sa.String(64), nullable=False),
        _fk("patient_id", "cover_sheet", "patient", nullable=False),
        sa.Column("doc_type", sa.String(32), nullable=False),
        sa.Column("type_name", sa.String(200), nullable=True),
        _fk("encounter_id", "cover_sheet", "encounter"),
        _fk("created_by", "cover_sheet", "app_user", nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=False),
        sa.Column("used_count", sa.Integer(), nullable=False),
        sa.Column("last_used_at", sa.String(32), nullable=True),
        sa.UniqueConstraint("token", name="uq_cover_sheet_token"),
    )
    op.create_index("ix_cover_sheet_patient_id", "cover_sheet", ["patient_id"])
    op.create_table(
        "inbox_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("blob_id", "inbox_item", "document_blob", nullable=False),
        sa.Column("source_name", sa.String(260), nullable=False),
        sa.Column("source_mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("arrived_at", sa.String(32), nullable=False),
        _fk("received_by", "inbox_item", "app_user", nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("closed_by", "inbox_item", "app_user"),
        sa.Column("closed_at", sa.String(32), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        _fk("document_id", "inbox_item", "document"),
        _fk("parent_id", "inbox_item", "inbox_item"),
        sa.Column("pages_of_parent", sa.String(40), nullable=True),
        _fk("cover_sheet_id", "inbox_item", "cover_sheet"),
        sa.UniqueConstraint(
            "source_name", "sha256", "source_mtime_ns", name="uq_inbox_item_arrival"
        ),
    )
    op.create_index("ix_inbox_item_blob_id", "inbox_item", ["blob_id"])
    op.create_index("ix_inbox_item_arrived_at", "inbox_item", ["arrived_at"])
    op.create_index("ix_inbox_item_status", "inbox_item", ["status"])
    dialect = op.get_bind().dialect.name
    for statement in _PG_LOCKS if dialect == "postgresql" else _SQLITE_LOCKS:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
