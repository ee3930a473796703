"""AllergyIntolerance: an allergy (substance, category, reaction and its severity, onset),
and the "no known allergies" statement as US Core writes it (SNOMED CT 716186003)."""

from __future__ import annotations

from medrec_desktop.domain.allergies import (
    AllergyCategory,
    AllergyData,
    AllergyStatementData,
    Severity,
)
from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.export.fhir import systems
from medrec_desktop.export.fhir.common import (
    Context,
    Json,
    coding,
    concept,
    day,
    instant,
    item_meta,
    note,
    partial,
    resource,
)

CATEGORY = {
    AllergyCategory.DRUG: "medication",
    AllergyCategory.FOOD: "food",
    AllergyCategory.ENVIRONMENT: "environment",
}
CLINICAL = {
    ItemStatus.ACTIVE: "active",
    ItemStatus.INACTIVE: "inactive",
    ItemStatus.RESOLVED: "resolved",
}
NO_KNOWN_ALLERGY = coding(systems.SNOMED, "716186003", "No known allergy (situation)")
CONFIRMED = concept(None, coding(systems.ALLERGY_VERIFICATION, "confirmed", "Confirmed"))


def allergy_id(ctx: Context, item_id: int) -> str:
    return ctx.ids.of("AllergyIntolerance", "allergy", item_id)


def statement_id(ctx: Context, item_id: int) -> str:
    return ctx.ids.of("AllergyIntolerance", "no-known-allergies", item_id)


def allergy(item: ItemInfo[AllergyData], ctx: Context) -> Json:
    d = item.data
    reaction: list[Json] = []
    if d.reaction or d.severity is not Severity.UNKNOWN:
        reaction.append(
            {
                "manifestation": [concept(d.reaction or "Reaction not recorded")],
                "severity": None if d.severity is Severity.UNKNOWN else d.severity.value,
            }
        )
    body: Json = {
        "meta": item_meta(item, "us-core-allergyintolerance"),
        "clinicalStatus": _clinical(item.status),
        "verificationStatus": CONFIRMED,
        "category": [CATEGORY[d.category]] if d.category in CATEGORY else [],
        "code": concept(d.substance),
        "patient": ctx.patient,
        "onsetDateTime": partial(d.onset),
        "recordedDate": instant(item.created_at),
        "reaction": reaction,
    }
    return resource("AllergyIntolerance", allergy_id(ctx, item.id), body)


def no_known_allergies(item: ItemInfo[AllergyStatementData], ctx: Context) -> Json:
    d = item.data
    body: Json = {
        "meta": item_meta(item, "us-core-allergyintolerance"),
        "clinicalStatus": _clinical(item.status),
        "verificationStatus": CONFIRMED,
        "code": concept("No known allergies", NO_KNOWN_ALLERGY),
        "patient": ctx.patient,
        "recordedDate": day(d.stated_on),
        "note": note(d.note),
    }
    return resource("AllergyIntolerance", statement_id(ctx, item.id), body)


def _clinical(status: ItemStatus) -> Json:
    code = CLINICAL.get(status, "active")
    return concept(None, coding(systems.ALLERGY_CLINICAL, code, code.capitalize()))
