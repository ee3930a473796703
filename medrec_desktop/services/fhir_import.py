"""Importing a US Core Bundle from another system (issue 14, items 5 and 7): ``inst.fhir_import``.

``preview`` reads the Bundle (``export.fhir_import``) and says what an import would record,
what it leaves out and why, and which of the clinic's patients it may be about. ``commit``
records it into the patient chosen, or a new one, in one transaction: all or nothing.

Who: the records specialist who receives outside records (``RECORD_IMPORT``, a right of its
own: nurses and providers record clinical data but do not import), who must also be allowed
to record clinical data, and to register patients for an import into a new patient. A
records specialist may not record labelled items (behavioral health, substance use...): a
Bundle with labelled entries is refused naming them (the sender is asked for the record
without them; a provider enters those items in the chart). Encounters of
the other system are kept as notes of an outside visit (``export.fhir_import.visits`` says
why), so no visit here gets a provider who never saw the patient.

Provenance: every imported item's first version says, as its reason, when and from where it
was imported and which Bundle entries it came from (with the source codes this chart has no
field for); tests and procedures say it in their notes too, immunizations in their source.
The audit event counts what was imported (no patient data).

Repeats: every import kept is logged with the SHA-256 of the file (``fhir_import_log``). The
preview lists earlier imports of the same file; ``commit`` refuses to import it again into a
record that already holds it (or one merged into it), or to register a new patient from a
file already imported into anyone, unless ``again`` says the user means it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from itertools import groupby
from typing import Any

from sqlalchemy import select

from medrec_desktop.domain.clinical import ItemId, ItemInput, Sensitivity
from medrec_desktop.domain.dto import DuplicateCandidate, PatientId, PatientInfo
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from medrec_desktop.domain.fhir_import import (
    BundleRefusedError,
    EntryProblem,
    EntryRef,
    ImportKind,
    ImportPreview,
    ImportResult,
    RepeatImportError,
    mrn_system,
)
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.procedures import ProcedureInput
from medrec_desktop.export.fhir_import import ImportPlan, PatientFacts, read_bundle
from medrec_desktop.models import ClinicalNote, Patient
from medrec_desktop.services import patient_rows as rows
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.clinical_items import ClinicalItemService, ItemRefused
from medrec_desktop.services.context import ServiceContext, iso
from medrec_desktop.services.fhir_import_log import (
    bundle_sha256,
    earlier_imports,
    log_import,
    repeated_imports,
)
from medrec_desktop.services.listing import patients_detail
from medrec_desktop.services.patient_input import PatientInput
from medrec_desktop.services.patients import create_patient, duplicate_candidates

Writers = Mapping[ImportKind, ClinicalItemService[Any, Any]]

SAY_WHY = (
    "Existing patients look like the Bundle's patient: import into one of them, or give the "
    "reason the Bundle's patient is a different person to register a new one."
)
NOT_YOURS = (
    "Importing records from another system is the records specialist's job; your role "
    "({role}) may not. Nothing was imported; this attempt was recorded."
)
NOT_THIS_PATIENT = (
    "The Bundle's patient does not look like MRN {mrn} (another date of birth, and neither "
    "the name, phone nor insurance match). Check the chart chosen; nothing was imported."
)


class FhirImportService(Service):
    """``inst.fhir_import``."""

    def __init__(self, *, ctx: ServiceContext, writers: Writers) -> None:
        super().__init__(ctx=ctx)
        self._writers = writers

    @audited(Action.QUERY, DataCategory.DEMOGRAPHICS)
    def preview(self, op: Op, data: bytes, *, source: str | None = None) -> ImportPreview:
        """What importing the Bundle would record, what it leaves out and why, and the
        clinic's patients it may be about. Nothing is written. Raises BundleRefusedError
        naming each entry and field that stops the import."""
        op.require(Action.CREATE, DataCategory.CLINICAL)
        _require_import_right(op)
        plan = self._plan(op, data, source)
        self._check_labels(op, plan, None)
        same, candidates = _matches(op, plan.patient)
        earlier = earlier_imports(op, bundle_sha256(data))
        shown = [p.id for p in ([same] if same else [])] + [c.patient.id for c in candidates]
        shown += [e.patient_id for e in earlier]
        op.event.detail = f"FHIR import preview: {_counts(plan)}; matches " + patients_detail(
            dict.fromkeys(shown)
        )
        return ImportPreview(
            source=plan.source,
            bundle_type=plan.bundle_type,
            patient=plan.patient.summary,
            counts=plan.counts,
            results=plan.results,
            skipped=plan.skipped,
            used=plan.used,
            same_mrn=same,
            candidates=tuple(candidates),
            lines=plan.lines,
            earlier=earlier,
        )

    @audited(Action.CREATE, DataCategory.CLINICAL, patient="patient_id")
    def commit(
        self,
        op: Op,
        data: bytes,
        *,
        patient_id: PatientId | None,
        source: str | None = None,
        reason: str | None = None,
        dry_run: bool = False,
        again: bool = False,
    ) -> ImportResult:
        """Record the Bundle into the chart of ``patient_id``, or (None) a new patient
        registered from the Bundle's Patient, in this one transaction. A new patient beside
        likely existing ones needs ``reason`` (why it is a different person), as registering
        does. ``dry_run``: everything is done and checked, then undone (nothing is kept).
        Raises RepeatImportError when the same file was imported into this record (or one
        merged into it) or, for a new patient, into anyone, unless ``again``;
        BundleRefusedError naming the entries that stop it, PermissionDeniedError
        for labelled entries the caller may not record, and for a role that does not import."""
        _require_import_right(op)
        plan = self._plan(op, data, source)
        self._check_labels(op, plan, patient_id)
        sha256 = bundle_sha256(data)
        # An existing record is checked first (missing, merged away, another person).
        existing = _existing(op, patient_id, plan.patient) if patient_id is not None else None
        repeats = repeated_imports(op, sha256, patient_id)
        if repeats and not again:
            raise RepeatImportError(repeats[0], new_patient=patient_id is None)
        savepoint = op.db.begin_nested() if dry_run else None
        if existing is None:
            op.require(Action.CREATE, DataCategory.DEMOGRAPHICS)
            patient = _register(op, plan.patient, reason)
        else:
            patient = existing
        op.about_patient(patient.id)
        self._write(op, plan, patient.id)
        if savepoint is None:
            log_import(
                op, sha256, patient_id=patient.id, source=plan.source, item_count=plan_total(plan)
            )
        info = rows.info(patient)
        result = ImportResult(
            patient=info,
            new_patient=patient_id is None,
            counts=plan.counts,
            results=plan.results,
            skipped=plan.skipped,
            dry_run=dry_run,
        )
        if savepoint is not None:
            savepoint.rollback()
            op.event.patient_id = patient_id  # a patient made in the dry run is gone again
        whom = "an existing patient" if patient_id is not None else "a new patient"
        op.event.detail = (
            f"FHIR import{' (dry run, nothing kept)' if dry_run else ''}"
            f"{' of a file imported before' if repeats else ''} into {whom}: {_counts(plan)}"
        )
        return result

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _plan(op: Op, data: bytes, source: str | None) -> ImportPlan:
        return read_bundle(data, today=op.ctx.now().date(), source=source)

    @staticmethod
    def _check_labels(op: Op, plan: ImportPlan, patient_id: int | None) -> None:
        """Labelled entries need the right to record labelled items (checked before
        anything is written, naming the entries)."""
        labelled = plan.labelled
        if not labelled or op.can(Action.CREATE, DataCategory.SENSITIVE, patient_id):
            return
        shown = "; ".join(f"{e.text} ({s.label})" for e, s in labelled[:10])
        more = f" and {len(labelled) - 10} more" if len(labelled) > 10 else ""
        raise PermissionDeniedError(
            f"{len(labelled)} entries of this Bundle carry a sensitivity label: {shown}{more}. "
            f"Your role ({op.role.label}) may not record labelled items. Nothing was imported; "
            "this attempt was recorded. Ask the sender for the record without them (a provider "
            "enters those items in the chart)."
        )

    def _write(self, op: Op, plan: ImportPlan, patient_id: int) -> None:
        """Every item through its kind's service (its rules, hooks and version rows), a kind
        at a time in the plan's order, so a medication finds the problem it treats."""
        day = op.ctx.now().astimezone().date()
        problems: dict[EntryRef, ItemId] = {}
        labels: dict[EntryRef, Sensitivity | None] = {}
        for kind, group in groupby(plan.items, key=lambda i: i.kind):
            items = list(group)
            batch = [
                (_linked(i.input, i.problem, problems, labels), plan.provenance(i, day))
                for i in items
            ]
            try:
                saved = self._writers[kind]._add_many(op, patient_id, batch)
            except ItemRefused as err:
                item = items[err.position]
                field = err.error.field
                problem = EntryProblem(
                    item.entry_for(field), f"this chart's {field or 'rules'}", err.error.message
                )
                raise BundleRefusedError((problem,)) from None
            if kind is ImportKind.PROBLEM:
                for item, info in zip(items, saved, strict=True):
                    problems[item.entries[0]] = info.id
                    labels[item.entries[0]] = info.sensitivity
        now = iso(op.ctx.now())
        for visit in plan.visits:
            op.db.add(
                ClinicalNote(
                    patient_id=patient_id,
                    author_id=op.user.id,
                    sensitive=visit.sensitivity is not None,
                    text=visit.text,
                    created_at=now,
                    entered_in_error=False,
                )
            )
        op.db.flush()


def _require_import_right(op: Op) -> None:
    """Only the records specialist imports (checked with the other rights, before the Bundle
    is read)."""
    if not op.can(Action.CREATE, DataCategory.RECORD_IMPORT):
        raise PermissionDeniedError(NOT_YOURS.format(role=op.role.label))


def _linked(
    data: ItemInput[Any],
    problem: EntryRef | None,
    problems: Mapping[EntryRef, ItemId],
    labels: Mapping[EntryRef, Sensitivity | None],
) -> ItemInput[Any]:
    """A medication or procedure linked to the problem it treats, once recorded; it takes
    that problem's label (the link would tell it to everyone who sees the item)."""
    if problem is None or problem not in problems:
        return data
    label = labels.get(problem) or data.sensitivity
    if isinstance(data, MedicationInput):
        return replace(data, indication_problem_id=problems[problem], sensitivity=label)
    if isinstance(data, ProcedureInput):
        return replace(data, problem_id=problems[problem], sensitivity=label)
    return data


def plan_total(plan: ImportPlan) -> int:
    """How many items the import records (the log's item count)."""
    return sum(plan.counts.values())


def _counts(plan: ImportPlan) -> str:
    """The audit detail: counts only."""
    counts = ", ".join(f"{n} {k.value}" for k, n in plan.counts.items()) or "nothing"
    return f"{counts}; {len(plan.skipped)} skipped, {plan.used} used"


def _input(facts: PatientFacts, *, full: bool) -> PatientInput:
    if full:
        return PatientInput(
            facts.family_name,
            facts.given_names,
            facts.birth_date,  # type: ignore[arg-type]  # checked by the caller
            facts.sex,
            facts.phone,
            facts.details,
        )
    return PatientInput(facts.family_name, facts.given_names, facts.birth_date, facts.sex)  # type: ignore[arg-type]


def _matches(op: Op, facts: PatientFacts) -> tuple[PatientInfo | None, list[DuplicateCandidate]]:
    """The patient whose MRN the Bundle carries under this clinic's own system, and the
    likely duplicates by the registration's check (on what of the Bundle's patient reads)."""
    same: PatientInfo | None = None
    system = mrn_system(op.ctx.install_id) if op.ctx.install_id else None
    mrn = next((v for s, v in facts.identifiers if system and s == system), None)
    if mrn is not None:
        found = op.db.execute(select(Patient).where(Patient.mrn == mrn)).scalar()
        while found is not None and found.merged_into_id is not None:
            found = op.db.get(Patient, found.merged_into_id)
        same = rows.info(found) if found is not None else None
    candidates: list[DuplicateCandidate] = []
    if facts.birth_date is not None and facts.family_name and facts.given_names:
        today = op.ctx.now().date()
        for full in (True, False):
            try:
                clean = _input(facts, full=full).validated(today)
            except ValidationError:
                continue
            candidates = duplicate_candidates(op.db, clean, None)
            break
    if same is not None:
        candidates = [c for c in candidates if c.patient.id != same.id]
    return same, candidates


def _register(op: Op, facts: PatientFacts, reason: str | None) -> Patient:
    if facts.problems:
        raise BundleRefusedError(facts.problems)
    try:
        clean = _input(facts, full=True).validated(op.ctx.now().date())
    except ValidationError as err:
        problem = EntryProblem(facts.entry, f"this chart's {err.field or 'rules'}", err.message)
        raise BundleRefusedError((problem,)) from None
    same, candidates = _matches(op, facts)
    why = " ".join((reason or "").split())
    if (same is not None or candidates) and not why:
        raise ValidationError(SAY_WHY, field="reason")
    if len(why) > 500:
        raise ValidationError("Keep the reason under 500 characters.", field="reason")
    patient = create_patient(op, clean)
    if why:
        op.event.reason = why
    return patient


def _existing(op: Op, patient_id: int, facts: PatientFacts) -> Patient:
    patient = op.db.get(Patient, patient_id)
    if patient is None:
        raise NotFoundError("That patient does not exist.")
    if patient.merged_into_id is not None:
        kept = op.db.get(Patient, patient.merged_into_id)
        raise ValidationError(
            f"This record was merged into MRN {kept.mrn if kept else '(unknown)'}; import "
            "into that one."
        )
    same, candidates = _matches(op, facts)
    alike = (same is not None and same.id == patient.id) or any(
        c.patient.id == patient.id for c in candidates
    )
    if not alike and facts.birth_date != patient.birth_date:
        raise ValidationError(NOT_THIS_PATIENT.format(mrn=patient.mrn), field="patient")
    return patient
