"""The log of FHIR Bundles imported (issue 14, schema 0019), in the import's transaction: one
row per import kept, and the earlier imports of the very same file (same SHA-256 of the bytes
as given), so a second import of a Bundle is noticed instead of recording every item twice.

The log names the record a Bundle went into; the repeat check follows merges
(``patient_merge.with_merged``): a record merged into the one chosen already holds what was
imported into it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection

from sqlalchemy import select

from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.fhir_import import EarlierImport
from medrec_desktop.models import FhirImportLog, Patient, User
from medrec_desktop.services.base import Op
from medrec_desktop.services.patient_merge import with_merged


def bundle_sha256(data: bytes) -> str:
    """The file's fingerprint: the bytes as given (a Bundle re-serialized by its sender is
    another file, and is not recognized)."""
    return hashlib.sha256(data).hexdigest()


def earlier_imports(
    op: Op, sha256: str, patient_ids: Collection[int] | None = None
) -> tuple[EarlierImport, ...]:
    """The imports of the file with this SHA-256, newest first; only those into
    ``patient_ids`` when given. The patient's name only for a role that may see it."""
    query = (
        select(FhirImportLog, Patient, User.display_name)
        .join(Patient, Patient.id == FhirImportLog.patient_id)
        .join(User, User.id == FhirImportLog.imported_by)
        .where(FhirImportLog.bundle_sha256 == sha256)
        .order_by(FhirImportLog.imported_at.desc(), FhirImportLog.id.desc())
    )
    if patient_ids is not None:
        query = query.where(FhirImportLog.patient_id.in_(list(patient_ids)))
    found = op.db.execute(query).all()
    named = op.can_for(Action.VIEW, DataCategory.DEMOGRAPHICS, {p.id for _, p, _ in found})
    return tuple(
        EarlierImport(
            imported_at=log.imported_at,
            imported_by=by,
            patient_id=PatientId(patient.id),
            mrn=patient.mrn,
            source=log.source,
            item_count=log.item_count,
            patient_name=(
                f"{patient.family_name}, {patient.given_names}" if patient.id in named else None
            ),
            kept_mrn=_kept_mrn(op, patient),
        )
        for log, patient, by in found
    )


def repeated_imports(op: Op, sha256: str, patient_id: int | None) -> tuple[EarlierImport, ...]:
    """The earlier imports that make importing this file a repeat: into ``patient_id`` or a
    record merged into it, or (``patient_id`` None, a new patient) into anyone (it would
    register the same person twice)."""
    within = with_merged(op.db, patient_id) if patient_id is not None else None
    return earlier_imports(op, sha256, within)


def log_import(op: Op, sha256: str, *, patient_id: int, source: str, item_count: int) -> None:
    """The import's row, in its transaction (append-only: never changed afterwards)."""
    op.db.add(
        FhirImportLog(
            patient_id=patient_id,
            bundle_sha256=sha256,
            source=source,
            imported_at=op.ctx.now(),
            imported_by=op.user.id,
            item_count=item_count,
        )
    )
    op.db.flush()


def _kept_mrn(op: Op, patient: Patient) -> str | None:
    """The MRN of the record a merged-away record now lives in (through several merges)."""
    kept: Patient | None = patient
    seen = set()
    while kept is not None and kept.merged_into_id is not None and kept.id not in seen:
        seen.add(kept.id)
        kept = op.db.get(Patient, kept.merged_into_id)
    if kept is None or kept.id == patient.id:
        return None
    return kept.mrn
