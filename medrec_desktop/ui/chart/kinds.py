"""The chart's item kinds as the screens show them: one declaration each (see kind_view.py;
medications and immunizations, vitals and the four histories have modules of their own).

Mnemonics: St&atus, Sensitivit&y, &Reason for change and &Save are on every form, and the
chart's tabs (u o g t d), its buttons (w c) and the menus (f p h) stay visible above it, so
a kind's fields use other letters (the mnemonics test visits every form); fields that find
no free letter are reached with Tab, in reading order. The tabs of medications,
immunizations and vitals have no Alt letter: none is left that the demographics form, the
lists and the history and conflict views do not claim; Ctrl+4..6 open them.
"""

from __future__ import annotations

from typing import Any

from medrec_desktop.domain.allergies import (
    ALLERGY_STATUSES,
    AllergyCategory,
    AllergyData,
    AllergyInput,
    AllergyStatementData,
    AllergyStatementInput,
    Severity,
)
from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.domain.partial_dates import PartialDate
from medrec_desktop.domain.problems import PROBLEM_STATUSES, ProblemData, ProblemInput
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.chart.fields import FieldKind, FieldSpec
from medrec_desktop.ui.chart.kind_view import Column, KindView, Statement
from medrec_desktop.ui.chart.kinds_histories import HISTORY_VIEWS
from medrec_desktop.ui.chart.kinds_medications import IMMUNIZATIONS, MEDICATIONS
from medrec_desktop.ui.chart.kinds_procedures import PROCEDURES
from medrec_desktop.ui.chart.kinds_results import RESULTS
from medrec_desktop.ui.chart.kinds_vitals import VITALS

_ORDER = (ItemStatus.ACTIVE, ItemStatus.INACTIVE, ItemStatus.RESOLVED)


def _date(value: PartialDate | None) -> str:
    return value.display if value else ""


def _date_key(value: PartialDate | None) -> str:
    return value.storage if value else ""


def _status(item: ItemInfo[Any]) -> str:
    return item.status.label


def _problem_line(item: ItemInfo[ProblemData]) -> str:
    d = item.data
    parts = [d.description]
    if d.icd10cm:
        parts.append(f"({d.icd10cm})")
    if d.chronic:
        parts.append("· chronic")
    if d.onset:
        parts.append(f"· since {d.onset.display}")
    return " ".join(parts)


PROBLEMS: KindView[ProblemData, ProblemInput] = KindView(
    key="problems",
    title="Problems",
    tab="Pr&oblems",
    noun="problem",
    service=lambda inst: inst.problems,
    change=ChangeKind.PROBLEMS,
    columns=(
        Column("Problem", lambda i: i.data.description),
        Column("ICD-10-CM", lambda i: i.data.icd10cm or ""),
        Column("Onset", lambda i: _date(i.data.onset), lambda i: _date_key(i.data.onset)),
        Column(
            "Resolved",
            lambda i: _date(i.data.resolution),
            lambda i: _date_key(i.data.resolution),
        ),
        Column("Chronic", lambda i: "Chronic" if i.data.chronic else ""),
        Column("Status", _status),
    ),
    fields=(
        FieldSpec("description", "Proble&m", required=True, placeholder="as the clinician put it"),
        FieldSpec("icd10cm", "ICD-10-CM cod&e", FieldKind.ICD10CM),
        FieldSpec("onset", "O&nset", FieldKind.PARTIAL_DATE),
        FieldSpec("resolution", "Reso&lved", FieldKind.PARTIAL_DATE),
        FieldSpec("chronic", "Chron&ic condition", FieldKind.CHECKBOX),
    ),
    statuses=tuple(s for s in _ORDER if s in PROBLEM_STATUSES),
    editing=ProblemInput.editing,
    build=ProblemInput,
    line=_problem_line,
    name=lambda i: i.data.description,
    summary_title="Active problems",
    summary_empty="No active problems on the list.",
    add_label="&Add problem…",
)


def _allergy_line(item: ItemInfo[AllergyData]) -> str:
    d = item.data
    parts = [d.substance, f"({d.category.label.lower()})"]
    if d.reaction:
        parts.append(f"· {d.reaction}")
    if d.severity is not Severity.UNKNOWN:
        parts.append(f"· {d.severity.label.lower()}")
    return " ".join(parts)


def _no_known(inst: Installation) -> Any:
    return inst.allergy_statements


def _no_known_says(item: ItemInfo[AllergyStatementData]) -> str:
    return f"No known allergies (recorded {item.data.stated_on:%m/%d/%Y})"


ALLERGIES: KindView[AllergyData, AllergyInput] = KindView(
    key="allergies",
    title="Allergies and intolerances",
    tab="Aller&gies",
    noun="allergy",
    service=lambda inst: inst.allergies,
    change=ChangeKind.ALLERGIES,
    columns=(
        Column("Substance", lambda i: i.data.substance),
        Column("Category", lambda i: i.data.category.label),
        Column("Reaction", lambda i: i.data.reaction or ""),
        Column("Severity", lambda i: i.data.severity.label),
        Column("Onset", lambda i: _date(i.data.onset), lambda i: _date_key(i.data.onset)),
        Column("Status", _status),
    ),
    fields=(
        FieldSpec("substance", "Su&bstance", required=True, placeholder="a drug, food or other"),
        FieldSpec(
            "category",
            "Cat&egory",
            FieldKind.CHOICE,
            (("", "Choose…"),) + tuple((c.value, c.label) for c in AllergyCategory),
            required=True,
        ),
        FieldSpec("reaction", "React&ion", FieldKind.MULTILINE, placeholder="e.g. hives, wheeze"),
        FieldSpec(
            "severity",
            "Se&verity",
            FieldKind.CHOICE,
            tuple((s.value, s.label) for s in (Severity.UNKNOWN, *list(Severity)[:3])),
        ),
        FieldSpec("onset", "O&nset", FieldKind.PARTIAL_DATE),
    ),
    statuses=tuple(s for s in _ORDER if s in ALLERGY_STATUSES),
    editing=AllergyInput.editing,
    build=AllergyInput,
    line=_allergy_line,
    name=lambda i: i.data.substance,
    summary_title="Allergies",
    summary_empty="Allergies not recorded.",
    add_label="&Add allergy…",
    statement=Statement(
        button="Record no &known allergies",
        service=_no_known,
        make=lambda: AllergyStatementInput(),
        says=_no_known_says,
    ),
)

KIND_VIEWS: tuple[KindView[Any, Any], ...] = (
    PROBLEMS,
    ALLERGIES,
    MEDICATIONS,
    IMMUNIZATIONS,
    VITALS,
    RESULTS,
    PROCEDURES,
    *HISTORY_VIEWS,
)
