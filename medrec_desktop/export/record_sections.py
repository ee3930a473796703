"""The chart's lists as a printed record lays them out (issue 14): one table per kind of item,
columns a reader of a paper chart expects. Each function takes the items a release carries
(``PatientExtract.of(kind)``: already only the dates chosen, labelled items only when chosen,
never entered-in-error ones) and returns blocks; ``record_document`` decides which are
called at all."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from medrec_desktop.domain.allergies import AllergyData, AllergyStatementData, Severity
from medrec_desktop.domain.clinical import ItemInfo, ItemStatus, field_label, text_value
from medrec_desktop.domain.histories import (
    FamilyHistoryData,
    Laterality,
    MedicalHistoryData,
    SurgicalHistoryData,
)
from medrec_desktop.domain.immunizations import (
    IMMUNIZATION_STATUS_LABELS,
    Administration,
    ImmunizationData,
)
from medrec_desktop.domain.medications import MEDICATION_STATUS_LABELS, MedicationData
from medrec_desktop.domain.problems import ProblemData
from medrec_desktop.domain.procedures import PROCEDURE_STATUS_LABELS, ProcedureData
from medrec_desktop.domain.results import LAB_TEST_STATUS_LABELS, LabTestData, ResultData
from medrec_desktop.domain.social_history import SocialHistoryData
from medrec_desktop.domain.vital_units import height_display, temperature_display, weight_display
from medrec_desktop.domain.vitals import VITALS_STATUS_LABELS, VitalsData
from medrec_desktop.export.pdf_doc import Block, Fields, Heading, Paragraph, Table
from medrec_desktop.export.record_text import (
    joined,
    labelled,
    local_time,
    number,
    partial,
    status,
)

NONE_RECORDED = Paragraph("None recorded.", muted=True)

Items = Sequence[ItemInfo[Any]]


def _table(
    columns: tuple[str, ...],
    rows: Sequence[tuple[str, ...]],
    widths: tuple[float, ...],
    flagged: frozenset[int] = frozenset(),
) -> list[Block]:
    if not rows:
        return [NONE_RECORDED]
    return [Table(columns, tuple(rows), widths, flagged)]


def _side(value: Laterality | None) -> str:
    return "" if value is None or value is Laterality.NOT_APPLICABLE else value.label


def problems(items: Items) -> list[Block]:
    rows = []
    for item in items:
        data: ProblemData = item.data
        said = status(item) + (", chronic" if data.chronic else "")
        rows.append(
            (
                data.icd10cm or "",
                data.description,
                partial(data.onset),
                partial(data.resolution),
                said,
            )
        )
    return _table(
        ("ICD-10-CM", "Problem", "Onset", "Resolved", "Status"), rows, (1.1, 4.2, 1, 1, 1.4)
    )


def medical_history(items: Items) -> list[Block]:
    rows = []
    for item in items:
        data: MedicalHistoryData = item.data
        rows.append(
            (
                data.condition,
                data.icd10cm or "",
                partial(data.onset),
                status(item),
                data.notes or "",
            )
        )
    return _table(
        ("Condition", "ICD-10-CM", "Onset", "Status", "Notes"), rows, (2.6, 1.1, 1, 1, 2.8)
    )


def surgical_history(items: Items) -> list[Block]:
    rows = []
    for item in items:
        data: SurgicalHistoryData = item.data
        site = joined(data.site, _side(data.laterality), sep=", ")
        rows.append((data.procedure, partial(data.performed), site, data.notes or ""))
    return _table(("Procedure", "Date", "Site", "Notes"), rows, (3, 1, 1.6, 2.9))


def family_history(items: Items) -> list[Block]:
    rows = []
    for item in items:
        data: FamilyHistoryData = item.data
        deceased = ""
        if data.deceased:
            deceased = "Deceased" + (f" at {data.age_at_death}" if data.age_at_death else "")
        onset = str(data.age_at_onset) if data.age_at_onset is not None else ""
        rows.append(
            (
                data.relative.label,
                data.condition,
                data.icd10cm or "",
                onset,
                joined(deceased, data.notes),
            )
        )
    return _table(
        ("Relative", "Condition", "ICD-10-CM", "Age at onset", "Notes"),
        rows,
        (1.5, 2.8, 1.1, 1, 2.2),
    )


def social_history(items: Items) -> list[Block]:
    """Each record of social history as its filled fields, newest first."""
    if not items:
        return [NONE_RECORDED]
    blocks: list[Block] = []
    for item in sorted(items, key=lambda i: i.changed_at, reverse=True):
        data: SocialHistoryData = item.data
        pairs = []
        for f in dataclasses.fields(data):
            name, value = field_label(f), getattr(data, f.name)
            if name is not None and value not in (None, ""):
                pairs.append((name, text_value(value)))
        pairs.append(("Recorded", f"{local_time(item.changed_at)} by {item.changed_by}"))
        if item.status is not ItemStatus.ACTIVE:
            pairs.append(("Status", status(item)))
        blocks.append(Fields(tuple(pairs)))
    return blocks


def histories(extract_of: dict[str, Items]) -> list[Block]:
    return [
        Heading("Medical history", 2),
        *medical_history(extract_of["medical-history"]),
        Heading("Surgical history", 2),
        *surgical_history(extract_of["surgical-history"]),
        Heading("Family history", 2),
        *family_history(extract_of["family-history"]),
        Heading("Social history", 2),
        *social_history(extract_of["social-history"]),
    ]


def medications(items: Items) -> list[Block]:
    rows = []
    for item in items:
        data: MedicationData = item.data
        name = data.name + (f" {data.strength}" if data.strength else "")
        how = joined(
            data.dose_text,
            data.route.label.lower() if data.route else "",
            data.frequency,
            sep=", ",
        )
        notes = joined(
            data.instructions,
            labelled("For", data.indication),
            labelled("Prescriber", data.prescriber),
            sep="\n",
        )
        rows.append(
            (
                name,
                how,
                partial(data.start),
                partial(data.stop),
                status(item, MEDICATION_STATUS_LABELS),
                notes,
            )
        )
    return _table(
        ("Medication", "Dose, route, frequency", "Start", "Stop", "Status", "Notes"),
        rows,
        (2.2, 2, 0.9, 0.9, 1, 2.2),
    )


def allergies(allergy_items: Items, statements: Items) -> list[Block]:
    blocks: list[Block] = []
    rows = []
    for item in allergy_items:
        data: AllergyData = item.data
        severity = "" if data.severity is Severity.UNKNOWN else data.severity.label
        rows.append(
            (
                data.substance,
                data.category.label,
                data.reaction or "",
                severity,
                partial(data.onset),
                status(item),
            )
        )
    if rows:
        blocks.append(
            Table(
                ("Substance", "Category", "Reaction", "Severity", "Onset", "Status"),
                tuple(rows),
                (2, 1.1, 2.6, 1, 0.9, 1),
            )
        )
    for item in statements:
        said: AllergyStatementData = item.data
        text = f"No known allergies, stated {said.stated_on:%m/%d/%Y}"
        text += f": {said.note}" if said.note else "."
        if item.status is not ItemStatus.ACTIVE:
            text += f" ({status(item).lower()})"
        blocks.append(Paragraph(text))
    return blocks or [NONE_RECORDED]


def immunizations(items: Items) -> list[Block]:
    rows = []
    ordered = sorted(items, key=lambda i: _given_key(i.data), reverse=True)
    for item in ordered:
        data: ImmunizationData = item.data
        given = data.administration.label
        if data.administration is Administration.REFUSED and data.refusal_reason:
            given += f": {data.refusal_reason}"
        elif data.administration is Administration.HISTORICAL and data.source:
            given += f" ({data.source})"
        if item.status is not ItemStatus.ACTIVE:
            given += f"; {status(item, IMMUNIZATION_STATUS_LABELS).lower()}"
        rows.append(
            (
                partial(data.given_on),
                data.vaccine + (f" (CVX {data.cvx})" if data.cvx else ""),
                str(data.dose_number) if data.dose_number else "",
                data.lot_number or "",
                joined(
                    data.site.label if data.site else "",
                    data.route.label if data.route else "",
                    sep="\n",
                ),
                data.given_by or "",
                given,
            )
        )
    return _table(
        ("Date", "Vaccine", "Dose", "Lot", "Site, route", "Given by", "Administration"),
        rows,
        (1, 2.3, 0.55, 1.05, 1.6, 1.5, 1.8),
    )


def _given_key(data: ImmunizationData) -> str:
    return data.given_on.storage if data.given_on is not None else ""


def _both(shown: str) -> str:
    """ "98.4 °F (36.9 °C)" on two lines, so a narrow column breaks it between the units."""
    return shown.replace(" (", "\n(")


_VITALS_COLUMNS = (
    ("Taken", 1.35),
    ("BP (mmHg)", 0.9),
    ("Pulse (/min)", 0.75),
    ("Resp. (/min)", 0.75),
    ("Temp.", 1.0),
    ("SpO2", 0.6),
    ("Height", 1.05),
    ("Weight", 1.05),
    ("BMI", 0.6),
    ("Pain (0–10)", 0.65),
)


def vitals(items: Items) -> list[Block]:
    """Newest first, each measurement in the units it was entered in, then the other; a
    measurement never taken has no column."""
    rows = []
    for item in sorted(items, key=lambda i: i.data.taken_at, reverse=True):
        data: VitalsData = item.data
        units = data.units
        taken = local_time(data.taken_at)
        if item.status is not ItemStatus.ACTIVE:
            taken += f" ({status(item, VITALS_STATUS_LABELS).lower()})"
        rows.append(
            (
                taken,
                data.blood_pressure,
                str(data.pulse) if data.pulse is not None else "",
                str(data.respirations) if data.respirations is not None else "",
                _both(temperature_display(data.temperature_c, units)) if data.temperature_c else "",
                f"{data.spo2}%" if data.spo2 is not None else "",
                _both(height_display(data.height_cm, units)) if data.height_cm else "",
                _both(weight_display(data.weight_kg, units)) if data.weight_kg else "",
                number(data.bmi),
                str(data.pain) if data.pain is not None else "",
            )
        )
    kept = [0] + [c for c in range(1, len(_VITALS_COLUMNS)) if any(r[c] for r in rows)]
    return _table(
        tuple(_VITALS_COLUMNS[c][0] for c in kept),
        [tuple(r[c] for c in kept) for r in rows],
        tuple(_VITALS_COLUMNS[c][1] for c in kept),
    )


def results(tests: Items) -> list[Block]:
    """Each test newest first: what, when and who above its results; abnormal results
    flagged (bold on a tint, and the flag written out: never colour alone)."""
    if not tests:
        return [NONE_RECORDED]
    blocks: list[Block] = []
    for item in sorted(tests, key=lambda i: i.data.collected_at, reverse=True):
        data: LabTestData = item.data
        blocks.append(Heading(f"{data.name}, collected {local_time(data.collected_at)}", 2))
        about = joined(
            labelled("Specimen", data.specimen),
            labelled("Ordered by", data.ordering_provider),
            labelled("Performing lab", data.performing_lab),
            labelled("Resulted", local_time(data.resulted_at)),
            labelled("LOINC", data.loinc),
            "" if item.status is ItemStatus.ACTIVE else status(item, LAB_TEST_STATUS_LABELS),
            sep=" · ",
        )
        if about:
            blocks.append(Paragraph(about, muted=True))
        rows = [_result_row(r) for r in data.results]
        flagged = frozenset(i for i, r in enumerate(data.results) if r.flag.abnormal)
        blocks += _table(
            ("Test", "Result", "Unit", "Flag", "Reference range"),
            rows,
            (3, 1.3, 1.1, 1.5, 1.8),
            flagged,
        )
        if data.notes:
            blocks.append(Paragraph(f"Notes: {data.notes}"))
    return blocks


def _result_row(result: ResultData) -> tuple[str, ...]:
    flag = result.flag
    said = f"{flag.mark} {flag.label}" if flag.abnormal else ""
    unit = (result.unit or "") if result.numeric is not None else ""
    return (result.analyte, result.value_text, unit, said, result.range_text)


def procedures(items: Items) -> list[Block]:
    rows = []
    for item in sorted(items, key=lambda i: i.data.performed_at, reverse=True):
        data: ProcedureData = item.data
        outcome = joined(
            data.outcome,
            labelled("Complications", data.complications),
            labelled("Notes", data.notes),
            sep="\n",
        )
        rows.append(
            (
                local_time(data.performed_at)[:10],
                data.description,
                data.code_text,
                joined(data.body_site, _side(data.laterality), sep=", "),
                data.performed_by or "",
                outcome,
                status(item, PROCEDURE_STATUS_LABELS),
            )
        )
    return _table(
        ("Date", "Procedure", "Code", "Site", "By", "Outcome", "Status"),
        rows,
        (0.95, 2.3, 1.4, 1.1, 1.1, 2, 0.85),
    )
