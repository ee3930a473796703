"""Lab tests as the chart shows them (declaration, see kind_view.py): the list of tests newest
first, and the form whose results are rows (``result_rows.py``) typed from a panel template
or freely. The results page (``results_page.py``) puts the grid of values above the list.

The form's letters: Test na&me, Spec&imen, Co&llected, Ordering pro&vider, Performing la&b,
Valu&es, &Notes and Unloc&k (the chart's tabs, buttons and menus, St&atus, Sensitivit&y,
&Reason and &Save keep theirs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.domain.results import (
    LAB_TEST_STATUS_LABELS,
    LabTestData,
    LabTestInput,
)
from medrec_desktop.ui.chart.encounter_choices import encounter_options
from medrec_desktop.ui.chart.field_widgets import parse_local, parse_moment
from medrec_desktop.ui.chart.fields import FieldKind, FieldSpec, Value
from medrec_desktop.ui.chart.form_parts import FormParts
from medrec_desktop.ui.chart.kind_view import Column, KindView, when
from medrec_desktop.ui.chart.result_rows import ResultRowsField
from medrec_desktop.ui.chart.result_rows_text import inputs_of, saved_text

Item = ItemInfo[LabTestData]
SPECIMENS = ("Serum or plasma", "Serum", "Plasma", "Whole blood", "Urine", "Swab")


def _moment(text: str) -> dt.datetime | str | None:
    """The form's local time as typed: a datetime, or the text when it does not read as one
    (refused by the domain with the expected shape)."""
    if not text.strip():
        return None
    found = parse_local(text) or parse_moment(text)
    return found if found is not None else text


def build_lab_test(**values: Any) -> LabTestInput:
    """The input from the form's text: times are local, the results rows JSON."""
    collected = _moment(str(values.pop("collected_at", "") or ""))
    resulted = _moment(str(values.pop("resulted_at", "") or ""))
    results = inputs_of(str(values.pop("results", "") or ""))
    return LabTestInput(collected_at=collected, resulted_at=resulted, results=results, **values)


def _newest(items: tuple[Item, ...], _show_all: bool, _today: dt.date) -> tuple[Item, ...]:
    return tuple(sorted(items, key=lambda i: (i.data.collected_at, i.id), reverse=True))


def results_count(item: Item) -> str:
    """ "8 results · 2 abnormal ‼ 1 critical": the list says what to look at."""
    d = item.data
    n = len(d.results)
    text = f"{n} result{'s' if n != 1 else ''}"
    if d.critical_count:
        text += f" · ‼ {d.critical_count} critical"
    others = d.abnormal_count - d.critical_count
    if others:
        text += f" · {others} abnormal"
    return text


def _line(item: Item) -> str:
    flagged = [str(r) for r in item.data.results if r.flag.abnormal]
    said = "; ".join(flagged) if flagged else "all within range"
    return f"{when(item.data.collected_at)} {item.data.name}: {said}"


def _results_history(item: Item) -> str:
    lines = []
    for r in item.data.results:
        unit = f" {r.unit}" if r.unit and r.numeric is not None else ""
        mark = f" {r.flag.mark}" if r.flag.mark else ""
        reference = f" (ref. {r.range_text})" if r.range_text else ""
        lines.append(f"{r.analyte} {r.value_text}{unit}{mark}{reference}")
    return "\n".join(lines)


def results_behaviour(parts: FormParts) -> None:
    """Enter in the rows saves the test (Tab moves between the values)."""
    rows = parts.inputs["results"].widget
    if isinstance(rows, ResultRowsField):
        rows.submitted.connect(parts.host.save)


@dataclass(frozen=True)
class LabTestView(KindView[LabTestData, LabTestInput]):
    """A saved test's results go back into the form as locked rows (JSON text)."""

    def values_of(self, item: ItemInfo[LabTestData]) -> dict[str, Value]:
        values = super().values_of(item)
        values["results"] = saved_text(item.data.results)
        return values


RESULTS = LabTestView(
    key="results",
    title="Results",
    tab="Results",
    noun="test",
    service=lambda inst: inst.lab_tests,
    change=ChangeKind.RESULTS,
    columns=(
        Column("Test", lambda i: i.data.name),
        Column(
            "Collected",
            lambda i: when(i.data.collected_at),
            lambda i: i.data.collected_at.isoformat(),
        ),
        Column("Results", results_count),
        Column("Performing lab", lambda i: i.data.performing_lab or ""),
        Column("Status", lambda i: LAB_TEST_STATUS_LABELS[i.status]),
    ),
    fields=(
        FieldSpec("name", "Test na&me", required=True, placeholder="as the lab names it"),
        FieldSpec("loinc", "LOINC code", placeholder="e.g. 51990-0 (optional)"),
        FieldSpec(
            "specimen",
            "Spec&imen",
            FieldKind.CHOICE_OTHER,
            tuple((s, s) for s in SPECIMENS),
        ),
        FieldSpec("collected_at", "Co&llected", FieldKind.DATETIME, required=True),
        FieldSpec("resulted_at", "Resulted", FieldKind.OPTIONAL_DATETIME),
        FieldSpec("ordering_provider", "Ordering pro&vider"),
        FieldSpec("performing_lab", "Performing la&b"),
        FieldSpec("results", "Valu&es", FieldKind.RESULTS, required=True),
        FieldSpec("notes", "&Notes", FieldKind.MULTILINE, placeholder="the lab's comments"),
        # The patient's unsigned visits; a saved link is never dropped by an edit.
        FieldSpec("encounter_id", "Encounter", FieldKind.LOOKUP, options=encounter_options),
    ),
    statuses=(ItemStatus.ACTIVE, ItemStatus.INACTIVE),
    status_labels=LAB_TEST_STATUS_LABELS,
    formats={
        "collected_at": lambda i: when(i.data.collected_at),
        "resulted_at": lambda i: when(i.data.resulted_at) if i.data.resulted_at else "",
        "results": _results_history,
    },
    behaviour=results_behaviour,
    editing=LabTestInput.editing,
    build=build_lab_test,
    line=_line,
    name=lambda i: f"{i.data.name} of {when(i.data.collected_at)}",
    summary_title="Recent results",
    summary_empty="No results recorded.",
    add_label="Add pa&nel…",
    arrange=_newest,
    show_all="Show all, &including tests not counted",
)
