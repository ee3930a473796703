"""Printing a cover sheet from a chart (issue 12): a token that names this patient, document
type and (optionally) visit is stored, and the page that carries it in a QR code is drawn.

Printing one is an audited print of the patient's data (the sheet shows name, date of birth
and MRN). Only someone who may print *and* file this patient's clinical documents may print
one, since a scan behind it is filed to the chart without anyone looking at it first.
What intake does with the token when a scan arrives is ``services.cover_sheet_intake``.
"""

from __future__ import annotations

from medrec_desktop.domain.cover_sheets import DEFAULT_LIFETIME, IssuedCoverSheet, new_token
from medrec_desktop.domain.documents import NAME_MAX, DocumentType
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import NotFoundError, ValidationError
from medrec_desktop.domain.item_fields import choice, optional_text
from medrec_desktop.export.cover_sheet import CoverSheetContent, cover_sheet_pdf
from medrec_desktop.models import ClinicSetting, CoverSheet, Patient
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.context import iso
from medrec_desktop.services.encounter_links import SIGNED_ENCOUNTER, patients_encounter

CLINIC_NAME_KEY = "clinic_name"


class CoverSheetService(Service):
    @audited(Action.PRINT, DataCategory.CLINICAL, patient="patient_id")
    def issue(
        self,
        op: Op,
        patient_id: PatientId,
        doc_type: DocumentType | str,
        *,
        type_name: str = "",
        encounter_id: int | None = None,
    ) -> IssuedCoverSheet:
        """A new cover sheet for this patient's pages of ``doc_type`` (OTHER needs the
        clinic's ``type_name`` for it), optionally for one of the patient's visits: the
        token is stored and the one-page PDF returned, to print. Raises ValidationError
        naming the field."""
        return self._issue(op, patient_id, doc_type, type_name=type_name, encounter_id=encounter_id)

    def _issue(
        self,
        op: Op,
        patient_id: int,
        doc_type: DocumentType | str,
        *,
        type_name: str = "",
        encounter_id: int | None = None,
    ) -> IssuedCoverSheet:
        """``issue``'s body, for the demo clinic, which prints one inside its own call."""
        # A scan behind the sheet becomes a document in this chart unseen: the printer must
        # be someone who could file it by hand.
        op.require(Action.CREATE, DataCategory.CLINICAL, patient_id)
        patient = op.db.get(Patient, patient_id)
        if patient is None:
            raise NotFoundError("That patient does not exist.")
        if patient.merged_into_id is not None:
            kept = op.db.get(Patient, patient.merged_into_id)
            mrn = kept.mrn if kept is not None else "another record"
            raise ValidationError(
                f"This record was merged into MRN {mrn}; print the cover sheet from that record."
            )
        kind = choice(DocumentType, doc_type, field="doc_type", what="the type of document")
        name = optional_text(type_name, field="type_name", what="kind of document", limit=NAME_MAX)
        if kind is DocumentType.OTHER and name is None:
            raise ValidationError(
                "Say what kind of document this is (for example “Disability form”).",
                field="type_name",
            )
        visit_day = None
        if encounter_id is not None:
            encounter = patients_encounter(op, patient_id, encounter_id, kept=False)
            if encounter.signed_at is not None:
                raise ValidationError(SIGNED_ENCOUNTER, field="encounter_id")
            visit_day = encounter.starts_at.astimezone().date()
        now = op.ctx.now()
        expires = now + DEFAULT_LIFETIME
        row = CoverSheet(
            token=new_token(),
            patient_id=patient.id,
            doc_type=kind.value,
            type_name=name if kind is DocumentType.OTHER else None,
            encounter_id=encounter_id,
            created_by=op.user.id,
            created_at=iso(now),
            expires_at=iso(expires),
            used_count=0,
        )
        op.db.add(row)
        op.db.flush()
        clinic = op.db.get(ClinicSetting, CLINIC_NAME_KEY)
        type_text = f"Other: {name}" if kind is DocumentType.OTHER else kind.label
        pdf = cover_sheet_pdf(
            CoverSheetContent(
                clinic_name=clinic.value if clinic is not None else "",
                patient_name=f"{patient.family_name}, {patient.given_names}",
                birth_date=patient.birth_date,
                mrn=patient.mrn,
                type_text=type_text,
                encounter_date=visit_day,
                printed_by=op.user.display_name,
                printed_at=now,
                expires_at=expires,
                token=row.token,
            )
        )
        op.event.detail = f"cover sheet {row.id}: {kind.value}"
        return IssuedCoverSheet(token=row.token, pdf=pdf, expires_at=expires)
