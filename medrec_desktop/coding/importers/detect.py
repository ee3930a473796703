"""Recognise a downloaded file by its content, parse it whole, and date the release."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from medrec_desktop.coding.importers.cm_tabular import parse_tabular
from medrec_desktop.coding.importers.cpt import parse_cpt_csv
from medrec_desktop.coding.importers.errors import ImportCancelledError, ImportFormatError
from medrec_desktop.coding.importers.hcpcs import looks_like_anweb, parse_anweb
from medrec_desktop.coding.importers.order import (
    looks_like_order,
    parse_codes,
    parse_order,
    system_of,
)
from medrec_desktop.coding.importers.pcs_tables import parse_pcs_tables
from medrec_desktop.coding.parsed import CodeRow, ParsedRelease
from medrec_desktop.coding.types import CancelFlag, CodeSystem
from medrec_desktop.domain.errors import ValidationError

_YEAR = re.compile(r"(20[0-9]{2})")


def fiscal_dates(path: Path, system: CodeSystem) -> tuple[dt.date, dt.date] | None:
    """ICD-10 files are named for their fiscal year (Oct 1 - Sep 30); HCPCS/CPT for a year."""
    match = _YEAR.search(path.name)
    if not match:
        return None
    year = int(match.group(1))
    if system in (CodeSystem.ICD10CM, CodeSystem.ICD10PCS):
        return dt.date(year - 1, 10, 1), dt.date(year, 9, 30)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportFormatError(source, line, "text", "not a text file") from None


def parse_any(
    path: Path,
    *,
    system: CodeSystem | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    cpt_columns: dict[str, str] | None = None,
    cancel: CancelFlag | None = None,
) -> ParsedRelease:
    source = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"Cannot read {source}: {exc.strerror}.") from None
    head = raw[:4096].lstrip()
    rel = ParsedRelease("", "", source, dt.date.min, None)
    if head.startswith(b"<?xml") or head.startswith(b"<"):
        if b"ICD10PCS" in head or b"pcsTable" in head:
            rel.system, rel.codes = "icd10pcs", parse_pcs_tables(raw, source)
            kind = "tables XML"
        else:
            tab = parse_tabular(raw, source)
            rel.system, kind = "icd10cm", f"tabular XML {tab.version}"
            rel.codes = [
                CodeRow(n.code, n.title, n.billable, n.parent, n.kind, "", n.expanded)
                for n in tab.nodes
            ]
            rel.notes, rel.seventh = tab.notes, tab.seventh
    else:
        text = _decode(raw, source)
        lines = text.splitlines()
        first = next((ln for ln in lines if ln.strip()), "")
        if system is CodeSystem.CPT or (system is None and path.suffix.lower() == ".csv"):
            rel.system, kind = "cpt", "licensed CPT file"
            rel.codes = parse_cpt_csv(lines, source, cpt_columns)
        elif system is CodeSystem.HCPCS or (system is None and looks_like_anweb(first)):
            rel.system, kind = "hcpcs", "HCPCS Level II ANWEB file"
            rel.codes, rel.validity = parse_anweb(lines, source)
        elif looks_like_order(first):
            want = system.value if system else None
            rel.codes = parse_order(lines, source, want)
            rel.system = want or system_of(rel.codes[0].code)
            kind = "order file"
        else:
            want = system.value if system else None
            rel.codes = parse_codes(lines, source, want)
            rel.system = want or system_of(rel.codes[0].code)
            kind = "codes file"
    if cancel is not None and cancel.cancelled:
        raise ImportCancelledError()
    sys_ = CodeSystem(rel.system)
    dates = fiscal_dates(path, sys_)
    start = valid_from or (dates[0] if dates else None)
    if start is None:
        raise ValidationError(
            f"Cannot tell which year {source} is for: give the date it takes effect.",
            field="valid_from",
        )
    rel.valid_from = start
    rel.valid_to = valid_to or (dates[1] if dates and not valid_from else None)
    label = {
        "icd10cm": "ICD-10-CM",
        "icd10pcs": "ICD-10-PCS",
        "hcpcs": "HCPCS Level II",
        "cpt": "CPT (licensed)",
    }[rel.system]
    fy = (
        f"FY{rel.valid_to.year}"
        if rel.valid_to and sys_ in (CodeSystem.ICD10CM, CodeSystem.ICD10PCS)
        else str(start.year)
    )
    rel.name = f"{label} {fy} ({kind}, imported)"
    return rel
