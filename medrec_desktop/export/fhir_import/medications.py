"""MedicationRequest and MedicationStatement -> a medication on the chart.

The drug is named by the medication's text (a coded concept, a contained Medication or one in
the Bundle); its RxNorm code has no field here and is kept in the item's history. The first
dosage gives the dose (when its unit is one this chart has), route and frequency; its text
and the patient's instructions become the instructions. Status: active and on hold are
active, completed completed, stopped and cancelled stopped, unknown active (a drug the
patient may take is better reviewed than hidden). Draft orders, proposals, statements of a
drug not taken or only intended, and entries in error are left out, listed.
"""

from __future__ import annotations

from decimal import Decimal

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.dosage import Dosage
from fhir.resources.R4B.medication import Medication
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.reference import Reference

from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.fhir_import import EntryRef, ImportKind
from medrec_desktop.domain.medications import DoseUnit, MedicationInput
from medrec_desktop.export.fhir_import.entries import Entry, Skip, Unreadable
from medrec_desktop.export.fhir_import.plan import PlannedItem
from medrec_desktop.export.fhir_import.reading import Reading
from medrec_desktop.export.fhir_import.values import (
    SNOMED,
    any_code,
    code_in,
    first_text,
    first_when,
    joined,
    number_text,
    sensitivity,
    source_codes,
    unit_of,
    words,
)
from medrec_desktop.export.fhir_import.when_text import frequency_text

_REQUEST_STATUS = {
    "active": ItemStatus.ACTIVE,
    "on-hold": ItemStatus.ACTIVE,
    "completed": ItemStatus.RESOLVED,
    "stopped": ItemStatus.INACTIVE,
    "cancelled": ItemStatus.INACTIVE,
    "unknown": ItemStatus.ACTIVE,
}
_STATEMENT_STATUS = {
    "active": ItemStatus.ACTIVE,
    "on-hold": ItemStatus.ACTIVE,
    "completed": ItemStatus.RESOLVED,
    "stopped": ItemStatus.INACTIVE,
    "unknown": ItemStatus.ACTIVE,
}
_LEFT_OUT = {
    "entered-in-error": "entered in error at the source",
    "draft": "a draft order, never issued",
    "not-taken": "the patient does not take it",
    "intended": "only intended: the patient does not take it yet",
}
# UCUM codes (and printed units) of the dose units this chart has.
_UNITS = {
    "mg": DoseUnit.MG,
    "ml": DoseUnit.ML,
    "{tbl}": DoseUnit.TABLET,
    "tab": DoseUnit.TABLET,
    "tablet": DoseUnit.TABLET,
    "{tablet}": DoseUnit.TABLET,
    "{capsule}": DoseUnit.CAPSULE,
    "cap": DoseUnit.CAPSULE,
    "capsule": DoseUnit.CAPSULE,
    "[iu]": DoseUnit.UNITS,
    "u": DoseUnit.UNITS,
    "{unit}": DoseUnit.UNITS,
    "units": DoseUnit.UNITS,
    "{puff}": DoseUnit.PUFF,
    "puff": DoseUnit.PUFF,
    "[drp]": DoseUnit.DROP,
    "drop": DoseUnit.DROP,
    "{patch}": DoseUnit.PATCH,
    "patch": DoseUnit.PATCH,
}
# SNOMED CT routes (US Core's binding) and their words.
_ROUTES = {
    "26643006": "oral",
    "37839007": "sublingual",
    "6064005": "topical",
    "447694001": "inhaled",
    "18679011000001101": "inhaled",
    "46713006": "intranasal",
    "54485002": "ophthalmic",
    "10547007": "otic",
    "34206005": "subcutaneous",
    "78421000": "intramuscular",
    "47625008": "intravenous",
    "37161004": "rectal",
    "16857009": "vaginal",
    "45890007": "transdermal",
}
_ROUTE_WORDS = {
    "oral": "oral",
    "mouth": "oral",
    "sublingual": "sublingual",
    "topical": "topical",
    "cutaneous": "topical",
    "inhal": "inhaled",
    "respiratory": "inhaled",
    "nasal": "intranasal",
    "ophthalmic": "ophthalmic",
    "otic": "otic",
    "subcutaneous": "subcutaneous",
    "intramuscular": "intramuscular",
    "intravenous": "intravenous",
    "rectal": "rectal",
    "vaginal": "vaginal",
    "transdermal": "transdermal",
}


def read_medication(reading: Reading, entry: Entry) -> list[PlannedItem]:
    m = entry.resource
    assert isinstance(m, MedicationRequest | MedicationStatement)
    reading.require_patient(entry, m.subject, "subject")
    status = str(m.status or "unknown")
    if status in _LEFT_OUT:
        raise Skip(_LEFT_OUT[status])
    if isinstance(m, MedicationRequest):
        if m.intent in ("proposal", "option"):
            raise Skip(f"a {m.intent}, not an order the patient was given")
        if m.doNotPerform:
            raise Skip("an order not to take this medication")
        statuses, dosages = _REQUEST_STATUS, list(m.dosageInstruction or [])
        prescriber = reading.who(m.requester, m)
        started = first_when(_bounds_start(dosages), m.authoredOn)
        stopped = first_when(_bounds_end(dosages))
    else:
        statuses, dosages = _STATEMENT_STATUS, list(m.dosage or [])
        prescriber = None
        period = m.effectivePeriod
        started = first_when(m.effectiveDateTime, period.start if period else None)
        stopped = first_when(period.end if period else None)
    if status not in statuses:
        raise Unreadable("status", "this status is not one a medication can have here")
    concept = _medication(reading, m)
    name = words(concept) if concept is not None else None
    if name is None:
        name = first_text([m.medicationReference.display if m.medicationReference else None])
    if name is None:
        raise Unreadable("medication[x]", "the medication is not named (nor in the Bundle)")
    dosage = dosages[0] if dosages else None
    dose, unit, dose_words = _dose(dosage)
    instructions = joined(
        [d.text for d in dosages]
        + [d.patientInstruction for d in dosages]
        + [dose_words]
        + [n.text for n in m.note or []],
        "; ",
    )
    problem = _problem(reading, list(m.reasonReference or []))
    indication = joined(
        [words(r) for r in m.reasonCode or []]
        + [_reason_words(reading, r) for r in m.reasonReference or []],
        "; ",
    )
    data = MedicationInput(
        status=statuses[status],
        sensitivity=sensitivity(m),
        name=name,
        dose=dose,
        dose_unit=unit,
        route=_route(dosage),
        frequency=(frequency_text(dosage) if dosage is not None else "") or "",
        instructions=instructions,
        start=started.storage if started is not None else "",
        stop=stopped.storage if stopped is not None else "",
        indication=indication[:200],
        prescriber=(prescriber or "")[:200],
    )
    return [
        PlannedItem(
            ImportKind.MEDICATION,
            data,
            (entry.ref,),
            summary=f"Medication: {name}",
            codes=tuple(source_codes(concept)),
            problem=problem,
        )
    ]


def _medication(
    reading: Reading, m: MedicationRequest | MedicationStatement
) -> CodeableConcept | None:
    if m.medicationCodeableConcept is not None:
        return m.medicationCodeableConcept
    found = reading.index.resolve(m.medicationReference, m)
    return found.code if isinstance(found, Medication) else None


def _problem(reading: Reading, references: list[Reference]) -> EntryRef | None:
    """The Condition entry the drug treats, if the Bundle holds it (linked when recorded)."""
    for ref in references:
        found = reading.index.entry(ref)
        if found is not None and found.ref.resource_type == "Condition":
            return found.ref
    return None


def _reason_words(reading: Reading, reference: Reference) -> str | None:
    """What a reason reference says: the Condition's (or Observation's) own words."""
    found = reading.index.resolve(reference)
    return words(getattr(found, "code", None)) or first_text([reference.display])


def _dose(dosage: Dosage | None) -> tuple[str, DoseUnit | None, str | None]:
    """(dose, unit, words): the dose when its unit is one of this chart's, else its words
    for the instructions (a dose is never dropped, only said in words)."""
    if dosage is None:
        return "", None, None
    for rate in dosage.doseAndRate or []:
        q = rate.doseQuantity
        if q is None or q.value is None:
            if rate.doseRange is not None and rate.doseRange.low and rate.doseRange.high:
                low, high = rate.doseRange.low, rate.doseRange.high
                return "", None, f"dose {_amount(low.value)}-{_amount(high.value)} {unit_of(high)}"
            continue
        unit = _UNITS.get(unit_of(q).lower())
        if unit is not None and q.value > 0:
            return number_text(q.value), unit, None
        return "", None, f"dose {_amount(q.value)} {unit_of(q)}".strip()
    return "", None, None


def _amount(value: Decimal | None) -> str:
    return number_text(value) if value is not None else "?"


def _route(dosage: Dosage | None) -> str | None:
    if dosage is None or dosage.route is None:
        return None
    code = code_in(dosage.route, SNOMED)
    if code in _ROUTES:
        return _ROUTES[code]
    said = (words(dosage.route) or any_code(dosage.route) or "").lower()
    for fragment, route in _ROUTE_WORDS.items():
        if fragment in said:
            return route
    return "other"


def _bounds_start(dosages: list[Dosage]) -> object:
    for d in dosages:
        period = d.timing.repeat.boundsPeriod if d.timing and d.timing.repeat else None
        if period is not None and period.start:
            return period.start
    return None


def _bounds_end(dosages: list[Dosage]) -> object:
    for d in dosages:
        period = d.timing.repeat.boundsPeriod if d.timing and d.timing.repeat else None
        if period is not None and period.end:
            return period.end
    return None
