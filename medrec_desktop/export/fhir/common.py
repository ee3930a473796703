"""What every resource mapping shares: stable ids, references inside the export, the item's
status and sensitivity label as FHIR says them, and small builders for the data types.

Ids are UUIDs derived (uuid5) from the clinic's system URI and the item's kind and id, so a
second export of the same record gives every resource the same id, and two clinics' exports
never collide. A Bundle refers to its entries by ``urn:uuid:<id>`` (their ``fullUrl``); bulk
NDJSON files, where each line stands alone, by ``Type/<id>``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus, Sensitivity
from medrec_desktop.domain.partial_dates import PartialDate
from medrec_desktop.export.fhir import systems

Json = dict[str, Any]

ACT_CODE = systems.ACT_CODE
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
#: the extension saying an item's status in the clinic's record where FHIR's status cannot
ITEM_STATUS = systems.LOCAL_EXTENSION + "item-status"

# HL7 sensitivity codes (v3 ActCode, InformationSensitivityPolicy) for our labels: a labelled
# item leaves marked restricted, so a receiving system can keep it apart as we do.
_SENSITIVITY_CODES: Mapping[Sensitivity, tuple[tuple[str, str], ...]] = {
    Sensitivity.BEHAVIORAL_HEALTH: (("BH", "behavioral health information sensitivity"),),
    Sensitivity.SUBSTANCE_USE: (("ETH", "substance abuse information sensitivity"),),
    Sensitivity.HIV_STI: (
        ("HIV", "HIV/AIDS information sensitivity"),
        ("STD", "sexually transmitted disease information sensitivity"),
    ),
    Sensitivity.REPRODUCTIVE: (
        ("SEX", "sexuality and reproductive health information sensitivity"),
    ),
    Sensitivity.GENETIC: (("GDIS", "genetic disease information sensitivity"),),
    Sensitivity.CLINIC_DEFINED: (),
}


class FhirIds:
    """Stable resource ids for one clinic (its system URI is the uuid5 namespace's name)."""

    def __init__(self, clinic_system: str) -> None:
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, clinic_system)

    def of(self, resource_type: str, *key: object) -> str:
        """``of("Condition", "problem", 12)``: the same arguments, the same id, always."""
        name = "/".join((resource_type, *(str(k) for k in key)))
        return str(uuid.uuid5(self.namespace, name))


@dataclass
class Context:
    """One patient's mapping: ids, how references are written, and the resources already
    made that others may point at (an encounter, a problem, a practitioner), so a reference
    is written only to something in the same export."""

    ids: FhirIds
    clinic_system: str
    patient_id: str
    generated_at: dt.datetime
    relative: bool = False
    names: Mapping[int, str] = field(default_factory=dict)
    organization_id: str | None = None
    encounters: dict[int, str] = field(default_factory=dict)
    problems: dict[int, str] = field(default_factory=dict)
    practitioners: dict[int, str] = field(default_factory=dict)

    def ref(self, resource_type: str, rid: str, display: str | None = None) -> Json:
        target = f"{resource_type}/{rid}" if self.relative else f"urn:uuid:{rid}"
        return compact({"reference": target, "display": display})

    @property
    def patient(self) -> Json:
        return self.ref("Patient", self.patient_id)

    def encounter(self, encounter_id: int | None) -> Json | None:
        """The encounter's reference when it is in this export, else None."""
        if encounter_id is None or encounter_id not in self.encounters:
            return None
        return self.ref("Encounter", self.encounters[encounter_id])

    def problem(self, problem_id: int | None) -> Json | None:
        if problem_id is None or problem_id not in self.problems:
            return None
        return self.ref("Condition", self.problems[problem_id])

    def practitioner(self, user_id: int | None) -> Json | None:
        if user_id is None or user_id not in self.practitioners:
            return None
        return self.ref("Practitioner", self.practitioners[user_id], self.names.get(user_id))


def compact(value: Json) -> Json:
    """``value`` without None, empty strings, empty lists and empty objects, at any depth
    (FHIR allows no empty element); False and 0 are values and stay."""
    out: Json = _pruned(value)
    return out


def _pruned(value: Any) -> Any:
    # Recurses only into containers: most values are scalars (a bulk export prunes millions).
    if isinstance(value, dict):
        out = {}
        for key, v in value.items():
            if v is None or v == "":
                continue
            if isinstance(v, dict | list | tuple):
                v = _pruned(v)
                if not v:
                    continue
            out[key] = v
        return out
    if isinstance(value, list | tuple):
        items = []
        for v in value:
            if v is None or v == "":
                continue
            if isinstance(v, dict | list | tuple):
                v = _pruned(v)
                if not v:
                    continue
            items.append(v)
        return items
    return value


def resource(resource_type: str, rid: str, body: Json) -> Json:
    """A resource dict with ``resourceType`` and ``id`` first, emptiness removed."""
    made: Json = {"resourceType": resource_type, "id": rid}
    made.update(compact(body))
    return made


def item_meta(item: ItemInfo[Any], profile: str | None = None) -> Json:
    """``meta``: the US Core profile claimed (if any), when the item was last changed, and
    its sensitivity label as HL7 security labels (restricted, and the kind of information)."""
    meta: Json = {"lastUpdated": instant(item.changed_at)}
    if profile is not None:
        meta["profile"] = [systems.US_CORE + profile]
    if item.sensitivity is not None:
        labels = [coding(CONFIDENTIALITY, "R", "restricted")]
        labels += [coding(ACT_CODE, c, d) for c, d in _SENSITIVITY_CODES[item.sensitivity]]
        meta["security"] = labels
    return meta


def status_extension(item: ItemInfo[Any], label: str) -> list[Json]:
    """The item's status in our record, where the resource's own status cannot say it (a
    vitals set not counted, a procedure set aside): ``label`` is how the chart words it."""
    if item.status is ItemStatus.ACTIVE:
        return []
    return [
        {"url": ITEM_STATUS, "valueCoding": coding(systems.ITEM_STATUS, item.status.value, label)}
    ]


# ---------------------------------------------------------------------- data types


def coding(system: str, code: str, display: str | None = None) -> Json:
    return compact({"system": system, "code": code, "display": display})


def concept(text: str | None, *codings: Json) -> Json:
    return compact({"coding": list(codings), "text": text})


def instant(value: dt.datetime) -> str:
    """A stored UTC time as FHIR dateTime/instant (seconds, with its offset)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def partial(value: PartialDate | None) -> str | None:
    """A date known to the year or month: FHIR's date and dateTime take "1998" and
    "1998-03" as they are."""
    return value.storage if value is not None else None


def ucum(value: float | int, unit: str, code: str) -> Json:
    """A Quantity in UCUM: ``unit`` as people write it, ``code`` as UCUM does."""
    return {"value": value, "unit": unit, "system": systems.UCUM, "code": code}


def note(*texts: str | None) -> list[Json]:
    return [{"text": t} for t in texts if t]
