"""FHIR R4 export (issue 14, items 5 and 6): one patient's record as a Bundle for a release
of information, and the administrators' bulk export of every patient as NDJSON.

``export_patient``: the record in the scope chosen (``services.patient_extract.gather``: the
sections, the dates, labelled items only when chosen and allowed), mapped
(``export.fhir``), every resource validated with the R4B models, and recorded as a disclosure
(medium ``fhir``: to whom, why, who asked, the sections and dates, the file's SHA-256) in the
same transaction as the audit event. A Bundle that does not validate is refused naming the
entry and field, and nothing is recorded. The bytes go back to the caller, which writes the
file (``export.files.PrivateFile``): a file that then cannot be written leaves a disclosure
recorded that did not happen, never the reverse.

``bulk_export``: every patient (merged-away registrations aside), one at a time, into NDJSON
files in a private staging folder (``export.files.PrivateFolder``), progress after each
patient and a cancel checked between patients; a manifest with each file's SHA-256 and line
count. Its right is ``EXPORT`` of the ``BULK_EXPORT`` category, which only administrators
hold (they see no chart on screen; see ``security/permissions.py``). One disclosure per run,
with a ``disclosure_patient`` row per patient. The patients are read in one read snapshot (a
consistent moment of the record that holds no write lock: other workstations keep saving
during the minutes a large clinic takes), and the disclosure is recorded with the audit event
in one short write at the end (``audited_reads_first``); if that write fails, the files are
removed, so a folder of files is never left without its record.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.domain.fhir_export import (
    BulkExport,
    ExportCancelledError,
    ExportJob,
    FhirRelease,
)
from medrec_desktop.domain.fhir_import import mrn_system
from medrec_desktop.domain.record_release import (
    DisclosurePurpose,
    Medium,
    ReleaseRequest,
)
from medrec_desktop.export.fhir import patient_bundle, patient_resources, resource_counts
from medrec_desktop.export.fhir.common import instant
from medrec_desktop.export.fhir.ndjson import NdjsonWriter, manifest
from medrec_desktop.export.fhir.validate import check_references, validate_bundle, validate_resource
from medrec_desktop.export.files import cannot_write
from medrec_desktop.models import AppMeta, Patient
from medrec_desktop.services.base import (
    Op,
    Service,
    WriteAtEnd,
    audited,
    audited_reads_first,
)
from medrec_desktop.services.disclosures import dates_text, record_disclosure, sections_text
from medrec_desktop.services.patient_extract import gather, gather_for_bulk
from medrec_desktop.services.release_authorization import check_authorization

FHIR_VERSION = "4.0.1"


def clinic_system(op: Op) -> str:
    """The clinic's identifier system for MRNs (and the namespace of the resource ids): built
    from the database's installation id, the same on every workstation of the clinic and
    unique to it, and the one the FHIR import matches MRNs by (``mrn_system``)."""
    row = op.db.get(AppMeta, "install_id")
    if row is None or not row.value:
        raise ValidationError("This database has no installation id; run medrec verify.")
    return mrn_system(row.value)


class FhirExportService(Service):
    """``inst.fhir_export``."""

    @audited(Action.EXPORT, DataCategory.CLINICAL, patient="patient_id")
    def export_patient(self, op: Op, patient_id: PatientId, request: ReleaseRequest) -> FhirRelease:
        """The patient's record in ``request.scope`` as a FHIR R4 collection Bundle (JSON
        bytes), recorded as a disclosure to ``request.recipient``."""
        req = request.validated()
        if req.scope.labelled:
            op.require(Action.EXPORT, DataCategory.SENSITIVE, patient_id)
        check_authorization(op, patient_id, req.authorization_document_id)
        extract = gather(op, patient_id, req.scope)
        now = op.ctx.now()
        bundle = patient_bundle(extract, clinic_system=clinic_system(op), generated_at=now)
        validate_bundle(bundle)
        content = json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        sha256 = hashlib.sha256(content).hexdigest()
        counts = resource_counts(bundle)
        total = sum(counts.values())
        disclosure_id = record_disclosure(
            op,
            req,
            medium=Medium.FHIR,
            description=(
                f"FHIR R4 Bundle (collection) of the record: {sections_text(req.scope)}"
                f"{dates_text(req.scope)}; {total} resources ({_counted(counts)})."
            ),
            patients={patient_id: f"FHIR Bundle, {total} resources: {_counted(counts)}"},
            sha256=sha256,
        )
        op.event.detail = (
            f"fhir export, disclosure {disclosure_id}: "
            f"{','.join(s.value for s in req.scope.sections)}; {total} resources"
            + (f"; {sum(extract.withheld.values())} labelled withheld" if extract.withheld else "")
        )
        return FhirRelease(
            content=content,
            sha256=sha256,
            counts=counts,
            disclosure_id=disclosure_id,
            recipient=req.recipient,
            withheld=dict(extract.withheld),
        )

    @audited_reads_first(Action.EXPORT, DataCategory.BULK_EXPORT)
    def bulk_export(
        self,
        op: Op,
        folder: Path,
        request: ReleaseRequest,
        job: ExportJob | None = None,
    ) -> WriteAtEnd[BulkExport]:
        """Every patient's record in ``request.scope`` as FHIR NDJSON in ``folder`` (an
        existing, empty folder: ``PrivateFolder.path``), recorded as one disclosure."""
        req = request.validated()
        _check_folder(folder)
        op.require(Action.EXPORT, DataCategory.BULK_EXPORT)  # also inside every read, below
        if request.scope.labelled:
            # The bulk right is not a right to labelled items: whoever asks for them must hold
            # that right too (administrators do not).
            op.require(Action.EXPORT, DataCategory.SENSITIVE)
        ids = list(
            op.db.execute(
                select(Patient.id).where(Patient.merged_into_id.is_(None)).order_by(Patient.id)
            ).scalars()
        )
        if not ids:
            raise ValidationError("There are no patients to export.", field="patients")
        system = clinic_system(op)
        now = op.ctx.now()
        writer = NdjsonWriter(folder)
        carried: list[tuple[int, str]] = []
        withheld: Counter[str] = Counter()
        try:
            for n, pid in enumerate(ids, start=1):
                if job is not None and job.cancelled:
                    raise ExportCancelledError()
                extract = gather_for_bulk(op, pid, req.scope)
                made = list(
                    patient_resources(
                        extract, clinic_system=system, generated_at=now, relative=True
                    )
                )
                where = f"patient {n} of {len(ids)} (id {pid})"
                for r in made:
                    validate_resource(r, where)
                check_references(
                    made, writer.shared | {f"{r['resourceType']}/{r['id']}" for r in made}, where
                )
                writer.write(made)
                carried.append((pid, f"FHIR NDJSON, {len(made)} resources"))
                withheld.update(extract.withheld)
                del extract, made  # one patient at a time in memory
                if job is not None:
                    job.progress(n, len(ids))
            if job is not None and job.cancelled:
                raise ExportCancelledError()
            files = writer.finish()
            who = op.user
            manifest_sha = writer.write_manifest(
                manifest(
                    files=files,
                    transaction_time=instant(now),
                    extension={
                        "fhirVersion": FHIR_VERSION,
                        "generatedBy": {"username": who.username, "name": who.display_name},
                        "generatedAt": instant(now),
                        "patients": len(ids),
                        "identifierSystem": system,
                        "sections": [s.value for s in req.scope.sections],
                        "since": req.scope.since.isoformat() if req.scope.since else None,
                        "until": req.scope.until.isoformat() if req.scope.until else None,
                        "labelledIncluded": req.scope.labelled,
                        "labelledWithheld": dict(sorted(withheld.items())),
                        "purpose": DisclosurePurpose(req.purpose).value,
                        "recipient": req.recipient,
                    },
                )
            )
        except OSError as err:
            # The export folder's disk or rights, not the database's: said as such (and, a
            # KnownError, recorded in the audit trail), never as "the database is full".
            writer.remove()
            raise KnownError(cannot_write(folder, err)) from None
        except BaseException:
            writer.remove()
            raise
        total = sum(f.count for f in files)

        def record(op: Op) -> BulkExport:
            # The account as stored now: one disabled during the export records nothing.
            op.require(Action.EXPORT, DataCategory.BULK_EXPORT)
            if req.scope.labelled:
                op.require(Action.EXPORT, DataCategory.SENSITIVE)
            disclosure_id = record_disclosure(
                op,
                req,
                medium=Medium.NDJSON,
                description=(
                    "Bulk FHIR R4 export (NDJSON) of every patient's record: "
                    f"{sections_text(req.scope)}{dates_text(req.scope)}; {len(ids)} patients, "
                    f"{total} resources "
                    f"({', '.join(f'{f.resource_type} {f.count}' for f in files)}). "
                    "The SHA-256 is the manifest's, which lists each file's."
                ),
                patients=dict(carried),
                sha256=manifest_sha,
            )
            op.event.detail = (
                f"bulk fhir export, disclosure {disclosure_id}: {len(ids)} patients, {total} "
                f"resources, {len(files)} files; {','.join(s.value for s in req.scope.sections)}"
            )
            return BulkExport(
                folder=folder,
                patients=len(ids),
                files=files,
                manifest_sha256=manifest_sha,
                disclosure_id=disclosure_id,
                generated_at=now,
                withheld=dict(withheld),
            )

        # Written in one short transaction with the audit event; the files go if it fails.
        return WriteAtEnd(record, undo=writer.remove)


def _check_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise ValidationError(f"{folder} is not a folder.", field="folder")
    if any(folder.iterdir()):
        raise ValidationError(f"{folder} is not empty; export into a new folder.", field="folder")


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in counts.items())
