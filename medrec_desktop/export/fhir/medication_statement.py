"""MedicationStatement: a medication on the list, with its dose, route, frequency and
instructions, its dates, and why it is taken. The medication is text (name and strength as
typed): the chart keeps no RxNorm code, and a code guessed from a name would be worse than
none. When the chart gains one, it goes in :func:`medication_concept`."""

from __future__ import annotations

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.item_fields import shown_number
from medrec_desktop.domain.medications import MedicationData
from medrec_desktop.export.fhir import systems
from medrec_desktop.export.fhir.common import (
    Context,
    Json,
    coding,
    concept,
    instant,
    item_meta,
    partial,
    resource,
)

PRESCRIBER = systems.LOCAL_EXTENSION + "prescriber"
STATUS = {
    ItemStatus.ACTIVE: "active",
    ItemStatus.INACTIVE: "stopped",
    ItemStatus.RESOLVED: "completed",
}


def medication_id(ctx: Context, item_id: int) -> str:
    return ctx.ids.of("MedicationStatement", item_id)


def medication_statement(item: ItemInfo[MedicationData], ctx: Context) -> Json:
    d = item.data
    name = " ".join(p for p in (d.name, d.strength) if p)
    dose_text = " ".join(
        p
        for p in (
            shown_number(d.dose) if d.dose is not None else None,
            d.dose_unit.value if d.dose_unit else None,
            d.route.value if d.route else None,
            d.frequency,
        )
        if p
    )
    dosage: Json = {
        "text": dose_text or None,
        "patientInstruction": d.instructions,
        "timing": {"code": {"text": d.frequency}} if d.frequency else None,
        "route": concept(d.route.value) if d.route else None,
        "doseAndRate": [
            {"doseQuantity": {"value": d.dose, "unit": d.dose_unit.value if d.dose_unit else None}}
        ]
        if d.dose is not None
        else [],
    }
    body: Json = {
        "meta": item_meta(item),
        "extension": [{"url": PRESCRIBER, "valueString": d.prescriber}] if d.prescriber else [],
        "status": STATUS.get(item.status, "unknown"),
        "medicationCodeableConcept": medication_concept(name, None),
        "subject": ctx.patient,
        "effectivePeriod": {"start": partial(d.start), "end": partial(d.stop)},
        "dateAsserted": instant(item.created_at),
        "reasonCode": [concept(d.indication)] if d.indication else [],
        "reasonReference": [ctx.problem(d.indication_problem_id)],
        "dosage": [dosage],
    }
    return resource("MedicationStatement", medication_id(ctx, item.id), body)


def medication_concept(text: str, rxnorm: str | None) -> Json:
    """The medication as text, with its RxNorm code when one is known."""
    return concept(text, coding(systems.RXNORM, rxnorm)) if rxnorm else concept(text)
