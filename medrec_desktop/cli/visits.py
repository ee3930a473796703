"""The visits part of `medrec patients show` (issue 10): the patient's encounters (when, type,
provider, reason, signed or not, how many addenda), the latest result of each analyte with
its flag, and the treatments and procedures done; as JSON-ready data and as text. Built from
the services' DTOs only (the encounter list, the results grid, the procedure list), so the
CLI says what the chart's pages say. Times are UTC in the data and local in the text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from medrec_desktop.domain.clinical import ItemList
from medrec_desktop.domain.encounter_views import EncounterList
from medrec_desktop.domain.encounters import ENCOUNTER_STATUS_LABELS
from medrec_desktop.domain.histories import Laterality
from medrec_desktop.domain.item_codec import to_plain
from medrec_desktop.domain.procedures import ProcedureData
from medrec_desktop.domain.result_grid import ResultsGrid
from medrec_desktop.domain.results import ValueKind


def encounters_data(listed: EncounterList) -> dict[str, Any]:
    """Newest first, as the encounter list shows them; labelled ones only counted for a
    role that may not see them."""
    return {
        "rows": [
            to_plain(r)
            | {
                "type_label": r.encounter_type.label,
                "status_label": ENCOUNTER_STATUS_LABELS[r.status],
            }
            for r in listed.rows
        ],
        "withheld": {label.value: n for label, n in listed.withheld.items()},
        "withheld_notes": list(listed.withheld_notes),
    }


def results_data(grid: ResultsGrid) -> dict[str, Any]:
    """The latest result of each analyte (the grid's newest cell of each row), grouped by
    the panel it was last reported in, with its flag and reference range."""
    latest = []
    for row in grid.rows:
        cell = next((c for c in row.cells if c is not None), None)
        if cell is None:  # pragma: no cover - every row has a cell
            continue
        result = cell.result
        latest.append(
            {
                "key": row.key,
                "analyte": row.analyte,
                "loinc": row.loinc,
                "panel": row.panel,
                "value": result.value_text,
                "unit": result.unit,
                "numeric": result.kind is ValueKind.NUMERIC,
                "flag": cell.flag.value,
                "symbol": cell.flag.symbol,
                "critical": cell.flag.critical,
                "range": result.range_text,
                "collected_at": to_plain(cell.test.collected_at),
                "test_id": cell.test.id,
            }
        )
    return {
        "tests": grid.tests,
        "latest": latest,
        "columns": [to_plain(c) for c in grid.columns],
        "withheld": {label.value: n for label, n in grid.withheld.items()},
        "withheld_notes": list(grid.withheld_notes),
    }


def procedures_data(found: ItemList[ProcedureData]) -> dict[str, Any]:
    """Newest first, each in full (codes included) and as one line."""
    items = sorted(found.items, key=lambda i: (i.data.performed_at, i.id), reverse=True)
    return {
        "items": [to_plain(i) for i in items],
        "lines": [_procedure_line(i.data) for i in items],
        "withheld": {label.value: n for label, n in found.withheld.items()},
        "withheld_notes": list(found.withheld_notes),
    }


def _procedure_line(data: ProcedureData) -> str:
    """ "Corticosteroid injection, knee joint, 3E0U33Z (ICD-10-PCS), right knee: completed
    as planned" (the date is added when printed, in local time)."""
    parts = [data.description]
    if data.code_text:
        parts.append(data.code_text)
    sided = data.laterality not in (None, Laterality.NOT_APPLICABLE)
    side = data.laterality.label.lower() if sided and data.laterality else ""
    site = " ".join(p for p in (side, data.body_site or "") if p)
    if site:
        parts.append(site)
    line = ", ".join(parts)
    if data.outcome:
        line += f": {data.outcome}"
    if data.complications:
        line += f"; complications: {data.complications}"
    return line


def _local(iso: str) -> str:
    return f"{dt.datetime.fromisoformat(iso).astimezone():%m/%d/%Y %H:%M}"


def _hidden(data: dict[str, Any], key: str, title: str) -> list[str] | None:
    if data.get(key) is None:
        return [f"{title}: {data.get(f'{key}_hidden', 'not available')}"]
    return None


def visits_text(data: dict[str, Any]) -> list[str]:
    """The lines `patients show` prints for the encounters, results and procedures in
    ``data`` (each section None, with ``<key>_hidden`` saying why, when the role may not
    see it)."""
    return (
        (_hidden(data, "encounters", "Encounters") or _encounter_lines(data["encounters"]))
        + (_hidden(data, "results", "Results") or _result_lines(data["results"]))
        + (
            _hidden(data, "procedures", "Treatments and procedures")
            or _procedure_lines(data["procedures"])
        )
    )


def _encounter_lines(section: dict[str, Any]) -> list[str]:
    rows = section["rows"]
    lines = [f"Encounters ({len(rows)}):" if rows else "Encounters:"]
    for r in rows:
        state = ["signed" if r["signed"] else "unsigned"]
        if r["status"] != "active":
            state = [r["status_label"].lower()]
        if r["addenda"]:
            state.append(f"{r['addenda']} addend{'a' if r['addenda'] != 1 else 'um'}")
        lines.append(
            f"  {_local(r['starts_at'])}  {r['type_label']}, {r['provider']}: "
            f"{r['reason_for_visit']} [{', '.join(state)}]"
        )
    if not rows and not section["withheld_notes"]:
        lines.append("  None recorded")
    lines += [f"  {n}" for n in section["withheld_notes"]]
    return lines


def _result_lines(section: dict[str, Any]) -> list[str]:
    tests = section["tests"]
    if not section["latest"]:
        lines = ["Results:"]
        if not section["withheld_notes"]:
            lines.append("  None recorded")
    else:
        lines = [f"Results (latest of each; {tests} test{'s' if tests != 1 else ''}):"]
    panel = None
    for r in section["latest"]:
        if r["panel"] != panel:
            panel = r["panel"]
            lines.append(f"  {panel}:")
        unit = f" {r['unit']}" if r["unit"] and r["numeric"] else ""
        flag = r["symbol"] + (", critical" if r["critical"] else "")
        text = f"    {r['analyte']} {r['value']}{unit}" + (f" ({flag})" if flag else "")
        if r["range"]:
            text += f", range {r['range']}"
        lines.append(f"{text}, {_local(r['collected_at'])[:10]}")
    lines += [f"  {n}" for n in section["withheld_notes"]]
    return lines


def _procedure_lines(section: dict[str, Any]) -> list[str]:
    lines = ["Treatments and procedures:"]
    for item, line in zip(section["items"], section["lines"], strict=True):
        lines.append(f"  {_local(item['data']['performed_at'])[:10]} {line}")
    if not section["items"] and not section["withheld_notes"]:
        lines.append("  None recorded")
    lines += [f"  {n}" for n in section["withheld_notes"]]
    return lines
