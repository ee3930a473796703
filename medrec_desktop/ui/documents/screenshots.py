"""Screenshots of the chart's documents (issue 12): the list, the attach form and the viewer,
on documents made here (a referral letter drawn with reportlab, a scanned insurance card as a
2-page TIFF): the demo clinic has no documents of its own yet."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from PySide6.QtWidgets import QApplication
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from medrec_desktop.domain.documents import DocumentInput, DocumentType
from medrec_desktop.domain.dto import PatientInfo, UserSession
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.documents.page import DocumentsPage
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.tasks import OpRunner

LETTER_LINES = (
    "Thank you for seeing this patient, who reports intermittent palpitations",
    "over the past three months, worse with exertion, without syncope.",
    "Resting ECG in clinic showed sinus rhythm at 78 bpm, normal intervals.",
    "Echocardiogram and ambulatory monitoring would be appreciated.",
    "Current medications: lisinopril 10 mg daily, atorvastatin 20 mg nightly.",
)


def referral_pdf(patient: PatientInfo, pages: int = 3) -> bytes:
    """A letter from an outside clinic, as a referral arrives (synthetic)."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=letter)
    for n in range(pages):
        pdf.setFont("Helvetica-Bold", 16)
        pdf.drawString(72, 730, "Riverside Cardiology Associates")
        pdf.setFont("Helvetica", 10)
        pdf.drawString(72, 714, "200 Harbor Way, Suite 4 · Fax (555) 010-2231")
        pdf.line(72, 704, 540, 704)
        pdf.setFont("Helvetica", 11)
        pdf.drawString(72, 676, f"Re: {patient.display_name}, born {patient.birth_date:%m/%d/%Y}")
        pdf.drawString(72, 660, "Referral for cardiology consultation")
        y = 630
        for line in LETTER_LINES if n == 0 else LETTER_LINES[::-1]:
            pdf.drawString(72, y, line)
            y -= 18
        pdf.drawString(72, 120, "Dr. Lena Park, MD")
        pdf.drawRightString(540, 60, f"Page {n + 1} of {pages}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def card_tiff() -> bytes:
    """Both sides of an insurance card, scanned to a 2-page TIFF (synthetic)."""
    sides = []
    title, body = ImageFont.load_default(size=34), ImageFont.load_default(size=28)
    for side in ("FRONT", "BACK"):
        image = Image.new("RGB", (856, 540), (236, 242, 250))
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, 855, 90), fill=(32, 86, 160))
        draw.text((30, 26), f"Northwind Health Plan - {side}", fill=(255, 255, 255), font=title)
        draw.text((30, 140), "Member ID  NWH 4401 2298 17", fill=(20, 20, 20), font=body)
        draw.text((30, 180), "Group  88102   Plan  PPO Silver", fill=(20, 20, 20), font=body)
        draw.text((30, 220), "Copay  Office $25  Specialist $50", fill=(20, 20, 20), font=body)
        sides.append(image)
    out = io.BytesIO()
    sides[0].save(out, "TIFF", save_all=True, append_images=sides[1:])
    return out.getvalue()


def render_document_screenshots(
    window: MainWindow,
    out: Path,
    app: QApplication,
    runner: OpRunner,
    *,
    inst: Installation,
    session: UserSession,
    patient: PatientInfo,
) -> list[Path]:
    from medrec_desktop.ui.screenshots import grab, settle

    today = dt.date.today()
    letter_bytes = referral_pdf(patient)
    filed = (
        (
            DocumentInput(
                doc_type=DocumentType.INSURANCE_CARD,
                document_date=today - dt.timedelta(days=400),
                author="Northwind Health Plan",
                description="Member card, both sides",
                file_name="card.tif",
            ),
            card_tiff(),
        ),
        (
            DocumentInput(
                doc_type=DocumentType.OUTSIDE_LAB,
                document_date=today - dt.timedelta(days=40),
                author="Valley Reference Lab",
                description="Lipid panel and TSH",
                file_name="valley-lab.pdf",
            ),
            referral_pdf(patient, pages=1),
        ),
        (
            DocumentInput(
                doc_type=DocumentType.REFERRAL,
                document_date=today - dt.timedelta(days=6),
                author="Dr. Lena Park, Riverside Cardiology",
                description="Referral for palpitations",
                file_name="referral-park.pdf",
            ),
            letter_bytes,
        ),
    )
    for data, content in filed:
        inst.documents.attach(session, patient.id, data, content)
    chart = window.chart
    page = chart.documents
    chart.tabs.setCurrentWidget(page)
    settle(app, runner, lambda: page.model.rowCount() == 3)
    page.focus_list()
    shots = [grab(window, out, "chart-documents.png", app, runner)]

    page.open_attach(session, patient.id, Path("consent-2026.pdf"), referral_pdf(patient, 2))
    dialog = page.attach_dialog
    assert dialog is not None
    dialog.doc_type.setCurrentIndex(dialog.doc_type.findData(DocumentType.CONSENT.value))
    dialog.set_date(today - dt.timedelta(days=1))
    dialog.author.setText("Signed at the front desk")
    dialog.description.setPlainText("Consent to treatment, signed")
    settle(app, runner, lambda: dialog.encounter.count() >= 1)
    dialog.author.setFocus()
    shots.append(grab(dialog, out, "chart-document-attach.png", app, runner))
    dialog.reject()

    page.table.selectRow(0)
    page.open_current()
    settle(app, runner, lambda: page.viewer is not None)
    viewer = page.viewer
    assert viewer is not None
    viewer.resize(1100, 760)
    settle(app, runner, lambda: viewer.thumbnails_drawn == viewer.pages.count)
    viewer.page_area.setFocus()
    shots.append(grab(viewer, out, "chart-document-viewer.png", app, runner))
    viewer.reject()
    shots.append(render_cover_sheet_screenshot(page, out, app, runner))
    return shots


def render_cover_sheet_screenshot(
    page: DocumentsPage, out: Path, app: QApplication, runner: OpRunner
) -> Path:
    """The cover sheet form as opened from the Documents tab: a consent form's pages, for
    the patient's open visit when there is one."""
    from medrec_desktop.ui.screenshots import grab, settle

    page.print_cover_sheet()
    dialog = page.cover_dialog
    assert dialog is not None
    dialog.doc_type.setCurrentIndex(dialog.doc_type.findData(DocumentType.CONSENT.value))
    settle(app, runner)
    if dialog.encounter.count() > 1:
        dialog.encounter.setCurrentIndex(1)
    dialog.doc_type.setFocus()
    shot = grab(dialog, out, "chart-document-cover-sheet.png", app, runner)
    dialog.reject()
    return shot
