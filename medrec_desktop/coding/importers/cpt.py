"""CPT from the clinic's own licensed file: a CSV with a column mapping.

CPT content belongs to the AMA; medrec bundles none of it and imports only what a clinic
licenses. The mapping names the CSV columns that hold the code and the description
(``{"code": "CPT Code", "title": "Long Descriptor"}``); when none is given, the first header
containing "code" and the first containing "desc" are used.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable

from medrec_desktop.coding.importers.errors import ImportFormatError
from medrec_desktop.coding.parsed import CodeRow

_CPT = re.compile(r"^[0-9]{4}[0-9FTU]$")


def default_mapping(header: list[str]) -> dict[str, str]:
    lower = [h.lower() for h in header]
    code = next((header[i] for i, h in enumerate(lower) if "code" in h), None)
    title = next((header[i] for i, h in enumerate(lower) if "desc" in h), None)
    if code is None or title is None:
        return {}
    return {"code": code, "title": title}


def parse_cpt_csv(
    lines: Iterable[str], source: str, mapping: dict[str, str] | None = None
) -> list[CodeRow]:
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFormatError(source, 1, "header", "the file is empty") from None
    except csv.Error as exc:
        raise ImportFormatError(source, 1, "header", str(exc)) from None
    cols = mapping or default_mapping(header)
    for key in ("code", "title"):
        if cols.get(key) not in header:
            raise ImportFormatError(
                source,
                1,
                f"column {cols.get(key) or key!r}",
                "not in the header; give a column mapping",
            )
    ci, ti = header.index(cols["code"]), header.index(cols["title"])
    rows: list[CodeRow] = []
    seen: set[str] = set()
    number = 1
    try:
        for number, rec in enumerate(reader, start=2):
            if not any(cell.strip() for cell in rec):
                continue
            if len(rec) <= max(ci, ti):
                raise ImportFormatError(source, number, cols["title"], "missing column")
            code, title = rec[ci].strip().upper(), " ".join(rec[ti].split())
            if not _CPT.match(code):
                raise ImportFormatError(source, number, cols["code"], f"not a CPT code: {code!r}")
            if not title:
                raise ImportFormatError(source, number, cols["title"], "empty description")
            if code in seen:
                raise ImportFormatError(source, number, cols["code"], f"{code} repeats")
            seen.add(code)
            rows.append(CodeRow(code, title, True, None))
    except csv.Error as exc:
        raise ImportFormatError(source, number, "CSV", str(exc)) from None
    if not rows:
        raise ImportFormatError(source, 2, cols["code"], "the file has no codes")
    return rows
