"""Condition -> a problem on the problem list.

The ICD-10-CM code goes in the problem's code field; a condition coded in SNOMED CT only keeps
its code in the description ("Active duodenal ulcer (SNOMED CT 51868009)"), the problem list's
one free-text field. Status: active, recurrence and relapse are active; inactive and
remission inactive; resolved resolved, with the abatement date as the resolution. A condition
without a clinical status (allowed for an encounter diagnosis) is recorded inactive: an old
visit's diagnosis must not appear on the active list until someone reviews it. Entered in
error and refuted conditions are left out; provisional, differential and unconfirmed ones
say so in the description.
"""

from __future__ import annotations

from fhir.resources.R4B.condition import Condition

from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.fhir_import import ImportKind
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.export.fhir_import.entries import Entry, Skip, Unreadable
from medrec_desktop.export.fhir_import.plan import PlannedItem
from medrec_desktop.export.fhir_import.reading import Reading
from medrec_desktop.export.fhir_import.values import (
    ICD10CM,
    SNOMED,
    code_in,
    codes_of,
    first_when,
    sensitivity,
    source_codes,
    words,
)

_STATUS = {
    "active": ItemStatus.ACTIVE,
    "recurrence": ItemStatus.ACTIVE,
    "relapse": ItemStatus.ACTIVE,
    "inactive": ItemStatus.INACTIVE,
    "remission": ItemStatus.INACTIVE,
    "resolved": ItemStatus.RESOLVED,
}
_UNSURE = {"provisional", "differential", "unconfirmed"}


def read_condition(reading: Reading, entry: Entry) -> list[PlannedItem]:
    c = entry.resource
    assert isinstance(c, Condition)
    reading.require_patient(entry, c.subject, "subject")
    verification = codes_of([c.verificationStatus])
    if "entered-in-error" in verification:
        raise Skip("entered in error at the source")
    if "refuted" in verification:
        raise Skip("refuted at the source (the patient does not have it)")
    said = words(c.code)
    if said is None:
        raise Unreadable("code", "the condition has no code or text")
    icd = code_in(c.code, ICD10CM)
    snomed = code_in(c.code, SNOMED)
    description = said
    if icd is None and snomed is not None:
        description += f" (SNOMED CT {snomed})"
    unsure = sorted(verification & _UNSURE)
    if unsure:
        description += f" [{unsure[0]}]"
    clinical = codes_of([c.clinicalStatus]) & _STATUS.keys()
    status = _STATUS[sorted(clinical)[0]] if clinical else ItemStatus.INACTIVE
    onset = first_when(c.onsetDateTime, c.onsetPeriod.start if c.onsetPeriod else None)
    abated = first_when(
        c.abatementDateTime,
        c.abatementPeriod.end if c.abatementPeriod else None,
        c.abatementPeriod.start if c.abatementPeriod else None,
    )
    resolution = abated.storage if abated is not None and status is not ItemStatus.ACTIVE else ""
    problem = ProblemInput(
        status=status,
        sensitivity=sensitivity(c),
        description=description,
        icd10cm=icd or "",
        onset=onset.storage if onset is not None else "",
        resolution=resolution,
    )
    return [
        PlannedItem(
            ImportKind.PROBLEM,
            problem,
            (entry.ref,),
            summary=f"Problem: {description}" + (f" ({icd})" if icd else ""),
            codes=tuple(x for x in source_codes(c.code) if not x.startswith("ICD-10-CM")),
        )
    ]
