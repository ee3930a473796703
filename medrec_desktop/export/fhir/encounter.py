"""Encounter: a visit's class, type, period, provider, the clinic as service provider and,
with the encounters section, its reason, location and the problems it addressed; with the
coding section, its coded diagnoses in sequence (``diagnosis``, pointing at the
encounter-diagnosis Conditions)."""

from __future__ import annotations

from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.encounters import EncounterType
from medrec_desktop.domain.patient_extract import EncounterExtract
from medrec_desktop.export.fhir import systems
from medrec_desktop.export.fhir.common import (
    Context,
    Json,
    coding,
    concept,
    instant,
    item_meta,
    resource,
)
from medrec_desktop.export.fhir.condition import diagnosis_ids

#: our visit types -> HL7 ActEncounterCode (a phone call is a virtual encounter too)
CLASS = {
    EncounterType.OFFICE: ("AMB", "ambulatory"),
    EncounterType.TELEHEALTH: ("VR", "virtual"),
    EncounterType.PROCEDURE: ("AMB", "ambulatory"),
    EncounterType.PHONE: ("VR", "virtual"),
    EncounterType.LAB_ONLY: ("AMB", "ambulatory"),
}
PRIMARY_PERFORMER = coding(systems.PARTICIPATION, "PPRF", "primary performer")
BILLING = coding("http://terminology.hl7.org/CodeSystem/diagnosis-role", "billing", "Billing")


def encounter_id(ctx: Context, item_id: int) -> str:
    return ctx.ids.of("Encounter", item_id)


def encounter(e: EncounterExtract, ctx: Context, *, details: bool, coded: bool) -> Json:
    """``details``: the encounters section was chosen (reason, location, problems addressed);
    ``coded``: the coding section was (the diagnoses)."""
    d = e.item.data
    if e.item.status is ItemStatus.INACTIVE:
        status = "cancelled"
    elif d.starts_at > ctx.generated_at:
        status = "planned"
    else:
        status = "finished"
    kind, kind_label = CLASS[d.encounter_type]
    body: Json = {
        "meta": item_meta(e.item, "us-core-encounter"),
        "status": status,
        "class": coding(systems.ACT_CODE, kind, kind_label),
        "type": [
            concept(
                d.encounter_type.label,
                coding(systems.ENCOUNTER_TYPE, d.encounter_type.value, d.encounter_type.label),
            )
        ],
        "subject": ctx.patient,
        "participant": [
            {
                "type": [concept("primary performer", PRIMARY_PERFORMER)],
                "individual": ctx.practitioner(d.provider_id),
            }
        ],
        "period": {"start": instant(d.starts_at)},
        "serviceProvider": ctx.ref("Organization", ctx.organization_id)
        if ctx.organization_id
        else None,
    }
    if details:
        body["reasonCode"] = [concept(d.reason_for_visit)]
        body["reasonReference"] = [ctx.problem(p) for p in d.problems_addressed]
        if d.location:
            body["location"] = [{"location": {"display": d.location}}]
    if coded:
        body["diagnosis"] = [
            {"condition": ctx.ref("Condition", rid), "use": concept("Billing", BILLING), "rank": n}
            for n, rid in enumerate(diagnosis_ids(e, ctx), start=1)
        ]
    return resource("Encounter", encounter_id(ctx, e.item.id), body)
