"""How one chart item reads as one line of text (issue 9): the summary's sections, the
"what changed since you last opened this chart" list and ``medrec patients show`` all say an
item the same way.

Times (a set of vitals) are shown in the workstation's local time: the services run on the
workstation that shows them, as the change list's times do (``ChartChange.line``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from medrec_desktop.domain.allergies import AllergyData, AllergyStatementData, Severity
from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.encounters import ENCOUNTER_STATUS_LABELS, EncounterData
from medrec_desktop.domain.histories import (
    FamilyHistoryData,
    MedicalHistoryData,
    SurgicalHistoryData,
)
from medrec_desktop.domain.immunization_schedule import DueVaccine
from medrec_desktop.domain.immunizations import (
    IMMUNIZATION_STATUS_LABELS,
    Administration,
    ImmunizationData,
)
from medrec_desktop.domain.item_fields import shown_number
from medrec_desktop.domain.medications import MEDICATION_STATUS_LABELS, MedicationData
from medrec_desktop.domain.problems import ProblemData
from medrec_desktop.domain.procedures import PROCEDURE_STATUS_LABELS, ProcedureData
from medrec_desktop.domain.results import LAB_TEST_STATUS_LABELS, LabTestData, ResultData
from medrec_desktop.domain.social_history import (
    Answer,
    Housing,
    SocialHistoryData,
    audit_c_positive,
)
from medrec_desktop.domain.vital_units import (
    height_display,
    temperature_display,
    weight_display,
)
from medrec_desktop.domain.vitals import VITALS_STATUS_LABELS, VitalsData


def _status(item: ItemInfo[Any], labels: dict[ItemStatus, str] | None = None) -> list[str]:
    """The status, said only when it is not the usual "active"."""
    if item.status is ItemStatus.ACTIVE:
        return []
    said = labels.get(item.status) if labels else None
    return [(said or item.status.label).lower()]


def local_time(moment: dt.datetime) -> str:
    return moment.astimezone().strftime("%m/%d/%Y %H:%M")


# ---------------------------------------------------------------------- problems, allergies


def problem_line(item: ItemInfo[ProblemData]) -> str:
    """ "Type 2 diabetes (E11.9), since 03/1998, chronic"."""
    data = item.data
    text = data.description + (f" ({data.icd10cm})" if data.icd10cm else "")
    more = []
    if data.onset is not None:
        more.append(f"since {data.onset.display}")
    if data.chronic:
        more.append("chronic")
    if data.resolution is not None:
        more.append(f"resolved {data.resolution.display}")
    return ", ".join([text, *more, *_status(item)])


def allergy_line(item: ItemInfo[AllergyData]) -> str:
    """ "Penicillin (drug): hives, severe"."""
    data = item.data
    text = f"{data.substance} ({data.category.label.lower()})"
    more = [data.reaction] if data.reaction else []
    if data.severity is not Severity.UNKNOWN:
        more.append(data.severity.label.lower())
    more += _status(item)
    return f"{text}: {', '.join(more)}" if more else text


def statement_line(item: ItemInfo[AllergyStatementData]) -> str:
    """ "No known allergies (recorded 11/20/2026)", worded as the banner says it."""
    data = item.data
    text = f"No known allergies (recorded {data.stated_on:%m/%d/%Y})"
    if data.note:
        text += f": {data.note}"
    if item.status is not ItemStatus.ACTIVE:
        text += f" ({item.status.label.lower()})"
    return text


# ---------------------------------------------------------------------- medications


def medication_line(item: ItemInfo[MedicationData]) -> str:
    """ "Metformin 500 mg: 1 tablet, oral, twice daily, until 12/05/2026"."""
    data = item.data
    text = data.name + (f" {data.strength}" if data.strength else "")
    how = [data.dose_text] if data.dose is not None else []
    if data.route is not None:
        how.append(data.route.value)
    if data.frequency:
        how.append(data.frequency)
    if data.stop is not None:
        how.append(f"until {data.stop.display}")
    how += _status(item, MEDICATION_STATUS_LABELS)
    return f"{text}: {', '.join(how)}" if how else text


# ---------------------------------------------------------------------- immunizations


def immunization_line(item: ItemInfo[ImmunizationData]) -> str:
    """ "Tdap (CVX 115) 10/02/2026, dose 2"; "Influenza refused 10/02/2026: ..."."""
    data = item.data
    text = data.vaccine + (f" (CVX {data.cvx})" if data.cvx else "")
    when = data.given_on.display if data.given_on else "date unknown"
    if data.administration is Administration.REFUSED:
        text += f" refused {when}" + (f": {data.refusal_reason}" if data.refusal_reason else "")
        return ", ".join([text, *_status(item, IMMUNIZATION_STATUS_LABELS)])
    more = [f"dose {data.dose_number}"] if data.dose_number else []
    if data.administration is Administration.HISTORICAL:
        more.append(f"historical ({data.source})" if data.source else "historical")
    return ", ".join([f"{text} {when}", *more, *_status(item, IMMUNIZATION_STATUS_LABELS)])


def due_line(due: DueVaccine) -> str:
    """ "Influenza due: none since 08/01/2026 (last 10/2025); refused 09/03/2026"."""
    text = f"{due.name} due: {due.reason}"
    return text + (f"; refused {due.refused_on.display}" if due.refused_on else "")


# ---------------------------------------------------------------------- vitals

# The measurements in the order a nurse reads them out.
VITALS_ORDER = (
    "systolic",
    "pulse",
    "respirations",
    "temperature_c",
    "spo2",
    "pain",
    "height_cm",
    "weight_kg",
    "bmi",
)


def vitals_parts(data: VitalsData, names: Iterable[str] = VITALS_ORDER) -> list[str]:
    """Each measurement named in ``names`` that this set holds, units both ways
    ("BP 128/82 mmHg", "temp 37.0 °C (98.6 °F)")."""
    wanted = set(names)
    shown: list[str] = []
    units = data.units
    for name in VITALS_ORDER:
        if name not in wanted:
            continue
        value = getattr(data, name)
        if name == "systolic" and data.blood_pressure:
            shown.append(f"BP {data.blood_pressure} mmHg")
        elif value is None:
            continue
        elif name == "pulse":
            shown.append(f"pulse {value}/min")
        elif name == "respirations":
            shown.append(f"resp {value}/min")
        elif name == "temperature_c":
            shown.append(f"temp {temperature_display(value, units)}")
        elif name == "spo2":
            shown.append(f"SpO2 {value} %")
        elif name == "pain":
            shown.append(f"pain {value}/10")
        elif name == "height_cm":
            shown.append(f"height {height_display(value, units)}")
        elif name == "weight_kg":
            shown.append(f"weight {weight_display(value, units)}")
        elif name == "bmi":
            shown.append(f"BMI {shown_number(value)}")
    return shown


def vitals_line(item: ItemInfo[VitalsData], names: Iterable[str] = VITALS_ORDER) -> str:
    """ "11/20/2026 14:05: BP 128/82 mmHg, pulse 72/min, temp 37.0 °C (98.6 °F)"."""
    parts = vitals_parts(item.data, names)
    parts += _status(item, VITALS_STATUS_LABELS)
    return f"{local_time(item.data.taken_at)}: {', '.join(parts)}"


# ---------------------------------------------------------------------- histories


def social_needs(data: SocialHistoryData) -> list[str]:
    """The social determinants that need attention (not every answer)."""
    needs = []
    if data.housing in (Housing.UNSTABLE, Housing.HOMELESS):
        needs.append(f"housing {data.housing.value}")
    if data.food_insecurity is Answer.YES:
        needs.append("food insecurity")
    if data.transport_problems is Answer.YES:
        needs.append("transportation problems")
    if data.feels_safe is Answer.NO:
        needs.append("does not feel safe at home")
    return needs


def social_line(item: ItemInfo[SocialHistoryData], sex: str | None = None) -> str:
    """ "Former smoker, 12.5 pack-years · AUDIT-C 5, positive screen · needs: food
    insecurity". The screen's result needs the patient's sex (``sex``); without it only the
    score is said."""
    data = item.data
    parts = []
    if data.smoking_status is not None:
        tobacco = data.smoking_status.label
        if data.pack_years:
            tobacco += f", {shown_number(data.pack_years)} pack-years"
        parts.append(tobacco)
    if data.audit_c_score is not None:
        alcohol = f"AUDIT-C {data.audit_c_score}"
        if sex is not None:
            positive = audit_c_positive(data.audit_c_score, sex)
            alcohol += ", positive screen" if positive else ", negative screen"
        parts.append(alcohol)
    if data.other_substances:
        parts.append(f"other substances: {data.other_substances}")
    needs = social_needs(data)
    if needs:
        parts.append("needs: " + ", ".join(needs))
    if not parts and data.occupation:
        parts.append(data.occupation)
    parts += _status(item)
    return " · ".join(parts) if parts else "Recorded, nothing of note"


def medical_history_line(item: ItemInfo[MedicalHistoryData]) -> str:
    """ "Appendicitis (K35.80), 1998"."""
    data = item.data
    text = data.condition + (f" ({data.icd10cm})" if data.icd10cm else "")
    more = [data.onset.display] if data.onset else []
    return ", ".join([text, *more, *_status(item)])


def surgical_history_line(item: ItemInfo[SurgicalHistoryData]) -> str:
    """ "Appendectomy, 03/1998"."""
    data = item.data
    more = [data.performed.display] if data.performed else []
    if data.site:
        more.append(data.site)
    return ", ".join([data.procedure, *more, *_status(item)])


def procedure_line(item: ItemInfo[ProcedureData]) -> str:
    """ "Laparoscopic appendectomy (0DTJ4ZZ), 11/19/2026, appendix, by Dr. Osei"."""
    data = item.data
    text = data.description + (f" ({data.code})" if data.code else "")
    more = [f"{data.performed_at.astimezone():%m/%d/%Y}"]
    if data.body_site:
        more.append(data.body_site)
    if data.performed_by:
        more.append(f"by {data.performed_by}")
    return ", ".join([text, *more, *_status(item, PROCEDURE_STATUS_LABELS)])


def family_history_line(item: ItemInfo[FamilyHistoryData]) -> str:
    """ "Mother: breast cancer (C50.919), onset at 52"."""
    data = item.data
    text = f"{data.relative.label}: {data.condition}"
    text += f" ({data.icd10cm})" if data.icd10cm else ""
    more = [f"onset at {data.age_at_onset}"] if data.age_at_onset is not None else []
    if data.deceased:
        more.append("deceased" + (f" at {data.age_at_death}" if data.age_at_death else ""))
    return ", ".join([text, *more, *_status(item)])


# ---------------------------------------------------------------------- visits and results

SIGNED = "✔ signed"
UNSIGNED = "✎ unsigned"


def encounter_line(item: ItemInfo[EncounterData]) -> str:
    """ "11/19/2026 office visit, Follow-up of diabetes, ✔ signed"."""
    data = item.data
    local = data.starts_at.astimezone()
    parts = [f"{local:%m/%d/%Y} {data.encounter_type.label.lower()}"]
    if data.reason_for_visit:
        parts.append(data.reason_for_visit)
    parts.append(SIGNED if data.signed_at is not None else UNSIGNED)
    return ", ".join([*parts, *_status(item, ENCOUNTER_STATUS_LABELS)])


def lab_test_line(item: ItemInfo[LabTestData]) -> str:
    """ "Basic metabolic panel, collected 11/19/2026, 2 abnormal (1 critical)"."""
    data = item.data
    parts = [data.name, f"collected {data.collected_at.astimezone():%m/%d/%Y}"]
    abnormal, critical = data.abnormal_count, data.critical_count
    if abnormal:
        parts.append(f"{abnormal} abnormal" + (f" ({critical} critical)" if critical else ""))
    return ", ".join([*parts, *_status(item, LAB_TEST_STATUS_LABELS)])


def result_line(result: ResultData, collected_at: dt.datetime) -> str:
    """ "Potassium 5.9 mmol/L HH ‼, 11/19/2026": the value, its unit and its flag's mark
    (a symbol, so the line does not rely on colour)."""
    unit = f" {result.unit}" if result.unit and result.numeric is not None else ""
    mark = f" {result.flag.mark}" if result.flag.mark else ""
    return f"{result.analyte} {result.value_text}{unit}{mark}, {collected_at.astimezone():%m/%d/%Y}"
