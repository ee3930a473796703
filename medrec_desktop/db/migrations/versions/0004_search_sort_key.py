"""Search tokens carry the patient's sort key, so searches read results in name order.

Revision ID: 0004
Revises: 0003
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _fold(text: str) -> str:
    # The same folding as services.patient_index.fold (a migration must not import app code
    # that may change later).
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def upgrade() -> None:
    with op.batch_alter_table("patient") as batch:
        batch.add_column(sa.Column("sort_key", sa.String(260), nullable=False, server_default=""))
        batch.create_index("ix_patient_listing", ["merged_into_id", "sort_key", "id"])
    with op.batch_alter_table("patient_search_token") as batch:
        batch.add_column(sa.Column("sort_key", sa.String(280), nullable=False, server_default=""))
        batch.drop_index("ix_patient_search_token_token")
        batch.create_index(
            "ix_patient_search_token_token_sort", ["token", "sort_key", "patient_id"]
        )
    bind = op.get_bind()
    patients = bind.execute(sa.text("SELECT id, family_name, given_names FROM patient")).all()
    for pid, family, given in patients:
        bind.execute(
            sa.text("UPDATE patient SET sort_key = :k WHERE id = :p"),
            {"k": f"{_fold(family)}\t{_fold(given)}", "p": pid},
        )
        bind.execute(
            sa.text("UPDATE patient_search_token SET sort_key = :k WHERE patient_id = :p"),
            {"k": f"{_fold(family)}\t{_fold(given)}\t{pid:010d}", "p": pid},
        )


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
