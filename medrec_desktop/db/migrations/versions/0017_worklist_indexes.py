"""The coding worklist over tens of thousands of encounters (issue 13): indexes holding every
column its page and its counts read, so they never read an encounter's note (a signed visit's
row holds its whole SOAP note: reading 50,000 of them through the cipher took most of a
second; from these indexes the counts take tens of milliseconds).

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # "id" after the date: the index yields the list's order (date, then id) itself, so the
    # planner walks it instead of the narrow index on the date and the notes behind it.
    op.create_index(
        "ix_encounter_worklist",
        "encounter",
        [
            "starts_at",
            "id",
            "signed_at",
            "status",
            "sensitivity",
            "provider_id",
            "encounter_type",
            "patient_id",
        ],
    )
    op.create_index(
        "ix_encounter_provider_worklist",
        "encounter",
        [
            "provider_id",
            "starts_at",
            "id",
            "signed_at",
            "status",
            "sensitivity",
            "encounter_type",
            "patient_id",
        ],
    )
    op.create_index(
        "ix_encounter_coding_worklist",
        "encounter_coding",
        ["encounter_id", "state", "error_count", "coded_by", "coded_at", "version"],
    )
    op.create_index("ix_coder_query_encounter_state", "coder_query", ["encounter_id", "state"])


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
