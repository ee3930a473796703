"""DiagnosticReport: a lab test as reported (a panel or a single analyte): its code, when the
specimen was collected and the result issued, the performing lab, and its results (the
Observations of :mod:`observation_labs`). The test's notes are its conclusion; who ordered
it travels in an extension (a ServiceRequest the clinic never made would be invented)."""

from __future__ import annotations

from medrec_desktop.domain.clinical import ItemInfo
from medrec_desktop.domain.results import LabTestData
from medrec_desktop.export.fhir import systems
from medrec_desktop.export.fhir.common import (
    Context,
    Json,
    coding,
    concept,
    instant,
    item_meta,
    resource,
    status_extension,
)
from medrec_desktop.export.fhir.observation_labs import report_status, result_id

ORDERED_BY = systems.LOCAL_EXTENSION + "ordering-provider"
LAB = concept("Laboratory", coding(systems.V2_0074, "LAB", "Laboratory"))


def report_id(ctx: Context, item_id: int) -> str:
    return ctx.ids.of("DiagnosticReport", "lab-test", item_id)


def lab_report(item: ItemInfo[LabTestData], ctx: Context) -> Json:
    d = item.data
    extensions = status_extension(item, "Not counted")
    if d.ordering_provider:
        extensions.append({"url": ORDERED_BY, "valueString": d.ordering_provider})
    body: Json = {
        "meta": item_meta(item, "us-core-diagnosticreport-lab"),
        "extension": extensions,
        "status": report_status(item),
        "category": [LAB],
        "code": concept(d.name, coding(systems.LOINC, d.loinc)) if d.loinc else concept(d.name),
        "subject": ctx.patient,
        "encounter": ctx.encounter(d.encounter_id),
        "effectiveDateTime": instant(d.collected_at),
        "issued": instant(d.resulted_at) if d.resulted_at else instant(item.created_at),
        "performer": [{"display": d.performing_lab}] if d.performing_lab else [],
        "result": [
            ctx.ref("Observation", result_id(ctx, item.id, n)) for n in range(1, len(d.results) + 1)
        ],
        "conclusion": d.notes,
    }
    return resource("DiagnosticReport", report_id(ctx, item.id), body)
