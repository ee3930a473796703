"""FamilyMemberHistory: a relative's condition (ICD-10-CM when coded), the age it began,
and whether (and at what age) the relative died."""

from __future__ import annotations

from medrec_desktop.domain.clinical import ItemInfo
from medrec_desktop.domain.histories import FamilyHistoryData, Relative
from medrec_desktop.export.fhir import systems
from medrec_desktop.export.fhir.common import (
    Context,
    Json,
    coding,
    concept,
    item_meta,
    note,
    resource,
    status_extension,
    ucum,
)

#: our relatives -> HL7 v3 RoleCode
RELATIONSHIP = {
    Relative.MOTHER: ("MTH", "mother"),
    Relative.FATHER: ("FTH", "father"),
    Relative.SISTER: ("SIS", "sister"),
    Relative.BROTHER: ("BRO", "brother"),
    Relative.DAUGHTER: ("DAU", "natural daughter"),
    Relative.SON: ("SON", "natural son"),
    Relative.MATERNAL_GRANDMOTHER: ("MGRMTH", "maternal grandmother"),
    Relative.MATERNAL_GRANDFATHER: ("MGRFTH", "maternal grandfather"),
    Relative.PATERNAL_GRANDMOTHER: ("PGRMTH", "paternal grandmother"),
    Relative.PATERNAL_GRANDFATHER: ("PGRFTH", "paternal grandfather"),
    Relative.AUNT: ("AUNT", "aunt"),
    Relative.UNCLE: ("UNCLE", "uncle"),
    Relative.OTHER: ("FAMMEMB", "family member"),
}


def family_history_id(ctx: Context, item_id: int) -> str:
    return ctx.ids.of("FamilyMemberHistory", item_id)


def family_history(item: ItemInfo[FamilyHistoryData], ctx: Context) -> Json:
    d = item.data
    code, display = RELATIONSHIP[d.relative]
    condition: Json = {
        "code": concept(d.condition, coding(systems.ICD10CM, d.icd10cm))
        if d.icd10cm
        else concept(d.condition),
        "onsetAge": ucum(d.age_at_onset, "years", "a") if d.age_at_onset is not None else None,
        "note": note(d.notes),
    }
    body: Json = {
        "meta": item_meta(item, "us-core-familymemberhistory"),
        "extension": status_extension(item, "Inactive"),
        "status": "completed",
        "patient": ctx.patient,
        "date": item.created_at.date().isoformat(),
        "relationship": concept(d.relative.label, coding(systems.ROLE_CODE, code, display)),
        "condition": [condition],
    }
    if d.age_at_death is not None:
        body["deceasedAge"] = ucum(d.age_at_death, "years", "a")
    elif d.deceased:
        body["deceasedBoolean"] = True
    return resource("FamilyMemberHistory", family_history_id(ctx, item.id), body)
