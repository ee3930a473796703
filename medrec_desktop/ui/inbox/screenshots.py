"""Pictures of the scanner inbox (``make screenshots``): the inbox with a few scans (one
waiting longer than the clinic allows, the chosen one shown beside the list), the filing
dialog with the patient suggested from the scan, the split dialog with two parts marked,
and the "not ours" dialog. The scans are synthetic PDFs and TIFFs drawn here and received
through ``InboxService.receive``, as the scanner folder's watcher hands them over."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from medrec_desktop.domain.dto import PatientInfo, UserSession
from medrec_desktop.domain.enums import Role
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.documents.screenshots import card_tiff, referral_pdf
from medrec_desktop.ui.inbox.page import InboxPage
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner

SIZE = (1366, 768)
#: (days ago, file name, what it is)
SCANS = (
    (5, "Scan_0812.pdf", "a referral letter"),
    (1, "FAX_5550104410.pdf", "a fax for another practice"),
    (0, "valley-lab-results.pdf", "an outside lab report naming the patient"),
    (0, "insurance-card.tiff", "both sides of an insurance card"),
    (0, "batch-scan-0007.pdf", "three documents scanned at once"),
)


def lab_pdf(patient: PatientInfo) -> bytes:
    """An outside lab report naming the patient (its text layer is what suggests them)."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=letter)
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(72, 730, "Valley Reference Laboratory")
    pdf.setFont("Helvetica", 10)
    pdf.drawString(72, 714, "44 Orchard Road · CLIA 38D0912345 · Phone (555) 010-7780")
    pdf.line(72, 704, 540, 704)
    pdf.setFont("Helvetica", 11)
    pdf.drawString(72, 680, f"Patient: {patient.family_name.upper()}, {patient.given_names}")
    pdf.drawString(72, 664, f"DOB: {patient.birth_date:%m/%d/%Y}    MRN: {patient.mrn}")
    pdf.drawString(72, 648, "Collected: 11/19/2026 07:40    Reported: 11/20/2026 14:05")
    pdf.setFont("Courier", 10)
    y = 610
    for line in (
        "TEST                 RESULT    FLAG   REFERENCE      UNITS",
        "Cholesterol, total   212       H      <200           mg/dL",
        "LDL cholesterol      131       H      <100           mg/dL",
        "HDL cholesterol       48              >39            mg/dL",
        "Triglycerides        165       H      <150           mg/dL",
        "TSH                    2.1            0.45-4.5       uIU/mL",
    ):
        pdf.drawString(72, y, line)
        y -= 16
    pdf.setFont("Helvetica", 9)
    pdf.drawString(72, 90, "Electronically signed by M. Ortiz, MD, Laboratory Director")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def fax_pdf() -> bytes:
    """A fax meant for another practice."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=letter)
    pdf.setFont("Helvetica-Bold", 28)
    pdf.drawString(72, 700, "FAX")
    pdf.setFont("Helvetica", 12)
    for n, line in enumerate(
        (
            "To: Lakeside Pediatrics          Fax: (555) 010-4410",
            "From: Harbor Imaging Center      Fax: (555) 010-9902",
            "Pages: 1 (including cover)",
            "Re: imaging appointment confirmation",
        )
    ):
        pdf.drawString(72, 660 - 20 * n, line)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def batch_pdf(patient: PatientInfo) -> bytes:
    """Five pages scanned at once: a 2-page letter, a 1-page consent, a 2-page report."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=letter)
    documents = (
        ("Riverside Cardiology Associates", "Consultation letter", 2),
        ("Maple Street Family Clinic", "Consent to treatment", 1),
        ("Harbor Imaging Center", "Chest X-ray report", 2),
    )
    for sender, title, pages in documents:
        for n in range(pages):
            pdf.setFont("Helvetica-Bold", 16)
            pdf.drawString(72, 730, sender)
            pdf.setFont("Helvetica", 12)
            pdf.drawString(72, 700, f"{title} — page {n + 1} of {pages}")
            pdf.drawString(72, 680, f"Re: {patient.display_name}")
            for k in range(12):
                pdf.drawString(72, 640 - 18 * k, "Lorem ipsum text of the scanned page " * 2)
            pdf.showPage()
    pdf.save()
    return out.getvalue()


def receive_scans(inst: Installation, session: UserSession, patient: PatientInfo) -> None:
    """Scans as the scanner folder hands them over: one five days ago (waiting longer than
    the clinic's three days), one yesterday, three this morning."""
    now = dt.datetime.now(dt.UTC)
    contents = (referral_pdf(patient), fax_pdf(), lab_pdf(patient), card_tiff(), batch_pdf(patient))
    clock = inst.ctx.clock
    try:
        for n, ((days, name, _), content) in enumerate(zip(SCANS, contents, strict=True)):
            moment = now - dt.timedelta(days=days, hours=3 - n)
            # The demo stamps each arrival at its own moment; the clock is put back below.
            inst.ctx.clock = lambda moment=moment: moment  # type: ignore[misc]
            inst.inbox.receive(session, name, content, int(moment.timestamp() * 1e9))
    finally:
        inst.ctx.clock = clock


def render_inbox_screenshots(
    out: Path, app: QApplication, inst: Installation, runner: OpRunner
) -> list[Path]:
    from medrec_desktop.services.demo import DEMO_USERS
    from medrec_desktop.ui.screenshots import PASSWORD, grab, settle

    records = inst.auth.login(DEMO_USERS[Role.RECORDS][0], PASSWORD)
    patient = inst.patients.list_all(records, limit=40)[7]
    receive_scans(inst, records, patient)
    # Workstation preferences for this window only, never beside the pictures.
    prefs = Path(tempfile.mkdtemp(prefix="medrec-inbox-shots-"))
    window = MainWindow(
        paths=inst.paths,
        services=ServicesHolder(inst=inst, code_sets=CodeSets()),
        runner=runner,
        session=records,
        settings=QSettings(str(prefs / "inbox-shots.ini"), QSettings.Format.IniFormat),
        idle_minutes=15,
    )
    window.resize(*SIZE)
    window.show()
    window.show_area("Inbox")
    page = window.areas["Inbox"]
    assert isinstance(page, InboxPage)
    names = [name for _days, name, _content in SCANS]
    settle(app, runner, lambda: page.model.rowCount() >= 5 and window.inbox_summary is not None)

    def choose(name: str) -> None:
        row = next(r for r in range(page.proxy.rowCount()) if page.entry_at(r).source_name == name)
        page.table.selectRow(row)
        settle(app, runner, lambda: page.preview.loaded and page.preview_file is not None)

    choose(names[2])  # the lab report: the oldest above it stays amber, not selected
    page.focus_list()
    settle(
        app,
        runner,
        lambda: (
            page.preview.thumbnails_drawn == page.preview.pages.count
            and len(page.model.thumbs) >= 5
        ),
    )
    shots = [grab(window, out, "inbox.png", app, runner)]

    page.file_current()  # the lab report: its text names the patient
    dialog = page.file_dialog
    assert dialog is not None
    settle(app, runner, lambda: dialog.preview.loaded)
    dialog.activateWindow()
    settle(app, runner)
    shots.append(grab(dialog, out, "inbox-file.png", app, runner))
    if dialog.picker.suggestions:
        dialog.picker.pick_selected()
    else:
        dialog.picker.search_box.setText(patient.family_name)
        dialog.picker.run_search()
        settle(app, runner, lambda: dialog.picker.model.rowCount() > 0)
        dialog.picker.pick(
            next(c for c in dialog.picker.model.rows() if c.patient_id == patient.id)
        )
    dialog.fields.doc_type.setCurrentIndex(1)  # Outside lab report
    dialog.fields.document_date.setText("11/20/2026")
    dialog.fields.author.setText("Valley Reference Laboratory")
    dialog.fields.description.setPlainText("Lipid panel and TSH")
    settle(app, runner)
    dialog.fields.author.setFocus()
    shots.append(grab(dialog, out, "inbox-file-filled.png", app, runner))
    dialog.reject()
    settle(app, runner)

    choose(names[4])  # the five-page batch
    page.split_current()
    split = page.split_dialog
    assert split is not None
    split.toggle(3)
    split.toggle(4)
    split.thumbs.setCurrentRow(3)
    settle(app, runner, lambda: split.thumbnails_drawn == split.pages.count)
    shots.append(grab(split, out, "inbox-split.png", app, runner))
    split.reject()

    choose(names[1])  # the fax for another practice
    page.not_ours_current()
    reject = page.not_ours_dialog
    assert reject is not None
    reject.presets[0].setChecked(True)
    reject.details.setText("addressed to Lakeside Pediatrics, fax (555) 010-4410")
    shots.append(grab(reject, out, "inbox-not-ours.png", app, runner))
    reject.reject()
    settle(app, runner)
    window.session = None
    window.close()
    return shots
