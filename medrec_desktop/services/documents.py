"""Documents in the chart (issue 12) on the generic clinical item service, plus what only a
document has: its bytes, stored inside the encrypted database in the same transaction as the
item, read back as an audited view, exported as an audited export, and re-filed to another
patient (entered in error here, filed anew there, the same bytes).

A file is checked before anything is written (``domain.document_files.inspect_file``: the
content type from the bytes, PDF readable and not password-protected, the clinic's size
limit): a refused file leaves nothing behind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from sqlalchemy import select

from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemStatus, Sensitivity, clean_reason
from medrec_desktop.domain.document_files import DEFAULT_MAX_BYTES, inspect_file
from medrec_desktop.domain.documents import DocumentData, DocumentInput
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Action, ChangeKind, DataCategory
from medrec_desktop.domain.errors import DatabaseFileError, NotFoundError, ValidationError
from medrec_desktop.models import ClinicalItem, ClinicSetting, Document, DocumentBlob
from medrec_desktop.services import versioning
from medrec_desktop.services.base import Op, audited
from medrec_desktop.services.clinical_items import ClinicalItemKind, ClinicalItemService
from medrec_desktop.services.context import iso
from medrec_desktop.services.encounter_links import linked_before_save


def _check_document(
    op: Op,
    patient_id: int,
    status: ItemStatus,
    data: DocumentData,
    row: ClinicalItem | None,
    sensitivity: Sensitivity | None,
) -> None:
    # The encounter link: this patient's encounter, not signed; and the bytes it names exist
    # (every path: attach, refile, a direct add or an edit).
    linked_before_save(op, patient_id, status, data, row, sensitivity)
    if op.db.get(DocumentBlob, data.blob_id) is None:
        raise NotFoundError("That file is not stored.")


DOCUMENTS = ClinicalItemKind(
    model=Document,
    data=DocumentData,
    input=DocumentInput,
    noun="document",
    change=ChangeKind.DOCUMENTS,
    before_save=_check_document,
)

#: clinic setting: the largest file a user may attach, in MB
MAX_MB_KEY = "document_max_mb"
#: the database holds every file: a clinic may not set a limit that invites whole archives
MAX_MB_CEILING = 200


@dataclass(frozen=True)
class DocumentFile:
    """A document's bytes as read back, with what they are."""

    content: bytes
    content_type: str
    page_count: int
    sha256: str
    file_name: str | None


class DocumentService(ClinicalItemService[DocumentData, DocumentInput]):
    @audited(Action.CREATE, DataCategory.CLINICAL, patient="patient_id")
    def attach(
        self, op: Op, patient_id: PatientId, data: DocumentInput, content: bytes
    ) -> ItemInfo[DocumentData]:
        """Check the file, store its bytes and file the document, in one transaction.
        Raises ValidationError (field ``file`` for the file, else the form's field)."""
        shown = f"“{data.file_name.strip()}”" if data.file_name.strip() else "The file"
        found = inspect_file(content, max_bytes=self._max_bytes(op), shown_name=shown)

        def with_file(blob_id: int) -> DocumentInput:
            return replace(
                data,
                blob_id=blob_id,
                content_type=found.content_type.value,
                page_count=found.page_count,
                size=found.size,
                sha256=found.sha256,
            )

        # The form is checked before the bytes are written: a missing date costs no write.
        self._validated(op, with_file(1))
        blob = DocumentBlob(
            sha256=found.sha256,
            content_type=found.content_type.value,
            page_count=found.page_count,
            size=found.size,
            content=content,
            created_by=op.user.id,
            created_at=iso(op.ctx.now()),
        )
        op.db.add(blob)
        op.db.flush()
        filed = with_file(blob.id)
        # The generic add's checks and versioning, inside this same transaction.
        saved = self._add_new(op, patient_id, filed)
        op.event.detail = f"document {saved.id}: {found.page_count} page(s)"
        return saved

    @audited(Action.VIEW, DataCategory.CLINICAL)
    def open_file(self, op: Op, item_id: ItemId) -> DocumentFile:
        """The document's bytes, to show (an audited view)."""
        return self._file(op, item_id)

    @audited(Action.EXPORT, DataCategory.CLINICAL)
    def export_file(self, op: Op, item_id: ItemId) -> DocumentFile:
        """The document's bytes, to save outside the application (an audited export)."""
        return self._file(op, item_id)

    @audited(Action.PRINT, DataCategory.CLINICAL)
    def print_file(self, op: Op, item_id: ItemId) -> DocumentFile:
        """The document's bytes, to print (an audited print)."""
        return self._file(op, item_id)

    @audited(Action.UPDATE, DataCategory.CLINICAL)
    def refile(
        self,
        op: Op,
        item_id: ItemId,
        to_patient: PatientId,
        *,
        reason: str,
        expected_version: int,
    ) -> ItemInfo[DocumentData]:
        """Filed to the wrong patient: entered in error here (with ``reason``), filed on
        ``to_patient`` as it was, the same bytes. Returns the new item."""
        why = clean_reason(reason, required=True, what="the document is moved")
        row = self._row(op, item_id)
        # Moving takes both rights: entering the item in error where it is (as
        # mark_entered_in_error asks) and filing a new one on the other chart.
        op.require(Action.DELETE, DataCategory.CLINICAL, row.patient_id)
        op.require(Action.CREATE, DataCategory.CLINICAL, to_patient)
        self._require_label_access(op, Action.UPDATE, row)
        if row.patient_id == to_patient:
            raise ValidationError("The document is already filed to this patient.", field="patient")
        versioning.require_version(
            row, expected_version, lambda: versioning.info_of(op.db, row, DocumentData)
        )
        old = versioning.info_of(op.db, row, DocumentData)
        if old.entered_in_error:
            raise ValidationError("This document was entered in error; it cannot be moved.")
        versioning.entered_in_error(
            op, row, DocumentData, f"filed to another patient: {why}", noun="document"
        )
        moved = DocumentInput.editing(old)
        # An encounter belongs to the first patient: the new filing has none.
        moved = replace(moved, encounter_id=None)
        saved = self._add_new(op, to_patient, moved)
        op.about_patient(to_patient)
        op.event.reason = "re-filed to another patient; the reason is in the item's history"
        op.event.detail = f"document {row.id} re-filed as document {saved.id}"
        return saved

    # Every role that files documents reads the limit the form checks against; no PHI.
    @audited(Action.VIEW, DataCategory.SESSION)
    def max_file_mb(self, op: Op) -> int:
        """The largest file this clinic accepts, in MB."""
        op.event.detail = MAX_MB_KEY
        return self._max_bytes(op) // (1024 * 1024)

    @audited(Action.UPDATE, DataCategory.SETTINGS)
    def set_max_file_mb(self, op: Op, mb: int) -> int:
        """Administrators: the largest file a user may attach, 1 to 200 MB."""
        if not 1 <= mb <= MAX_MB_CEILING:
            raise ValidationError(
                f"Choose a limit from 1 to {MAX_MB_CEILING} MB per file.", field="document_max_mb"
            )
        row = op.db.get(ClinicSetting, MAX_MB_KEY)
        if row is None:
            op.db.add(ClinicSetting(key=MAX_MB_KEY, value=str(mb)))
        else:
            row.value = str(mb)
        op.event.detail = f"changed {MAX_MB_KEY}"
        return mb

    # ------------------------------------------------------------------ helpers

    def _file(self, op: Op, item_id: ItemId) -> DocumentFile:
        row = self._row(op, item_id)
        self._require_label_access(op, op.event.action, row)
        blob = op.db.scalars(
            select(DocumentBlob).where(DocumentBlob.id == row.blob_id)  # type: ignore[attr-defined]
        ).one()
        op.event.detail = f"document {row.id}"
        # The item's own checksum (kept in its version history), not the blob's: stored bytes
        # swapped behind the application's back are refused, never shown as the document.
        recorded: str = row.sha256  # type: ignore[attr-defined]
        if hashlib.sha256(blob.content).hexdigest() != recorded:
            raise DatabaseFileError(
                "This document's stored file does not match the checksum recorded when it was"
                " filed: it was changed outside the application. Restore the database from a"
                " backup and tell the administrator."
            )
        return DocumentFile(
            blob.content,
            blob.content_type,
            blob.page_count,
            recorded,
            row.file_name,  # type: ignore[attr-defined]
        )

    @staticmethod
    def _max_bytes(op: Op) -> int:
        setting = op.db.get(ClinicSetting, MAX_MB_KEY)
        if setting is None:
            return DEFAULT_MAX_BYTES
        try:
            return max(1, int(setting.value)) * 1024 * 1024
        except ValueError:
            return DEFAULT_MAX_BYTES
