"""Every CSV file the product writes goes through here, so no cell opens as a live formula.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a tab or carriage return) as a formula: a user name typed at the sign-in screen such
as ``=HYPERLINK("http://x","y")`` would otherwise become a working link, or worse, in the
administrator's audit export. Following OWASP's advice ("CSV Injection"), such a text cell is
written with a leading single quote, which spreadsheets show but never evaluate.

Decision on numbers: a value that is a Python ``int``/``float``/``Decimal`` (ids, counts,
sequence numbers) is written as it is, negative or not, because a number cannot carry a
formula and scripts reading the file keep their numbers. Any *text* starting with a trigger is
prefixed, including text that merely looks like a negative number ("-5"), as OWASP says.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

# OWASP's list, plus line feed and the full-width forms some spreadsheets also accept.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: object) -> object:
    """The value to hand to ``csv.writer`` for one cell."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, Decimal)):
        return value
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class SafeCsvWriter:
    """``csv.writer`` whose every cell goes through :func:`safe_cell`."""

    def __init__(self, fh: Any) -> None:
        self._writer = csv.writer(fh)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def write_csv(fh: Any, header: Iterable[str], rows: Iterable[Iterable[object]]) -> None:
    """A header line, then the rows; the file handle is opened with ``newline=""``."""
    writer = SafeCsvWriter(fh)
    writer.writerow(header)
    writer.writerows(rows)
