"""HCPCS Level II alpha-numeric file (``HCPC20YY_..._ANWEB.txt``): fixed-width 320-char records.

Layout implemented (CMS "HCPCS Contractor Record" layout; columns are 1-based, inclusive):

======= ===== ===============================================================
cols    width field
======= ===== ===============================================================
1-5     5     HCPCS code (modifier records: 3 blanks then the 2-char modifier)
6-10    5     sequence number (00100, 00200, ... one per description line)
11      1     record identification code: 3 = first line of a procedure,
              4 = continuation line of a procedure, 7 = first line of a
              modifier, 8 = continuation line of a modifier
12-91   80    long description (continued on lines with id 4 / 8)
92-119  28    short description
120-127 8     pricing indicator codes (4 x 2)
128     1     multiple pricing indicator
129-146 18    coverage issues manual reference section numbers (3 x 6)
147-170 24    Medicare carriers manual reference section numbers (3 x 8)
171-180 10    statute number
181-204 24    lab certification codes (8 x 3)
205-229 25    cross reference codes (5 x 5)
230     1     coverage code
231-232 2     ASC payment group
233-240 8     ASC payment group effective date (YYYYMMDD)
241-243 3     MOG payment group
244     1     MOG payment policy indicator
245-252 8     MOG effective date
253-256 4     processing note number
257-259 3     BETOS code
260     1     filler
261-265 5     type of service codes (5 x 1)
266-268 3     anesthesia base units
269-276 8     code added date (YYYYMMDD)
277-284 8     action effective date (YYYYMMDD)
285-292 8     termination date (YYYYMMDD, blank while in force)
293     1     action code (A add, B/C/D/F/N/P/R/S/T change kinds, D discontinue...)
294-320 27    filler
======= ===== ===============================================================

Only detail lines (ids 3 and 7) carry columns 92-320; continuation lines carry the long
description only. Modifier records are kept as codes too (their code is the 2 characters).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from medrec_desktop.coding.codes import date_int
from medrec_desktop.coding.importers.errors import ImportFormatError
from medrec_desktop.coding.parsed import CodeRow

RECORD_LENGTH = 320
_CODE = re.compile(r"^[A-Z][0-9]{4}$")
_MODIFIER = re.compile(r"^   [0-9A-Z]{2}$")
OPEN_END = 99991231


def _date(text: str, source: str, line: int, field: str) -> int | None:
    if not text.strip():
        return None
    try:
        return date_int(dt.datetime.strptime(text, "%Y%m%d").date())
    except ValueError:
        raise ImportFormatError(source, line, field, f"not a date: {text!r}") from None


def parse_anweb(
    lines: Iterable[str], source: str
) -> tuple[list[CodeRow], list[tuple[str, int, int]]]:
    """Return (codes, (code, first day, last day) validity rows)."""
    titles: dict[str, list[str]] = {}
    order: list[str] = []
    dates: dict[str, tuple[int, int]] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if len(line) > RECORD_LENGTH:
            raise ImportFormatError(source, number, "record", f"longer than {RECORD_LENGTH}")
        line = line.ljust(RECORD_LENGTH)
        head = line[0:5]
        rec_id = line[10]
        if rec_id not in "3478":
            raise ImportFormatError(source, number, "record id (col 11)", "must be 3, 4, 7 or 8")
        pattern = _MODIFIER if rec_id in "78" else _CODE
        if not pattern.match(head):
            raise ImportFormatError(
                source,
                number,
                "HCPCS code (cols 1-5)",
                f"not a HCPCS {'modifier' if rec_id in '78' else 'code'}",
            )
        if not line[5:10].isdigit():
            raise ImportFormatError(source, number, "sequence number (cols 6-10)", "not digits")
        code = head.strip()
        text = line[11:91].strip()
        if rec_id in "37":
            if code in titles:
                raise ImportFormatError(
                    source, number, "HCPCS code (cols 1-5)", f"{code} has two first lines"
                )
            if not text:
                raise ImportFormatError(source, number, "long description (cols 12-91)", "empty")
            titles[code] = [text]
            order.append(code)
            added = _date(line[268:276], source, number, "code added date (cols 269-276)")
            effective = _date(line[276:284], source, number, "action effective date (277-284)")
            ended = _date(line[284:292], source, number, "termination date (cols 285-292)")
            start = added or effective
            if start is None:
                raise ImportFormatError(
                    source, number, "code added date (cols 269-276)", "no added or effective date"
                )
            if ended is not None and ended < start:
                raise ImportFormatError(
                    source,
                    number,
                    "termination date (cols 285-292)",
                    "before the date the code was added",
                )
            dates[code] = (start, ended or OPEN_END)
        else:
            if code not in titles:
                raise ImportFormatError(
                    source,
                    number,
                    "record id (col 11)",
                    f"continuation line before the first line of {code}",
                )
            if text:
                titles[code].append(text)
    if not order:
        raise ImportFormatError(source, 1, "record", "the file has no HCPCS records")
    codes = [CodeRow(c, " ".join(titles[c]), True, None) for c in order]
    validity = [(c, dates[c][0], dates[c][1]) for c in order]
    return codes, validity


def looks_like_anweb(first_line: str) -> bool:
    line = first_line.rstrip("\r\n")
    return (
        200 <= len(line) <= RECORD_LENGTH
        and line[10:11] in ("3", "7")
        and (bool(_CODE.match(line[:5])) or bool(_MODIFIER.match(line[:5])))
    )
