"""The billing summary (superbill) of one coded encounter, as a printed document (issue 14):
who billed (clinic, provider), who for (patient and insurance), the date and place of
service, the diagnoses lettered in the order coded (A to L, as a professional claim letters
them) and each procedure line with its modifiers, units and the letters of the diagnoses it
was done for. The same content as ``domain.billing.claim_text``, laid out for paper."""

from __future__ import annotations

import datetime as dt

from medrec_desktop.domain.billing import ClaimSummary
from medrec_desktop.export.pdf_doc import (
    Block,
    Fields,
    Heading,
    Paragraph,
    PatientLine,
    PdfDocument,
    Table,
)
from medrec_desktop.export.record_text import coverage_label, day, joined, local_time

TITLE = "Billing summary (superbill)"


def superbill_document(
    summary: ClaimSummary,
    *,
    generated_by: str,
    generated_at: dt.datetime,
    clinic_lines: tuple[str, ...] = (),
) -> PdfDocument:
    s, p = summary, summary.patient
    visit = joined(s.visit_type, s.setting.label, s.place, sep=", ")
    blocks: list[Block] = [
        Fields(
            (
                ("Date of service", day(s.date_of_service)),
                ("Provider", s.provider),
                ("Visit", visit),
                ("Encounter no.", str(s.encounter_id)),
            )
        ),
        Heading("Patient"),
        Fields(
            (
                ("Name", p.name),
                ("Date of birth", day(p.birth_date)),
                ("Sex", p.sex.capitalize()),
                ("MRN", p.mrn),
            )
        ),
        Heading("Insurance", 2),
        *_insurance(summary),
        Heading("Diagnoses (ICD-10-CM), in order"),
        *_diagnoses(summary),
        Heading("Procedures"),
        *_procedures(summary),
    ]
    coded = []
    if s.coded_by:
        coded.append(
            f"Coded by {s.coded_by}" + (f" on {local_time(s.coded_at)}." if s.coded_at else ".")
        )
    if s.overrides:
        n = s.overrides
        coded.append(f"{n} coding error{'s' if n != 1 else ''} overridden with a written reason.")
    if coded:
        blocks.append(Paragraph(" ".join(coded), muted=True))
    return PdfDocument(
        title=TITLE,
        clinic=s.clinic_name,
        generated_by=generated_by,
        generated_at=generated_at,
        blocks=tuple(blocks),
        patient=PatientLine(p.name, p.birth_date, p.mrn),
        subtitle=f"Coded encounter of {day(s.date_of_service)} with {s.provider}.",
        clinic_lines=clinic_lines,
    )


def _insurance(summary: ClaimSummary) -> list[Block]:
    if not summary.coverages:
        return [Paragraph("No insurance recorded (self-pay).", muted=True)]
    rows = []
    for c in sorted(summary.coverages, key=lambda c: c.priority):
        subscriber = "Self"
        if c.subscriber_relationship != "self":
            subscriber = joined(c.subscriber_name, f"({c.subscriber_relationship})", sep=" ")
        rows.append(
            (
                coverage_label(c.priority),
                c.payer,
                c.plan or "",
                c.member_id,
                c.group_number or "",
                subscriber,
            )
        )
    return [
        Table(
            ("Coverage", "Payer", "Plan", "Member ID", "Group", "Subscriber"),
            tuple(rows),
            (1, 2, 1.6, 1.4, 1.1, 1.8),
        )
    ]


def _diagnoses(summary: ClaimSummary) -> list[Block]:
    if not summary.diagnoses:
        return [Paragraph("No diagnoses coded.", muted=True)]
    rows = tuple((d.tag, d.code, d.title) for d in summary.diagnoses)
    return [Table(("Dx", "Code", "Diagnosis"), rows, (0.5, 1.1, 7.1))]


def _procedures(summary: ClaimSummary) -> list[Block]:
    if not summary.lines:
        return [Paragraph("No procedures coded.", muted=True)]
    rows = tuple(
        (
            str(line.line),
            line.system.label,
            line.code,
            line.title,
            " ".join(line.modifiers),
            str(line.units) if line.system.takes_modifiers else "",
            "".join(line.pointers),  # "BA", as box 24E of a claim writes them
        )
        for line in summary.lines
    )
    blocks: list[Block] = [
        Table(
            ("Line", "Code set", "Code", "Procedure", "Modifiers", "Units", "Dx pointers"),
            rows,
            (0.5, 1, 0.9, 3.9, 1, 0.6, 1.1),
        )
    ]
    if any(line.pointers for line in summary.lines):
        blocks.append(
            Paragraph(
                "Dx pointers are the letters of the diagnoses above, the first the primary "
                "reason for the line.",
                muted=True,
            )
        )
    return blocks
