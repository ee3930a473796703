"""Release of information (issue 14): what of a patient's record leaves the clinic, to whom
and why. ``preview`` reads the record in a scope as the release would carry it (the ROI
dialog shows the counts before anything is written); the releases themselves (record PDF,
FHIR) write a ``disclosure`` in the same transaction as the audit event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import NotFoundError, ValidationError
from medrec_desktop.domain.patient_extract import PatientExtract
from medrec_desktop.domain.record_release import (
    ACCOUNTING_YEARS,
    Accounting,
    DisclosurePurpose,
    DisclosureRow,
    Medium,
    RecordScope,
    ReleaseRequest,
    purpose_accountable,
    purpose_label,
)
from medrec_desktop.export.accounting_document import accounting_document
from medrec_desktop.export.record_document import record_document
from medrec_desktop.export.record_pdf import render
from medrec_desktop.models import (
    ClinicSetting,
    Disclosure,
    DisclosurePatient,
    Patient,
    User,
)
from medrec_desktop.services import patient_rows
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.billing_claims import CLINIC_NAME_KEY
from medrec_desktop.services.disclosures import dates_text, record_disclosure, sections_text
from medrec_desktop.services.patient_extract import gather
from medrec_desktop.services.patient_merge import with_merged
from medrec_desktop.services.release_authorization import check_authorization

PASSWORD_MIN = 8


@dataclass(frozen=True)
class ReleasedFile:
    """A release's PDF (held in memory: the caller writes it where the user chose, or prints
    it), its SHA-256 as recorded with the disclosure, and that disclosure (None: a print or
    preview that disclosed nothing yet)."""

    data: bytes
    sha256: str
    disclosure_id: int | None
    encrypted: bool = False


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

    @audited(Action.VIEW, DataCategory.CLINICAL, patient="patient_id")
    def accounting(
        self, op: Op, patient_id: PatientId, *, today: dt.date | None = None
    ) -> Accounting:
        """Every disclosure of this patient's information recorded in the six years before
        ``today`` (the workstation's date by default), newest first."""
        if op.db.get(Patient, patient_id) is None:
            raise NotFoundError("That patient does not exist.")
        accounting = self._accounting(op, patient_id, today)
        rows = accounting.rows
        op.event.detail = (
            f"accounting of disclosures: {len(rows)} disclosures, "
            f"{sum(r.accountable for r in rows)} accountable"
        )
        return accounting

    @staticmethod
    def _accounting(op: Op, patient_id: int, today: dt.date | None) -> Accounting:
        until = today or op.ctx.now().astimezone().date()
        since = _years_before(until, ACCOUNTING_YEARS)
        start = dt.datetime.combine(since, dt.time()).astimezone().astimezone(dt.UTC)
        found = op.db.execute(
            select(Disclosure, DisclosurePatient.detail, User.display_name)
            .join(DisclosurePatient, DisclosurePatient.disclosure_id == Disclosure.id)
            .join(User, User.id == Disclosure.disclosed_by)
            .where(
                # Disclosures of a record later merged into this one are this patient's too.
                DisclosurePatient.patient_id.in_(with_merged(op.db, patient_id)),
                Disclosure.disclosed_at >= start,
            )
            .order_by(Disclosure.disclosed_at.desc(), Disclosure.id.desc())
        ).all()
        rows = tuple(_row(d, detail, who) for d, detail, who in found)
        return Accounting(since=since, until=until, rows=rows)

    @audited(Action.EXPORT, DataCategory.CLINICAL, patient="patient_id")
    def release_pdf(
        self,
        op: Op,
        patient_id: PatientId,
        request: ReleaseRequest,
        *,
        password: str | None = None,
    ) -> ReleasedFile:
        """The record PDF for a release of information, recorded as a disclosure (who asked,
        to whom, why, what, the file's SHA-256) in the same transaction."""
        req = request.validated()
        if password is not None and len(password) < PASSWORD_MIN:
            raise ValidationError(
                f"A PDF password needs at least {PASSWORD_MIN} characters.", field="password"
            )
        if req.scope.labelled:
            op.require(Action.EXPORT, DataCategory.SENSITIVE, patient_id)
        data = self._render(op, patient_id, req, password)
        digest = hashlib.sha256(data).hexdigest()
        disclosure_id = _disclose(op, patient_id, req, Medium.PDF, digest, password is not None)
        op.event.detail = (
            f"record PDF released, disclosure {disclosure_id}: {_scope_text(req.scope)}; "
            f"purpose {DisclosurePurpose(req.purpose).value}"
            + ("; password-protected" if password else "")
        )
        return ReleasedFile(data, digest, disclosure_id, encrypted=password is not None)

    @audited(Action.VIEW, DataCategory.CLINICAL, patient="patient_id")
    def print_preview(self, op: Op, patient_id: PatientId, request: ReleaseRequest) -> ReleasedFile:
        """The record PDF to preview before printing (nothing is disclosed until
        :meth:`record_print`). Only a role that may release records gets it: the preview
        holds the whole release."""
        req = request.validated()
        op.require(Action.EXPORT, DataCategory.CLINICAL, patient_id)
        if req.scope.labelled:
            op.require(Action.EXPORT, DataCategory.SENSITIVE, patient_id)
        data = self._render(op, patient_id, req, None)
        digest = hashlib.sha256(data).hexdigest()
        op.event.detail = f"record PDF for print preview: {_scope_text(req.scope)}"
        return ReleasedFile(data, digest, None)

    @audited(Action.PRINT, DataCategory.CLINICAL, patient="patient_id")
    def record_print(
        self,
        op: Op,
        patient_id: PatientId,
        request: ReleaseRequest,
        *,
        sha256: str,
        pages: int,
    ) -> int:
        """Records a print of the previewed PDF (``sha256``) as a disclosure on paper; returns
        the disclosure's id. Called once the printer is chosen, before a page is drawn."""
        req = request.validated()
        op.require(Action.EXPORT, DataCategory.CLINICAL, patient_id)
        if req.scope.labelled:
            op.require(Action.EXPORT, DataCategory.SENSITIVE, patient_id)
        if req.authorization_document_id is not None:
            check_authorization(op, patient_id, req.authorization_document_id)
        disclosure_id = _disclose(op, patient_id, req, Medium.PRINT, sha256, False)
        op.event.detail = (
            f"record printed ({pages} pages), disclosure {disclosure_id}: {_scope_text(req.scope)}"
        )
        return disclosure_id

    def _render(
        self, op: Op, patient_id: PatientId, req: ReleaseRequest, password: str | None
    ) -> bytes:
        if req.authorization_document_id is not None:
            check_authorization(op, patient_id, req.authorization_document_id)
        extract = gather(op, patient_id, req.scope)
        doc = record_document(
            extract,
            generated_by=op.user.display_name,
            generated_at=op.ctx.now(),
            recipient=req.recipient,
            purpose_label=DisclosurePurpose(req.purpose).label,
        )
        return render(doc, password=password)

    @audited(Action.EXPORT, DataCategory.CLINICAL, patient="patient_id")
    def accounting_pdf(
        self,
        op: Op,
        patient_id: PatientId,
        *,
        accountable_only: bool = True,
        today: dt.date | None = None,
    ) -> bytes:
        """The accounting as a PDF for the patient (by default only the disclosures HIPAA
        requires; the full list for the clinic's own review). Giving a patient their own
        accounting is not itself a disclosure to record."""
        data, rows = self._accounting_pdf(op, patient_id, accountable_only, today)
        op.event.detail = f"accounting of disclosures PDF: {rows} disclosures" + (
            ", accountable only" if accountable_only else ", all"
        )
        return data

    @audited(Action.VIEW, DataCategory.CLINICAL, patient="patient_id")
    def accounting_print_preview(
        self, op: Op, patient_id: PatientId, *, accountable_only: bool = True
    ) -> bytes:
        """The accounting PDF to preview before printing (:meth:`record_accounting_print`
        records the print)."""
        data, rows = self._accounting_pdf(op, patient_id, accountable_only, None)
        op.event.detail = f"accounting of disclosures PDF for print preview: {rows} disclosures"
        return data

    @audited(Action.PRINT, DataCategory.CLINICAL, patient="patient_id")
    def record_accounting_print(
        self, op: Op, patient_id: PatientId, *, sha256: str, pages: int
    ) -> None:
        """Records a print of the previewed accounting (``sha256``), once the printer is
        chosen and before a page is drawn."""
        if op.db.get(Patient, patient_id) is None:
            raise NotFoundError("That patient does not exist.")
        op.event.detail = f"accounting of disclosures printed ({pages} pages), sha256 {sha256}"

    def _accounting_pdf(
        self, op: Op, patient_id: PatientId, accountable_only: bool, today: dt.date | None
    ) -> tuple[bytes, int]:
        patient = op.db.get(Patient, patient_id)
        if patient is None:
            raise NotFoundError("That patient does not exist.")
        accounting = self._accounting(op, patient_id, today)
        clinic = op.db.get(ClinicSetting, CLINIC_NAME_KEY)
        doc = accounting_document(
            accounting,
            patient_rows.info(patient),
            clinic=clinic.value if clinic is not None else "",
            generated_by=op.user.display_name,
            generated_at=op.ctx.now(),
            accountable_only=accountable_only,
        )
        return render(doc), len(accounting.rows)


def _scope_text(scope: RecordScope) -> str:
    text = ",".join(s.value for s in scope.sections)
    if scope.since or scope.until:
        text += f" {scope.since or '…'}..{scope.until or '…'}"
    return text + ("; labelled items included" if scope.labelled else "")


def _disclose(
    op: Op, patient_id: int, req: ReleaseRequest, medium: Medium, digest: str, encrypted: bool
) -> int:
    how = "paper" if medium is Medium.PRINT else medium.value.upper()
    detail = (
        sections_text(req.scope)
        + dates_text(req.scope)
        + ("; items with a sensitivity label included" if req.scope.labelled else "")
    )
    return record_disclosure(
        op,
        req,
        medium=medium,
        description=f"Medical record ({how})",
        patients={patient_id: detail},
        sha256=digest,
        encrypted=encrypted,
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _row(d: Disclosure, detail: str, who: str) -> DisclosureRow:
    return DisclosureRow(
        disclosure_id=d.id,
        disclosed_at=d.disclosed_at,
        disclosed_by=who,
        recipient=d.recipient,
        purpose=d.purpose,
        purpose_label=purpose_label(d.purpose),
        accountable=purpose_accountable(d.purpose),
        description=d.description,
        detail=detail,
        medium=d.medium,
        requester=d.requester,
        sections=tuple(s for s in (d.sections or "").split(",") if s),
        period_since=d.period_since,
        period_until=d.period_until,
        encrypted=d.encrypted,
    )
