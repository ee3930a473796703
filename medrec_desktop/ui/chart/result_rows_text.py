"""A test's results rows as the form holds them: JSON text, one entry per row with what was
typed, whether its analyte, unit and range are locked, and the coded answers offered
(``ui/chart/result_rows.py`` shows them; drafts and the conflict view read this text)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.panels import PanelTemplate, bundled_analyte
from medrec_desktop.domain.result_answers import Choice
from medrec_desktop.domain.results import ResultData, ResultInput, ValueKind

_TEXT_FIELDS = [f.name for f in fields(ResultInput) if f.name not in ("kind", "abnormal")]


@dataclass(frozen=True)
class TypedRow:
    """One row as the form holds it: what was typed, whether its analyte, unit and range are
    locked (from a template or a saved test), and the coded answers offered."""

    row: ResultInput
    fixed: bool = False
    choices: tuple[Choice, ...] = ()


def _plain(value: object) -> str:
    return "" if value is None else str(value)


def rows_text(rows: Sequence[TypedRow]) -> str:
    plain = []
    for typed in rows:
        row = typed.row
        entry: dict[str, Any] = {name: _plain(getattr(row, name)) for name in _TEXT_FIELDS}
        entry["kind"] = _plain(row.kind)
        entry["abnormal"] = bool(row.abnormal)
        entry["fixed"] = typed.fixed
        entry["choices"] = [[c.code, c.display, c.normal] for c in typed.choices]
        plain.append(entry)
    return json.dumps(plain, ensure_ascii=False)


def rows_from_text(text: str) -> list[TypedRow]:
    """The rows held in the field's text (blank: none)."""
    if not text.strip():
        return []
    try:
        plain = json.loads(text)
    except ValueError:
        return []
    rows = []
    for entry in plain if isinstance(plain, list) else []:
        if not isinstance(entry, dict):
            continue
        row = ResultInput(
            **{name: str(entry.get(name, "")) for name in _TEXT_FIELDS},
            kind=str(entry.get("kind", "")),
            abnormal=bool(entry.get("abnormal", False)),
        )
        choices = tuple(Choice(str(c), str(d), bool(n)) for c, d, n in entry.get("choices", []))
        rows.append(TypedRow(row, bool(entry.get("fixed", False)), choices))
    return rows


def inputs_of(text: str) -> tuple[ResultInput, ...]:
    return tuple(t.row for t in rows_from_text(text))


def template_text(template: PanelTemplate) -> str:
    return rows_text([TypedRow(a.row(), True, a.choices) for a in template.analytes])


def saved_text(results: Sequence[ResultData]) -> str:
    """A saved test's results as locked rows (a bundled analyte's coded answers offered)."""
    rows = []
    for result in results:
        known = bundled_analyte(result.loinc)
        choices = known.choices if known is not None else ()
        rows.append(TypedRow(ResultInput.of(result), True, choices))
    return rows_text(rows)


def rows_summary(text: str) -> str:
    """The rows with a value, one per line ("Potassium 5.8 mmol/L H ↑"): the conflict view
    compares and shows these, not the JSON."""
    lines = []
    for n, typed in enumerate(rows_from_text(text), start=1):
        row = typed.row
        if row.blank:
            continue
        try:
            result = row.validated(n)
        except ValidationError:
            lines.append(f"{row.analyte} {row.value} {row.unit}".strip() + " (not valid yet)")
            continue
        unit = f" {result.unit}" if result.unit and result.kind is ValueKind.NUMERIC else ""
        mark = f" {result.flag.mark}" if result.flag.mark else ""
        lines.append(f"{result.analyte} {result.value_text}{unit}{mark}")
    return "\n".join(lines)
