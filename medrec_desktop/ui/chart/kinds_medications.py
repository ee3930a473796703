"""Medications and immunizations as the chart shows them (declarations, see kind_view.py).

Mnemonics: a form sees the chart's tabs (u o g t d), its buttons (w c), the menus (f p h)
and the shared St&atus, Sensitivit&y, &Reason and &Save; fields take other letters.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.cvx_codes import search_cvx
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.domain.immunizations import (
    IMMUNIZATION_STATUS_LABELS,
    Administration,
    ImmunizationData,
    ImmunizationInput,
    InjectionSite,
    VaccineRoute,
)
from medrec_desktop.domain.medications import (
    COMMON_FREQUENCIES,
    MEDICATION_STATUS_LABELS,
    DoseUnit,
    MedicationData,
    MedicationInput,
    Route,
    current_medications,
)
from medrec_desktop.domain.partial_dates import PARTIAL_HELP
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.chart.field_widgets import Pairs
from medrec_desktop.ui.chart.fields import FieldKind, FieldSpec, Value
from medrec_desktop.ui.chart.form_parts import NAME_APART, FormParts
from medrec_desktop.ui.chart.kind_text import date_key, date_text, number_text
from medrec_desktop.ui.chart.kind_view import Column, KindView

_BLANK = (("", "—"),)

# ---------------------------------------------------------------------- medications


def problem_options(inst: Installation, session: UserSession, pid: PatientId) -> Pairs:
    """The patient's problems a medication may treat: active ones first, then the others
    with their status ("Asthma — J45.909 — resolved": the indication text takes the name)."""
    items = inst.problems.list(session, pid, include_inactive=True).items
    ordered = sorted(items, key=lambda i: (i.status is not ItemStatus.ACTIVE, i.id))
    shown: list[tuple[str, str]] = []
    for item in ordered:
        parts = [item.data.description, item.data.icd10cm or ""]
        if item.status is not ItemStatus.ACTIVE:
            parts.append(item.status.label.lower())
        shown.append((str(item.id), NAME_APART.join(p for p in parts if p)))
    return shown


def _medication(**values: Any) -> MedicationInput:
    link = str(values.pop("indication_problem_id", "") or "")
    return MedicationInput(indication_problem_id=int(link) if link.isdigit() else None, **values)


def _current(
    items: tuple[ItemInfo[MedicationData], ...], show_all: bool, today: dt.date
) -> tuple[ItemInfo[MedicationData], ...]:
    """The "current medications" view by default; with all shown, the current ones first."""
    current = current_medications(items, today)
    if not show_all:
        return current
    ids = {i.id for i in current}
    rest = sorted((i for i in items if i.id not in ids), key=lambda i: i.data.name.casefold())
    return current + tuple(rest)


def _medication_line(item: ItemInfo[MedicationData]) -> str:
    d = item.data
    parts = [d.name]
    if d.strength:
        parts.append(d.strength)
    how = " ".join(
        p for p in (d.dose_text, d.route.label.lower() if d.route else "", d.frequency or "") if p
    )
    if how:
        parts.append(f"· {how}")
    return " ".join(parts)


MEDICATION_FORMATS: dict[str, Any] = {
    "dose": lambda i: i.data.dose_text,
    "indication_problem_id": lambda i: (
        f"problem no. {i.data.indication_problem_id} on the list"
        if i.data.indication_problem_id
        else ""
    ),
}

MEDICATIONS: KindView[MedicationData, MedicationInput] = KindView(
    key="medications",
    title="Medications",
    tab="Medications",
    noun="medication",
    service=lambda inst: inst.medications,
    change=ChangeKind.MEDICATIONS,
    columns=(
        Column("Medication", lambda i: i.data.name),
        Column("Strength", lambda i: i.data.strength or ""),
        Column("Dose", lambda i: i.data.dose_text),
        Column("Route", lambda i: i.data.route.label if i.data.route else ""),
        Column("Frequency", lambda i: i.data.frequency or ""),
        Column("Start", lambda i: date_text(i.data.start), lambda i: date_key(i.data.start)),
        Column("Stop", lambda i: date_text(i.data.stop), lambda i: date_key(i.data.stop)),
        Column("Treats", lambda i: i.data.indication or ""),
        Column("Status", lambda i: MEDICATION_STATUS_LABELS[i.status]),
    ),
    fields=(
        FieldSpec(
            "name", "&Medication", required=True, placeholder="brand or generic, as prescribed"
        ),
        FieldSpec("strength", "Str&ength", placeholder="e.g. 500 mg, 10 mg/5 mL"),
        FieldSpec("dose", "Dose", placeholder="how many per dose, e.g. 1 or 0.5"),
        FieldSpec(
            "dose_unit",
            "Dose unit",
            FieldKind.CHOICE,
            _BLANK + tuple((u.value, u.label) for u in DoseUnit),
        ),
        FieldSpec(
            "route", "Route", FieldKind.CHOICE, _BLANK + tuple((r.value, r.label) for r in Route)
        ),
        FieldSpec(
            "frequency",
            "Fre&quency",
            FieldKind.CHOICE_OTHER,
            tuple((f, f) for f in COMMON_FREQUENCIES),
        ),
        FieldSpec("start", "Start", FieldKind.PARTIAL_DATE),
        FieldSpec(
            "stop", "Stop", FieldKind.PARTIAL_DATE, placeholder=f"{PARTIAL_HELP}; may be ahead"
        ),
        FieldSpec(
            "indication_problem_id",
            "Treats pro&blem",
            FieldKind.LOOKUP,
            options=problem_options,
            fills="indication",
        ),
        FieldSpec("indication", "Ind&ication", placeholder="what it is for, in words"),
        FieldSpec("prescriber", "Prescriber"),
        FieldSpec("instructions", "Instructions", placeholder="e.g. take with food"),
    ),
    statuses=(ItemStatus.ACTIVE, ItemStatus.INACTIVE, ItemStatus.RESOLVED),
    status_labels=MEDICATION_STATUS_LABELS,
    formats=MEDICATION_FORMATS,
    editing=MedicationInput.editing,
    build=_medication,
    line=_medication_line,
    name=lambda i: i.data.name,
    summary_title="Current medications",
    summary_empty="No current medications.",
    add_label="&Add medication…",
    arrange=_current,
    show_all="Show all, &including stopped and completed",
)

# ---------------------------------------------------------------------- immunizations


def cvx_pairs(text: str) -> Pairs:
    return tuple((c.code, c.name) for c in search_cvx(text))


# Which fields each way of recording a vaccine uses: (in use, required).
_USES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    Administration.GIVEN: (
        frozenset({"dose_number", "lot_number", "site", "route", "given_by"}),
        frozenset(),
    ),
    Administration.HISTORICAL: (
        frozenset({"dose_number", "lot_number", "site", "route", "given_by", "source"}),
        frozenset({"source"}),
    ),
    Administration.REFUSED: (frozenset({"refusal_reason"}), frozenset({"refusal_reason"})),
}
_SWITCHED = ("dose_number", "lot_number", "site", "route", "given_by", "source", "refusal_reason")


def _immunization_behaviour(parts: FormParts) -> None:
    """Given here, historical or refused: only the fields that way of recording uses are in
    use (a refused vaccine has no lot; a historical dose says where it is known from)."""
    how = parts.inputs["administration"]
    date = parts.inputs["given_on"]

    def update(*_args: object) -> None:
        value: Value = how.value()
        used, required = _USES.get(str(value), _USES[Administration.GIVEN])
        for name in _SWITCHED:
            parts.switch(name, name in used, required=name in required)
        label = parts.label_of("given_on")
        if label is not None:
            refused = value == Administration.REFUSED
            label.setText("Date refused *" if refused else "Date given *")
        if date.line is not None:
            historical = value == Administration.HISTORICAL
            date.line.setPlaceholderText(PARTIAL_HELP if historical else "MM/DD/YYYY")

    assert how.combo is not None
    how.combo.currentIndexChanged.connect(update)
    parts.filled.connect(update)


def _immunization_line(item: ItemInfo[ImmunizationData]) -> str:
    d = item.data
    when = d.given_on.display if d.given_on else ""
    if d.administration is Administration.REFUSED:
        return f"{d.vaccine} · refused {when}"
    dose = f" · dose {d.dose_number}" if d.dose_number else ""
    return f"{d.vaccine} · {when}{dose}"


def _newest_given(
    items: tuple[ItemInfo[ImmunizationData], ...], _show_all: bool, _today: dt.date
) -> tuple[ItemInfo[ImmunizationData], ...]:
    return tuple(sorted(items, key=lambda i: (date_key(i.data.given_on), i.id), reverse=True))


IMMUNIZATIONS: KindView[ImmunizationData, ImmunizationInput] = KindView(
    key="immunizations",
    title="Immunizations",
    tab="Immunizations",
    noun="immunization",
    service=lambda inst: inst.immunizations,
    change=ChangeKind.IMMUNIZATIONS,
    columns=(
        Column("Vaccine", lambda i: i.data.vaccine),
        Column("CVX", lambda i: i.data.cvx or ""),
        Column("Date", lambda i: date_text(i.data.given_on), lambda i: date_key(i.data.given_on)),
        Column("Recorded as", lambda i: i.data.administration.label),
        Column("Dose", lambda i: number_text(i.data.dose_number)),
        Column("Lot", lambda i: i.data.lot_number or ""),
        Column("Site", lambda i: i.data.site.label if i.data.site else ""),
        Column(
            "Given by or source",
            lambda i: i.data.given_by or i.data.source or i.data.refusal_reason or "",
        ),
        Column("Status", lambda i: IMMUNIZATION_STATUS_LABELS[i.status]),
    ),
    fields=(
        FieldSpec(
            "cvx",
            "CV&X code",
            FieldKind.CODE_AHEAD,
            placeholder="a code or a name, e.g. 115 or tdap",
            lookup=cvx_pairs,
            fills="vaccine",
        ),
        FieldSpec("vaccine", "&Vaccine", required=True, placeholder="filled in from the CVX code"),
        FieldSpec(
            "administration",
            "R&ecorded as",
            FieldKind.CHOICE,
            tuple((a.value, a.label) for a in Administration),
        ),
        FieldSpec("given_on", "Date given", FieldKind.PARTIAL_DATE, required=True),
        FieldSpec("dose_number", "Dose nu&mber", placeholder="1, 2, 3… in the series"),
        FieldSpec("lot_number", "Lot num&ber"),
        FieldSpec(
            "site",
            "Site",
            FieldKind.CHOICE,
            _BLANK + tuple((s.value, s.label) for s in InjectionSite),
        ),
        FieldSpec(
            "route",
            "Route",
            FieldKind.CHOICE,
            _BLANK + tuple((r.value, r.label) for r in VaccineRoute),
        ),
        FieldSpec("given_by", "Given by"),
        FieldSpec("source", "Source", placeholder="e.g. state registry, the patient's card"),
        FieldSpec("refusal_reason", "Why refused", FieldKind.MULTILINE),
    ),
    statuses=(ItemStatus.ACTIVE, ItemStatus.INACTIVE),
    status_labels=IMMUNIZATION_STATUS_LABELS,
    formats={"dose_number": lambda i: number_text(i.data.dose_number)},
    behaviour=_immunization_behaviour,
    editing=ImmunizationInput.editing,
    build=ImmunizationInput,
    line=_immunization_line,
    name=lambda i: i.data.vaccine,
    summary_title="Immunizations",
    summary_empty="No immunizations recorded.",
    add_label="&Add immunization…",
    arrange=_newest_given,
    show_all="Show all, &including doses not counted",
)
