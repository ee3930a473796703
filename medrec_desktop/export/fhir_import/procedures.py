"""Procedure -> a procedure done, or a past surgery when only its year or month is known.

A CPT, HCPCS Level II or ICD-10-PCS code goes in the procedure's code (CPT first, as a
clinic's claims use it); other codes (SNOMED CT) are written in its notes. The problem it was
done for is linked when the Bundle holds that Condition. Done and in progress are recorded;
stopped is recorded with that outcome; not done, in preparation or on hold, and entries in
error are left out, listed.
"""

from __future__ import annotations

from fhir.resources.R4B.procedure import Procedure

from medrec_desktop.domain.fhir_import import EntryRef, ImportKind
from medrec_desktop.domain.histories import SurgicalHistoryInput
from medrec_desktop.domain.procedures import ProcedureCodeSystem, ProcedureInput
from medrec_desktop.export.fhir_import.entries import Entry, Skip, Unreadable
from medrec_desktop.export.fhir_import.plan import PlannedItem
from medrec_desktop.export.fhir_import.reading import Reading
from medrec_desktop.export.fhir_import.values import (
    CPT,
    HCPCS,
    ICD10PCS,
    code_in,
    first_when,
    joined,
    sensitivity,
    source_codes,
    words,
)

_LEFT_OUT = {
    "entered-in-error": "entered in error at the source",
    "not-done": "not done",
    "preparation": "not done yet (in preparation)",
    "on-hold": "not done yet (on hold)",
}
_CODED = (
    (CPT, ProcedureCodeSystem.CPT),
    (HCPCS, ProcedureCodeSystem.HCPCS),
    (ICD10PCS, ProcedureCodeSystem.PCS),
)
_CODE_NAMES = ("CPT", "HCPCS", "ICD-10-PCS")


def read_procedure(reading: Reading, entry: Entry) -> list[PlannedItem]:
    p = entry.resource
    assert isinstance(p, Procedure)
    reading.require_patient(entry, p.subject, "subject")
    status = str(p.status or "unknown")
    if status in _LEFT_OUT:
        raise Skip(_LEFT_OUT[status])
    description = words(p.code)
    if description is None:
        raise Unreadable("code", "the procedure is not named (no code or text)")
    done = first_when(
        p.performedDateTime,
        p.performedPeriod.start if p.performedPeriod else None,
        p.performedString,
    )
    if done is None:
        raise Unreadable("performed[x]", "the date the procedure was done is missing")
    system, code = None, ""
    for systems, ours in _CODED:
        found = code_in(p.code, systems)
        if found:
            system, code = ours, found
            break
    other_codes = [c for c in source_codes(p.code) if not c.startswith(_CODE_NAMES)]
    reasons = joined(
        [words(r) for r in p.reasonCode or []]
        + [words(getattr(reading.index.resolve(r), "code", None)) or r.display
           for r in p.reasonReference or []],
        "; ",
    )  # fmt: skip
    notes = joined(
        [
            f"Source codes: {', '.join(other_codes)}" if other_codes else None,
            f"Reason: {reasons}" if reasons else None,
            *(n.text for n in p.note or []),
            f"Imported from {reading.source}",
        ],
        ". ",
    )
    problem = _problem(reading, p)
    performer = reading.names([x.actor for x in p.performer or []]) or ""
    site = joined((words(b) for b in p.bodySite or []), ", ")
    moment = done.instant()
    if moment is None:
        # Only the year or month is known: a past surgery keeps partial dates.
        history = SurgicalHistoryInput(
            sensitivity=sensitivity(p),
            procedure=description,
            performed=done.storage,
            site=site[:200],
            notes=joined([f"Code: {code} ({system.label})" if system else None, notes], ". "),
        )
        return [
            PlannedItem(
                ImportKind.SURGICAL_HISTORY,
                history,
                (entry.ref,),
                summary=f"Past surgery: {description} ({done.storage})",
                codes=tuple(source_codes(p.code)),
            )
        ]
    outcome = words(p.outcome) or ("stopped before completion" if status == "stopped" else "")
    data = ProcedureInput(
        sensitivity=sensitivity(p),
        description=description,
        code_system=system,
        code=code,
        performed_at=moment,
        performed_by=performer[:200],
        body_site=site[:200],
        outcome=outcome,
        complications=joined((words(c) for c in p.complication or []), "; "),
        notes=notes,
    )
    return [
        PlannedItem(
            ImportKind.PROCEDURE,
            data,
            (entry.ref,),
            summary=f"Procedure: {description}" + (f" ({code})" if code else ""),
            codes=tuple(other_codes),
            problem=problem,
        )
    ]


def _problem(reading: Reading, p: Procedure) -> EntryRef | None:
    for ref in p.reasonReference or []:
        found = reading.index.entry(ref)
        if found is not None and found.ref.resource_type == "Condition":
            return found.ref
    return None
