"""A patient's record, as a release carries it, turned into a printed document (issue 14).

Minimum necessary: only the sections in ``extract.scope.sections`` are written, in record
order; a section not chosen leaves nothing behind, not even its heading. What the extract
holds is already limited to the dates chosen and to labelled items only when chosen; how
many labelled items were left out (``extract.withheld``) is for the person releasing and is
never printed. Scanned documents are listed, never included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from medrec_desktop.domain.amendments import AddendumInfo
from medrec_desktop.domain.billing import pointer_letter
from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.coding_work import CodingData
from medrec_desktop.domain.dto import CoverageInfo, PatientDetails
from medrec_desktop.domain.encounters import SOAP_SECTIONS
from medrec_desktop.domain.patient_extract import EncounterExtract, PatientExtract
from medrec_desktop.domain.record_release import RecordScope, RecordSection
from medrec_desktop.export import record_sections as sections
from medrec_desktop.export.pdf_doc import (
    Block,
    Fields,
    Heading,
    Note,
    Paragraph,
    PatientLine,
    PdfDocument,
    Table,
)
from medrec_desktop.export.record_text import coverage_label, day, joined, local_time

TITLE = "Medical record"


def record_document(
    extract: PatientExtract,
    *,
    generated_by: str,
    generated_at: dt.datetime,
    recipient: str = "",
    purpose_label: str = "",
    clinic_lines: tuple[str, ...] = (),
) -> PdfDocument:
    """The record in ``extract`` as blocks, section by section. ``recipient`` and
    ``purpose_label`` (a release's) are said under the title; ``clinic_lines`` (address,
    phone) go under the clinic's name in the letterhead."""
    info = extract.record.info
    blocks: list[Block] = []
    for section in extract.scope.sections:
        blocks.append(Heading(section.label))
        blocks += _SECTIONS[section](extract)
    return PdfDocument(
        title=TITLE,
        clinic=extract.clinic_name,
        generated_by=generated_by,
        generated_at=generated_at,
        blocks=tuple(blocks),
        patient=PatientLine(info.display_name, info.birth_date, info.mrn),
        subtitle=subtitle(extract.scope, recipient=recipient, purpose_label=purpose_label),
        clinic_lines=clinic_lines,
    )


def subtitle(scope: RecordScope, *, recipient: str = "", purpose_label: str = "") -> str:
    """What the document carries, one statement a line: the sections, the dates of care,
    and who it is for and why when it is a release."""
    lines = ["Sections: " + "; ".join(s.label for s in scope.sections) + "."]
    if scope.since and scope.until:
        dates = f"{day(scope.since)} to {day(scope.until)}"
    elif scope.since:
        dates = f"from {day(scope.since)}"
    elif scope.until:
        dates = f"up to {day(scope.until)}"
    else:
        dates = ""
    if dates:
        lines.append(f"Dates of care: {dates} (items without a date are included).")
    else:
        lines.append("Dates of care: all.")
    if recipient.strip():
        lines.append(f"Released to: {' '.join(recipient.split())}")
    if purpose_label.strip():
        lines.append(f"Purpose: {' '.join(purpose_label.split())}")
    return "\n".join(lines)


# ---------------------------------------------------------------------- demographics


def _demographics(extract: PatientExtract) -> list[Block]:
    info, details = extract.record.info, extract.record.details
    pairs = [
        ("Name", info.display_name),
        ("Previous names", details.previous_names or ""),
        ("Date of birth", day(info.birth_date)),
        ("Sex", info.sex.capitalize()),
        ("MRN", info.mrn),
        ("Preferred language", details.preferred_language or ""),
        ("Address", _address(details)),
        ("Phone", info.phone or ""),
        ("Mobile phone", details.mobile_phone or ""),
        ("Email", details.email or ""),
    ]
    blocks: list[Block] = [Fields(tuple((k, v) for k, v in pairs if v))]
    blocks.append(Heading("Insurance", 2))
    blocks += _insurance(details.coverages)
    return blocks


def _address(details: PatientDetails) -> str:
    place = joined(details.city, joined(details.state, details.postal_code, sep=" "), sep=", ")
    return joined(details.address_line1, details.address_line2, place, sep=", ")


def _insurance(coverages: tuple[CoverageInfo, ...]) -> list[Block]:
    rows = []
    for c in sorted(coverages, key=lambda c: c.priority):
        subscriber = ""
        if c.subscriber_relationship != "self":
            subscriber = joined(c.subscriber_name, f"({c.subscriber_relationship})", sep=" ")
        else:
            subscriber = "Self"
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
    if not rows:
        return [Paragraph("No insurance recorded.", muted=True)]
    return [
        Table(
            ("Coverage", "Payer", "Plan", "Member ID", "Group", "Subscriber"),
            tuple(rows),
            (1, 2, 1.6, 1.4, 1.1, 1.8),
        )
    ]


# ---------------------------------------------------------------------- visits


def _newest_first(extract: PatientExtract) -> list[EncounterExtract]:
    return sorted(extract.encounters, key=lambda e: e.item.data.starts_at, reverse=True)


def _encounter_title(visit: EncounterExtract) -> str:
    data = visit.item.data
    title = f"{local_time(data.starts_at)} {data.encounter_type.label}"
    if visit.item.status is ItemStatus.INACTIVE:
        title += " (cancelled)"
    return title


def _encounters(extract: PatientExtract) -> list[Block]:
    visits = _newest_first(extract)
    if not visits:
        return [sections.NONE_RECORDED]
    return [_note(v) for v in visits]


def _note(visit: EncounterExtract) -> Note:
    data = visit.item.data
    if data.signed_at is not None:
        signed = f"Signed by {visit.signed_by or '(unknown user)'} on {local_time(data.signed_at)}"
    else:
        signed = "Not signed"
    byline = joined(
        f"Provider: {visit.provider}",
        f"Location: {data.location}" if data.location else "",
        f"Reason for visit: {data.reason_for_visit}",
        signed,
        sep=" · ",
    )
    parts = [
        (name.capitalize(), text)
        for name in SOAP_SECTIONS
        if (text := getattr(data, name)) is not None and text.strip()
    ]
    parts += [_addendum(a) for a in visit.addenda]
    return Note(_encounter_title(visit), byline, tuple(parts))


def _addendum(addendum: AddendumInfo) -> tuple[str, str]:
    title = (
        f"Addendum, {local_time(addendum.written_at)}, by {addendum.author}. "
        f"Reason: {addendum.reason}"
    )
    if addendum.amendment_request_id is not None:
        title += " (the patient's amendment request, accepted)"
    return title, addendum.text


def _coding(extract: PatientExtract) -> list[Block]:
    coded = [v for v in _newest_first(extract) if v.coding is not None]
    if not coded:
        return [Paragraph("No coded encounters.", muted=True)]
    blocks: list[Block] = []
    for visit in coded:
        coding = visit.coding
        assert coding is not None
        title = f"{_encounter_title(visit)}: {coding.state.label}, {coding.setting.label}"
        blocks.append(Heading(title, 2))
        blocks += _coded(coding)
    return blocks


def _coded(coding: CodingData) -> list[Block]:
    blocks: list[Block] = []
    if coding.diagnoses:
        rows = tuple(
            (pointer_letter(n) or str(n), d.code, d.title)
            for n, d in enumerate(coding.diagnoses, start=1)
        )
        blocks.append(Table(("Dx", "ICD-10-CM", "Diagnosis"), rows, (0.5, 1.2, 7)))
    else:
        blocks.append(Paragraph("No diagnoses coded.", muted=True))
    if coding.procedures:
        lines = tuple(
            (
                str(n),
                p.system.label,
                p.code,
                p.title,
                " ".join(p.modifiers),
                str(p.units) if p.system.takes_modifiers else "",
                "".join(pointer_letter(x) or f"({x})" for x in p.pointers),
            )
            for n, p in enumerate(coding.procedures, start=1)
        )
        blocks.append(
            Table(
                ("Line", "Code set", "Code", "Procedure", "Modifiers", "Units", "Dx pointers"),
                lines,
                (0.5, 1, 1, 3.9, 1, 0.6, 1),
            )
        )
    else:
        blocks.append(Paragraph("No procedures coded.", muted=True))
    return blocks


def _documents(extract: PatientExtract) -> list[Block]:
    rows = []
    for item in sorted(extract.documents, key=lambda i: i.data.document_date, reverse=True):
        data = item.data
        rows.append(
            (
                day(data.document_date),
                data.type_text,
                data.author or "",
                data.description or "",
                str(data.page_count) if data.page_count else "",
            )
        )
    if not rows:
        return [sections.NONE_RECORDED]
    return [
        Paragraph(
            "Listed only: the documents themselves are not included in this record.",
            muted=True,
        ),
        Table(("Date", "Type", "From", "Description", "Pages"), tuple(rows), (1, 1.6, 2, 4, 0.6)),
    ]


_SECTIONS: dict[RecordSection, Callable[[PatientExtract], list[Block]]] = {
    RecordSection.DEMOGRAPHICS: _demographics,
    RecordSection.PROBLEMS: lambda x: sections.problems(x.of("problem")),
    RecordSection.HISTORIES: lambda x: sections.histories(
        {
            kind: x.of(kind)
            for kind in ("medical-history", "surgical-history", "family-history", "social-history")
        }
    ),
    RecordSection.MEDICATIONS: lambda x: sections.medications(x.of("medication")),
    RecordSection.ALLERGIES: lambda x: sections.allergies(
        x.of("allergy"), x.of("allergy-statement")
    ),
    RecordSection.IMMUNIZATIONS: lambda x: sections.immunizations(x.of("immunization")),
    RecordSection.VITALS: lambda x: sections.vitals(x.of("vitals")),
    RecordSection.RESULTS: lambda x: sections.results(x.tests),
    RecordSection.PROCEDURES: lambda x: sections.procedures(x.of("procedure")),
    RecordSection.ENCOUNTERS: _encounters,
    RecordSection.CODING: _coding,
    RecordSection.DOCUMENTS: _documents,
}
