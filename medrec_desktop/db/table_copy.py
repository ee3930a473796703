"""Copying every table of the encrypted file into a clinic server's database (issue 15: a
clinic moved to the server), row for row, ids kept.

The copy runs inside the caller's one server transaction, as the database's owner: the
tables are made by the migrations in that same transaction, so a failure or a cancel rolls
back the tables with the rows and the database is as empty as it was found.

- Tables go in foreign-key order (``Base.metadata.sorted_tables``), rows in batches read
  through SQLAlchemy Core and written with PostgreSQL's COPY, each value through its
  column's type both ways (dates, booleans, bytes).
- A column pointing into its own table (a patient merged into a later one, a scan split from
  a later page) is copied empty and filled in once every row of the table is there.
- The tables' own triggers are switched off for the copy and on again before the caller
  commits: the lock on signed notes refuses a result inserted into a signed visit, which is
  what copying a signed visit's results does. Switching them is the table owner's right
  (``ALTER TABLE ... DISABLE TRIGGER USER``), no superuser needed; and the integrity checks
  (services.audit, services.*_guards) see them enabled again before the commit.
- The id sequences are moved past the copied ids.

Nothing here names a value of a row: a refusal names the table and the kind of refusal only
(a row may hold a patient's data).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    LargeBinary,
    Table,
    bindparam,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy import exc as sa_exc

from medrec_desktop.domain.errors import KnownError
from medrec_desktop.models import Base

#: the migrations' own table: made (and filled) by the migrations on the server, compared only
MIGRATIONS_TABLE = "alembic_version"
#: rows per insert; fewer when they carry large values (documents' bytes)
BATCH_ROWS = 2_000
BATCH_BYTES = 32 << 20

#: called after each batch with the table's name and the rows it carried
Step = Callable[[str, int], None]


class CopyRefused(KnownError):
    """The server refused a table's rows: said with the table and the kind of refusal only."""

    def __init__(self, table: str, kind: str) -> None:
        super().__init__(
            f"The server refused the rows of table {table} ({kind}), so nothing was moved: "
            "the server was left empty and this computer keeps working on its file."
        )
        self.table = table
        self.kind = kind


def tables() -> list[Table]:
    """Every table the program keeps records in, parents before the tables pointing at them."""
    return list(Base.metadata.sorted_tables)


def expected_names() -> set[str]:
    return {t.name for t in tables()} | {MIGRATIONS_TABLE}


def table_names(conn: Connection) -> set[str]:
    """The tables of the connection's database (SQLite) or current schema (PostgreSQL)."""
    return set(inspect(conn).get_table_names())


def unknown_tables(found: Iterable[str]) -> tuple[list[str], list[str]]:
    """(tables found that the program does not know, tables it knows that are missing)."""
    have, want = set(found), expected_names()
    return sorted(have - want), sorted(want - have)


def count_rows(conn: Connection, names: Iterable[str]) -> dict[str, int]:
    """Rows per table (names come from the program's own models, never from input)."""
    return {
        name: int(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
        for name in sorted(names)
    }


# ---------------------------------------------------------------------------- on the server


def schema_objects(conn: Connection) -> tuple[list[str], list[str]]:
    """(relations, functions) in the connection's current schema on PostgreSQL: what makes a
    database not empty for a move, and what a failed move leaves to remove."""
    relations = conn.execute(
        text(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = "
            "current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
            "ORDER BY 1"
        )
    ).scalars()
    functions = conn.execute(
        text(
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            "WHERE p.pronamespace = current_schema()::regnamespace "
            # An extension's own functions (pg_trgm's, which patient search uses: schema
            # 0020) are not the clinic's: they come and go with the extension, which may be
            # there before a move and is left after a failed one.
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass "
            "AND d.objid = p.oid AND d.deptype = 'e') ORDER BY 1"
        )
    ).scalars()
    return [str(r) for r in relations], [str(f) for f in functions]


def remove_objects(conn: Connection, relations: Sequence[str], functions: Sequence[str]) -> None:
    """Drop what a failed move made (the names come from :func:`schema_objects`, taken from
    a schema that was empty before the move; nothing else is dropped)."""
    kinds: dict[str, str] = dict(
        conn.execute(
            text(
                "SELECT c.relname, c.relkind FROM pg_class c WHERE c.relnamespace = "
                "current_schema()::regnamespace"
            )
        ).all()
    )
    for kind, word in (("r", "TABLE"), ("p", "TABLE"), ("v", "VIEW"), ("m", "MATERIALIZED VIEW")):
        names = [n for n in relations if kinds.get(n) == kind]
        if names:
            joined = ", ".join(_ident(n) for n in names)
            conn.execute(text(f"DROP {word} IF EXISTS {joined} CASCADE"))
    left = set(
        conn.execute(
            text(
                "SELECT relname FROM pg_class WHERE relkind = 'S' "
                "AND relnamespace = current_schema()::regnamespace"
            )
        ).scalars()
    )
    for name in relations:
        if name in left:
            conn.execute(text(f"DROP SEQUENCE IF EXISTS {_ident(name)} CASCADE"))
    for signature in functions:
        # regprocedure text: a schema-qualified or plain name with its argument types
        conn.execute(text(f"DROP FUNCTION IF EXISTS {signature} CASCADE"))


def set_triggers(conn: Connection, names: Iterable[str], *, enabled: bool) -> None:
    """Switch the tables' own (user) triggers off or on; the table owner's right."""
    verb = "ENABLE" if enabled else "DISABLE"
    for name in names:
        conn.execute(text(f"ALTER TABLE {_ident(name)} {verb} TRIGGER USER"))


def reset_sequences(conn: Connection, copied: Iterable[Table]) -> None:
    """Each id sequence moves past the ids copied (the next new row must not collide)."""
    for table in copied:
        column = table.autoincrement_column
        if column is None:
            continue
        sequence = conn.execute(
            select(func.pg_get_serial_sequence(table.name, column.name))
        ).scalar()
        if sequence is None:
            continue
        conn.execute(
            text(
                f"SELECT setval(CAST(:s AS regclass), coalesce(max({_ident(column.name)}), 1), "
                f"max({_ident(column.name)}) IS NOT NULL) FROM {_ident(table.name)}"
            ),
            {"s": sequence},
        )


# ---------------------------------------------------------------------------- the copy


def copy_table(source: Connection, target: Connection, table: Table, step: Step) -> int:
    """Copy every row of ``table`` from ``source`` to ``target`` in batches (ids kept);
    ``step`` after each batch (it may raise to stop: the caller's transaction rolls back).
    Returns the rows copied.

    The rows go in with PostgreSQL's COPY, inside the caller's transaction: one stream per
    batch instead of one INSERT per row (bench/server_migrate.py). Each value is read through
    its column's type and written through it again (dates, booleans, bytes, times)."""
    columns = list(table.columns)
    names = [c.name for c in columns]
    self_refs = [
        names.index(fk.parent.name) for fk in table.foreign_keys if fk.column.table is table
    ]
    pk = [names.index(c.name) for c in table.primary_key.columns]
    dialect = target.dialect
    binders = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    statement = (
        f"COPY {_ident(table.name)} ({', '.join(_ident(n) for n in names)}) FROM STDIN"
    ).encode()
    driver: Any = target.connection.dbapi_connection  # in the caller's transaction
    later: list[tuple[tuple[Any, ...], dict[int, Any]]] = []
    copied = 0
    for batch in _batches(source, table):
        rows: list[list[Any]] = []
        for row in batch:
            values = list(row)
            refs = {i: values[i] for i in self_refs if values[i] is not None}
            if refs:
                later.append((tuple(values[i] for i in pk), refs))
                for i in refs:
                    values[i] = None
            rows.append(
                [
                    v if v is None or bind is None else bind(v)
                    for v, bind in zip(values, binders, strict=True)
                ]
            )
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for values in rows:
                    copy.write_row(values)
        except driver.Error as err:
            raise CopyRefused(table.name, refusal_kind(err)) from None
        copied += len(rows)
        step(table.name, len(rows))
    # Every row is there now: the references inside the table can be filled in.
    where = [c == bindparam(f"_pk_{c.name}") for c in table.primary_key.columns]
    for i in self_refs:
        column = names[i]
        params = [
            {
                **{f"_pk_{c.name}": key[n] for n, c in enumerate(table.primary_key.columns)},
                "_v": refs[i],
            }
            for key, refs in later
            if i in refs
        ]
        if params:
            fill = update(table).where(*where).values({column: bindparam("_v")})
            try:
                target.execute(fill, params)
            except sa_exc.DBAPIError as err:
                raise CopyRefused(table.name, refusal_kind(err.orig)) from None
    return copied


def _batches(source: Connection, table: Table) -> Iterator[list[Sequence[Any]]]:
    """The table's rows in primary-key order (values in column order, through the columns'
    types), a batch at a time: never the whole table in memory."""
    order = list(table.primary_key.columns)
    result = source.execution_options(yield_per=BATCH_ROWS).execute(select(table).order_by(*order))
    # Only files' bytes make a row large (a document, a scan): the rest are counted by rows.
    large = [i for i, c in enumerate(table.columns) if isinstance(c.type, LargeBinary)]
    batch: list[Sequence[Any]] = []
    size = 0
    for row in result:
        batch.append(row)
        for i in large:
            size += len(row[i] or b"")
        if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def refusal_kind(err: BaseException | None) -> str:
    """The kind of a server refusal in words, from the driver's exception class and SQLSTATE
    (never its message, whose detail may quote the row)."""
    if err is None:
        return "error"
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", type(err).__name__).lower()
    state = getattr(err, "sqlstate", None)
    return f"{words}, {state}" if state else words


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


__all__ = [
    "BATCH_ROWS",
    "MIGRATIONS_TABLE",
    "CopyRefused",
    "copy_table",
    "count_rows",
    "expected_names",
    "refusal_kind",
    "remove_objects",
    "reset_sequences",
    "schema_objects",
    "set_triggers",
    "table_names",
    "tables",
    "unknown_tables",
]
