"""Opening a 50-page PDF to its first page visible, in-process and offscreen.

* figure: the viewer as the chart opens it (``DocumentViewer`` over the bytes, as
  ``DocumentService.open_file`` returns them): QtPdf loads the document from a QBuffer, the
  first page is drawn at the view's width and the dialog shown and painted (grabbed); the
  thumbnails are drawn afterwards, a few per turn of the event loop. Median and p95.
* baseline, interleaved in the same run: the naive viewer, which draws every page (at the
  view's width) and every thumbnail before it shows the first page.

Beside them, the whole path as the chart takes it: ``open_file`` (the audited read of the
bytes from an encrypted SQLCipher clinic, in a temporary folder) and then the viewer, on the
same PDF attached to a patient there.

Usage: python bench/document_open.py [RUNS]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _common import machine, write_result  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from reportlab.lib.pagesizes import letter  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from medrec_desktop.domain.documents import DocumentInput, DocumentType  # noqa: E402
from medrec_desktop.domain.enums import Role  # noqa: E402
from medrec_desktop.paths import DataPaths  # noqa: E402
from medrec_desktop.services.documents import DocumentFile  # noqa: E402
from medrec_desktop.services.installation import Installation, NewAdmin  # noqa: E402
from medrec_desktop.services.patients import PatientInput  # noqa: E402
from medrec_desktop.ui.documents.viewer import DocumentViewer  # noqa: E402
from tests.support.secrets import InMemorySecretStore  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
PASSWORD = "bench password 2026"
PAGES = 50
TARGET_MS = 300.0


def fifty_pages() -> DocumentFile:
    """A 50-page letter with text and ruled lines on every page (synthetic)."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=letter)
    for n in range(PAGES):
        pdf.setFont("Helvetica-Bold", 14)
        pdf.drawString(72, 730, f"Outside records, page {n + 1} of {PAGES}")
        pdf.setFont("Helvetica", 10)
        for line in range(40):
            y = 700 - line * 15
            pdf.drawString(72, y, f"Line {line + 1}: synthetic clinical text for page {n + 1}.")
            pdf.line(72, y - 3, 540, y - 3)
        pdf.showPage()
    pdf.save()
    content = out.getvalue()
    return DocumentFile(
        content, "application/pdf", PAGES, hashlib.sha256(content).hexdigest(), None
    )


def product(app: QApplication, file: DocumentFile) -> tuple[float, int]:
    """Seconds to the first page painted, and the width it was drawn at."""
    start = time.perf_counter()
    viewer = DocumentViewer("Outside records", file)
    viewer.show()
    app.processEvents()  # the layout settles and the page is drawn at the view's width
    viewer.view.grab()  # the first page painted
    took = time.perf_counter() - start
    assert viewer.where.text() == f"Page 1 of {PAGES}"
    width = viewer.shown_size.width()
    assert width > 600  # drawn at the view's width, not a stand-in
    viewer.close()
    viewer.deleteLater()
    app.processEvents()
    return took, width


def naive(app: QApplication, file: DocumentFile, width: int) -> float:
    """``width``: the view's width, as the viewer draws its page."""
    start = time.perf_counter()
    viewer = DocumentViewer("Outside records", file)
    viewer._thumb_timer.stop()
    pages = [viewer.pages.render(n, width) for n in range(PAGES)]  # every page first
    while viewer.thumbnails_drawn < PAGES:
        viewer._draw_thumbs()
    viewer.show()
    app.processEvents()
    viewer.view.grab()
    took = time.perf_counter() - start
    assert len(pages) == PAGES
    viewer.close()
    viewer.deleteLater()
    app.processEvents()
    return took


def from_the_database(app: QApplication, file: DocumentFile) -> list[float]:
    """Milliseconds from ``open_file`` on an encrypted clinic to the first page painted."""
    with tempfile.TemporaryDirectory() as tmp:
        inst, _ = Installation.create(
            DataPaths(Path(tmp) / "data"),
            admin=NewAdmin("admin", "Ada Admin", PASSWORD),
            secret_store=InMemorySecretStore(),
        )
        try:
            admin = inst.auth.login("admin", PASSWORD)
            inst.users.add_user(
                admin, "pat", "Dr. Patel", Role.PROVIDER, PASSWORD, must_change_password=False
            )
            doc = inst.auth.login("pat", PASSWORD)
            patient = inst.patients.register(
                doc, PatientInput("Bench", "Betty", dt.date(1970, 1, 1), "female")
            )
            item = inst.documents.attach(
                doc,
                patient.id,
                DocumentInput(doc_type=DocumentType.OUTSIDE_LAB, document_date=dt.date(2026, 1, 5)),
                file.content,
            )
            took = []
            for _ in range(RUNS + 1):
                start = time.perf_counter()
                read = inst.documents.open_file(doc, item.id)
                viewer = DocumentViewer("Outside records", read)
                viewer.show()
                app.processEvents()
                viewer.view.grab()
                took.append((time.perf_counter() - start) * 1000)
                viewer.close()
                viewer.deleteLater()
                app.processEvents()
            return took[1:]  # the first read warms the connection
        finally:
            inst.close()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    file = fifty_pages()
    _took, width = product(app, file)  # the first run loads fonts and plugins for both
    naive(app, file, width)
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(RUNS):
        ours.append(product(app, file)[0] * 1000)
        theirs.append(naive(app, file, width) * 1000)
    whole = from_the_database(app, file)
    print(
        f"open a {PAGES}-page PDF to the first page visible ({len(file.content) // 1024} KB):\n"
        f"  viewer (first page now, thumbnails after): median {statistics.median(ours):.1f} ms,"
        f" p95 {p95(ours):.1f} ms over {RUNS} runs\n"
        f"  naive (every page and thumbnail first): median {statistics.median(theirs):.1f} ms,"
        f" p95 {p95(theirs):.1f} ms over {RUNS} runs\n"
        f"  with the audited read from an encrypted clinic: median "
        f"{statistics.median(whole):.1f} ms, p95 {p95(whole):.1f} ms\n"
        f"  target: < {TARGET_MS:.0f} ms; machine: {machine()}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    write_result(
        "document_open",
        figure=f"open a {PAGES}-page PDF to the first page visible (viewer from the bytes, "
        "offscreen), median",
        unit="ms",
        value=statistics.median(ours),
        baseline="the naive viewer drawing every page and thumbnail before showing the first, "
        "interleaved in the same run",
        baseline_value=statistics.median(theirs),
        target=f"< {TARGET_MS:.0f} ms",
        extra={
            "p95_ms": round(p95(ours), 2),
            "baseline_p95_ms": round(p95(theirs), 2),
            "runs": RUNS,
            "pages": PAGES,
            "pdf_bytes": len(file.content),
            "page_width_px": width,
            "with_database_read_ms": round(statistics.median(whole), 2),
            "with_database_read_p95_ms": round(p95(whole), 2),
        },
    )


if __name__ == "__main__":
    main()
