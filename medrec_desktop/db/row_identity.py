"""Rows that keep their identity (schema 0013): a signed note, the entries recorded in it, an
addendum and a clinical item's version are never replaced by another row under their id, nor
given another id.

SQLite's ``INSERT OR REPLACE`` (``REPLACE INTO``) and ``UPDATE OR REPLACE`` resolve a clash of
keys by deleting the row in the way, and that delete fires no DELETE trigger unless the
connection turned ``recursive_triggers`` on, which an insider's own SQL shell would not. So:

- ``<table>_no_replace``: an INSERT whose id is taken is refused before SQLite gets to the
  clash (and, for ``clinical_item_version``, one whose item and version are taken: that
  table's other unique key);
- ``<table>_keeps_id``: an UPDATE that changes a row's id is refused.

PostgreSQL has no REPLACE (``ON CONFLICT DO UPDATE`` fires the UPDATE triggers), so only the
second guard is installed there, for symmetry. The integrity check
(``services.row_identity_guards``) compares the installed text with this module's.
"""

from __future__ import annotations

from collections.abc import Callable

from medrec_desktop.db import signed_locks
from medrec_desktop.db.signed_locks import PgTrigger, pg_trigger

KEEPS_ID = "records are never replaced or renumbered"
VERSIONS = "clinical_item_version"
TABLES = (*signed_locks.TABLES, VERSIONS)
# A table's unique keys besides its id, whose clash a REPLACE resolves by deleting too.
_OTHER_KEYS = {VERSIONS: ("item_type", "item_id", "version")}
PG_FUNCTION = "record_keeps_id_refuse"
PG_FUNCTIONS = {PG_FUNCTION: f"BEGIN RAISE EXCEPTION '{KEEPS_ID}'; END"}


def _taken(table: str) -> str:
    keys = [("id",), *([_OTHER_KEYS[table]] if table in _OTHER_KEYS else [])]
    return " OR ".join(
        f"EXISTS (SELECT 1 FROM {table} WHERE " + " AND ".join(f"{c} = NEW.{c}" for c in key) + ")"
        for key in keys
    )


def sqlite_triggers() -> dict[str, str]:
    """Trigger name -> its CREATE statement, as SQLite keeps it in ``sqlite_master``."""
    refuse = f"BEGIN SELECT RAISE(ABORT, '{KEEPS_ID}'); END"
    found: dict[str, str] = {}
    for table in TABLES:
        found[f"{table}_no_replace"] = (
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN {_taken(table)} {refuse}"
        )
        found[f"{table}_keeps_id"] = (
            f"CREATE TRIGGER {table}_keeps_id BEFORE UPDATE OF id ON {table} "
            f"WHEN NEW.id IS NOT OLD.id {refuse}"
        )
    return found


def pg_triggers() -> dict[str, PgTrigger]:
    return {
        f"{table}_keeps_id": pg_trigger(
            f"{table}_keeps_id",
            "UPDATE OF id",
            table,
            PG_FUNCTION,
            "(old.id IS DISTINCT FROM new.id)",
        )
        for table in TABLES
    }


def install(execute: Callable[[str], object], dialect: str) -> None:
    """Create the guards with ``execute`` (a migration's ``op.execute`` or a connection's)."""
    if dialect == "postgresql":
        for statement in signed_locks.pg_function_statements(PG_FUNCTIONS):
            execute(statement)
        for trigger in pg_triggers().values():
            execute(trigger.definition)
    else:
        for statement in sqlite_triggers().values():
            execute(statement)
