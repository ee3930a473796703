"""A patient's record (a :class:`PatientExtract`: only the sections, dates and labelled items
chosen) as FHIR R4 resources, and as a Bundle.

The Bundle is a ``collection``: a set of resources handed over for the receiver to read. A
``document`` Bundle would claim an attested clinical document (a Composition first, authored
and signed as one), which a release of selected sections is not; a ``transaction`` would tell
the receiver to write it into their system, which is the importer's decision, not ours.

Resources come out in an order where everything a resource refers to is made first (the
clinic, the providers, the patient, the encounters and problems), and a reference is written
only to a resource of the same export: a visit not chosen leaves no dangling link behind.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from medrec_desktop.domain.patient_extract import EncounterExtract, PatientExtract
from medrec_desktop.domain.record_release import RecordSection
from medrec_desktop.export.fhir.allergy_intolerance import allergy, no_known_allergies
from medrec_desktop.export.fhir.common import Context, FhirIds, Json, instant
from medrec_desktop.export.fhir.condition import (
    encounter_diagnoses,
    medical_history,
    problem,
    problem_id,
)
from medrec_desktop.export.fhir.coverage import coverage
from medrec_desktop.export.fhir.diagnostic_report import lab_report
from medrec_desktop.export.fhir.document_reference import document, encounter_note
from medrec_desktop.export.fhir.encounter import encounter, encounter_id
from medrec_desktop.export.fhir.family_member_history import family_history
from medrec_desktop.export.fhir.immunization import immunization
from medrec_desktop.export.fhir.medication_statement import medication_statement
from medrec_desktop.export.fhir.observation_labs import lab_results
from medrec_desktop.export.fhir.observation_social import social_history
from medrec_desktop.export.fhir.observation_vitals import vital_signs
from medrec_desktop.export.fhir.organization import clinic_organization, organization_id
from medrec_desktop.export.fhir.patient import patient, patient_id
from medrec_desktop.export.fhir.practitioner import practitioner, practitioner_id
from medrec_desktop.export.fhir.procedure import coded_procedures, procedure, surgical_history

BUNDLE_TYPE = "collection"
#: the section each item type belongs to: an item of a section not chosen is never mapped,
#: whatever the extract holds (the reading leaves it out already; this says it twice)
SECTION_OF = {
    "problem": RecordSection.PROBLEMS,
    "medical-history": RecordSection.HISTORIES,
    "surgical-history": RecordSection.HISTORIES,
    "family-history": RecordSection.HISTORIES,
    "social-history": RecordSection.HISTORIES,
    "allergy": RecordSection.ALLERGIES,
    "allergy-statement": RecordSection.ALLERGIES,
    "medication": RecordSection.MEDICATIONS,
    "immunization": RecordSection.IMMUNIZATIONS,
    "vitals": RecordSection.VITALS,
    "procedure": RecordSection.PROCEDURES,
}
#: resource types every patient of a bulk export shares (written once per export)
SHARED_TYPES = frozenset({"Organization", "Practitioner"})


def context(
    extract: PatientExtract, *, clinic_system: str, generated_at: dt.datetime, relative: bool
) -> Context:
    ids = FhirIds(clinic_system)
    ctx = Context(
        ids=ids,
        clinic_system=clinic_system,
        patient_id="",
        generated_at=generated_at,
        relative=relative,
        names=extract.names,
    )
    ctx.patient_id = patient_id(ctx, extract.record.info.id)
    return ctx


def patient_resources(
    extract: PatientExtract,
    *,
    clinic_system: str,
    generated_at: dt.datetime,
    relative: bool = False,
) -> Iterator[Json]:
    """Every resource of the extract, referred-to ones first. ``relative``: references as
    ``Type/id`` (NDJSON) instead of ``urn:uuid:id`` (a Bundle's entries)."""
    ctx = context(
        extract, clinic_system=clinic_system, generated_at=generated_at, relative=relative
    )
    notes = extract.has(RecordSection.ENCOUNTERS)
    coded = extract.has(RecordSection.CODING)
    if notes:
        visits = extract.encounters
    else:  # the coding section alone: the visits that carry codes, nothing of the others
        visits = tuple(e for e in extract.encounters if coded and e.coding is not None)

    def chosen(item_type: str) -> tuple[Any, ...]:
        return extract.of(item_type) if extract.has(SECTION_OF[item_type]) else ()

    # Ids first: a visit names the problems it addressed, a problem nothing after it.
    ctx.problems = {int(i.id): problem_id(ctx, i.id) for i in chosen("problem")}
    ctx.encounters = {int(e.item.id): encounter_id(ctx, e.item.id) for e in visits}

    if visits:
        ctx.organization_id = organization_id(ctx)
        yield clinic_organization(extract.clinic_name, ctx)
        for user_id, name in _people(visits, extract.names, signers=notes).items():
            ctx.practitioners[user_id] = practitioner_id(ctx, user_id)
            yield practitioner(user_id, name, ctx)
    yield patient(extract.record, ctx, details=extract.has(RecordSection.DEMOGRAPHICS))
    if extract.has(RecordSection.DEMOGRAPHICS):
        ordered = sorted(extract.record.details.coverages, key=lambda c: c.priority)
        for position, c in enumerate(ordered, start=1):
            yield coverage(c, position, ctx)
    for item in chosen("problem"):
        yield problem(item, ctx)
    for e in visits:
        yield encounter(e, ctx, details=notes, coded=coded)
        if notes and _has_note(e):
            yield encounter_note(e, ctx)
        if coded:
            yield from encounter_diagnoses(e, ctx)
            yield from coded_procedures(e, ctx)
    for item in chosen("medical-history"):
        yield medical_history(item, ctx)
    for item in chosen("surgical-history"):
        yield surgical_history(item, ctx)
    for item in chosen("family-history"):
        yield family_history(item, ctx)
    for item in chosen("social-history"):
        yield from social_history(item, ctx)
    for item in chosen("allergy"):
        yield allergy(item, ctx)
    for item in chosen("allergy-statement"):
        yield no_known_allergies(item, ctx)
    for item in chosen("medication"):
        yield medication_statement(item, ctx)
    for item in chosen("immunization"):
        yield immunization(item, ctx)
    for item in chosen("vitals"):
        yield from vital_signs(item, ctx)
    for test in extract.tests if extract.has(RecordSection.RESULTS) else ():
        yield from lab_results(test, ctx)
        yield lab_report(test, ctx)
    for item in chosen("procedure"):
        yield procedure(item, ctx)
    for doc in extract.documents if extract.has(RecordSection.DOCUMENTS) else ():
        yield document(doc, ctx)


def patient_bundle(
    extract: PatientExtract, *, clinic_system: str, generated_at: dt.datetime
) -> dict[str, Any]:
    """The extract as a FHIR R4 ``collection`` Bundle (a plain dict, ready for json.dumps).
    The resources' ids are stable from one export to the next; the Bundle's own id names
    this export (the patient and the time)."""
    ids = FhirIds(clinic_system)
    bundle_id = ids.of("Bundle", extract.record.info.id, instant(generated_at))
    entries = [
        {"fullUrl": f"urn:uuid:{r['id']}", "resource": r}
        for r in patient_resources(extract, clinic_system=clinic_system, generated_at=generated_at)
    ]
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": {"lastUpdated": instant(generated_at)},
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{bundle_id}"},
        "type": BUNDLE_TYPE,
        "timestamp": instant(generated_at),
        "entry": entries,
    }


def resource_counts(bundle: Mapping[str, Any]) -> dict[str, int]:
    """Resource type -> how many entries of it, in first-seen order."""
    return dict(Counter(e["resource"]["resourceType"] for e in bundle.get("entry", ())))


def _people(
    visits: tuple[EncounterExtract, ...], names: Mapping[int, str], *, signers: bool
) -> dict[int, str]:
    found: dict[int, str] = {}
    for e in visits:
        found.setdefault(e.item.data.provider_id, e.provider)
        signer = e.item.data.signed_by
        if signers and signer is not None:
            found.setdefault(signer, e.signed_by or names.get(signer, "(unknown user)"))
    return dict(sorted(found.items()))


def _has_note(e: EncounterExtract) -> bool:
    d = e.item.data
    return bool(d.subjective or d.objective or d.assessment or d.plan or e.addenda or d.signed_at)
