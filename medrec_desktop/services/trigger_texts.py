"""Whether the triggers on some tables are the ones the code installs, compared by their whole
text (schema 0012 onward: ``db.signed_locks``, ``db.row_identity``).

A trigger dropped, disabled, recreated under its name with a WHEN that never holds, or whose
function was emptied refuses too little: each such trigger is named as missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Connection

from medrec_desktop.db.backup import checking_connection
from medrec_desktop.db.signed_locks import PgTrigger


def _words(text: object) -> str:
    return " ".join(str(text or "").split())


def _pg_definition(text: object, schema: str) -> str:
    """The definition with quotes and this schema's qualification taken off."""
    plain = _words(text).replace('"', "")
    return re.sub(rf"\b{re.escape(schema)}\.", "", plain) if schema else plain


def _table_list(tables: Iterable[str]) -> str:
    return ", ".join(f"'{t}'" for t in tables)


def _pg_rows(conn: Connection, tables: Iterable[str]) -> list[tuple[Any, ...]]:
    sql = (
        "SELECT t.tgname, pg_get_triggerdef(t.oid), p.proname, p.prosrc, current_schema() "
        "FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE t.tgrelid IN (" + ", ".join(f"to_regclass('{t}')" for t in tables) + ") "
        "AND NOT t.tgisinternal AND t.tgenabled <> 'D'"
    )
    return [tuple(r) for r in conn.exec_driver_sql(sql).all()]


def missing_triggers(
    conn: Connection,
    tables: Iterable[str],
    *,
    sqlite: Mapping[str, str],
    pg: Mapping[str, PgTrigger],
    pg_functions: Mapping[str, str],
) -> list[str] | str:
    """The names of the expected triggers on ``tables`` that are absent, disabled or altered
    (sorted), or the reason they could not be read.

    ``sqlite``: name -> CREATE statement; ``pg``: name -> trigger, whose function's source is
    in ``pg_functions``. A local file's triggers are read on a connection of their own, like
    every check that may meet a damaged page (``db.backup.checking_connection``): ``conn``'s
    transaction must stay able to record the audit event.
    """
    tables = list(tables)
    found: set[str] = set()
    if conn.dialect.name == "postgresql":
        for name, definition, fn, body, schema in _pg_rows(conn, tables):
            expected = pg.get(name)
            if (
                expected is not None
                and _pg_definition(definition, schema or "") == _words(expected.definition)
                and fn == expected.function
                and _words(body) == _words(pg_functions[fn])
            ):
                found.add(name)
        return sorted(set(pg) - found)
    query = (
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
        f"AND tbl_name IN ({_table_list(tables)})"
    )
    with checking_connection(conn.engine) as own:
        try:
            rows = own.execute(query).fetchall()
        except sqlcipher.Error as err:
            return str(err)
    found = {row[0] for row in rows if _words(row[1]) == _words(sqlite.get(row[0]))}
    return sorted(set(sqlite) - found)
