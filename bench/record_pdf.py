"""How long a 50-page record PDF takes (issue 14, Figures).

* figure: ``record_pdf.render`` of a synthetic record of about fifty pages (demographics,
  the chart's lists, vitals, many lab tests with flagged results, many signed visit notes
  with an addendum, their coding, documents), median wall time over RUNS renders; every page
  carries the letterhead, the patient line, "Page x of y", the confidentiality footer and
  who generated it when.
* baseline, interleaved in the same run: the same blocks as HTML through Qt's own
  ``QTextDocument`` + ``QPdfWriter`` (what a developer might pick instead). Qt's path does
  less: ``QTextDocument.print`` has no per-page letterhead, patient line or "Page x of y"
  beyond its own page number, and its tables are not split with a repeated header row
  unless the HTML asks (it does here, with ``<thead>``).

The machine is shared (two cores, other work running): CPU time of this process is
reported beside the wall time, and the load average before and after.

Usage: QT_QPA_PLATFORM=offscreen python bench/record_pdf.py [RUNS]
"""

from __future__ import annotations

import html
import io
import os
import statistics
import sys
import time
from collections.abc import Callable

from _common import write_result

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pypdf import PdfReader  # noqa: E402
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF  # noqa: E402
from PySide6.QtGui import (  # noqa: E402
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPdfWriter,
    QTextDocument,
)

from medrec_desktop.export.pdf_doc import (  # noqa: E402
    Fields,
    Heading,
    Note,
    PageBreak,
    Paragraph,
    PdfDocument,
    Table,
)
from medrec_desktop.export.record_document import record_document  # noqa: E402
from medrec_desktop.export.record_pdf import render  # noqa: E402
from tests.support.sample_record import CLINIC_LINES, NOW, sample_extract  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 7
VISITS, TESTS = 50, 70  # about fifty pages
TARGET_S = 1.0


def document() -> PdfDocument:
    return record_document(
        sample_extract(visits=VISITS, tests=TESTS),
        generated_by="Rosa Díaz (Health information)",
        generated_at=NOW,
        recipient="Dr. Amal Haddad, Riverside Cardiology",
        purpose_label="Treatment (another provider)",
        clinic_lines=CLINIC_LINES,
    )


def _e(text: str) -> str:
    return html.escape(text).replace("\n", "<br/>")


def as_html(doc: PdfDocument) -> str:
    """The same blocks as the HTML subset QTextDocument reads."""
    out = [
        "<html><body style='font-family: DejaVu Sans; font-size: 9pt'>",
        f"<p><b>{_e(doc.clinic)}</b><br/>{'<br/>'.join(_e(x) for x in doc.clinic_lines)}</p>",
    ]
    if doc.patient is not None:
        p = doc.patient
        out.append(
            f"<p><b>Patient:</b> {_e(p.name)} <b>DOB:</b> {p.birth_date:%m/%d/%Y} "
            f"<b>MRN:</b> {_e(p.mrn)}</p>"
        )
    out.append(f"<h1>{_e(doc.title)}</h1><p>{_e(doc.subtitle)}</p>")
    for block in doc.blocks:
        if isinstance(block, Heading):
            out.append(f"<h{block.level + 1}>{_e(block.text)}</h{block.level + 1}>")
        elif isinstance(block, Paragraph):
            out.append(f"<p>{_e(block.text)}</p>")
        elif isinstance(block, Fields):
            cells = "".join(
                f"<tr><td><b>{_e(k)}</b></td><td>{_e(v)}</td></tr>" for k, v in block.pairs
            )
            out.append(f"<table cellpadding='2'>{cells}</table>")
        elif isinstance(block, Table):
            head = "".join(f"<th align='left'>{_e(c)}</th>" for c in block.columns)
            rows = []
            for index, row in enumerate(block.rows):
                style = (
                    " style='font-weight: bold; background: #fdecc8'"
                    if index in block.flagged
                    else ""
                )
                rows.append(f"<tr{style}>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>")
            out.append(
                "<table width='100%' cellpadding='2' cellspacing='0' border='0.5'>"
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            )
        elif isinstance(block, Note):
            out.append(f"<h4>{_e(block.title)}</h4><p><i>{_e(block.byline)}</i></p>")
            for title, text in block.parts:
                out.append(f"<p><b>{_e(title)}</b><br/>{_e(text)}</p>")
        elif isinstance(block, PageBreak):
            out.append("<p style='page-break-after: always'></p>")
    out.append(f"<p><small>{_e(doc.confidentiality)}</small></p></body></html>")
    return "".join(out)


def qt_pdf(doc: PdfDocument) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.Letter),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(doc.title)
    text = QTextDocument()
    text.setHtml(as_html(doc))
    text.print_(writer)
    buffer.close()
    return bytes(data.data())


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def timed(fn: Callable[[], bytes]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    app = QGuiApplication.instance() or QGuiApplication([])
    doc = document()
    ours, qt = render(doc), qt_pdf(doc)  # warm-up (fonts registered, Qt's fonts loaded)
    load_before = os.getloadavg()
    calls = {"reportlab": lambda: render(doc), "qt": lambda: qt_pdf(doc)}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in calls}
    for r in range(RUNS):
        for name in calls if r % 2 == 0 else reversed(list(calls)):
            times[name].append(timed(calls[name]))
    load_after = os.getloadavg()
    wall = {n: statistics.median(t[0] for t in ts) for n, ts in times.items()}
    cpu = {n: statistics.median(t[1] for t in ts) for n, ts in times.items()}
    for name in calls:
        print(f"{name:>9}: {wall[name]:.3f} s wall, {cpu[name]:.3f} s CPU (median of {RUNS})")
    print(f"load average {load_before} before, {load_after} after")
    write_result(
        "record_pdf",
        figure=f"a {pages(ours)}-page record PDF (record_pdf.render: letterhead, patient line, "
        "Page x of y, footer on every page; tables with repeated headers; DejaVu Sans "
        f"embedded), median wall time of {RUNS} renders",
        unit="s",
        value=wall["reportlab"],
        baseline="the same blocks as HTML through Qt's QTextDocument + QPdfWriter "
        "(no per-page letterhead or patient line), same run, interleaved",
        baseline_value=wall["qt"],
        target=f"< {TARGET_S:g} s",
        extra={
            "pages": pages(ours),
            "baseline_pages": pages(qt),
            "cpu_s": round(cpu["reportlab"], 4),
            "baseline_cpu_s": round(cpu["qt"], 4),
            "bytes": len(ours),
            "baseline_bytes": len(qt),
            "content": {"visits": VISITS, "lab_tests": TESTS},
            "runs": RUNS,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
    )
    del app


if __name__ == "__main__":
    main()
