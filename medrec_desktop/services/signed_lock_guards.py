"""Whether the database still locks signed notes (schemas 0012, 0013: ``db.signed_locks``).

Like the guards of clinical item versions (``services.version_guards``), each trigger is
compared by its whole text against what the models' columns call for: a trigger dropped,
disabled, recreated with a WHEN that never holds or an emptied function, or one that does not
cover a column added since, refuses too little and is named.
"""

from __future__ import annotations

from sqlalchemy import Connection

from medrec_desktop.db import signed_locks
from medrec_desktop.models import Base
from medrec_desktop.services.trigger_texts import missing_triggers


def model_columns() -> dict[str, list[str]]:
    """The columns the models give each locked table (what the triggers must cover)."""
    return {t: [c.name for c in Base.metadata.tables[t].columns] for t in signed_locks.TABLES}


def signed_lock_problem(conn: Connection) -> str | None:
    """None when every lock trigger is present and intact; otherwise the problem, in plain
    words."""
    columns = model_columns()
    missing = missing_triggers(
        conn,
        signed_locks.TABLES,
        sqlite=signed_locks.sqlite_triggers(columns),
        pg=signed_locks.pg_triggers(columns),
        pg_functions=signed_locks.PG_FUNCTIONS,
    )
    if isinstance(missing, str):
        return f"the locks on signed notes could not be read ({missing})"
    if not missing:
        return None
    return (
        "the database no longer refuses changes to signed notes, their linked entries or "
        "addenda (lock " + ", ".join(missing) + " was removed, disabled or altered)"
    )
