"""Release of information (issue 14): what of a patient's record leaves the clinic, to whom
and why. ``preview`` reads the record in a scope as the release would carry it (the ROI
dialog shows the counts before anything is written); the releases themselves (record PDF,
FHIR) write a ``disclosure`` in the same transaction as the audit event.
"""

from __future__ import annotations

from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.patient_extract import PatientExtract
from medrec_desktop.domain.record_release import RecordScope
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.patient_extract import gather


class RecordReleaseService(Service):
    """``inst.releases``."""

    @audited(Action.VIEW, DataCategory.CLINICAL, patient="patient_id")
    def preview(self, op: Op, patient_id: PatientId, scope: RecordScope) -> PatientExtract:
        """The record in ``scope`` as a release would carry it (nothing is disclosed)."""
        extract = gather(op, patient_id, scope.validated())
        op.event.detail = (
            f"release preview: {','.join(s.value for s in extract.scope.sections)}; "
            f"{extract.item_count} items"
        )
        return extract
