"""Observation, vital signs: one set becomes one Observation per measurement, each on its US
Core vital-signs profile with its LOINC code and UCUM unit (the codes and units of the US
Core examples): a blood-pressure panel with systolic and diastolic components, heart rate,
respiratory rate, body temperature, pulse oximetry, height, weight, BMI; a pain score as a
vital-signs category Observation of its own (no profile claims it)."""

from __future__ import annotations

from dataclasses import dataclass

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.vitals import VitalsData
from medrec_desktop.export.fhir import systems
from medrec_desktop.export.fhir.common import (
    Context,
    Json,
    coding,
    concept,
    instant,
    item_meta,
    note,
    resource,
    status_extension,
    ucum,
)

VITAL_SIGNS = concept(
    "Vital Signs", coding(systems.OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")
)
BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
SYSTOLIC = ("8480-6", "Systolic blood pressure")
DIASTOLIC = ("8462-4", "Diastolic blood pressure")
PAIN = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
NOT_COUNTED = "Not counted by the clinic (a repeated reading, a wrong cuff size...)."
ABSENT = concept(
    "Unknown",
    coding("http://terminology.hl7.org/CodeSystem/data-absent-reason", "unknown", "Unknown"),
)


@dataclass(frozen=True)
class Vital:
    """One measurement of a set: its field, LOINC codes, unit (as written, as UCUM) and the
    US Core profile it conforms to."""

    field: str
    codes: tuple[tuple[str, str], ...]
    unit: str
    ucum: str
    profile: str


VITALS = (
    Vital("pulse", (("8867-4", "Heart rate"),), "beats/min", "/min", "us-core-heart-rate"),
    Vital(
        "respirations",
        (("9279-1", "Respiratory rate"),),
        "breaths/min",
        "/min",
        "us-core-respiratory-rate",
    ),
    Vital(
        "temperature_c", (("8310-5", "Body temperature"),), "Cel", "Cel", "us-core-body-temperature"
    ),
    Vital(
        "spo2",
        (
            ("2708-6", "Oxygen saturation in Arterial blood"),
            ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
        ),
        "%",
        "%",
        "us-core-pulse-oximetry",
    ),
    Vital("height_cm", (("8302-2", "Body height"),), "cm", "cm", "us-core-body-height"),
    Vital("weight_kg", (("29463-7", "Body weight"),), "kg", "kg", "us-core-body-weight"),
    Vital("bmi", (("39156-5", "Body mass index (BMI) [Ratio]"),), "kg/m2", "kg/m2", "us-core-bmi"),
)


def vital_id(ctx: Context, item_id: int, name: str) -> str:
    """``name``: ``blood_pressure``, ``pain`` or a field of :data:`VITALS`."""
    return ctx.ids.of("Observation", "vitals", item_id, name)


def vital_signs(item: ItemInfo[VitalsData], ctx: Context) -> list[Json]:
    """The set's measurements, blood pressure first, each its own Observation."""
    d = item.data
    out: list[Json] = []
    if d.systolic is not None or d.diastolic is not None:
        body = _common(item, ctx, "us-core-blood-pressure", BP_PANEL[1], [BP_PANEL])
        body["component"] = [
            _component(SYSTOLIC, d.systolic),
            _component(DIASTOLIC, d.diastolic),
        ]
        out.append(resource("Observation", vital_id(ctx, item.id, "blood_pressure"), body))
    for v in VITALS:
        value = getattr(d, v.field)
        if value is None:
            continue
        body = _common(item, ctx, v.profile, v.codes[0][1], list(v.codes))
        body["valueQuantity"] = ucum(value, v.unit, v.ucum)
        out.append(resource("Observation", vital_id(ctx, item.id, v.field), body))
    if d.pain is not None:
        body = _common(item, ctx, None, "Pain severity (0-10)", [PAIN])
        body["valueInteger"] = d.pain
        out.append(resource("Observation", vital_id(ctx, item.id, "pain"), body))
    return out


def _common(
    item: ItemInfo[VitalsData],
    ctx: Context,
    profile: str | None,
    text: str,
    codes: list[tuple[str, str]],
) -> Json:
    counted = item.status is ItemStatus.ACTIVE
    return {
        "meta": item_meta(item, profile),
        "extension": status_extension(item, "Not counted"),
        "status": "final",
        "category": [VITAL_SIGNS],
        "code": concept(text, *(coding(systems.LOINC, c, d) for c, d in codes)),
        "subject": ctx.patient,
        "encounter": ctx.encounter(item.data.encounter_id),
        "effectiveDateTime": instant(item.data.taken_at),
        "note": [] if counted else note(NOT_COUNTED),
    }


def _component(code: tuple[str, str], value: int | None) -> Json:
    part: Json = {"code": concept(code[1], coding(systems.LOINC, *code))}
    if value is None:
        part["dataAbsentReason"] = ABSENT
    else:
        part["valueQuantity"] = ucum(value, "mmHg", "mm[Hg]")
    return part
