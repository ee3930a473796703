"""The authorization a release names (issue 14): a scanned "authorization to release" filed
to the same patient and not entered in error. Every release (record PDF, FHIR) checks it
before anything is read or recorded."""

from __future__ import annotations

from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.documents import DocumentType
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.models import Document
from medrec_desktop.services.base import Op


def check_authorization(op: Op, patient_id: int, document_id: int | None) -> None:
    """Refuse (ValidationError on ``authorization``) a document that is not this patient's
    filed authorization to release. None: no authorization named, nothing to check."""
    if document_id is None:
        return
    doc = op.db.get(Document, document_id)
    if doc is None or doc.patient_id != patient_id or doc.status == ItemStatus.ENTERED_IN_ERROR:
        raise ValidationError(
            f"Document {document_id} is not a document filed to this patient's chart; name "
            "the patient's signed authorization.",
            field="authorization",
        )
    if doc.doc_type != DocumentType.RELEASE_AUTHORIZATION.value:
        raise ValidationError(
            f"Document {document_id} is filed as “{DocumentType(doc.doc_type).label}”, not as "
            "an authorization to release; file the signed authorization as one first.",
            field="authorization",
        )
