"""Repeat FHIR imports (issue 14): ``fhir_import_log``, one row per Bundle imported (not per
dry run): into which record, the SHA-256 of the file as given, the sender as typed or found,
when, by whom and how many items. The import looks its bytes up here to notice a Bundle it
already recorded. Append-only, as ``disclosure`` is (schema 0016): triggers refuse UPDATE,
DELETE (and, on SQLite, INSERT OR REPLACE; on PostgreSQL, TRUNCATE).

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_TABLE = "fhir_import_log"


def _fk(name: str, target: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name,
        sa.Integer(),
        sa.ForeignKey(f"{target}.id", name=f"fk_{_TABLE}_{name}_{target}"),
        nullable=False,
    )


# Copied from 0016 (not imported: a migration stays as it was written).
_SQLITE_LOCKS = (
    f"CREATE TRIGGER {_TABLE}_no_update BEFORE UPDATE ON {_TABLE}"
    f" BEGIN SELECT RAISE(ABORT, '{_TABLE} rows are never changed'); END",
    f"CREATE TRIGGER {_TABLE}_no_delete BEFORE DELETE ON {_TABLE}"
    f" BEGIN SELECT RAISE(ABORT, '{_TABLE} rows are never deleted'); END",
    # INSERT OR REPLACE deletes without firing DELETE triggers (db/row_identity.py)
    f"CREATE TRIGGER {_TABLE}_no_replace BEFORE INSERT ON {_TABLE}"
    f" WHEN EXISTS (SELECT 1 FROM {_TABLE} WHERE id = NEW.id)"
    f" BEGIN SELECT RAISE(ABORT, '{_TABLE} rows are never replaced'); END",
)

_PG_LOCKS = (
    "CREATE FUNCTION fhir_import_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN RAISE EXCEPTION 'fhir_import_log rows are never changed or deleted'; END $$",
    f"CREATE TRIGGER {_TABLE}_locked BEFORE UPDATE OR DELETE ON {_TABLE}"
    " FOR EACH ROW EXECUTE FUNCTION fhir_import_log_append_only()",
    f"CREATE TRIGGER {_TABLE}_no_truncate BEFORE TRUNCATE ON {_TABLE}"
    " FOR EACH STATEMENT EXECUTE FUNCTION fhir_import_log_append_only()",
)


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("patient_id", "patient"),
        sa.Column("bundle_sha256", sa.String(64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.String(32), nullable=False),
        _fk("imported_by", "app_user"),
        sa.Column("item_count", sa.Integer(), nullable=False),
    )
    op.create_index(f"ix_{_TABLE}_bundle_sha256", _TABLE, ["bundle_sha256"])
    op.create_index(f"ix_{_TABLE}_patient_id", _TABLE, ["patient_id"])
    locks = _PG_LOCKS if op.get_bind().dialect.name == "postgresql" else _SQLITE_LOCKS
    for statement in locks:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
