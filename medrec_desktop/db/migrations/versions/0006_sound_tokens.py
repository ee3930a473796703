"""Sound-alike search tokens ("~" and a name word's sound key) for every patient, so a search
for "Andersen" finds Anderson on databases made before the forgiving search.

Revision ID: 0006
Revises: 0005
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

# The key itself is read from the domain module: these tokens are only useful if they are the
# ones the running program computes. Should the key ever change, a later migration rewrites
# them the same way.
from medrec_desktop.domain.names import sound_key

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _words(text: str) -> list[str]:
    # The same folding and splitting as services.patient_index.words.
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _WORD.findall(folded)


def upgrade() -> None:
    bind = op.get_bind()
    patients = bind.execute(
        sa.text(
            "SELECT id, family_name, given_names, previous_names, sort_key FROM patient "
            "WHERE merged_into_id IS NULL"
        )
    ).all()
    rows: list[dict[str, object]] = []
    for pid, family, given, previous, listing in patients:
        keys = {sound_key(w) for name in (family, given, previous) if name for w in _words(name)}
        key = f"{listing}\t{pid:010d}"
        rows.extend({"p": pid, "t": ("~" + k)[:64], "k": key} for k in sorted(keys) if k)
        if len(rows) >= 5000:
            _insert(bind, rows)
            rows = []
    _insert(bind, rows)


def _insert(bind: sa.Connection, rows: list[dict[str, object]]) -> None:
    if rows:
        bind.execute(
            sa.text(
                "INSERT INTO patient_search_token (patient_id, token, sort_key) VALUES (:p, :t, :k)"
            ),
            rows,
        )


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
