"""Whether the database still locks signed notes (schema 0012, ``db.signed_locks``).

Like the guards of clinical item versions (``services.version_guards``), each trigger is
compared by its whole text against what the models' columns call for: a trigger dropped,
disabled, recreated with a WHEN that never holds or an emptied function, or one that does not
cover a column added since, refuses too little and is named.
"""

from __future__ import annotations

import re
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Connection

from medrec_desktop.db import signed_locks
from medrec_desktop.db.backup import checking_connection
from medrec_desktop.models import Base

_TABLE_LIST = ", ".join(f"'{t}'" for t in signed_locks.TABLES)
_SQLITE_SQL = (
    f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({_TABLE_LIST})"
)
_PG_SQL = (
    "SELECT t.tgname, pg_get_triggerdef(t.oid), p.proname, p.prosrc, current_schema() "
    "FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
    "WHERE t.tgrelid IN ("
    + ", ".join(f"to_regclass('{t}')" for t in signed_locks.TABLES)
    + ") AND NOT t.tgisinternal AND t.tgenabled <> 'D'"
)


def _words(text: object) -> str:
    return " ".join(str(text or "").split())


def model_columns() -> dict[str, list[str]]:
    """The columns the models give each locked table (what the triggers must cover)."""
    return {t: [c.name for c in Base.metadata.tables[t].columns] for t in signed_locks.TABLES}


def _pg_definition(text: object, schema: str) -> str:
    """The definition with quotes and this schema's qualification taken off."""
    plain = _words(text).replace('"', "")
    return re.sub(rf"\b{re.escape(schema)}\.", "", plain) if schema else plain


def _intact(rows: list[tuple[Any, ...]], postgres: bool) -> set[str]:
    columns = model_columns()
    found: set[str] = set()
    if postgres:
        wanted_pg = signed_locks.pg_triggers(columns)
        for name, definition, fn, body, schema in rows:
            expected = wanted_pg.get(name)
            if (
                expected is not None
                and _pg_definition(definition, schema or "") == _words(expected[0])
                and fn == expected[1]
                and _words(body) == _words(signed_locks.PG_FUNCTIONS[fn])
            ):
                found.add(name)
        return found
    wanted = signed_locks.sqlite_triggers(columns)
    return {row[0] for row in rows if _words(row[1]) == _words(wanted.get(row[0]))}


def signed_lock_problem(conn: Connection) -> str | None:
    """None when every lock trigger is present and intact; otherwise the problem, in plain
    words. A local file's triggers are read on a connection of their own (see
    ``version_guards.version_guard_problem``)."""
    postgres = conn.dialect.name == "postgresql"
    rows: list[tuple[Any, ...]]
    if postgres:
        rows = [tuple(r) for r in conn.exec_driver_sql(_PG_SQL).all()]
    else:
        with checking_connection(conn.engine) as own:
            try:
                rows = [tuple(r) for r in own.execute(_SQLITE_SQL).fetchall()]
            except sqlcipher.Error as err:
                return f"the locks on signed notes could not be read ({err})"
    columns = model_columns()
    expected = (
        signed_locks.pg_triggers(columns) if postgres else signed_locks.sqlite_triggers(columns)
    )
    missing = sorted(set(expected) - _intact(rows, postgres))
    if not missing:
        return None
    return (
        "the database no longer refuses changes to signed notes, their linked entries or "
        "addenda (lock " + ", ".join(missing) + " was removed, disabled or altered)"
    )
