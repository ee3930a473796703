"""The database's own lock on signed notes (schema 0012), on SQLCipher and PostgreSQL.

- ``encounter``: once signed (``signed_at`` set), an UPDATE of any column but ``patient_id``
  and a DELETE are refused. A merge moves records by updating ``patient_id`` alone, which the
  triggers leave alone (``UPDATE OF <every other column>``).
- ``vitals``, ``lab_test``, ``procedure``: a row cannot be inserted into a signed encounter,
  changed (but for ``patient_id``) while it or its new value points at a signed encounter,
  or deleted from one.
- ``encounter_addendum``: append-only; no UPDATE (but ``patient_id``), no DELETE.
- PostgreSQL also refuses TRUNCATE of these tables (a statement trigger cannot tell which
  rows are locked).

The statements are built from each table's column list, so the migration installs them for
the columns the table has, and the integrity check (``services.signed_lock_guards``) expects
them for the columns the models have: a column added later without reinstalling the
triggers is reported, as is a trigger dropped, disabled or altered. SQLite drops a table's
triggers when a batch migration copies the table: such a migration must reinstall them
(:func:`install`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

LOCKED = "signed notes are locked"
APPEND_ONLY = "addenda are append-only"
ENCOUNTER = "encounter"
ADDENDUM = "encounter_addendum"
LINKED = ("vitals", "lab_test", "procedure")
TABLES = (ENCOUNTER, ADDENDUM, *LINKED)
# The column a merge moves; every other one is locked.
MOVABLE = "patient_id"

Columns = Mapping[str, Iterable[str]]


def locked_columns(columns: Iterable[str]) -> str:
    """The ``UPDATE OF`` list: every column but the merge's, sorted (so the text does not
    depend on the order the table was built in)."""
    return ", ".join(sorted(c for c in columns if c != MOVABLE))


def _sqlite_refuse(message: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, '{message}'); END"


def _signed(row: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM encounter WHERE id = {row}.encounter_id AND signed_at IS NOT NULL)"
    )


def sqlite_triggers(columns: Columns) -> dict[str, str]:
    """Trigger name -> its CREATE statement, as SQLite keeps it in ``sqlite_master``."""
    refuse = _sqlite_refuse(LOCKED)
    found = {
        "encounter_signed_no_update": (
            f"CREATE TRIGGER encounter_signed_no_update BEFORE UPDATE OF "
            f"{locked_columns(columns[ENCOUNTER])} ON encounter "
            f"WHEN OLD.signed_at IS NOT NULL {refuse}"
        ),
        "encounter_signed_no_delete": (
            "CREATE TRIGGER encounter_signed_no_delete BEFORE DELETE ON encounter "
            f"WHEN OLD.signed_at IS NOT NULL {refuse}"
        ),
        "encounter_addendum_no_update": (
            f"CREATE TRIGGER encounter_addendum_no_update BEFORE UPDATE OF "
            f"{locked_columns(columns[ADDENDUM])} ON encounter_addendum "
            f"{_sqlite_refuse(APPEND_ONLY)}"
        ),
        "encounter_addendum_no_delete": (
            "CREATE TRIGGER encounter_addendum_no_delete BEFORE DELETE ON encounter_addendum "
            f"{_sqlite_refuse(APPEND_ONLY)}"
        ),
    }
    for table in LINKED:
        either = (
            "EXISTS (SELECT 1 FROM encounter WHERE id IN (OLD.encounter_id, NEW.encounter_id) "
            "AND signed_at IS NOT NULL)"
        )
        found[f"{table}_signed_no_insert"] = (
            f"CREATE TRIGGER {table}_signed_no_insert BEFORE INSERT ON {table} "
            f"WHEN {_signed('NEW')} {refuse}"
        )
        found[f"{table}_signed_no_update"] = (
            f"CREATE TRIGGER {table}_signed_no_update BEFORE UPDATE OF "
            f"{locked_columns(columns[table])} ON {table} WHEN {either} {refuse}"
        )
        found[f"{table}_signed_no_delete"] = (
            f"CREATE TRIGGER {table}_signed_no_delete BEFORE DELETE ON {table} "
            f"WHEN {_signed('OLD')} {refuse}"
        )
    return found


# PostgreSQL: the trigger functions (compared by their source) ...
PG_FUNCTIONS = {
    "signed_note_refuse": f"BEGIN RAISE EXCEPTION '{LOCKED}'; END",
    "encounter_addendum_refuse": f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END",
    # A trigger's WHEN cannot hold a subquery: the linked rows' check is in the function.
    # Nested IFs, so OLD is read only where it exists (not on INSERT) and NEW likewise.
    "signed_note_linked_check": (
        "BEGIN "
        "IF TG_OP IN ('UPDATE', 'DELETE') THEN "
        "IF EXISTS (SELECT 1 FROM encounter WHERE id = OLD.encounter_id "
        "AND signed_at IS NOT NULL) THEN "
        f"RAISE EXCEPTION '{LOCKED}'; END IF; END IF; "
        "IF TG_OP IN ('INSERT', 'UPDATE') THEN "
        "IF EXISTS (SELECT 1 FROM encounter WHERE id = NEW.encounter_id "
        "AND signed_at IS NOT NULL) THEN "
        f"RAISE EXCEPTION '{LOCKED}'; END IF; RETURN NEW; END IF; "
        "RETURN OLD; END"
    ),
}


def pg_function_statements() -> list[str]:
    return [
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$"
        for name, body in PG_FUNCTIONS.items()
    ]


def pg_triggers(columns: Columns) -> dict[str, tuple[str, str]]:
    """Trigger name -> (its definition as ``pg_get_triggerdef`` gives it, table unqualified;
    its function's name). The same text creates it."""

    def row(name: str, events: str, table: str, fn: str, when: str = "") -> tuple[str, str]:
        level = "STATEMENT" if events == "TRUNCATE" else "ROW"
        return (
            f"CREATE TRIGGER {name} BEFORE {events} ON {table} FOR EACH {level} "
            f"{when}EXECUTE FUNCTION {fn}()",
            fn,
        )

    signed = "WHEN ((old.signed_at IS NOT NULL)) "
    found = {
        "encounter_signed_no_update": row(
            "encounter_signed_no_update",
            f"UPDATE OF {locked_columns(columns[ENCOUNTER])}",
            ENCOUNTER,
            "signed_note_refuse",
            signed,
        ),
        "encounter_signed_no_delete": row(
            "encounter_signed_no_delete", "DELETE", ENCOUNTER, "signed_note_refuse", signed
        ),
        "encounter_addendum_no_change": row(
            "encounter_addendum_no_change",
            f"DELETE OR UPDATE OF {locked_columns(columns[ADDENDUM])}",
            ADDENDUM,
            "encounter_addendum_refuse",
        ),
    }
    for table in LINKED:
        found[f"{table}_signed_lock"] = row(
            f"{table}_signed_lock",
            f"INSERT OR DELETE OR UPDATE OF {locked_columns(columns[table])}",
            table,
            "signed_note_linked_check",
        )
    for table in TABLES:
        fn = "encounter_addendum_refuse" if table == ADDENDUM else "signed_note_refuse"
        found[f"{table}_no_truncate"] = row(f"{table}_no_truncate", "TRUNCATE", table, fn)
    return found


def install(execute: Callable[[str], object], dialect: str, columns: Columns) -> None:
    """Create the functions (PostgreSQL) and triggers with ``execute`` (a migration's
    ``op.execute`` or a connection's)."""
    if dialect == "postgresql":
        for statement in pg_function_statements():
            execute(statement)
        for definition, _ in pg_triggers(columns).values():
            execute(definition)
    else:
        for statement in sqlite_triggers(columns).values():
            execute(statement)
