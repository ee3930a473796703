"""The accounting of disclosures as a document for the patient (issue 14, 45 CFR 164.528):
each disclosure of the six years before the request with its date, recipient, purpose and
what was disclosed. ``accountable_only`` leaves out those HIPAA does not require (treatment,
payment, operations, the patient's own requests, releases under their authorization)."""

from __future__ import annotations

import datetime as dt

from medrec_desktop.domain.dto import PatientInfo
from medrec_desktop.domain.record_release import Accounting, DisclosureRow
from medrec_desktop.export.pdf_doc import Heading, Paragraph, PatientLine, PdfDocument, Table


def _what(row: DisclosureRow) -> str:
    return row.description + (f" ({row.detail})" if row.detail else "")


def accounting_document(
    accounting: Accounting,
    patient: PatientInfo,
    *,
    clinic: str,
    generated_by: str,
    generated_at: dt.datetime,
    accountable_only: bool,
) -> PdfDocument:
    rows = accounting.accountable if accountable_only else accounting.rows
    period = f"{accounting.since:%m/%d/%Y} to {accounting.until:%m/%d/%Y}"
    intro = (
        f"Disclosures of the health information of {patient.given_names} "
        f"{patient.family_name} made by {clinic or 'this clinic'} from {period}."
    )
    if accountable_only:
        intro += (
            " As the HIPAA Privacy Rule provides, disclosures for treatment, payment and health "
            "care operations, to the patient, and under the patient's own authorization are "
            "not listed."
        )
    table = Table(
        columns=("Date", "Recipient", "Purpose", "What was disclosed", "Requested by"),
        rows=tuple(
            (
                f"{r.disclosed_at.astimezone():%m/%d/%Y}",
                r.recipient,
                r.purpose_label,
                _what(r),
                r.requester or "",
            )
            for r in rows
        ),
        widths=(1.0, 2.0, 1.6, 3.4, 1.4),
    )
    blocks = (
        Heading("Accounting of disclosures"),
        Paragraph(intro),
        table if rows else Paragraph("No disclosures to list in this period.", muted=True),
    )
    return PdfDocument(
        title="Accounting of disclosures",
        clinic=clinic,
        generated_by=generated_by,
        generated_at=generated_at,
        blocks=blocks,
        patient=PatientLine(
            f"{patient.family_name}, {patient.given_names}", patient.birth_date, patient.mrn
        ),
        subtitle=f"{period}; {len(rows)} disclosure{'s' if len(rows) != 1 else ''}",
    )
