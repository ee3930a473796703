"""Encounter -> a note on the chart recording a visit at another clinic.

This chart's encounters are visits here: their provider is one of the clinic's users, who
signs the note, after which coders code it and billing bills it. A visit elsewhere is none of
that (its practitioners are no users here, and it must never reach the coding worklist or a
provider's unsigned notes), so it is kept as a note saying when, what kind of visit, where,
with whom, why and what was found, and where it came from. The vitals, tests and procedures
recorded in it are imported on their own (their history names the Bundle entry).
Planned, cancelled and entered-in-error visits are left out, listed.
"""

from __future__ import annotations

from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.encounter import Encounter

from medrec_desktop.export.fhir_import.entries import Entry, Skip
from medrec_desktop.export.fhir_import.plan import PlannedVisit
from medrec_desktop.export.fhir_import.reading import Reading
from medrec_desktop.export.fhir_import.values import (
    ICD10CM,
    code_in,
    first_when,
    joined,
    sensitivity,
    when,
    words,
)

_LEFT_OUT = {
    "planned": "a planned visit that has not taken place",
    "cancelled": "cancelled at the source",
    "entered-in-error": "entered in error at the source",
}


def read_visit(reading: Reading, entry: Entry) -> PlannedVisit:
    e = entry.resource
    assert isinstance(e, Encounter)
    reading.require_patient(entry, e.subject, "subject")
    status = str(e.status or "unknown")
    if status in _LEFT_OUT:
        raise Skip(_LEFT_OUT[status])
    started = first_when(e.period.start if e.period else None)
    ended = when(e.period.end) if e.period else None
    if started is None:
        day = "date not given"
    elif started.moment is not None:
        day = f"{started.moment.astimezone():%m/%d/%Y %H:%M}"
    else:
        day = started.partial.display
    kind = joined([words(t) for t in e.type or []], ", ")
    setting = e.class_fhir.display or e.class_fhir.code if e.class_fhir else None
    with_whom = reading.names([p.individual for p in e.participant or []])
    where = reading.names([loc.location for loc in e.location or []])
    provider = reading.who(e.serviceProvider, e)
    reasons = joined(
        [words(r) for r in e.reasonCode or []]
        + [_condition_words(reading, r) for r in e.reasonReference or []],
        "; ",
    )
    diagnoses = joined((_condition_words(reading, d.condition) for d in e.diagnosis or []), "; ")
    discharge = (
        words(e.hospitalization.dischargeDisposition) if e.hospitalization is not None else None
    )
    lines = [
        f"Outside visit: {day}"
        + (f", {kind}" if kind else "")
        + (f" ({setting})" if setting else ""),
        f"Status at the source: {status}" if status != "finished" else None,
        f"Ended: {ended.moment.astimezone():%m/%d/%Y %H:%M}"
        if ended is not None and ended.moment is not None
        else None,
        f"With: {with_whom}" if with_whom else None,
        f"Where: {joined([where, provider], ', ')}" if where or provider else None,
        f"Reason: {reasons}" if reasons else None,
        f"Diagnoses: {diagnoses}" if diagnoses else None,
        f"Discharged: {discharge}" if discharge else None,
        f"Imported from {reading.source} (FHIR {entry.ref.short}).",
    ]
    text = "\n".join(line for line in lines if line)
    return PlannedVisit(
        entry=entry.ref,
        text=text,
        summary=f"Outside visit: {day}" + (f", {kind}" if kind else ""),
        sensitivity=sensitivity(e),
    )


def _condition_words(reading: Reading, reference: object) -> str | None:
    found = reading.index.resolve(reference)  # type: ignore[arg-type]
    if isinstance(found, Condition):
        said = words(found.code)
        icd = code_in(found.code, ICD10CM)
        return f"{said} ({icd})" if said and icd else said
    return getattr(reference, "display", None)
