"""Treatments and procedures as the chart shows them (declaration, see kind_view.py): newest
first, the code picked from the ICD-10-PCS and HCPCS search (or a CPT code typed by hand),
the problem it treated and the visit it was done in chosen from the chart.

Mnemonics: a form sees the chart's tabs (u o g t d), its buttons (w c), the menus (f p h)
and the shared St&atus, Sensitivit&y, &Reason and &Save; fields take other letters.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.domain.histories import Laterality
from medrec_desktop.domain.procedures import (
    COMMON_OUTCOMES,
    PROCEDURE_STATUS_LABELS,
    ProcedureCodeSystem,
    ProcedureData,
    ProcedureInput,
)
from medrec_desktop.ui.chart.encounter_choices import encounter_options
from medrec_desktop.ui.chart.field_widgets import parse_local
from medrec_desktop.ui.chart.fields import FieldKind, FieldSpec
from medrec_desktop.ui.chart.form_parts import FormParts
from medrec_desktop.ui.chart.kind_view import Column, KindView, when
from medrec_desktop.ui.chart.kinds_medications import problem_options

Item = ItemInfo[ProcedureData]

# The code set of a code picked from the search, as the procedure stores it.
PICKED_SYSTEMS = {
    "icd10pcs": ProcedureCodeSystem.PCS,
    "hcpcs": ProcedureCodeSystem.HCPCS,
    "cpt": ProcedureCodeSystem.CPT,
}
CODE_SETS = (
    ("", "— (from the code)"),
    (ProcedureCodeSystem.PCS.value, "ICD-10-PCS"),
    (ProcedureCodeSystem.HCPCS.value, "HCPCS Level II"),
    (ProcedureCodeSystem.CPT.value, "CPT (typed by hand; not checked)"),
)


def _ident(text: Any) -> int | None:
    text = str(text or "")
    return int(text) if text.isdigit() else None


def _procedure(**values: Any) -> ProcedureInput:
    """The input from the form's text: the time is local (the form shows local time)."""
    performed = parse_local(str(values.pop("performed_at", "") or ""))
    problem = _ident(values.pop("problem_id", ""))
    encounter = _ident(values.pop("encounter_id", ""))
    return ProcedureInput(
        performed_at=performed, problem_id=problem, encounter_id=encounter, **values
    )


def _behaviour(parts: FormParts) -> None:
    """A code picked from the search sets its code set, and names the procedure while the
    description is still blank (what the user typed there is never replaced)."""
    picker = parts.inputs["code"].picker
    system = parts.inputs["code_system"]
    description = parts.inputs["description"]
    if picker is None:
        return

    def picked(_code: str, coded_in: str, title: str) -> None:
        found = PICKED_SYSTEMS.get(coded_in)
        if found is not None:
            system.set_value(found.value)
        if not parts.text_of("description").strip() and title:
            description.set_value(title)

    picker.picked.connect(picked)


def _newest(items: tuple[Item, ...], _show_all: bool, _today: dt.date) -> tuple[Item, ...]:
    return tuple(sorted(items, key=lambda i: (i.data.performed_at, i.id), reverse=True))


def _site(item: Item) -> str:
    d = item.data
    shown = d.laterality is not None and d.laterality is not Laterality.NOT_APPLICABLE
    side = d.laterality.label.lower() if shown and d.laterality is not None else ""
    return " ".join(p for p in (side, d.body_site or "") if p)


def _line(item: Item) -> str:
    d = item.data
    code = f" ({d.code})" if d.code else ""
    return f"{d.description}{code} · {d.performed_at.astimezone():%m/%d/%Y}"


def _problem(item: Item) -> str:
    found = item.data.problem_id
    return f"problem no. {found} on the list" if found else ""


def _encounter(item: Item) -> str:
    found = item.data.encounter_id
    return f"encounter no. {found}" if found else ""


PROCEDURES: KindView[ProcedureData, ProcedureInput] = KindView(
    key="procedures",
    title="Treatments and procedures",
    tab="Procedures",
    noun="procedure",
    service=lambda inst: inst.procedures,
    change=ChangeKind.PROCEDURES,
    columns=(
        # What was done first: the list gives its first column the room to read it.
        Column("Procedure or treatment", lambda i: i.data.description),
        Column(
            "Performed",
            lambda i: when(i.data.performed_at),
            lambda i: i.data.performed_at.isoformat(),
        ),
        Column("Code", lambda i: i.data.code_text),
        Column("Site", _site),
        Column("Performed by", lambda i: i.data.performed_by or ""),
        Column("Outcome", lambda i: i.data.outcome or ""),
        Column("Complications", lambda i: i.data.complications or ""),
        Column("Status", lambda i: PROCEDURE_STATUS_LABELS[i.status]),
    ),
    fields=(
        FieldSpec(
            "description",
            "Procedure or treat&ment",
            required=True,
            placeholder="in words, e.g. laparoscopic appendectomy",
        ),
        FieldSpec("code", "Procedure cod&e", FieldKind.PROCEDURE_CODE),
        FieldSpec("code_system", "Code set", FieldKind.CHOICE, CODE_SETS),
        FieldSpec("performed_at", "Performed o&n", FieldKind.DATETIME, required=True),
        FieldSpec("performed_by", "Performed &by", placeholder="e.g. Dr. Osei"),
        FieldSpec("body_site", "Body s&ite", placeholder="e.g. knee, appendix"),
        FieldSpec(
            "laterality",
            "Side",
            FieldKind.CHOICE,
            (("", "—"),) + tuple((s.value, s.label) for s in Laterality),
        ),
        FieldSpec(
            "outcome", "Outcome", FieldKind.CHOICE_OTHER, tuple((o, o) for o in COMMON_OUTCOMES)
        ),
        FieldSpec(
            "complications",
            "Complications",
            FieldKind.MULTILINE,
            placeholder="none, or what happened",
        ),
        FieldSpec("problem_id", "&Linked problem", FieldKind.LOOKUP, options=problem_options),
        FieldSpec(
            "encounter_id", "&Visit (encounter)", FieldKind.LOOKUP, options=encounter_options
        ),
        FieldSpec("notes", "Notes", FieldKind.MULTILINE),
    ),
    statuses=(ItemStatus.ACTIVE, ItemStatus.INACTIVE),
    status_labels=PROCEDURE_STATUS_LABELS,
    formats={
        "performed_at": lambda i: when(i.data.performed_at),
        "code_system": lambda i: i.data.code_system.label if i.data.code_system else "",
        "problem_id": _problem,
        "encounter_id": _encounter,
    },
    behaviour=_behaviour,
    editing=ProcedureInput.editing,
    build=_procedure,
    line=_line,
    name=lambda i: i.data.description,
    summary_title="Treatments and procedures",
    summary_empty="No procedures recorded.",
    add_label="&Add procedure…",
    arrange=_newest,
    show_all="Show all, &including those set aside",
)
