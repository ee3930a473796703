"""ICD-10-CM / ICD-10-PCS order files and codes files (CMS fixed-width text).

Order file (``icd10cm_order_YYYY.txt``, ``icd10pcs_order_YYYY.txt``), one code per line:

====== ======= ==========================================
cols   width   field
====== ======= ==========================================
1-5    5       order number, zero padded
7-13   7       code without the dot, left aligned
15     1       1 = billable (valid for HIPAA), 0 = header
17-76  60      short title
78-    to end  long title
====== ======= ==========================================

Codes file (``icd10cm_codes_YYYY.txt``, ``icd10pcs_codes_YYYY.txt``): only billable codes, the
code left aligned in cols 1-7 (one space after a 7-character code), then the long title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from medrec_desktop.coding.importers.errors import ImportFormatError
from medrec_desktop.coding.parsed import CodeRow

_CM = re.compile(r"^[A-Z][0-9A-Z][0-9A-Z][0-9A-Z]{0,4}$")
_PCS = re.compile(r"^[0-9A-HJ-NP-Z]{3,7}$")
_CODES_LINE = re.compile(r"^([0-9A-Z]{3,7}) +(\S.*)$")


def system_of(code: str) -> str:
    """ICD-10-CM codes start with a letter then a digit (or ``QA``); PCS codes are 7 wide."""
    if code[:1].isdigit() or not _CM.match(code):
        return "icd10pcs"
    return "icd10cm"


def _check_code(code: str, system: str, source: str, line: int, field: str) -> None:
    pattern = _CM if system == "icd10cm" else _PCS
    if not pattern.match(code):
        raise ImportFormatError(source, line, field, f"not an {system.upper()} code: {code!r}")


def _strip_eol(raw: str) -> str:
    return raw.rstrip("\r\n")


def parse_order(lines: Iterable[str], source: str, system: str | None = None) -> list[CodeRow]:
    """Parse an order file; raise ImportFormatError naming the first bad line and field."""
    rows: list[CodeRow] = []
    seen: set[str] = set()
    for number, raw in enumerate(lines, start=1):
        line = _strip_eol(raw)
        if not line.strip():
            continue
        if len(line) < 78:
            raise ImportFormatError(source, number, "long title (cols 78-)", "line too short")
        if not line[:5].isdigit():
            raise ImportFormatError(source, number, "order number (cols 1-5)", "not a number")
        if line[5] != " " or line[13] != " " or line[15] != " " or line[76] != " ":
            raise ImportFormatError(source, number, "separator", "columns are misaligned")
        code = line[6:13].rstrip()
        if system is None:
            system = system_of(code)
        _check_code(code, system, source, number, "code (cols 7-13)")
        if code in seen:
            raise ImportFormatError(source, number, "code (cols 7-13)", f"{code} repeats")
        seen.add(code)
        flag = line[14]
        if flag not in "01":
            raise ImportFormatError(source, number, "billable flag (col 15)", "must be 0 or 1")
        long_title = line[77:].strip()
        if not long_title:
            raise ImportFormatError(source, number, "long title (cols 78-)", "empty")
        parent = _parent(code, seen) if system == "icd10cm" else None
        rows.append(CodeRow(code, long_title, flag == "1", parent))
    if not rows:
        raise ImportFormatError(source, 1, "code (cols 7-13)", "the file has no codes")
    return rows


def _parent(code: str, seen: set[str]) -> str | None:
    for size in range(len(code) - 1, 2, -1):
        if code[:size] in seen:
            return code[:size]
    return None


def parse_codes(lines: Iterable[str], source: str, system: str | None = None) -> list[CodeRow]:
    """Parse a codes file (billable codes only)."""
    rows: list[CodeRow] = []
    seen: set[str] = set()
    for number, raw in enumerate(lines, start=1):
        line = _strip_eol(raw)
        if not line.strip():
            continue
        match = _CODES_LINE.match(line)
        if not match:
            field = "code (cols 1-7)" if not line[:1].isalnum() else "title (cols 9-)"
            raise ImportFormatError(source, number, field, "expected a code then its title")
        code, title = match.group(1), match.group(2).strip()
        if system is None:
            system = system_of(code)
        _check_code(code, system, source, number, "code (cols 1-7)")
        if code in seen:
            raise ImportFormatError(source, number, "code (cols 1-7)", f"{code} repeats")
        seen.add(code)
        rows.append(CodeRow(code, title, True, None))
    if not rows:
        raise ImportFormatError(source, 1, "code (cols 1-7)", "the file has no codes")
    return rows


def looks_like_order(first_line: str) -> bool:
    return len(first_line) >= 16 and first_line[:5].isdigit() and first_line[5] == " "
