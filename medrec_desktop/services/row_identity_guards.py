"""Whether the database still refuses to replace or renumber a locked row (schema 0013:
``db.row_identity``): signed notes, their entries, addenda and clinical item versions. Each
guard is compared by its whole text, like the locks themselves (``services.trigger_texts``).
"""

from __future__ import annotations

from sqlalchemy import Connection

from medrec_desktop.db import row_identity
from medrec_desktop.services.trigger_texts import missing_triggers


def row_identity_problem(conn: Connection) -> str | None:
    """None when every guard is present and intact; otherwise the problem, in plain words."""
    missing = missing_triggers(
        conn,
        row_identity.TABLES,
        sqlite=row_identity.sqlite_triggers(),
        pg=row_identity.pg_triggers(),
        pg_functions=row_identity.PG_FUNCTIONS,
    )
    if isinstance(missing, str):
        return f"the guards against replacing records could not be read ({missing})"
    if not missing:
        return None
    return (
        "the database no longer refuses to replace or renumber signed notes, their entries, "
        "addenda or clinical item versions (guard " + ", ".join(missing) + " was removed, "
        "disabled or altered)"
    )
