"""What looking for a cover sheet adds to picking up one scan (issue 12, item 4).

* figure: the cover-sheet check intake runs on every scan (``first_page_image`` then
  ``find_token``: the first page drawn grey at up to 150 dpi / 2000 px, QR codes looked
  for), median per scan over a mix of scans as clinics get them.
* baseline, interleaved in the same run: ``inspect_file`` on the same bytes, the check every
  scan already gets before it is stored (content type, pages, every image frame decoded).

The scans (synthetic, in memory): a scanner's PDF of JPEG pages at 200 dpi with a cover
sheet in front (the sheet scanned crooked and noisy) and the same without one; a 300 dpi
bilevel (group 4) TIFF with a cover sheet; a 12-megapixel phone photo of a page; a
20-page text PDF from a fax server.

Usage: python bench/cover_sheet_decode.py [RUNS]
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import sys
import time
from collections.abc import Callable

from _common import write_result
from PIL import Image
from reportlab.pdfgen import canvas

from medrec_desktop.domain.cover_sheets import find_token, new_token
from medrec_desktop.domain.document_files import inspect_file, looks_like
from medrec_desktop.domain.scan_pages import first_page_image
from medrec_desktop.export.cover_sheet import CoverSheetContent, cover_sheet_pdf
from tests.support.scans import as_scanned, page_picture, text_page

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 15


def sheet_pdf() -> bytes:
    now = dt.datetime(2026, 11, 26, 17, 0, tzinfo=dt.UTC)
    return cover_sheet_pdf(
        CoverSheetContent(
            clinic_name="Maple Street Family Clinic",
            patient_name="Rivera, Ana",
            birth_date=dt.date(1961, 4, 12),
            mrn="00000042",
            type_text="Outside lab report",
            encounter_date=None,
            printed_by="Nina Nurse, RN",
            printed_at=now,
            expires_at=now + dt.timedelta(days=90),
            token=new_token(),
        )
    )


def jpeg_pdf(pages: list[Image.Image], dpi: int) -> bytes:
    """A scanner's PDF: each page a grey JPEG picture (Pillow's PDF writer)."""
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return out.getvalue()


def scans() -> dict[str, bytes]:
    sheet = sheet_pdf()
    cover200 = as_scanned(page_picture(sheet, 200))
    body200 = text_page("Outside lab report").convert("L").resize(cover200.size)
    made = {
        "pdf 200 dpi JPEG pages, cover + 2": jpeg_pdf([cover200, body200, body200], 200),
        "pdf 200 dpi JPEG pages, no cover, 3": jpeg_pdf([body200, body200, body200], 200),
    }
    cover300 = as_scanned(page_picture(sheet, 300)).point(lambda v: 255 if v > 140 else 0)
    body300 = body200.resize(cover300.size)
    frames = [cover300.convert("1"), body300.convert("1"), body300.convert("1")]
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:], compression="group4")
    made["tiff 300 dpi group 4, cover + 2"] = out.getvalue()
    photo = text_page("Insurance card photo").convert("RGB").resize((4032, 3024))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=85)
    made["jpeg 12 MP phone photo"] = out.getvalue()
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for n in range(20):
        for line in range(40):
            pdf.drawString(72, 760 - line * 17, f"Faxed records page {n + 1}, line {line + 1}")
        pdf.showPage()
    pdf.save()
    made["pdf 20 text pages (fax server)"] = out.getvalue()
    return made


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    made = scans()
    checks: dict[str, list[float]] = {name: [] for name in made}
    inspects: dict[str, list[float]] = {name: [] for name in made}
    found: dict[str, str | None] = {}
    for _ in range(RUNS):
        for name, content in made.items():
            kind = looks_like(content)
            assert kind is not None
            inspects[name].append(timed(lambda c=content: inspect_file(c)))  # type: ignore[misc]
            checks[name].append(
                timed(
                    lambda c=content, k=kind, n=name: found.__setitem__(  # type: ignore[misc]
                        n, find_token(first_page_image(c, k))
                    )
                )
            )
    per_scan = {n: round(statistics.median(v), 1) for n, v in checks.items()}
    baseline = {n: round(statistics.median(v), 1) for n, v in inspects.items()}
    for name in made:
        seen = "cover sheet read" if found[name] else "no cover sheet"
        check, inspect = per_scan[name], baseline[name]
        print(f"{name:40s} check {check:6.1f} ms   inspect_file {inspect:6.1f} ms   ({seen})")
    assert all(found[n] for n in made if "cover +" in n), "a cover sheet was not read"
    write_result(
        "cover_sheet_decode",
        figure="cover-sheet check per scan (first page drawn, QR looked for), median over the mix",
        unit="ms",
        value=statistics.median(per_scan.values()),
        baseline="inspect_file on the same scans (the check every scan already gets), interleaved",
        baseline_value=statistics.median(baseline.values()),
        target="< 100 ms a scan (a desk scanner delivers a page every 1-2 s)",
        extra={
            "runs": RUNS,
            "per_scan_ms": per_scan,
            "inspect_ms": baseline,
            "sizes_bytes": {n: len(c) for n, c in made.items()},
        },
    )


if __name__ == "__main__":
    main()
