"""Immunization -> an immunization recorded as historical (given elsewhere), its source the
place it was given (else the sender), or a refusal when the patient declined it.

A dose "not done" for another reason than the patient's objection (a precaution, no stock)
gave the patient nothing to record and is left out, listed. Site and route are read from
HL7's v3 codes (and SNOMED CT routes); a site this chart has no name for is "other".
"""

from __future__ import annotations

from fhir.resources.R4B.immunization import Immunization

from medrec_desktop.domain.fhir_import import ImportKind
from medrec_desktop.domain.immunizations import Administration, ImmunizationInput
from medrec_desktop.export.fhir_import.entries import Entry, Skip, Unreadable
from medrec_desktop.export.fhir_import.plan import PlannedItem
from medrec_desktop.export.fhir_import.reading import Reading
from medrec_desktop.export.fhir_import.values import (
    CVX,
    any_code,
    code_in,
    codes_of,
    first_text,
    first_when,
    joined,
    sensitivity,
    source_codes,
    words,
)

_SITES = {
    "LD": "left-deltoid",
    "RD": "right-deltoid",
    "LA": "left-deltoid",  # left arm: the deltoid is where a vaccine goes in an arm
    "RA": "right-deltoid",
    "LT": "left-thigh",
    "RT": "right-thigh",
    "LVL": "left-thigh",
    "RVL": "right-thigh",
}
_ROUTES = {
    "IM": "IM",
    "SQ": "SC",
    "SC": "SC",
    "IDINJ": "ID",
    "ID": "ID",
    "PO": "oral",
    "NASINHLC": "intranasal",
    "NASAL": "intranasal",
    "78421000": "IM",
    "34206005": "SC",
    "372464004": "ID",
    "26643006": "oral",
    "46713006": "intranasal",
}
_PATIENT_OBJECTION = {"PATOBJ", "RELIG", "PHILISOP"}


def read_immunization(reading: Reading, entry: Entry) -> list[PlannedItem]:
    im = entry.resource
    assert isinstance(im, Immunization)
    reading.require_patient(entry, im.patient, "patient")
    if im.status == "entered-in-error":
        raise Skip("entered in error at the source")
    vaccine = words(im.vaccineCode)
    cvx = code_in(im.vaccineCode, CVX) or ""
    given = first_when(im.occurrenceDateTime, im.occurrenceString)
    if given is None:
        raise Unreadable("occurrence[x]", "the date the vaccine was given (or refused) is missing")
    where = reading.who(im.location, im) or reading.names(
        [p.actor for p in im.performer or [] if _is_organization(p.actor)]
    )
    refused = im.status == "not-done"
    if refused:
        reasons = codes_of([im.statusReason])
        if not reasons & _PATIENT_OBJECTION:
            raise Skip("not given at the source (not the patient's refusal): no dose to record")
        day = given.day
        if day is None:
            raise Unreadable("occurrenceDateTime", "a refusal needs the whole date")
        data = ImmunizationInput(
            sensitivity=sensitivity(im),
            vaccine=vaccine or "",
            cvx=cvx,
            administration=Administration.REFUSED,
            given_on=day.isoformat(),
            refusal_reason=words(im.statusReason) or "Patient objection",
        )
    else:
        dose = next(
            (p.doseNumberPositiveInt for p in im.protocolApplied or [] if p.doseNumberPositiveInt),
            None,
        )
        site = any_code(im.site)
        route = any_code(im.route)
        data = ImmunizationInput(
            sensitivity=sensitivity(im),
            vaccine=vaccine or "",
            cvx=cvx,
            administration=Administration.HISTORICAL,
            given_on=given.storage,
            dose_number="" if dose is None else str(dose),
            lot_number=first_text([im.lotNumber]) or "",
            site=(_SITES.get(site, "other") if site else None),
            route=_ROUTES.get(route) if route else None,
            given_by=reading.names(
                [p.actor for p in im.performer or [] if not _is_organization(p.actor)]
            )
            or "",
            source=joined([where or reading.source, "outside record (FHIR import)"], ", ")[:200],
        )
    return [
        PlannedItem(
            ImportKind.IMMUNIZATION,
            data,
            (entry.ref,),
            summary=f"Immunization: {vaccine or 'CVX ' + cvx}" + (" (refused)" if refused else ""),
            codes=tuple(c for c in source_codes(im.vaccineCode) if not c.startswith("CVX")),
        )
    ]


def _is_organization(reference: object) -> bool:
    text = str(getattr(reference, "reference", "") or "")
    return text.startswith("Organization/") or "/Organization/" in text
