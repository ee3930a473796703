"""Cover sheets through the real services, on SQLCipher and PostgreSQL: a sheet printed from a
chart (its PDF), drawn as a picture, "scanned" (turned a little, noisy, blurred, grey, saved
as a scanner saves: a JPEG inside a PDF, or a TIFF) in front of two pages and picked up by
the inbox, is filed to that patient and type without the sheet; a sheet that is unknown,
expired or printed for a merged record leaves the scan waiting with the reason; somebody
else's QR code is ignored; the barcode holds the token and nothing about the patient."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from sqlalchemy import select

from medrec_desktop.domain.cover_sheets import TOKEN_PREFIX, new_token, parse_token
from medrec_desktop.domain.documents import DocumentType
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import PermissionDeniedError, ValidationError
from medrec_desktop.domain.inbox import InboxStatus
from medrec_desktop.models import CoverSheet
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.cover_sheet_intake import (
    DESCRIPTION,
    MERGED,
    ONLY_COVER,
    SIGNED_VISIT,
    UNKNOWN,
)
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.integration.chart_samples import SAMPLE_INPUTS, new_patient
from tests.support.scans import as_scanned, page_picture, text_page

# ---------------------------------------------------------------- making scans


def jpeg_in_pdf(first: Image.Image, pages: list[str]) -> bytes:
    """A scanner's PDF: the first page a JPEG picture, then ``pages`` of text."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=LETTER)
    jpeg = io.BytesIO()
    first.save(jpeg, "JPEG", quality=70)
    jpeg.seek(0)
    pdf.drawImage(ImageReader(jpeg), 0, 0, *LETTER)
    pdf.showPage()
    for words in pages:
        pdf.setFont("Helvetica", 14)
        pdf.drawString(72, 700, words)
        pdf.rect(72, 400, 300, 200)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def tiff(frames: list[Image.Image]) -> bytes:
    out = io.BytesIO()
    frames[0].save(
        out, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_adobe_deflate"
    )
    return out.getvalue()


def foreign_qr_pdf(text: str) -> bytes:
    """A page with somebody else's QR code (a fax service's tracking link)."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=LETTER)
    widget = QrCodeWidget(text)
    drawing = Drawing(
        200, 200, transform=[200 / widget.barWidth, 0, 0, 200 / widget.barHeight, 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, 200, 400)
    pdf.drawString(72, 300, "Fax tracking page")
    pdf.showPage()
    pdf.drawString(72, 700, "Lab results follow")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def scan_behind(sheet_pdf: bytes, pages: int = 2) -> bytes:
    return jpeg_in_pdf(
        as_scanned(page_picture(sheet_pdf)),
        [f"Outside lab report page {n + 1}" for n in range(pages)],
    )


_TIMES = iter(range(1, 10_000))


def receive(c: Clinic, content: bytes, name: str = "SCAN0001.pdf") -> int:
    got = c.inst.inbox.receive(c.sessions[Role.NURSE], name, content, next(_TIMES))
    return got.inbox_id


# ---------------------------------------------------------------- filing


def test_a_pdf_scan_is_filed_by_its_cover_sheet_without_the_sheet(clinic: Clinic) -> None:
    inst, nurse, records = clinic.inst, clinic.sessions[Role.NURSE], clinic.sessions[Role.RECORDS]
    pid = new_patient(clinic)
    visit = inst.encounters.add(clinic.sessions[Role.PROVIDER], pid, SAMPLE_INPUTS["encounter"])
    sheet = inst.cover_sheets.issue(nurse, pid, DocumentType.OUTSIDE_LAB, encounter_id=visit.id)
    assert sheet.expires_at == clinic.clock.now + dt.timedelta(days=90)
    scan = scan_behind(sheet.pdf)
    got = inst.inbox.receive(nurse, "SCAN0001.pdf", scan, 1)
    assert got.document_id is not None

    entry = inst.inbox.get(records, got.inbox_id)
    assert (entry.status, entry.document_id, entry.note) == (
        InboxStatus.FILED,
        got.document_id,
        None,
    )
    assert entry.page_count == 3 and entry.sha256 == hashlib.sha256(scan).hexdigest()
    assert inst.inbox.open_file(records, got.inbox_id).content == scan  # the scan as it came
    assert inst.inbox.entries(records) == []

    doc = inst.documents.get(records, got.document_id)
    d = doc.data
    assert (d.doc_type, d.encounter_id, d.description, d.author) == (
        DocumentType.OUTSIDE_LAB,
        visit.id,
        DESCRIPTION,
        None,
    )
    assert d.document_date == clinic.clock.now.astimezone().date()
    assert d.file_name == "SCAN0001.pdf"
    assert [i.id for i in inst.documents.list(records, pid).items] == [doc.id]
    stored = inst.documents.open_file(records, doc.id)
    assert d.page_count == stored.page_count == 2
    assert d.sha256 == stored.sha256 == hashlib.sha256(stored.content).hexdigest()
    # The two pages behind the sheet, as they were: their text, and drawn pixel for pixel.
    rest = PdfReader(io.BytesIO(stored.content))
    assert [p.extract_text().strip() for p in rest.pages] == [
        "Outside lab report page 1",
        "Outside lab report page 2",
    ]
    original, kept = pdfium.PdfDocument(scan), pdfium.PdfDocument(stored.content)
    for n in range(2):
        before = original[n + 1].render(scale=0.5).to_pil()
        after = kept[n].render(scale=0.5).to_pil()
        assert before.tobytes() == after.tobytes()

    with inst.store.engine.connect() as conn:
        used = conn.execute(select(CoverSheet.used_count, CoverSheet.last_used_at)).one()
    assert used.used_count == 1 and used.last_used_at is not None
    # The pick-up's audit event names the patient whose chart it wrote to.
    events = inst.audit.events(clinic.admin, AuditFilter(patient_id=pid))
    assert any(
        e.entry_point == "InboxService.receive" and e.username == nurse.username for e in events
    )


def test_a_tiff_scan_is_filed_by_its_cover_sheet_frame_for_frame(clinic: Clinic) -> None:
    inst, records = clinic.inst, clinic.sessions[Role.RECORDS]
    pid = new_patient(clinic)
    sheet = inst.cover_sheets.issue(records, pid, DocumentType.OTHER, type_name="Disability form")
    pages = [text_page("Disability form, part A"), text_page("Disability form, part B")]
    scan = tiff([as_scanned(page_picture(sheet.pdf), seed=3), *pages])
    got = inst.inbox.receive(clinic.sessions[Role.PROVIDER], "scan.tif", scan, 1)
    assert got.document_id is not None
    doc = inst.documents.get(records, got.document_id)
    assert (doc.patient_id, doc.data.doc_type, doc.data.type_name, doc.data.page_count) == (
        pid,
        DocumentType.OTHER,
        "Disability form",
        2,
    )
    stored = inst.documents.open_file(records, doc.id)
    assert doc.data.sha256 == hashlib.sha256(stored.content).hexdigest()
    with Image.open(io.BytesIO(stored.content)) as kept:
        assert kept.n_frames == 2
        for n, page in enumerate(pages):
            kept.seek(n)
            assert kept.convert("1").tobytes() == page.tobytes()


def test_a_stack_with_a_sheet_before_each_patient_waits_to_be_split(clinic: Clinic) -> None:
    # Sheet A, A's page, sheet B, B's page in one scan: filing it all by the first sheet would
    # put B's sheet and pages in A's chart. It waits, saying why, and nothing is filed.
    inst, records = clinic.inst, clinic.sessions[Role.RECORDS]
    first, second = new_patient(clinic), new_patient(clinic)
    sheet_a = inst.cover_sheets.issue(records, first, DocumentType.OUTSIDE_LAB)
    sheet_b = inst.cover_sheets.issue(records, second, DocumentType.REFERRAL)
    scan = tiff(
        [
            as_scanned(page_picture(sheet_a.pdf), seed=3),
            text_page("Lab report for the first patient"),
            as_scanned(page_picture(sheet_b.pdf), seed=4),
            text_page("Referral for the second patient"),
        ]
    )
    got = inst.inbox.receive(clinic.sessions[Role.NURSE], "stack.tif", scan, 1)
    assert got.document_id is None
    status, note, _ = note_of(clinic, got.inbox_id)
    assert status is InboxStatus.UNFILED and note is not None and "split it" in note
    assert inst.documents.list(records, first).items == ()
    assert inst.documents.list(records, second).items == ()


# ---------------------------------------------------------------- what the sheet shows


def test_the_barcode_holds_only_the_token_and_the_sheet_names_the_patient(clinic: Clinic) -> None:
    inst, nurse = clinic.inst, clinic.sessions[Role.NURSE]
    pid = new_patient(clinic, "Quintanilla")
    patient = inst.patients.get(nurse, pid)
    sheet = inst.cover_sheets.issue(nurse, pid, "referral")
    text = PdfReader(io.BytesIO(sheet.pdf)).pages[0].extract_text()
    dob = f"{patient.birth_date:%m/%d/%Y}"
    for shown in ("COVER SHEET", "Quintanilla, Pat", dob, patient.mrn, "Referral"):
        assert shown in text
    assert "Scan this sheet first; it is removed automatically." in text
    found = zxingcpp.read_barcodes(page_picture(sheet.pdf, dpi=150))
    assert [b.text for b in found] == [sheet.token]
    assert sheet.token.startswith(TOKEN_PREFIX) and parse_token(sheet.token) == sheet.token
    for private in ("Quintanilla", "Pat", dob, patient.mrn, patient.birth_date.isoformat()):
        assert private.upper() not in sheet.token.upper()
    # The file's own properties name nobody.
    info = PdfReader(io.BytesIO(sheet.pdf)).metadata
    assert info is not None and "Quintanilla" not in " ".join(str(v) for v in info.values())


# ---------------------------------------------------------------- when it cannot file


def note_of(c: Clinic, inbox_id: int) -> tuple[InboxStatus, str | None, int | None]:
    entry = c.inst.inbox.get(c.sessions[Role.RECORDS], inbox_id)
    return entry.status, entry.note, entry.document_id


def test_unknown_expired_and_merged_sheets_leave_the_scan_waiting_with_why(clinic: Clinic) -> None:
    inst, records = clinic.inst, clinic.sessions[Role.RECORDS]
    keep, gone = new_patient(clinic), new_patient(clinic)
    for_gone = inst.cover_sheets.issue(records, gone, DocumentType.CONSENT)
    early = inst.cover_sheets.issue(records, keep, DocumentType.REFERRAL)
    inst.patients.merge(records, keep, gone, reason="the same person registered twice")

    # A well-formed token this clinic never printed (another installation's sheet).
    unknown = receive(clinic, scan_behind(_sheet_with_token(clinic, new_token())))
    assert note_of(clinic, unknown) == (InboxStatus.UNFILED, UNKNOWN, None)

    merged = receive(clinic, scan_behind(for_gone.pdf))
    assert note_of(clinic, merged) == (InboxStatus.UNFILED, MERGED, None)

    clinic.clock.advance(days=91)
    expired = receive(clinic, scan_behind(early.pdf))
    day = f"{early.expires_at.astimezone():%m/%d/%Y}"
    assert note_of(clinic, expired) == (
        InboxStatus.UNFILED,
        f"Cover sheet expired on {day}; file by hand",
        None,
    )
    assert {e.id for e in inst.inbox.entries(records)} == {unknown, merged, expired}
    assert inst.documents.list(records, keep).items == ()
    # Nothing in a note names a patient.
    for entry in inst.inbox.entries(records):
        assert entry.note is not None and "Testperson" not in entry.note


def _sheet_with_token(c: Clinic, token: str) -> bytes:
    """A sheet as another installation would print it: our layout, a token we never stored."""
    from medrec_desktop.export.cover_sheet import CoverSheetContent, cover_sheet_pdf

    now = c.clock.now
    return cover_sheet_pdf(
        CoverSheetContent(
            clinic_name="Another clinic",
            patient_name="Somebody, Else",
            birth_date=dt.date(1980, 1, 1),
            mrn="X1",
            type_text="Referral",
            encounter_date=None,
            printed_by="Someone",
            printed_at=now,
            expires_at=now + dt.timedelta(days=90),
            token=token,
        )
    )


def test_a_scan_of_the_sheet_alone_waits(clinic: Clinic) -> None:
    pid = new_patient(clinic)
    sheet = clinic.inst.cover_sheets.issue(clinic.sessions[Role.NURSE], pid, "referral")
    alone = receive(clinic, scan_behind(sheet.pdf, pages=0))
    assert note_of(clinic, alone) == (InboxStatus.UNFILED, ONLY_COVER, None)
    # A phone photo of the sheet (one JPEG) is the sheet alone too.
    photo = io.BytesIO()
    as_scanned(page_picture(sheet.pdf)).save(photo, "JPEG", quality=80)
    assert note_of(clinic, receive(clinic, photo.getvalue(), "IMG_0001.jpg"))[1] == ONLY_COVER


def test_a_sheet_for_a_visit_signed_since_leaves_the_scan_waiting(clinic: Clinic) -> None:
    inst, provider = clinic.inst, clinic.sessions[Role.PROVIDER]
    pid = new_patient(clinic)
    visit = inst.encounters.add(provider, pid, SAMPLE_INPUTS["encounter"])
    sheet = inst.cover_sheets.issue(provider, pid, "consent", encounter_id=visit.id)
    inst.encounters.sign(provider, visit.id, password=ROLE_PASSWORD, expected_version=1)
    waiting = receive(clinic, scan_behind(sheet.pdf))
    assert note_of(clinic, waiting) == (InboxStatus.UNFILED, SIGNED_VISIT, None)
    with pytest.raises(ValidationError) as refused:
        inst.cover_sheets.issue(provider, pid, "consent", encounter_id=visit.id)
    assert refused.value.field == "encounter_id"


def test_somebody_elses_qr_code_is_ignored(clinic: Clinic) -> None:
    waiting = receive(clinic, foreign_qr_pdf("https://fax.example.org/track/48213"))
    assert note_of(clinic, waiting) == (InboxStatus.UNFILED, None, None)


# ---------------------------------------------------------------- printing one


def test_who_may_print_a_cover_sheet_and_what_it_needs(clinic: Clinic) -> None:
    inst, records = clinic.inst, clinic.sessions[Role.RECORDS]
    pid = new_patient(clinic)
    for role in (Role.CODER, Role.FRONT_DESK, Role.ADMIN):
        with pytest.raises(PermissionDeniedError):
            inst.cover_sheets.issue(clinic.sessions[role], pid, "referral")
    with pytest.raises(ValidationError) as missing:
        inst.cover_sheets.issue(records, pid, DocumentType.OTHER, type_name="  ")
    assert missing.value.field == "type_name"
    with pytest.raises(ValidationError) as wrong:
        inst.cover_sheets.issue(records, pid, "fax")
    assert wrong.value.field == "doc_type"
    other = new_patient(clinic)
    visit = inst.encounters.add(clinic.sessions[Role.PROVIDER], other, SAMPLE_INPUTS["encounter"])
    with pytest.raises(ValidationError) as elsewhere:
        inst.cover_sheets.issue(records, pid, "referral", encounter_id=visit.id)
    assert elsewhere.value.field == "encounter_id"
    inst.patients.merge(records, other, pid, reason="the same person registered twice")
    with pytest.raises(ValidationError, match="merged into MRN"):
        inst.cover_sheets.issue(records, pid, "referral")
    with inst.store.engine.connect() as conn:
        assert conn.execute(select(CoverSheet.id)).all() == []  # nothing half-written
