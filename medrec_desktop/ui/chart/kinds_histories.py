"""Medical, surgical, family and social history as the chart shows them (declarations, see
kind_view.py). They share one "Histories" tab; its four sub-tabs take Alt+1..4, so their
forms keep the digits free."""

from __future__ import annotations

from typing import Any

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.domain.histories import (
    FamilyHistoryData,
    FamilyHistoryInput,
    Laterality,
    MedicalHistoryData,
    MedicalHistoryInput,
    Relative,
    SurgicalHistoryData,
    SurgicalHistoryInput,
)
from medrec_desktop.domain.social_history import (
    AUDIT_C_QUESTIONS,
    Answer,
    Housing,
    LivingSituation,
    SmokingStatus,
    SocialHistoryData,
    SocialHistoryInput,
)
from medrec_desktop.ui.chart.fields import FieldKind, FieldSpec
from medrec_desktop.ui.chart.form_parts import FormParts
from medrec_desktop.ui.chart.kind_text import date_key, date_text, number_text
from medrec_desktop.ui.chart.kind_view import Column, KindView
from medrec_desktop.ui.chart.social_form import audit_c_text, social_behaviour

_BLANK = (("", "—"),)
_NOT_ASKED = (("", "Not asked"),)
_FACTS = (ItemStatus.ACTIVE, ItemStatus.INACTIVE)


def _pairs(enum: Any) -> tuple[tuple[str, str], ...]:
    return tuple((m.value, m.label) for m in enum)


def _code_line(text: str, code: str | None) -> str:
    return text + (f" ({code})" if code else "")


# ---------------------------------------------------------------------- medical history

MEDICAL_HISTORY: KindView[MedicalHistoryData, MedicalHistoryInput] = KindView(
    key="medical_history",
    title="Medical history",
    tab="Medical",
    noun="past condition",
    service=lambda inst: inst.medical_history,
    change=ChangeKind.MEDICAL_HISTORY,
    columns=(
        Column("Condition", lambda i: i.data.condition),
        Column("ICD-10-CM", lambda i: i.data.icd10cm or ""),
        Column("Onset", lambda i: date_text(i.data.onset), lambda i: date_key(i.data.onset)),
        Column("Notes", lambda i: i.data.notes or ""),
        Column("Status", lambda i: i.status.label),
    ),
    fields=(
        FieldSpec(
            "condition", "Cond&ition", required=True, placeholder="as the patient or letter says"
        ),
        FieldSpec("icd10cm", "ICD-10-C&M code", FieldKind.ICD10CM),
        FieldSpec("onset", "Ons&et", FieldKind.PARTIAL_DATE),
        FieldSpec("notes", "Notes", FieldKind.MULTILINE),
    ),
    statuses=(ItemStatus.ACTIVE, ItemStatus.INACTIVE, ItemStatus.RESOLVED),
    editing=MedicalHistoryInput.editing,
    build=MedicalHistoryInput,
    line=lambda i: _code_line(i.data.condition, i.data.icd10cm),
    name=lambda i: i.data.condition,
    summary_title="Medical history",
    summary_empty="No past conditions recorded.",
    add_label="&Add past condition…",
)

# ---------------------------------------------------------------------- surgical history

SURGICAL_HISTORY: KindView[SurgicalHistoryData, SurgicalHistoryInput] = KindView(
    key="surgical_history",
    title="Surgical history",
    tab="Surgical",
    noun="past surgery",
    service=lambda inst: inst.surgical_history,
    change=ChangeKind.SURGICAL_HISTORY,
    columns=(
        Column("Procedure", lambda i: i.data.procedure),
        Column("Date", lambda i: date_text(i.data.performed), lambda i: date_key(i.data.performed)),
        Column("Site", lambda i: i.data.site or ""),
        Column("Side", lambda i: i.data.laterality.label if i.data.laterality else ""),
        Column("Notes", lambda i: i.data.notes or ""),
        Column("Status", lambda i: i.status.label),
    ),
    fields=(
        FieldSpec("procedure", "Proc&edure", required=True, placeholder="e.g. appendectomy"),
        FieldSpec("performed", "Date", FieldKind.PARTIAL_DATE),
        FieldSpec("site", "S&ite", placeholder="e.g. right knee, gallbladder"),
        FieldSpec("laterality", "Side", FieldKind.CHOICE, _BLANK + _pairs(Laterality)),
        FieldSpec("notes", "Notes", FieldKind.MULTILINE, placeholder="e.g. surgeon, hospital"),
    ),
    statuses=_FACTS,
    editing=SurgicalHistoryInput.editing,
    build=SurgicalHistoryInput,
    line=lambda i: (
        i.data.procedure + (f" ({i.data.performed.display})" if i.data.performed else "")
    ),
    name=lambda i: i.data.procedure,
    summary_title="Surgical history",
    summary_empty="No past surgery recorded.",
    add_label="&Add past surgery…",
)

# ---------------------------------------------------------------------- family history


def _deceased(item: ItemInfo[FamilyHistoryData]) -> str:
    d = item.data
    if not d.deceased:
        return ""
    return f"Deceased at {d.age_at_death}" if d.age_at_death is not None else "Deceased"


def _family_behaviour(parts: FormParts) -> None:
    """An age at death only for a relative who has died."""
    box = parts.inputs["deceased"].box

    def update(*_args: object) -> None:
        parts.switch("age_at_death", box is not None and box.isChecked())

    if box is not None:
        box.toggled.connect(update)
    parts.filled.connect(update)


FAMILY_HISTORY: KindView[FamilyHistoryData, FamilyHistoryInput] = KindView(
    key="family_history",
    title="Family history",
    tab="Family",
    noun="family history entry",
    service=lambda inst: inst.family_history,
    change=ChangeKind.FAMILY_HISTORY,
    columns=(
        Column("Relative", lambda i: i.data.relative.label),
        Column("Condition", lambda i: i.data.condition),
        Column("ICD-10-CM", lambda i: i.data.icd10cm or ""),
        Column("Age at onset", lambda i: number_text(i.data.age_at_onset)),
        Column("Deceased", _deceased),
        Column("Status", lambda i: i.status.label),
    ),
    fields=(
        FieldSpec(
            "relative",
            "Relati&ve",
            FieldKind.CHOICE,
            (("", "Choose…"),) + _pairs(Relative),
            required=True,
        ),
        FieldSpec("condition", "Cond&ition", required=True),
        FieldSpec("icd10cm", "ICD-10-C&M code", FieldKind.ICD10CM),
        FieldSpec("age_at_onset", "Age at onset", FieldKind.NUMBER_UNIT, unit="years"),
        FieldSpec("deceased", "Dec&eased", FieldKind.CHECKBOX),
        FieldSpec("age_at_death", "Age at death", FieldKind.NUMBER_UNIT, unit="years"),
        FieldSpec("notes", "Notes", FieldKind.MULTILINE),
    ),
    statuses=_FACTS,
    behaviour=_family_behaviour,
    formats={"deceased": _deceased},
    editing=FamilyHistoryInput.editing,
    build=FamilyHistoryInput,
    line=lambda i: f"{i.data.relative.label}: {_code_line(i.data.condition, i.data.icd10cm)}",
    name=lambda i: f"{i.data.relative.label.lower()}, {i.data.condition}",
    summary_title="Family history",
    summary_empty="No family history recorded.",
    add_label="&Add family history…",
)

# ---------------------------------------------------------------------- social history

SOCIAL_STATUS_LABELS = {
    ItemStatus.ACTIVE: "Current",
    ItemStatus.INACTIVE: "Earlier (replaced)",
    ItemStatus.ENTERED_IN_ERROR: "Entered in error",
}
_AUDIT_C_LABELS = ("AUDIT-C 1: how oft&en", "AUDIT-C 2: typical day", "AUDIT-C 3: six or more")


def _audit_c_field(index: int) -> FieldSpec:
    question, answers = AUDIT_C_QUESTIONS[index]
    return FieldSpec(
        ("audit_c_frequency", "audit_c_typical", "audit_c_six_or_more")[index],
        _AUDIT_C_LABELS[index],
        FieldKind.CHOICE,
        _NOT_ASKED + tuple((str(score), f"{text} ({score})") for score, text in enumerate(answers)),
        note=question,
    )


def _audit_c_answer(index: int, value: int | None) -> str:
    if value is None:
        return ""
    return f"{AUDIT_C_QUESTIONS[index][1][value]} ({value})"


def _social_line(item: ItemInfo[SocialHistoryData]) -> str:
    d = item.data
    parts = [d.smoking_status.label if d.smoking_status else ""]
    if d.pack_years is not None:
        parts.append(f"{number_text(d.pack_years)} pack-years")
    if d.audit_c_score is not None:
        parts.append(f"AUDIT-C {d.audit_c_score}")
    if d.occupation:
        parts.append(d.occupation)
    return ", ".join(p for p in parts if p) or "Recorded (no tobacco or alcohol answers)"


SOCIAL_HISTORY: KindView[SocialHistoryData, SocialHistoryInput] = KindView(
    key="social_history",
    title="Social history",
    tab="Social",
    noun="social history",
    service=lambda inst: inst.social_history,
    change=ChangeKind.SOCIAL_HISTORY,
    columns=(
        Column("Tobacco", lambda i: i.data.smoking_status.label if i.data.smoking_status else ""),
        Column("Pack-years", lambda i: number_text(i.data.pack_years)),
        Column("AUDIT-C", lambda i: number_text(i.data.audit_c_score)),
        Column("Occupation", lambda i: i.data.occupation or ""),
        Column(
            "Living situation",
            lambda i: i.data.living_situation.label if i.data.living_situation else "",
        ),
        Column("Housing", lambda i: i.data.housing.label if i.data.housing else ""),
        Column("Recorded", lambda i: f"{i.changed_at.astimezone():%m/%d/%Y}"),
        Column("Status", lambda i: SOCIAL_STATUS_LABELS[i.status]),
    ),
    fields=(
        FieldSpec(
            "smoking_status", "To&bacco", FieldKind.CHOICE, _NOT_ASKED + _pairs(SmokingStatus)
        ),
        FieldSpec("packs_per_day", "Pac&ks per day", FieldKind.NUMBER_UNIT, unit="packs"),
        FieldSpec("years_smoked", "Years s&moked", FieldKind.NUMBER_UNIT, unit="years"),
        FieldSpec("pack_years", "Pack-years", FieldKind.NUMBER_UNIT, unit="pack-years"),
        _audit_c_field(0),
        _audit_c_field(1),
        _audit_c_field(2),
        FieldSpec("audit_c_score", "AUDIT-C score", FieldKind.COMPUTED),
        FieldSpec("other_substances", "Other substances", placeholder="e.g. cannabis, weekly"),
        FieldSpec("occupation", "Occupat&ion"),
        FieldSpec(
            "living_situation",
            "Li&ving situation",
            FieldKind.CHOICE,
            _BLANK + _pairs(LivingSituation),
        ),
        FieldSpec("living_notes", "Living situation notes"),
        FieldSpec("housing", "Housing", FieldKind.CHOICE, _NOT_ASKED + _pairs(Housing)),
        FieldSpec(
            "food_insecurity",
            "Food insecurity",
            FieldKind.CHOICE,
            _NOT_ASKED + _pairs(Answer),
        ),
        FieldSpec(
            "transport_problems",
            "Transportation problems",
            FieldKind.CHOICE,
            _NOT_ASKED + _pairs(Answer),
        ),
        FieldSpec(
            "feels_safe", "Feels safe at home", FieldKind.CHOICE, _NOT_ASKED + _pairs(Answer)
        ),
    ),
    statuses=_FACTS,
    status_labels=SOCIAL_STATUS_LABELS,
    behaviour=social_behaviour,
    formats={
        "packs_per_day": lambda i: number_text(i.data.packs_per_day, 2),
        "years_smoked": lambda i: number_text(i.data.years_smoked),
        "pack_years": lambda i: number_text(i.data.pack_years),
        "audit_c_frequency": lambda i: _audit_c_answer(0, i.data.audit_c_frequency),
        "audit_c_typical": lambda i: _audit_c_answer(1, i.data.audit_c_typical),
        "audit_c_six_or_more": lambda i: _audit_c_answer(2, i.data.audit_c_six_or_more),
        "audit_c_score": lambda i: audit_c_text(
            (i.data.audit_c_frequency, i.data.audit_c_typical, i.data.audit_c_six_or_more)
        ),
    },
    editing=SocialHistoryInput.editing,
    build=SocialHistoryInput,
    line=_social_line,
    name=lambda i: "social history",
    summary_title="Social history",
    summary_empty="Social history not recorded.",
    add_label="&Add social history…",
    show_all="Show all, &including earlier ones",
)

HISTORY_VIEWS: tuple[KindView[Any, Any], ...] = (
    MEDICAL_HISTORY,
    SURGICAL_HISTORY,
    FAMILY_HISTORY,
    SOCIAL_HISTORY,
)
