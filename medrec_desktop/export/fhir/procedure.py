"""Procedure: treatments and procedures of the chart (ICD-10-PCS, HCPCS or CPT when coded),
the surgical history (a procedure of the past, dated as precisely as it is known), and an
encounter's coded procedures (the coder's lines: modifiers, units, the diagnoses they are
for)."""

from __future__ import annotations

from medrec_desktop.domain.clinical import ItemInfo
from medrec_desktop.domain.coding_work import ProcedureSystem
from medrec_desktop.domain.histories import Laterality, SurgicalHistoryData
from medrec_desktop.domain.patient_extract import EncounterExtract
from medrec_desktop.domain.procedures import ProcedureCodeSystem, ProcedureData
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
    status_extension,
)
from medrec_desktop.export.fhir.condition import diagnosis_ids

CODE_SYSTEMS = {
    ProcedureCodeSystem.PCS: systems.ICD10PCS,
    ProcedureCodeSystem.HCPCS: systems.HCPCS,
    ProcedureCodeSystem.CPT: systems.CPT,
}
CODED_SYSTEMS = {
    ProcedureSystem.ICD10PCS: systems.ICD10PCS,
    ProcedureSystem.HCPCS: systems.HCPCS,
    ProcedureSystem.CPT: systems.CPT,
}
LATERALITY = systems.LOCAL_EXTENSION + "laterality"
MODIFIER = systems.LOCAL_EXTENSION + "procedure-modifier"
UNITS = systems.LOCAL_EXTENSION + "procedure-units"
SURGICAL = coding(systems.SNOMED, "387713003", "Surgical procedure")
SURGICAL_HISTORY = coding(systems.ITEM_KIND, "surgical-history", "Surgical history")
CODED_PROCEDURE = coding(systems.ITEM_KIND, "coded-procedure", "Coded procedure")


def procedure_id(ctx: Context, item_id: int) -> str:
    return ctx.ids.of("Procedure", "procedure", item_id)


def surgical_history_id(ctx: Context, item_id: int) -> str:
    return ctx.ids.of("Procedure", "surgical-history", item_id)


def procedure(item: ItemInfo[ProcedureData], ctx: Context) -> Json:
    d = item.data
    system = CODE_SYSTEMS.get(d.code_system) if d.code_system else None
    code = coding(system, d.code) if system and d.code else None
    body: Json = {
        "meta": item_meta(item, "us-core-procedure"),
        "extension": status_extension(item, "Set aside") + _laterality(d.laterality),
        "status": "completed",
        "code": concept(d.description, code) if code else concept(d.description),
        "subject": ctx.patient,
        "encounter": ctx.encounter(d.encounter_id),
        "performedDateTime": instant(d.performed_at),
        "performer": [{"actor": {"display": d.performed_by}}] if d.performed_by else [],
        "reasonReference": [ctx.problem(d.problem_id)],
        "bodySite": [concept(d.body_site)] if d.body_site else [],
        "outcome": concept(d.outcome) if d.outcome else None,
        "complication": [concept(d.complications)] if d.complications else [],
        "note": note(d.notes),
    }
    return resource("Procedure", procedure_id(ctx, item.id), body)


def surgical_history(item: ItemInfo[SurgicalHistoryData], ctx: Context) -> Json:
    d = item.data
    body: Json = {
        "meta": item_meta(item, "us-core-procedure"),
        "extension": status_extension(item, "Inactive") + _laterality(d.laterality),
        "status": "completed",
        "category": concept("Surgical history", SURGICAL, SURGICAL_HISTORY),
        "code": concept(d.procedure),
        "subject": ctx.patient,
        # US Core asks for a date: "unknown" says plainly that nobody knows it.
        "performedDateTime": partial(d.performed),
        "performedString": None if d.performed else "Date unknown",
        "bodySite": [concept(d.site)] if d.site else [],
        "note": note(d.notes),
    }
    return resource("Procedure", surgical_history_id(ctx, item.id), body)


def coded_procedure_ids(e: EncounterExtract, ctx: Context) -> list[str]:
    if e.coding is None:
        return []
    seen: dict[tuple[str, str], int] = {}
    out = []
    for p in e.coding.procedures:
        key = (p.system.value, p.code)
        seen[key] = seen.get(key, 0) + 1
        out.append(ctx.ids.of("Procedure", "coded", e.item.id, *key, seen[key]))
    return out


def coded_procedures(e: EncounterExtract, ctx: Context) -> list[Json]:
    if e.coding is None:
        return []
    diagnoses = diagnosis_ids(e, ctx)
    out = []
    for p, rid in zip(e.coding.procedures, coded_procedure_ids(e, ctx), strict=True):
        extensions: list[Json] = [{"url": MODIFIER, "valueString": m} for m in p.modifiers]
        if p.units != 1:
            extensions.append({"url": UNITS, "valueInteger": p.units})
        body: Json = {
            "meta": {"profile": [systems.US_CORE + "us-core-procedure"]},
            "extension": extensions,
            "status": "completed",
            "category": concept("Coded procedure", CODED_PROCEDURE),
            "code": concept(p.title or p.code, coding(CODED_SYSTEMS[p.system], p.code, p.title)),
            "subject": ctx.patient,
            "encounter": ctx.encounter(e.item.id),
            "performedDateTime": instant(e.item.data.starts_at),
            "reasonReference": [
                ctx.ref("Condition", diagnoses[n - 1])
                for n in p.pointers
                if 0 < n <= len(diagnoses)
            ],
        }
        out.append(resource("Procedure", rid, body))
    return out


def _laterality(side: Laterality | None) -> list[Json]:
    if side is None or side is Laterality.NOT_APPLICABLE:
        return []
    return [{"url": LATERALITY, "valueCode": side.value}]
