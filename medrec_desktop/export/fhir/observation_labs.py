"""Observation, laboratory: one per result of a test, with its LOINC code when known, the
value (a quantity with its comparator, text, or a coded answer), the unit in UCUM where the
unit is one UCUM knows for certain, the reference range and the HL7 interpretation flag."""

from __future__ import annotations

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.result_flags import Flag, ValueKind
from medrec_desktop.domain.results import LabTestData, ResultData
from medrec_desktop.export.fhir import systems
from medrec_desktop.export.fhir.common import (
    Context,
    Json,
    coding,
    compact,
    concept,
    instant,
    item_meta,
    note,
    resource,
    status_extension,
)
from medrec_desktop.export.fhir.ucum import ucum_code

LABORATORY = concept("Laboratory", coding(systems.OBSERVATION_CATEGORY, "laboratory", "Laboratory"))
NORMAL_RANGE = concept(
    "Normal Range", coding(systems.REFERENCE_RANGE_MEANING, "normal", "Normal Range")
)
#: our flags -> HL7 v3 ObservationInterpretation (the same letters the screens show)
INTERPRETATION = {
    Flag.CRITICAL_LOW: ("LL", "Critical low"),
    Flag.LOW: ("L", "Low"),
    Flag.NORMAL: ("N", "Normal"),
    Flag.HIGH: ("H", "High"),
    Flag.CRITICAL_HIGH: ("HH", "Critical high"),
    Flag.ABNORMAL: ("A", "Abnormal"),
}
NOT_COUNTED = "Not counted by the clinic."
ABSENT = concept(
    "Unknown",
    coding("http://terminology.hl7.org/CodeSystem/data-absent-reason", "unknown", "Unknown"),
)


def result_id(ctx: Context, item_id: int, position: int) -> str:
    return ctx.ids.of("Observation", "lab-test", item_id, position)


def report_status(item: ItemInfo[LabTestData]) -> str:
    """A test saved again (a corrected value) is amended; the first version is final."""
    return "amended" if item.version > 1 else "final"


def lab_results(item: ItemInfo[LabTestData], ctx: Context) -> list[Json]:
    d = item.data
    counted = item.status is ItemStatus.ACTIVE
    out = []
    for position, r in enumerate(d.results, start=1):
        body: Json = {
            "meta": item_meta(item, "us-core-observation-lab"),
            "extension": status_extension(item, "Not counted"),
            "status": report_status(item),
            "category": [LABORATORY],
            "code": concept(r.analyte, coding(systems.LOINC, r.loinc))
            if r.loinc
            else concept(r.analyte),
            "subject": ctx.patient,
            "encounter": ctx.encounter(d.encounter_id),
            "effectiveDateTime": instant(d.collected_at),
            "issued": instant(d.resulted_at) if d.resulted_at else None,
            "performer": [{"display": d.performing_lab}] if d.performing_lab else [],
            "specimen": {"display": d.specimen} if d.specimen else None,
            "interpretation": _interpretation(r),
            "referenceRange": _range(r),
            "note": note(
                r.critical_text.capitalize() if r.critical_text else None,
                None if counted else NOT_COUNTED,
            ),
        }
        body.update(_value(r))
        out.append(resource("Observation", result_id(ctx, item.id, position), body))
    return out


def _value(r: ResultData) -> Json:
    if r.kind is ValueKind.NUMERIC and r.numeric is not None:
        quantity: Json = {"value": r.numeric, "comparator": r.comparator, "unit": r.unit}
        code = ucum_code(r.unit)
        if code is not None:
            quantity.update(system=systems.UCUM, code=code)
        return {"valueQuantity": compact(quantity)}
    if r.kind is ValueKind.CODED and r.coded is not None:
        return {
            "valueCodeableConcept": concept(
                r.coded.display, coding(r.coded.system, r.coded.code, r.coded.display)
            )
        }
    if r.text:
        return {"valueString": r.text}
    return {"dataAbsentReason": ABSENT}


def _interpretation(r: ResultData) -> list[Json]:
    found = INTERPRETATION.get(r.flag)
    if found is None:
        return []
    return [concept(found[1], coding(systems.INTERPRETATION, found[0], found[1]))]


def _range(r: ResultData) -> list[Json]:
    if not r.has_reference:
        return []
    code = ucum_code(r.unit)

    def bound(value: float | None) -> Json | None:
        if value is None or r.kind is not ValueKind.NUMERIC:
            return None
        made: Json = {"value": value, "unit": r.unit}
        if code is not None:
            made.update(system=systems.UCUM, code=code)
        return compact(made)

    return [
        compact(
            {
                "low": bound(r.low),
                "high": bound(r.high),
                "type": NORMAL_RANGE,
                "text": r.range_text or None,
            }
        )
    ]
