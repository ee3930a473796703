"""Whether the database still refuses changes to clinical item versions (schema 0007).

Like the audit trail's guards (services/audit.py), each trigger is compared by its text: a
guard recreated under the same name with an empty body or a WHEN clause refuses nothing.
The guards against replacing a version under its id or item and version (schema 0013) are
checked with the other rows that keep their identity (``services.row_identity_guards``).
"""

from __future__ import annotations

from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Connection

from medrec_desktop.db.backup import checking_connection

_REFUSAL = "clinical item versions are append-only"
_SQLITE_GUARD_TEXT = {
    "clinical_item_version_no_update": "CREATE TRIGGER clinical_item_version_no_update BEFORE "
    f"UPDATE ON clinical_item_version BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END",
    "clinical_item_version_no_delete": "CREATE TRIGGER clinical_item_version_no_delete BEFORE "
    f"DELETE ON clinical_item_version BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END",
}
_PG_GUARD_TEXT = {
    "clinical_item_version_no_change": "BEFORE DELETE OR UPDATE ON",
    "clinical_item_version_no_truncate": "BEFORE TRUNCATE ON",
}
_PG_REFUSE_BODY = f"BEGIN RAISE EXCEPTION '{_REFUSAL}'; END"
_SQLITE_SQL = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
    "AND tbl_name = 'clinical_item_version'"
)
_PG_SQL = (
    "SELECT t.tgname, pg_get_triggerdef(t.oid), p.prosrc FROM pg_trigger t "
    "JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = to_regclass('clinical_item_version') "
    "AND NOT t.tgisinternal AND t.tgenabled <> 'D'"
)


def _words(text: object) -> str:
    return " ".join(str(text or "").split())


def _intact(row: tuple[Any, ...], postgres: bool) -> bool:
    if postgres:
        wanted = _PG_GUARD_TEXT.get(row[0])
        definition = _words(row[1])
        return (
            wanted is not None
            and wanted in definition
            and " WHEN " not in definition
            and _words(row[2]) == _PG_REFUSE_BODY
        )
    return _words(row[1]) == _SQLITE_GUARD_TEXT.get(row[0])


def version_guard_problem(conn: Connection) -> str | None:
    """None when every guard is present and intact; otherwise the problem, in plain words.

    On a local file the triggers are read on a connection of their own, like every check that
    may meet a damaged page (db.backup.checking_connection): ``conn``'s transaction must stay
    able to record the audit event.
    """
    postgres = conn.dialect.name == "postgresql"
    rows: list[tuple[Any, ...]]
    if postgres:
        rows = [tuple(r) for r in conn.exec_driver_sql(_PG_SQL).all()]
    else:
        with checking_connection(conn.engine) as own:
            try:
                rows = own.execute(_SQLITE_SQL).fetchall()
            except sqlcipher.Error as err:
                return f"the guards of clinical item versions could not be read ({err})"
    found = {row[0] for row in rows if _intact(row, postgres)}
    expected = _PG_GUARD_TEXT if postgres else _SQLITE_GUARD_TEXT
    missing = sorted(set(expected) - found)
    if not missing:
        return None
    return (
        "the database no longer refuses changes to clinical item versions (guard "
        + ", ".join(missing)
        + " was removed, disabled or altered)"
    )
