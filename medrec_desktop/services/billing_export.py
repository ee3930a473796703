"""The billing hand-off (issue 13): a coded encounter's claim summary, and the export of the
coded encounters of a date range for the billing office (CSV, one row per procedure line, or
JSON, one object per encounter), recorded as a disclosure for payment.

Who: a role with the coding export right (coders) that also sees the clinical record (an
administrator manages coding but sees no clinical data, so exports nothing). Encounters with a
sensitivity label are exported only for a role that may see them; the others are left out and
counted, and the caller is told how many.

The export and its disclosure are one transaction: the ``disclosure`` row (to whom, for what,
what, by whom, when) and a ``disclosure_patient`` row per patient ("2 encounters: 11/20/2026,
11/22/2026") are written with the audit event, or nothing is. Those tables are append-only
(schema 0016). The bytes are returned to the caller, which writes the file: a file that then
cannot be written leaves a disclosure recorded that did not happen, never the reverse.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from medrec_desktop.domain.billing import (
    DEFAULT_RECIPIENT,
    PAYMENT,
    BillingExport,
    BillingPreview,
    ClaimSummary,
    ExportFormat,
    check_format,
    check_range,
    clean_recipient,
)
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import NotFoundError, ValidationError
from medrec_desktop.export import billing as writers
from medrec_desktop.export.record_pdf import render
from medrec_desktop.export.superbill import superbill_document
from medrec_desktop.models import Disclosure, DisclosurePatient
from medrec_desktop.services import billing_claims
from medrec_desktop.services.base import Op, Service, audited

NOT_CODED = (
    "This encounter is not marked coded yet: its claim summary is made once a coder marks it coded."
)


class BillingExportService(Service):
    """``inst.billing``."""

    @audited(Action.VIEW, DataCategory.CODING)
    def claim_summary(self, op: Op, encounter_id: int) -> ClaimSummary:
        """The claim-ready summary of a coded encounter (its text: ``claim_text``)."""
        summary = self._coded_summary(op, encounter_id)
        op.event.detail = f"claim summary of encounter {encounter_id}"
        return summary

    @audited(Action.VIEW, DataCategory.CODING)
    def superbill_pdf(self, op: Op, encounter_id: int) -> bytes:
        """The coded encounter's billing summary (superbill) as a PDF, for the print preview:
        the claim summary's content with the clinic's letterhead and the patient on every
        page. Seeing it is a view; printing it is :meth:`record_superbill_print`."""
        summary = self._coded_summary(op, encounter_id)
        doc = superbill_document(
            summary, generated_by=op.user.display_name, generated_at=op.ctx.now()
        )
        op.event.detail = f"superbill PDF of encounter {encounter_id} for preview"
        return render(doc)

    @audited(Action.PRINT, DataCategory.CODING)
    def record_superbill_print(self, op: Op, encounter_id: int, *, sha256: str, pages: int) -> None:
        """Records a print of the previewed superbill (``sha256``), once the printer is
        chosen and before a page is drawn; refused (nothing printed) for a role that may no
        longer read it."""
        self._coded_summary(op, encounter_id)
        op.event.detail = (
            f"superbill of encounter {encounter_id} printed ({pages} pages), sha256 {sha256}"
        )

    def _coded_summary(self, op: Op, encounter_id: int) -> ClaimSummary:
        """The summary of a coded encounter the caller may read (its patient, and its
        label's right when it has one), the event made about that patient."""
        self._may_read(op)
        found = billing_claims.one(op, encounter_id)
        if found is None:
            raise NotFoundError(NOT_CODED)
        encounter, _, patient = found
        op.about_patient(patient.id)
        op.require(Action.VIEW, DataCategory.CLINICAL, patient.id)
        if billing_claims.labelled(found):
            op.require(Action.VIEW, DataCategory.SENSITIVE, patient.id)
        [summary] = billing_claims.summaries(op, [found])
        return summary

    @audited(Action.QUERY, DataCategory.CODING)
    def preview(self, op: Op, since: dt.date, until: dt.date) -> BillingPreview:
        """What an export of the range would hold (nothing is written or recorded)."""
        self._may_export(op)
        check_range(since, until)
        found, withheld = billing_claims.in_range(op, since, until)
        preview = _preview(since, until, billing_claims.summaries(op, found), withheld)
        op.event.detail = f"billing export preview: {_counts(preview)}"
        return preview

    @audited(Action.EXPORT, DataCategory.CODING)
    def export(
        self,
        op: Op,
        since: dt.date,
        until: dt.date,
        *,
        fmt: ExportFormat | str = ExportFormat.CSV,
        recipient: str = DEFAULT_RECIPIENT,
    ) -> BillingExport:
        """The coded encounters with a date of service from ``since`` to ``until``
        (inclusive) as a CSV or JSON file's bytes, recorded as a disclosure for payment to
        ``recipient``. Raises ValidationError naming the field when the range is empty."""
        self._may_export(op)
        check_range(since, until)
        kind = check_format(fmt)
        who = clean_recipient(recipient)
        found, withheld = billing_claims.in_range(op, since, until)
        claims = billing_claims.summaries(op, found)
        preview = _preview(since, until, claims, withheld)
        if not claims:
            raise ValidationError(_nothing(preview), field="since")
        now = op.ctx.now()
        if kind is ExportFormat.CSV:
            content = writers.csv_bytes(claims)
        else:
            content = writers.json_bytes(
                claims,
                clinic_name=claims[0].clinic_name,
                since=since,
                until=until,
                recipient=who,
                exported_at=now,
                exported_by=op.user.display_name,
            )
        disclosure = Disclosure(
            disclosed_at=now,
            disclosed_by=op.user.id,
            recipient=who,
            purpose=PAYMENT,
            description=(
                f"Coded encounters for payment ({kind.value.upper()} file): dates of service "
                f"{since:%m/%d/%Y} to {until:%m/%d/%Y}; {preview.label}. Patient identifiers, "
                "insurance, dates of service, provider, diagnosis and procedure codes."
            ),
            patient_count=preview.patients,
        )
        op.db.add(disclosure)
        op.db.flush()
        for patient_id, detail in _per_patient(claims).items():
            op.db.add(
                DisclosurePatient(disclosure_id=disclosure.id, patient_id=patient_id, detail=detail)
            )
        op.db.flush()
        op.event.detail = (
            f"billing export ({kind.value}) for payment, disclosure {disclosure.id}: "
            f"{_counts(preview)}; patients "
            + ",".join(str(pid) for pid in sorted({c.patient.patient_id for c in claims}))
        )
        return BillingExport(
            content=content,
            fmt=kind,
            preview=preview,
            disclosure_id=disclosure.id,
            recipient=who,
        )

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _may_read(op: Op) -> None:
        # Diagnoses are clinical data: a role without sight of the record reads no codes.
        op.require(Action.VIEW, DataCategory.CLINICAL)
        op.require(Action.VIEW, DataCategory.DEMOGRAPHICS)

    @classmethod
    def _may_export(cls, op: Op) -> None:
        op.require(Action.EXPORT, DataCategory.CODING)
        cls._may_read(op)


def _preview(
    since: dt.date, until: dt.date, claims: list[ClaimSummary], withheld: int
) -> BillingPreview:
    return BillingPreview(
        since=since,
        until=until,
        encounters=len(claims),
        lines=sum(max(1, len(c.lines)) for c in claims),
        patients=len({c.patient.patient_id for c in claims}),
        withheld=withheld,
    )


def _counts(p: BillingPreview) -> str:
    return (
        f"{p.encounters} encounters, {p.lines} lines, {p.patients} patients, {p.withheld} withheld"
    )


def _nothing(p: BillingPreview) -> str:
    said = (
        f"No coded encounters have a date of service from {p.since:%m/%d/%Y} to "
        f"{p.until:%m/%d/%Y}; nothing was exported or recorded."
    )
    return f"{said} {p.withheld_note}" if p.withheld else said


def _per_patient(claims: list[ClaimSummary]) -> dict[int, str]:
    """What the disclosure carried of each patient: "2 encounters: 11/20/2026, 11/22/2026"."""
    days: dict[int, list[dt.date]] = defaultdict(list)
    for c in claims:
        days[c.patient.patient_id].append(c.date_of_service)
    out = {}
    for pid in sorted(days):
        n = len(days[pid])
        dates = ", ".join(f"{d:%m/%d/%Y}" for d in sorted(set(days[pid])))
        out[pid] = f"{n} encounter{'s' if n != 1 else ''}: {dates}"
    return out


__all__ = ["BillingExportService", "ClaimSummary"]
