"""Reading a Bundle into an :class:`ImportPlan`, or refusing it whole.

Every entry is looked at once and ends up imported, used (a resource other entries point at
for names and codes), or skipped with its reason. Every problem of every entry is collected
before refusing, so one refusal lists all that must be fixed. Each planned item is then
checked by its own form input's rules (``validated``), as a form's would be: what this chart
refuses is refused here, naming the entry it came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.immunization import Immunization
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure

from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.fhir_import import (
    BundleRefusedError,
    EntryProblem,
    ImportKind,
    SkippedEntry,
)
from medrec_desktop.export.fhir_import import labs
from medrec_desktop.export.fhir_import.allergies import read_allergy
from medrec_desktop.export.fhir_import.conditions import read_condition
from medrec_desktop.export.fhir_import.entries import (
    BundleIndex,
    Entry,
    EntryIssues,
    Skip,
    Unreadable,
)
from medrec_desktop.export.fhir_import.immunizations import read_immunization
from medrec_desktop.export.fhir_import.medications import read_medication
from medrec_desktop.export.fhir_import.patient import patient_facts
from medrec_desktop.export.fhir_import.plan import ImportPlan, PlannedItem, PlannedVisit
from medrec_desktop.export.fhir_import.procedures import read_procedure
from medrec_desktop.export.fhir_import.reading import Reading
from medrec_desktop.export.fhir_import.validation import load, refuse
from medrec_desktop.export.fhir_import.values import codes_of, first_text
from medrec_desktop.export.fhir_import.visits import read_visit
from medrec_desktop.export.fhir_import.vitals import VitalsGatherer, is_vital

# Read for the names and codes of the entries pointing at them; nothing of their own is kept.
USED = frozenset(
    {
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "Location",
        "Medication",
        "Specimen",
        "RelatedPerson",
        "Coverage",
        "Provenance",
    }
)
Reader = Callable[[Reading, Entry], list[PlannedItem]]
_READERS: tuple[tuple[type, Reader], ...] = (
    (Condition, read_condition),
    (AllergyIntolerance, read_allergy),
    (MedicationRequest, read_medication),
    (MedicationStatement, read_medication),
    (Immunization, read_immunization),
    (Procedure, read_procedure),
)
NO_SOURCE = "another system (not named in the Bundle)"
_ORDER = list(ImportKind)


def read_bundle(data: bytes, *, today: dt.date, source: str | None = None) -> ImportPlan:
    """The import plan of a Bundle's bytes (JSON). ``source`` names the sender when the
    Bundle does not (or to say it better). Raises BundleRefusedError."""
    bundle, entries, empty = load(data)
    index = BundleIndex(entries)
    patients = [e for e in entries if isinstance(e.resource, Patient)]
    if not patients:
        raise refuse(None, "entry", "the Bundle holds no Patient: whose record is it?")
    if len(patients) > 1:
        listed = ", ".join(str(p.ref.index) for p in patients)
        raise refuse(
            None,
            "entry",
            f"the Bundle holds {len(patients)} patients (entries {listed}); import one "
            "patient's Bundle at a time",
        )
    patient = patients[0]
    reading = Reading(index, patient, first_text([source]) or _source(bundle, index), today)
    issues = EntryIssues()
    skipped = [SkippedEntry(ref, "no resource (a delete or read request)") for ref in empty]
    items: list[PlannedItem] = []
    visits: list[PlannedVisit] = []
    vitals = VitalsGatherer()
    used = 0
    claimed = _claimed(reading, issues, skipped, items)
    for entry in entries:
        res = entry.resource
        if entry.method in ("DELETE", "GET", "HEAD", "PATCH"):
            skipped.append(
                SkippedEntry(entry.ref, f"a {entry.method} request, not a record to import")
            )
            continue
        try:
            if entry is patient or entry.ref.index in claimed:
                continue
            if entry.ref.resource_type in USED:
                used += 1
            elif isinstance(res, Observation):
                _observation(reading, entry, items, vitals)
            elif isinstance(res, Encounter):
                visits.append(read_visit(reading, entry))
            elif isinstance(res, DiagnosticReport):
                continue  # read with its results (_claimed)
            else:
                reader = next((r for t, r in _READERS if isinstance(res, t)), None)
                if reader is None:
                    raise Skip(f"this chart has no place for a {entry.ref.resource_type}")
                items += reader(reading, entry)
        except Skip as s:
            skipped.append(SkippedEntry(entry.ref, s.reason))
        except Unreadable as u:
            issues.add(u.entry or entry.ref, u.field, u.message)
    try:
        items += vitals.planned()
    except Unreadable as u:  # pragma: no cover - the gatherer checks as it reads
        issues.add(u.entry, u.field, u.message)
    _check_rules(items, today, issues)
    if issues:
        raise BundleRefusedError(tuple(issues.found))
    return ImportPlan(
        bundle_type=str(bundle.type),
        source=reading.source,
        patient=patient_facts(patient, index),
        items=tuple(sorted(items, key=lambda i: _ORDER.index(i.kind))),
        visits=tuple(visits),
        skipped=tuple(sorted(skipped, key=lambda s: s.entry.index)),
        used=used,
    )


def _claimed(
    reading: Reading,
    issues: EntryIssues,
    skipped: list[SkippedEntry],
    items: list[PlannedItem],
) -> set[int]:
    """Read each lab report with its results (a DiagnosticReport, or a lab Observation
    panel with members); the entries they hold are read as part of them only."""
    claimed: set[int] = set()
    for entry in reading.index:
        res = entry.resource
        if isinstance(res, DiagnosticReport):
            pointers = list(res.result or [])
            field = "result"
        elif isinstance(res, Observation) and res.hasMember and _category(res) == "laboratory":
            pointers = list(res.hasMember)
            field = "hasMember"
        else:
            continue
        members: list[Entry] = []
        try:
            reading.require_patient(entry, res.subject, "subject")
            for n, ref in enumerate(pointers):
                found = reading.index.entry(ref)
                if found is None or not isinstance(found.resource, Observation):
                    raise Unreadable(
                        f"{field}[{n}]", "points at an Observation that is not in the Bundle"
                    )
                if found.ref.index not in claimed:
                    members.append(found)
            claimed.update(m.ref.index for m in members)
            if isinstance(res, DiagnosticReport) and not labs.is_lab_report(res):
                raise Skip("not a laboratory report (imaging, cardiology...): file its document")
            items.append(labs.report_test(reading, entry, members))
        except Skip as s:
            skipped.append(SkippedEntry(entry.ref, s.reason))
            skipped += [
                SkippedEntry(m.ref, f"part of entry {entry.ref.index}, left out")
                for m in members
                if m.ref.index in claimed
            ]
        except Unreadable as u:
            issues.add(u.entry or entry.ref, u.field, u.message)
    return claimed


def _observation(
    reading: Reading, entry: Entry, items: list[PlannedItem], vitals: VitalsGatherer
) -> None:
    obs = entry.resource
    assert isinstance(obs, Observation)
    reading.require_patient(entry, obs.subject, "subject")
    if str(obs.status) in ("entered-in-error", "cancelled"):
        raise Skip(f"{obs.status} at the source".replace("-", " "))
    category = _category(obs)
    if category == "vital-signs" or (category is None and is_vital(obs)):
        if obs.hasMember and obs.valueQuantity is None and not obs.component:
            raise Skip("a panel of vital signs: its members are read on their own")
        vitals.add(entry)
    elif category in ("laboratory", None):
        items.append(labs.observation_test(reading, entry))
    else:
        raise Skip(f"a {category} observation: this chart has no place for it")


def _category(obs: Observation) -> str | None:
    found = codes_of(obs.category or [])
    for known in ("vital-signs", "laboratory"):
        if known in found:
            return known
    return sorted(found)[0] if found else None


def _check_rules(items: list[PlannedItem], today: dt.date, issues: EntryIssues) -> None:
    """Each item through its own form's rules, as if typed: the entry is named on refusal."""
    for item in items:
        try:
            item.input.validated(today)
        except ValidationError as err:
            issues.found.append(
                EntryProblem(
                    item.entry_for(err.field),
                    f"this chart's {err.field or 'rules'}",
                    err.message,
                )
            )


def _source(bundle: Bundle, index: BundleIndex) -> str:
    """Who sent the Bundle, as it says: the patient's managing organization, else the
    Bundle's meta.source or identifier system."""
    for entry in index:
        res = entry.resource
        if isinstance(res, Patient) and res.managingOrganization is not None:
            org = index.resolve(res.managingOrganization)
            if isinstance(org, Organization) and org.name:
                return str(org.name)
            if res.managingOrganization.display:
                return str(res.managingOrganization.display)
    meta_source = bundle.meta.source if bundle.meta is not None else None
    system = bundle.identifier.system if bundle.identifier is not None else None
    return first_text([meta_source, system]) or NO_SOURCE
