"""The locks on signed notes, hardened (see medrec_desktop/db/signed_locks.py and
db/row_identity.py):

- rows are never replaced or renumbered: SQLite's REPLACE deletes the row it replaces without
  firing DELETE triggers, so an ``INSERT OR REPLACE`` could rewrite a signed note, an entry
  recorded in it, an addendum or a clinical item version under its own id;
- a signed note's label and the stamps of the save that set it (sensitivity, version,
  changed_by, changed_at, reason) may change; its content may not;
- a signed note, a locked entry or an addendum moves to another patient only in a merge.

Every lock trigger is dropped and installed again from the current text (a database built
by an older 0012 gets the new column lists; a newer 0012 already installed the same ones).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

from medrec_desktop.db import row_identity, signed_locks

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    columns = {
        table: [c["name"] for c in inspector.get_columns(table)] for table in signed_locks.TABLES
    }
    signed_locks.reinstall(op.execute, bind.dialect.name, columns)
    row_identity.install(op.execute, bind.dialect.name)


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
