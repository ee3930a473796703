"""Is a code valid on a date of service, and if not, why (added later, deleted earlier)."""

from __future__ import annotations

import datetime as dt
import sqlite3

from medrec_desktop.coding.codes import date_int, display, int_date
from medrec_desktop.coding.types import CodeSystem, Validity


def replacements(conn: sqlite3.Connection, system: str, code: str, end: int) -> list[str]:
    """Codes that start with ``code`` and came into force the day after it was deleted."""
    next_day = date_int(int_date(end) + dt.timedelta(days=1))
    rows = conn.execute(
        "SELECT DISTINCT code FROM validity WHERE system = ? AND code > ? AND code < ?"
        " AND start = ? ORDER BY code",
        (system, code, code + "\x7f", next_day),
    ).fetchall()
    return [r[0] for r in rows]


def check(
    conn: sqlite3.Connection,
    system: CodeSystem,
    code: str,
    dos: dt.date,
    *,
    in_release: bool | None,
    release_name: str,
) -> Validity:
    """``in_release``: billable in the release in force (None: not in it at all)."""
    day = date_int(dos)
    sysname = system.value
    rows = conn.execute(
        "SELECT start, end, source FROM validity WHERE code = ? AND system = ? ORDER BY start",
        (code, sysname),
    ).fetchall()
    last_row = conn.execute(
        "SELECT value FROM meta WHERE key = ?", (f"validity_last_{sysname}",)
    ).fetchone()
    covered_to = int(last_row[0]) if last_row else 0
    shown = display(code, system)
    if rows and (day <= covered_to or system in (CodeSystem.HCPCS,)):
        for start, end, source in rows:
            if start <= day <= end:
                return Validity(True, f"{shown} is valid on {dos} ({source}).")
        first, last = rows[0][0], max(r[1] for r in rows)
        if day < first:
            return Validity(
                False, f"{shown} is not valid on {dos}: it was added on {int_date(first)}."
            )
        if day > last:
            repl = replacements(conn, sysname, code, last)
            tail = f"; replaced by {', '.join(display(r, system) for r in repl)}" if repl else ""
            return Validity(
                False,
                f"{shown} is not valid on {dos}: it was deleted after {int_date(last)}{tail}.",
            )
        return Validity(False, f"{shown} is not valid on {dos}: it was not in force then.")
    if in_release is True:
        return Validity(True, f"{shown} is billable in {release_name}, in force on {dos}.")
    if in_release is False:
        return Validity(False, f"{shown} is a header, not a billable code, in {release_name}.")
    if rows and day > covered_to:
        return Validity(
            None,
            f"No release covers {dos} for {shown}: the bundled data ends {int_date(covered_to)};"
            " import a newer release.",
        )
    return Validity(False, f"{shown} is not a code in {release_name}.")
