"""The demo clinic's scanner inbox (issue 12, item 7): what the fax line and the desk scanner
brought in over the last week and nobody has filed yet, plus one scan that filed itself by
its cover sheet. All synthetic, made in memory.

* a referral faxed by another practice, naming one of the demo patients (name, date of
  birth and MRN in its text, so the suggested patient has evidence), four days old;
* an outside lab report (name and date of birth), a day old;
* a stack scanned in one go: a 3-page discharge summary for one patient and a 2-page X-ray
  report for another, pictures only (no text), to be split;
* a fax meant for another practice ("not ours"), six days old;
* a 2-page TIFF from the desk scanner: a signed release authorization;
* an outside lab report behind a cover sheet printed from a chart: filed on arrival.

Speed: about 0.3 s on a busy two-core machine (drawing the pictures and the cover sheet).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import random
from dataclasses import dataclass
from pathlib import Path

import reportlab
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from pypdf import PdfReader, PdfWriter

from medrec_desktop.domain.document_files import DocumentContent
from medrec_desktop.domain.scan_pages import first_page_image
from medrec_desktop.services.demo_document_files import Filled, letter_pdf, templates

#: the resolution the demo's scanner pictures are drawn at (a fax machine's fine mode)
DPI = 100
_LETTER_PX = (850, 1100)


@dataclass(frozen=True)
class Who:
    """A demo patient as paper from outside names them."""

    name: str  # "Maria Lopez"
    dob: dt.date
    mrn: str


@dataclass(frozen=True)
class DemoScan:
    """A file as the scanner folder held it, and how long ago it arrived."""

    name: str
    content: bytes
    age: dt.timedelta


def waiting_scans(people: list[Who], today: dt.date, rng: random.Random) -> list[DemoScan]:
    """The unfiled scans (see the module docstring) about ``people`` (at least four)."""
    a, b, c, d = people[:4]
    day = today.strftime("%Y%m%d")
    return [
        DemoScan(f"FAX_{day}_0931.pdf", _referral_fax(a, today), dt.timedelta(days=4, hours=3)),
        DemoScan(
            f"CRL_results_{rng.randint(10000, 99999)}.pdf",
            _outside_lab(b, today - dt.timedelta(days=2)),
            dt.timedelta(days=1, hours=5),
        ),
        DemoScan("SCAN_0007.pdf", _two_part_stack(c, d, today, rng), dt.timedelta(days=2)),
        DemoScan(f"FAX_{day}_1410.pdf", _not_ours_fax(today), dt.timedelta(days=6, hours=1)),
        DemoScan("IMG_2291.tif", _release_tiff(b, today, rng), dt.timedelta(hours=5)),
    ]


def cover_sheet_scan(who: Who, sheet_pdf: bytes, today: dt.date) -> DemoScan:
    """The cover sheet printed for ``who``, scanned in front of a 2-page outside lab report."""
    picture = _as_scanned(first_page_image(sheet_pdf, DocumentContent.PDF), 0.6)
    cover = io.BytesIO()
    picture.save(cover, "PDF", resolution=150, quality=75)
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(cover.getvalue())))
    writer.append(PdfReader(io.BytesIO(_outside_lab(who, today))))
    out = io.BytesIO()
    writer.write(out)
    return DemoScan("SCAN_0012.pdf", out.getvalue(), dt.timedelta(0))


# ---------------------------------------------------------------- text PDFs (fax server)


def _dob(who: Who) -> str:
    return f"{who.dob:%m/%d/%Y}"


def _referral_fax(who: Who, today: dt.date) -> bytes:
    sent = today - dt.timedelta(days=4)
    return letter_pdf(
        "Riverside Family Practice",
        (
            (
                "FAX",
                "",
                "To: Maple Street Clinic, Medical Records",
                "From: Riverside Family Practice, referrals desk",
                f"Date: {sent:%m/%d/%Y}\tPages: 2 including this one",
                "",
                "Re: referral for a shared patient (letter attached).",
                "",
                "This fax may contain protected health information. If you are not the",
                "intended recipient, call (503) 555-0142 and destroy the pages.",
            ),
            (
                "Dear Dr. Patel,",
                "",
                f"Re: {who.name}\tDOB: {_dob(who)}   Your MRN: {who.mrn}",
                "",
                "I am referring this patient back to your care after a hospital stay",
                "for community-acquired pneumonia, now resolved. Please review the",
                "medication list at the next visit and repeat a chest X-ray in six weeks.",
                "",
                "Sincerely,",
                "Hannah Brooks, MD",
            ),
        ),
    )


def _outside_lab(who: Who, collected: dt.date) -> bytes:
    lab = next(t for t in templates() if t.key == "lab")
    return lab.fill(Filled(who.name, _dob(who), who.mrn, f"{collected:%m/%d/%Y}")).content


def _not_ours_fax(today: dt.date) -> bytes:
    sent = today - dt.timedelta(days=6)
    return letter_pdf(
        "Willamette Imaging Services",
        (
            (
                "FAX",
                "",
                "To: Lakeside Pediatrics, front desk",
                "From: Willamette Imaging Services",
                f"Date: {sent:%m/%d/%Y}\tPages: 1",
                "",
                "Re: Tobias Wrenfield\tDOB: 02/14/2019",
                "",
                "Ultrasound of the hip: no developmental dysplasia. Report to follow by mail.",
                "",
                "Sent to the wrong number? Call (503) 555-0188.",
            ),
        ),
    )


# ---------------------------------------------------------------- scanned pictures


@functools.cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Bitstream Vera ships with reportlab: names' accents are drawn.
    vera = Path(reportlab.__file__).parent / "fonts" / ("VeraBd.ttf" if bold else "Vera.ttf")
    if vera.is_file():
        return ImageFont.truetype(str(vera), size)
    return ImageFont.load_default(size=size)


def _paper(sender: str, lines: tuple[str, ...]) -> Image.Image:
    """A printed letter page as a grey picture at ``DPI``."""
    page = Image.new("L", _LETTER_PX, 255)
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, _LETTER_PX[0], 95), fill=70)
    draw.text((70, 30), sender, fill=255, font=_font(26, bold=True))
    y = 150
    for line in lines:
        draw.text((70, y), line, fill=20, font=_font(15))
        y += 26
    draw.text((70, 1040), "Synthetic demo document: not a real patient.", fill=90, font=_font(11))
    return page


def _as_scanned(page: Image.Image, degrees: float) -> Image.Image:
    """Fed a little crooked, slightly soft: how the desk scanner returns a page."""
    turned = page.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=255)
    return turned.filter(ImageFilter.GaussianBlur(0.5))


def _two_part_stack(first: Who, second: Who, today: dt.date, rng: random.Random) -> bytes:
    """Five pages scanned in one go: two patients' documents, pictures without text."""
    out_on = today - dt.timedelta(days=9)
    xray_on = today - dt.timedelta(days=5)
    discharge = (
        (
            "DISCHARGE SUMMARY",
            f"Patient: {first.name}    DOB: {_dob(first)}",
            f"Discharged: {out_on:%m/%d/%Y}    Attending: Dr. R. Hughes",
            "",
            "Admission diagnosis: cellulitis of the left lower leg.",
            "Treated with IV cefazolin, then oral cephalexin.",
        ),
        (
            f"Patient: {first.name}    page 2 of 3",
            "",
            "Discharge medications: cephalexin 500 mg four times daily, 5 more days.",
            "Keep the leg raised; watch for spreading redness or fever.",
        ),
        (
            f"Patient: {first.name}    page 3 of 3",
            "",
            "Follow-up: primary care within 7 days.",
            "Electronically signed: R. Hughes, MD",
        ),
    )
    xray = (
        (
            "RADIOLOGY REPORT",
            f"Patient: {second.name}    DOB: {_dob(second)}",
            f"Exam: XR RIGHT WRIST 3 VIEWS    Date: {xray_on:%m/%d/%Y}",
            "",
            "Findings: no fracture or dislocation. Soft tissues are unremarkable.",
        ),
        (
            f"Patient: {second.name}    page 2 of 2",
            "",
            "Impression: normal right wrist.",
            "Electronically signed: Alan Wright, MD",
        ),
    )
    pages = [
        _as_scanned(_paper("St. Luke's Regional Hospital", lines), rng.uniform(-1.2, 1.2))
        for lines in discharge
    ] + [
        _as_scanned(_paper("Valley Imaging Center", lines), rng.uniform(-1.2, 1.2))
        for lines in xray
    ]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=DPI, quality=70)
    return out.getvalue()


def _release_tiff(who: Who, today: dt.date, rng: random.Random) -> bytes:
    """A signed release authorization, two pages, as a bilevel TIFF (the desk scanner)."""
    signed = today - dt.timedelta(days=1)
    texts = (
        (
            "AUTHORIZATION TO RELEASE HEALTH INFORMATION",
            "",
            f"Patient: {who.name}    DOB: {_dob(who)}    MRN: {who.mrn}",
            "",
            "I authorize Maple Street Clinic to release to Cascade Physical Therapy:",
            "  [x] office notes of the last 12 months  [x] imaging reports",
            "for the purpose of continuing care.",
        ),
        (
            "This authorization expires one year from the date signed.",
            "I may revoke it in writing at any time.",
            "",
            f"Signed: {who.name}",
            f"Date: {signed:%m/%d/%Y}",
        ),
    )
    frames = [
        _as_scanned(_paper("Maple Street Clinic", lines), rng.uniform(-1.0, 1.0))
        .point(lambda v: 255 if v > 150 else 0)
        .convert("1")
        for lines in texts
    ]
    out = io.BytesIO()
    frames[0].save(
        out,
        "TIFF",
        save_all=True,
        append_images=frames[1:],
        compression="group4",
        dpi=(DPI, DPI),
    )
    return out.getvalue()
