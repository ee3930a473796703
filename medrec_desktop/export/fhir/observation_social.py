"""Observation, social history: tobacco smoking status (US Core smoking status, the CDC
SNOMED CT codes), pack-years, the AUDIT-C total score, and one social-history Observation
holding the rest of the item as components (our field names as codes), so nothing typed in the
chart is lost. Social history has no date of its own: it says when it was last saved."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from medrec_desktop.domain.clinical import ItemInfo
from medrec_desktop.domain.social_history import SmokingStatus, SocialHistoryData
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
    ucum,
)

SOCIAL = concept(
    "Social History", coding(systems.OBSERVATION_CATEGORY, "social-history", "Social History")
)
SURVEY = concept("Survey", coding(systems.OBSERVATION_CATEGORY, "survey", "Survey"))
SMOKING = ("72166-2", "Tobacco smoking status")
AUDIT_C = ("75626-2", "Total score [AUDIT-C]")
SOCIAL_NARRATIVE = ("29762-2", "Social history Narrative")
PACK_YEARS = ("401201003", "Cigarette pack-years")
#: the CDC smoking-status value set (SNOMED CT), as US Core binds it
SMOKING_CODES = {
    SmokingStatus.CURRENT_EVERY_DAY: "449868002",
    SmokingStatus.CURRENT_SOME_DAY: "428041000124106",
    SmokingStatus.FORMER: "8517006",
    SmokingStatus.NEVER: "266919005",
    SmokingStatus.CURRENT_UNKNOWN: "77176002",
    SmokingStatus.UNKNOWN_IF_EVER: "266927001",
    SmokingStatus.HEAVY: "428071000124103",
    SmokingStatus.LIGHT: "428061000124105",
}
#: the fields the social-history Observation carries as components, with their units
_COMPONENTS: tuple[tuple[str, str | None, str | None], ...] = (
    ("packs_per_day", "packs/day", "{pack}/d"),
    ("years_smoked", "years", "a"),
    ("audit_c_frequency", None, None),
    ("audit_c_typical", None, None),
    ("audit_c_six_or_more", None, None),
    ("other_substances", None, None),
    ("occupation", None, None),
    ("living_situation", None, None),
    ("living_notes", None, None),
    ("housing", None, None),
    ("food_insecurity", None, None),
    ("transport_problems", None, None),
    ("feels_safe", None, None),
)
ANSWER = systems.LOCAL_CODES + "social-history-answer"


def social_id(ctx: Context, item_id: int, part: str) -> str:
    return ctx.ids.of("Observation", "social-history", item_id, part)


def social_history(item: ItemInfo[SocialHistoryData], ctx: Context) -> list[Json]:
    d = item.data
    out: list[Json] = []
    if d.smoking_status is not None:
        body = _common(item, ctx, "us-core-smokingstatus", [SOCIAL], SMOKING, systems.LOINC)
        body["valueCodeableConcept"] = concept(
            d.smoking_status.label,
            coding(systems.SNOMED, SMOKING_CODES[d.smoking_status], d.smoking_status.label),
        )
        out.append(resource("Observation", social_id(ctx, item.id, "smoking"), body))
    if d.pack_years is not None:
        body = _common(item, ctx, "us-core-smokingstatus", [SOCIAL], PACK_YEARS, systems.SNOMED)
        body["valueQuantity"] = ucum(d.pack_years, "pack-years", "{pack-years}")
        out.append(resource("Observation", social_id(ctx, item.id, "pack-years"), body))
    if d.audit_c_score is not None:
        body = _common(item, ctx, None, [SOCIAL, SURVEY], AUDIT_C, systems.LOINC)
        body["valueQuantity"] = ucum(d.audit_c_score, "score", "1")
        out.append(resource("Observation", social_id(ctx, item.id, "audit-c"), body))
    components = [c for c in (_component(d, *spec) for spec in _COMPONENTS) if c is not None]
    if components:
        body = _common(item, ctx, None, [SOCIAL], SOCIAL_NARRATIVE, systems.LOINC)
        body["component"] = components
        out.append(resource("Observation", social_id(ctx, item.id, "details"), body))
    return out


def _common(
    item: ItemInfo[SocialHistoryData],
    ctx: Context,
    profile: str | None,
    category: list[Json],
    code: tuple[str, str],
    system: str,
) -> Json:
    return {
        "meta": item_meta(item, profile),
        "extension": status_extension(item, "Not current"),
        "status": "final",
        "category": category,
        "code": concept(code[1], coding(system, *code)),
        "subject": ctx.patient,
        "effectiveDateTime": instant(item.changed_at),
    }


def _component(d: SocialHistoryData, name: str, unit: str | None, code: str | None) -> Json | None:
    value: Any = getattr(d, name)
    if value is None:
        return None
    part: Json = {
        "code": concept(name.replace("_", " "), coding(systems.SOCIAL_HISTORY_FIELD, name))
    }
    if isinstance(value, StrEnum):
        label = getattr(value, "label", value.value)
        part["valueCodeableConcept"] = concept(label, coding(ANSWER, value.value, label))
    elif isinstance(value, str):
        part["valueString"] = value
    elif unit is not None and code is not None:
        part["valueQuantity"] = ucum(value, unit, code)
    else:
        part["valueInteger"] = int(value)
    return part
