"""Condition: the problem list, the past medical history (both problem-list items; the
history also says it is history), and an encounter's coded diagnoses (encounter-diagnosis,
ICD-10-CM, in their sequence, provisional until the coding is marked coded)."""

from __future__ import annotations

from typing import Any

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.coding_work import CodingState
from medrec_desktop.domain.histories import MedicalHistoryData
from medrec_desktop.domain.patient_extract import EncounterExtract
from medrec_desktop.domain.problems import ProblemData
from medrec_desktop.export.fhir import systems
from medrec_desktop.export.fhir.common import (
    Context,
    Json,
    coding,
    concept,
    instant,
    item_meta,
    note,
    partial,
    resource,
)

#: the extension marking a chronic problem (the chart's "Chronic" box)
CHRONIC = systems.LOCAL_EXTENSION + "chronic"
PROBLEM_LIST_ITEM = coding(systems.CONDITION_CATEGORY, "problem-list-item", "Problem List Item")
ENCOUNTER_DIAGNOSIS = coding(
    systems.CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis"
)
MEDICAL_HISTORY = coding(systems.ITEM_KIND, "medical-history", "Past medical history")
_CLINICAL = {
    ItemStatus.ACTIVE: ("active", "Active"),
    ItemStatus.INACTIVE: ("inactive", "Inactive"),
    ItemStatus.RESOLVED: ("resolved", "Resolved"),
}


def problem_id(ctx: Context, item_id: int) -> str:
    return ctx.ids.of("Condition", "problem", item_id)


def medical_history_id(ctx: Context, item_id: int) -> str:
    return ctx.ids.of("Condition", "medical-history", item_id)


def diagnosis_ids(e: EncounterExtract, ctx: Context) -> list[str]:
    """The ids of an encounter's coded diagnoses, in sequence (the Encounter lists them)."""
    if e.coding is None:
        return []
    seen: dict[str, int] = {}
    out = []
    for dx in e.coding.diagnoses:
        seen[dx.code] = seen.get(dx.code, 0) + 1
        out.append(
            ctx.ids.of("Condition", "encounter-diagnosis", e.item.id, dx.code, seen[dx.code])
        )
    return out


def problem(item: ItemInfo[ProblemData], ctx: Context) -> Json:
    d = item.data
    body = _listed(
        item,
        ctx,
        d.description,
        d.icd10cm,
        category=[concept("Problem List Item", PROBLEM_LIST_ITEM)],
    )
    body["onsetDateTime"] = partial(d.onset)
    body["abatementDateTime"] = partial(d.resolution)
    if d.chronic:
        body["extension"] = [{"url": CHRONIC, "valueBoolean": True}]
    return resource("Condition", problem_id(ctx, item.id), body)


def medical_history(item: ItemInfo[MedicalHistoryData], ctx: Context) -> Json:
    d = item.data
    category = [concept("Problem List Item", PROBLEM_LIST_ITEM, MEDICAL_HISTORY)]
    body = _listed(item, ctx, d.condition, d.icd10cm, category=category)
    body["onsetDateTime"] = partial(d.onset)
    body["note"] = note(d.notes)
    return resource("Condition", medical_history_id(ctx, item.id), body)


def encounter_diagnoses(e: EncounterExtract, ctx: Context) -> list[Json]:
    if e.coding is None:
        return []
    confirmed = e.coding.state is CodingState.CODED
    verification = ("confirmed", "Confirmed") if confirmed else ("provisional", "Provisional")
    out = []
    for dx, rid in zip(e.coding.diagnoses, diagnosis_ids(e, ctx), strict=True):
        body: Json = {
            "meta": {"profile": [systems.US_CORE + "us-core-condition-encounter-diagnosis"]},
            "verificationStatus": concept(
                verification[1], coding(systems.CONDITION_VERIFICATION, verification[0])
            ),
            "category": [concept("Encounter Diagnosis", ENCOUNTER_DIAGNOSIS)],
            "code": concept(dx.title or dx.code, coding(systems.ICD10CM, dx.code, dx.title)),
            "subject": ctx.patient,
            "encounter": ctx.encounter(e.item.id),
            "recordedDate": instant(e.coding.coded_at) if e.coding.coded_at else None,
        }
        out.append(resource("Condition", rid, body))
    return out


def _listed(
    item: ItemInfo[Any], ctx: Context, text: str, icd10cm: str | None, *, category: list[Json]
) -> Json:
    status, label = _CLINICAL.get(item.status, ("active", "Active"))
    return {
        "meta": item_meta(item, "us-core-condition-problems-health-concerns"),
        "clinicalStatus": concept(label, coding(systems.CONDITION_CLINICAL, status)),
        "verificationStatus": concept(
            "Confirmed", coding(systems.CONDITION_VERIFICATION, "confirmed")
        ),
        "category": category,
        "code": concept(text, coding(systems.ICD10CM, icd10cm)) if icd10cm else concept(text),
        "subject": ctx.patient,
        "recordedDate": instant(item.created_at),
    }
