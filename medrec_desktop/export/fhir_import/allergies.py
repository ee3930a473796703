"""AllergyIntolerance -> an allergy, or the "no known allergies" statement.

Category: medication -> drug, food, environment; biologic (or none) -> other. Reaction: the
manifestations and descriptions of every reaction; severity: the worst reaction's. A high
criticality (the risk of a future reaction) has no field of its own and is said in the
reaction text. SNOMED CT 716186003 "No known allergy" is this chart's explicit statement;
narrower negations ("no known drug allergy") have no place here and are left out, listed.
"""

from __future__ import annotations

from fhir.resources.R4B.allergyintolerance import AllergyIntolerance

from medrec_desktop.domain.allergies import AllergyInput, AllergyStatementInput, Severity
from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.fhir_import import ImportKind
from medrec_desktop.export.fhir_import.entries import Entry, Skip, Unreadable
from medrec_desktop.export.fhir_import.plan import PlannedItem
from medrec_desktop.export.fhir_import.reading import Reading
from medrec_desktop.export.fhir_import.values import (
    RXNORM,
    SNOMED,
    code_in,
    codes_of,
    first_when,
    joined,
    sensitivity,
    source_codes,
    words,
)

NO_KNOWN_ALLERGY = "716186003"
_NARROWER_NEGATIONS = {
    "409137002": "no known drug allergy",
    "429625007": "no known food allergy",
    "428607008": "no known environmental allergy",
    "428197003": "no known insect allergy",
    "1003774007": "no known latex allergy",
}
_CATEGORY = {"medication": "drug", "food": "food", "environment": "environment"}
_STATUS = {
    "active": ItemStatus.ACTIVE,
    "inactive": ItemStatus.INACTIVE,
    "resolved": ItemStatus.RESOLVED,
}
_SEVERITY = {"mild": 1, "moderate": 2, "severe": 3}


def read_allergy(reading: Reading, entry: Entry) -> list[PlannedItem]:
    a = entry.resource
    assert isinstance(a, AllergyIntolerance)
    reading.require_patient(entry, a.patient, "patient")
    verification = codes_of([a.verificationStatus])
    if "entered-in-error" in verification:
        raise Skip("entered in error at the source")
    if "refuted" in verification:
        raise Skip("refuted at the source (the patient is not allergic)")
    snomed = code_in(a.code, SNOMED)
    clinical = codes_of([a.clinicalStatus]) & _STATUS.keys()
    status = _STATUS[sorted(clinical)[0]] if clinical else ItemStatus.ACTIVE
    recorded = first_when(a.recordedDate, a.onsetDateTime)
    if snomed == NO_KNOWN_ALLERGY:
        if status is not ItemStatus.ACTIVE:
            raise Skip('a "no known allergies" statement no longer in force at the source')
        stated = recorded.day if recorded is not None else None
        statement = AllergyStatementInput(
            sensitivity=sensitivity(a),
            stated_on=stated.isoformat() if stated is not None else "",
            note=_note(a) or "",
        )
        return [
            PlannedItem(
                ImportKind.ALLERGY_STATEMENT,
                statement,
                (entry.ref,),
                summary="No known allergies",
                codes=tuple(source_codes(a.code)),
            )
        ]
    if snomed in _NARROWER_NEGATIONS:
        raise Skip(
            f'"{_NARROWER_NEGATIONS[snomed]}": this chart records allergies, or that there '
            "are none at all"
        )
    substance = words(a.code)
    if substance is None:
        raise Unreadable("code", "the allergy names no substance")
    categories = [str(c) for c in a.category or []]
    category = next((_CATEGORY[c] for c in categories if c in _CATEGORY), None)
    if category is None:
        category = "drug" if code_in(a.code, RXNORM) else "other"
    worst = max((_SEVERITY.get(str(r.severity), 0) for r in a.reaction or []), default=0)
    severity = {1: Severity.MILD, 2: Severity.MODERATE, 3: Severity.SEVERE}.get(
        worst, Severity.UNKNOWN
    )
    reaction = joined(
        [words(m) for r in a.reaction or [] for m in r.manifestation or []]
        + [r.description for r in a.reaction or []],
        ", ",
    )
    if a.criticality == "high":
        reaction = joined([reaction, "high criticality (risk of a severe reaction)"], "; ")
    unsure = "unconfirmed" in verification or "presumed" in verification
    if unsure:
        reaction = joined([reaction, "unconfirmed at the source"], "; ")
    onset = first_when(a.onsetDateTime, a.onsetPeriod.start if a.onsetPeriod else None)
    allergy = AllergyInput(
        status=status,
        sensitivity=sensitivity(a),
        substance=substance,
        category=category,
        reaction=reaction,
        severity=severity,
        onset=onset.storage if onset is not None else "",
    )
    return [
        PlannedItem(
            ImportKind.ALLERGY,
            allergy,
            (entry.ref,),
            summary=f"Allergy: {substance}" + (f" ({reaction})" if reaction else ""),
            codes=tuple(source_codes(a.code)),
        )
    ]


def _note(a: AllergyIntolerance) -> str | None:
    return joined(n.text for n in a.note or []) or None
