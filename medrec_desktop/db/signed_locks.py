"""The database's own lock on signed notes (schemas 0012 and 0013), on SQLCipher and PostgreSQL.

The lock protects a signed note's CONTENT, not its bookkeeping:

- ``encounter``: once signed (``signed_at`` set), an UPDATE of a content column (``status``
  included: a signed note is never marked entered in error) and a DELETE are refused.
- ``vitals``, ``lab_test``, ``procedure``: a row cannot be inserted into a signed encounter,
  have a content column changed while it or its new value points at a signed encounter, or be
  deleted from one.
- ``encounter_addendum``: append-only; no UPDATE, no DELETE.
- Left free on a locked row (schema 0013): the sensitivity label (it only narrows who sees the
  item: a problem's label passes to the procedures that treat it) and the columns a save
  stamps beside it (``version``, ``changed_by``, ``changed_at``, ``reason``); the version row
  of that save keeps the content as it was signed.
- ``patient_id`` moves only in a merge (schema 0013): to the record the old one was merged
  into (``patient.merged_into_id``, which the merge sets before it moves anything).
- PostgreSQL also refuses TRUNCATE of these tables (a statement trigger cannot tell which
  rows are locked).

Rows are never replaced or renumbered either (``db.row_identity``, schema 0013): SQLite's
``INSERT OR REPLACE`` / ``UPDATE OR REPLACE`` delete the row they replace without firing any
DELETE trigger, so they would otherwise rewrite a signed note under its own id.

The statements are built from each table's column list, so the migration installs them for
the columns the table has, and the integrity check (``services.signed_lock_guards``) expects
them for the columns the models have: a column added later without reinstalling the
triggers is reported, as is a trigger dropped, disabled or altered. SQLite drops a table's
triggers when a batch migration copies the table: such a migration must reinstall them
(:func:`reinstall`, and ``row_identity.install``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

LOCKED = "signed notes are locked"
APPEND_ONLY = "addenda are append-only"
ENCOUNTER = "encounter"
ADDENDUM = "encounter_addendum"
LINKED = ("vitals", "lab_test", "procedure")
TABLES = (ENCOUNTER, ADDENDUM, *LINKED)
# The column a merge moves: guarded by triggers of its own (only a merge may move a row).
MOVABLE = "patient_id"
# What a save of a locked row may change beside its content: the label and its stamps.
BOOKKEEPING = frozenset({"sensitivity", "version", "changed_by", "changed_at", "reason"})

Columns = Mapping[str, Iterable[str]]


class PgTrigger(NamedTuple):
    """A PostgreSQL trigger: its definition as ``pg_get_triggerdef`` gives it (table
    unqualified; the same text creates it), its function and its table."""

    definition: str
    function: str
    table: str


def locked_columns(columns: Iterable[str], table: str = ENCOUNTER) -> str:
    """The ``UPDATE OF`` list: every content column, sorted (so the text does not depend on
    the order the table was built in). The merge's column is guarded apart, and the
    bookkeeping columns are free (addenda have none: every column of theirs is content)."""
    free = {MOVABLE} | (BOOKKEEPING if table != ADDENDUM else set())
    return ", ".join(sorted(c for c in columns if c not in free))


def _merge(old: str, new: str) -> str:
    """True when the row moves to the record its patient was merged into."""
    return (
        f"EXISTS (SELECT 1 FROM patient WHERE id = {old}.patient_id "
        f"AND merged_into_id = {new}.patient_id)"
    )


def _signed(row: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM encounter WHERE id = {row}.encounter_id AND signed_at IS NOT NULL)"
    )


def _sqlite_refuse(message: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, '{message}'); END"


def sqlite_triggers(columns: Columns) -> dict[str, str]:
    """Trigger name -> its CREATE statement, as SQLite keeps it in ``sqlite_master``."""
    refuse = _sqlite_refuse(LOCKED)
    moved = f"NEW.patient_id IS NOT OLD.patient_id AND NOT {_merge('OLD', 'NEW')}"
    found = {
        "encounter_signed_no_update": (
            f"CREATE TRIGGER encounter_signed_no_update BEFORE UPDATE OF "
            f"{locked_columns(columns[ENCOUNTER])} ON encounter "
            f"WHEN OLD.signed_at IS NOT NULL {refuse}"
        ),
        "encounter_signed_no_move": (
            "CREATE TRIGGER encounter_signed_no_move BEFORE UPDATE OF patient_id ON encounter "
            f"WHEN OLD.signed_at IS NOT NULL AND {moved} {refuse}"
        ),
        "encounter_signed_no_delete": (
            "CREATE TRIGGER encounter_signed_no_delete BEFORE DELETE ON encounter "
            f"WHEN OLD.signed_at IS NOT NULL {refuse}"
        ),
        "encounter_addendum_no_update": (
            f"CREATE TRIGGER encounter_addendum_no_update BEFORE UPDATE OF "
            f"{locked_columns(columns[ADDENDUM], ADDENDUM)} ON encounter_addendum "
            f"{_sqlite_refuse(APPEND_ONLY)}"
        ),
        "encounter_addendum_no_move": (
            "CREATE TRIGGER encounter_addendum_no_move BEFORE UPDATE OF patient_id "
            f"ON encounter_addendum WHEN {moved} {_sqlite_refuse(APPEND_ONLY)}"
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
            f"{locked_columns(columns[table], table)} ON {table} WHEN {either} {refuse}"
        )
        found[f"{table}_signed_no_move"] = (
            f"CREATE TRIGGER {table}_signed_no_move BEFORE UPDATE OF patient_id ON {table} "
            f"WHEN {_signed('OLD')} AND {moved} {refuse}"
        )
        found[f"{table}_signed_no_delete"] = (
            f"CREATE TRIGGER {table}_signed_no_delete BEFORE DELETE ON {table} "
            f"WHEN {_signed('OLD')} {refuse}"
        )
    return found


def _pg_unless_merge(message: str) -> str:
    return (
        f"BEGIN IF NOT {_merge('OLD', 'NEW')} THEN RAISE EXCEPTION '{message}'; END IF; "
        "RETURN NEW; END"
    )


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
    # ... and for a move to another patient, which only a merge may make (schema 0013).
    "signed_note_move_check": _pg_unless_merge(LOCKED),
    "encounter_addendum_move_check": _pg_unless_merge(APPEND_ONLY),
    "signed_note_linked_move_check": (
        f"BEGIN IF {_signed('OLD')} AND NOT {_merge('OLD', 'NEW')} THEN "
        f"RAISE EXCEPTION '{LOCKED}'; END IF; RETURN NEW; END"
    ),
}


def pg_function_statements(functions: Mapping[str, str] = PG_FUNCTIONS) -> list[str]:
    """``CREATE OR REPLACE``: a reinstall gives an altered function its source back."""
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$"
        for name, body in functions.items()
    ]


def pg_trigger(name: str, events: str, table: str, fn: str, when: str = "") -> PgTrigger:
    """A BEFORE trigger, row-level but for TRUNCATE; ``when`` as PostgreSQL prints it."""
    level = "STATEMENT" if events == "TRUNCATE" else "ROW"
    when_clause = f"WHEN ({when}) " if when else ""
    return PgTrigger(
        f"CREATE TRIGGER {name} BEFORE {events} ON {table} FOR EACH {level} "
        f"{when_clause}EXECUTE FUNCTION {fn}()",
        fn,
        table,
    )


def pg_triggers(columns: Columns) -> dict[str, PgTrigger]:
    """Trigger name -> its definition, function and table."""
    signed = "(old.signed_at IS NOT NULL)"
    moved = "(old.patient_id IS DISTINCT FROM new.patient_id)"
    found = {
        "encounter_signed_no_update": pg_trigger(
            "encounter_signed_no_update",
            f"UPDATE OF {locked_columns(columns[ENCOUNTER])}",
            ENCOUNTER,
            "signed_note_refuse",
            signed,
        ),
        "encounter_signed_no_move": pg_trigger(
            "encounter_signed_no_move",
            "UPDATE OF patient_id",
            ENCOUNTER,
            "signed_note_move_check",
            f"({signed} AND {moved})",
        ),
        "encounter_signed_no_delete": pg_trigger(
            "encounter_signed_no_delete", "DELETE", ENCOUNTER, "signed_note_refuse", signed
        ),
        "encounter_addendum_no_change": pg_trigger(
            "encounter_addendum_no_change",
            f"DELETE OR UPDATE OF {locked_columns(columns[ADDENDUM], ADDENDUM)}",
            ADDENDUM,
            "encounter_addendum_refuse",
        ),
        "encounter_addendum_no_move": pg_trigger(
            "encounter_addendum_no_move",
            "UPDATE OF patient_id",
            ADDENDUM,
            "encounter_addendum_move_check",
            moved,
        ),
    }
    for table in LINKED:
        found[f"{table}_signed_lock"] = pg_trigger(
            f"{table}_signed_lock",
            f"INSERT OR DELETE OR UPDATE OF {locked_columns(columns[table], table)}",
            table,
            "signed_note_linked_check",
        )
        found[f"{table}_signed_no_move"] = pg_trigger(
            f"{table}_signed_no_move",
            "UPDATE OF patient_id",
            table,
            "signed_note_linked_move_check",
            moved,
        )
    for table in TABLES:
        fn = "encounter_addendum_refuse" if table == ADDENDUM else "signed_note_refuse"
        found[f"{table}_no_truncate"] = pg_trigger(f"{table}_no_truncate", "TRUNCATE", table, fn)
    return found


def install(execute: Callable[[str], object], dialect: str, columns: Columns) -> None:
    """Create the functions (PostgreSQL) and triggers with ``execute`` (a migration's
    ``op.execute`` or a connection's)."""
    if dialect == "postgresql":
        for statement in pg_function_statements():
            execute(statement)
        for trigger in pg_triggers(columns).values():
            execute(trigger.definition)
    else:
        for statement in sqlite_triggers(columns).values():
            execute(statement)


def reinstall(execute: Callable[[str], object], dialect: str, columns: Columns) -> None:
    """Drop the lock triggers (any of this set that exist: a newer set keeps every older
    name) and install the current ones."""
    if dialect == "postgresql":
        for name, trigger in pg_triggers(columns).items():
            execute(f"DROP TRIGGER IF EXISTS {name} ON {trigger.table}")
    else:
        for name in sqlite_triggers(columns):
            execute(f"DROP TRIGGER IF EXISTS {name}")
    install(execute, dialect, columns)
