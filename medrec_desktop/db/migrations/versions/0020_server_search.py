"""Patient search at clinic scale on a PostgreSQL server (issue 15): ``patient_search_text``,
each patient's search tokens in one row, kept with the tokens; on the server a pg_trgm GIN
index over it and an index in name order that carries it; and the search's text compared
byte by byte on the server, as on the file.

On SQLite only the table is made (and filled): the file's search never reads it, but the
rows travel with the others wherever the clinic's data is copied.

On PostgreSQL:

* ``CREATE EXTENSION IF NOT EXISTS pg_trgm``: a trusted extension, so the database's owner
  (the role migrations run as; no superuser) may create it. Its operator class is named with
  the schema the extension lives in, which need not be on the search path.
* ``ix_patient_search_text_trgm``, GIN ``gin_trgm_ops`` on ``tokens``: the expression the
  server's queries filter on (``tokens LIKE '% smi%'``, one per typed fragment; a typed
  fragment of one or two letters still has a trigram, the word start "  s"), written at
  once (``fastupdate = off``).
* ``ix_patient_search_text_walk`` on ``(sort_key, patient_id) INCLUDE (tokens)``: walking
  the clinic in name order, for fragments so common that most patients match, reads only it.
* ``patient.sort_key``, ``patient_search_token.token`` and ``.sort_key`` get ``COLLATE "C"``:
  under a database collation such as en_US, name order and prefix ranges differ from the
  file's (letters such as æ, ø, ł sort elsewhere). The columns' indexes are rebuilt; the
  tables are not rewritten.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

from medrec_desktop.domain.errors import KnownError

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

NO_TRIGRAMS = (
    "The clinic's PostgreSQL server lacks the pg_trgm extension, which patient search needs. "
    "Install the server's contrib package (postgresql-contrib, or postgresql-15-contrib and "
    "the like), then start medrec again. Nothing was changed."
)

_BYTEWISE = (
    ("patient", "sort_key", 260),
    ("patient_search_token", "token", 64),
    ("patient_search_token", "sort_key", 280),
)


def upgrade() -> None:
    bind = op.get_bind()
    server = bind.dialect.name == "postgresql"
    if server:
        available = bind.execute(
            sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        ).scalar()
        if available is None:
            raise KnownError(NO_TRIGRAMS)
        for table, column, length in _BYTEWISE:
            op.execute(
                f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({length}) COLLATE "C"'
            )
    sort_key = sa.String(280, collation="C") if server else sa.String(280)
    op.create_table(
        "patient_search_text",
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patient.id"), primary_key=True),
        sa.Column("sort_key", sort_key, nullable=False),
        sa.Column("tokens", sa.Text(), nullable=False),
    )
    # The tokens as services.patient_index.search_text joins them: sorted (byte order, as
    # Python sorts str), a space either side of each.
    ordered = 'token COLLATE "C"' if server else "token"
    joined = (
        f"' ' || string_agg(token, ' ' ORDER BY {ordered}) || ' '"
        if server
        else f"' ' || group_concat(token, ' ' ORDER BY {ordered}) || ' '"
    )
    op.execute(
        "INSERT INTO patient_search_text (patient_id, sort_key, tokens) "
        f"SELECT patient_id, min(sort_key), {joined} FROM patient_search_token "
        "GROUP BY patient_id"
    )
    if not server:
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema = bind.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
    ).scalar_one()
    opclass = f"{bind.dialect.identifier_preparer.quote_schema(schema)}.gin_trgm_ops"
    # fastupdate off: a registration or a saved name writes its trigrams into the index at
    # once. With the default, they wait in a pending list (up to 4 MB, emptied by vacuum,
    # which inserts alone trigger only every 20 % of the table) that every search reads
    # through, unsorted, and whose size makes the planner shun the index.
    op.execute(
        "CREATE INDEX ix_patient_search_text_trgm ON patient_search_text "
        f"USING gin (tokens {opclass}) WITH (fastupdate = off)"
    )
    op.execute(
        "CREATE INDEX ix_patient_search_text_walk ON patient_search_text "
        "(sort_key, patient_id) INCLUDE (tokens)"
    )
    # Statistics now, not at autovacuum's leisure: a column whose type changed has none left
    # (and no rows changed, so autovacuum would not gather them again), and without them the
    # planner guesses 0.5% of the clinic for every prefix and plans parallel scans, with JIT.
    op.execute("ANALYZE patient, patient_search_token, patient_search_text")


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
