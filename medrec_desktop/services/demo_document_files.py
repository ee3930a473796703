"""The files behind the demo clinic's documents (issue 12, item 7): letters and reports as
PDFs (reportlab) and insurance cards as PNG and JPEG images (Pillow), all synthetic and made
in memory; nothing is written to disk but the encrypted database.

Speed: reportlab takes 1-2 ms a document, too much for every demo document, so each letter
or report is drawn once per run as a template whose patient fields are fixed-width
placeholders, and filled per patient by replacing the placeholders' bytes with the values
padded to the same width. The page content is not compressed, so the placeholders are
plain bytes in the file, and the cross-reference offsets stay right because no length
changes. A card is drawn per patient (its payer's blank card is drawn once), about 2 ms.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path

import reportlab
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen import canvas

from medrec_desktop.domain.document_files import DocumentContent
from medrec_desktop.domain.documents import DocumentType

# The patient fields a template holds, with the width of each placeholder (in bytes).
WIDTHS = {"name": 60, "dob": 10, "mrn": 12, "date": 10}
# How much of a line a value takes, in characters: names end a column, the rest fit.
_ROOM = {"mrn": 8, "dob": 9, "date": 9}
_SECOND_COLUMN = 300.0


@dataclass(frozen=True)
class Filled:
    """Who a document is about, as printed on it."""

    name: str  # "Maria Lopez"
    dob: str  # 03/14/1962
    mrn: str
    date: str  # the document's date, 05/02/2024


@dataclass(frozen=True)
class DemoFile:
    content: bytes
    content_type: DocumentContent
    pages: int


@dataclass(frozen=True)
class Template:
    """One letter or report, drawn once; ``fill`` makes a patient's copy."""

    key: str
    doc_type: DocumentType
    sender: str  # the letterhead: who it is from
    author: str
    description: str
    file_stem: str
    pages: int
    pdf: bytes

    def fill(self, who: Filled) -> DemoFile:
        data = self.pdf
        for field, width in WIDTHS.items():
            data = data.replace(_slot(field), _pdf_text(getattr(who, field), width))
        return DemoFile(data, DocumentContent.PDF, self.pages)


def _slot(field: str) -> bytes:
    return ("{" + field).ljust(WIDTHS[field] - 1, "~").encode("ascii") + b"}"


def _pdf_text(value: str, width: int) -> bytes:
    """``value`` as the bytes of a PDF string drawn in a standard font (WinAnsi), escaped,
    cut or padded with spaces to exactly ``width`` bytes."""
    out = b""
    for ch in value:
        raw = ch.encode("cp1252", errors="replace")
        piece = b"".join(
            b"\\" + bytes([b])
            if b in b"()\\"
            else b"\\%03o" % b
            if b > 126 or b < 32
            else bytes([b])
            for b in raw
        )
        if len(out) + len(piece) > width:
            break
        out += piece
    return out.ljust(width, b" ")


# (key, type, sender, author, description, file stem, pages of body lines). Body lines
# name placeholders with {field}; each list of lines is one page.
_LETTERS: tuple[tuple[str, DocumentType, str, str, str, str, tuple[tuple[str, ...], ...]], ...] = (
    (
        "cardiology",
        DocumentType.REFERRAL,
        "Cascade Cardiology Associates",
        "Dr. Lena Park, Cardiology",
        "Cardiology consultation letter",
        "cardiology-consult",
        (
            (
                "Dear Dr. Patel,",
                "",
                "Re: {name}\tDOB: {dob}",
                "",
                "Thank you for this referral for evaluation of intermittent palpitations.",
                "I saw the patient in consultation on {date}.",
                "",
                "ECG showed sinus rhythm without ectopy. A 14-day ambulatory monitor",
                "recorded rare premature atrial complexes and no sustained arrhythmia.",
                "Echocardiogram: normal left ventricular size and function, EF 60%.",
                "",
                "Impression: benign palpitations. Reduce caffeine; no medication needed.",
                "I am happy to see the patient again if symptoms change.",
                "",
                "Sincerely,",
                "Lena Park, MD, FACC",
            ),
        ),
    ),
    (
        "orthopedics",
        DocumentType.REFERRAL,
        "Willamette Valley Orthopedics",
        "Dr. Samuel Ortiz, Orthopedics",
        "Orthopedic consultation letter",
        "orthopedics-consult",
        (
            (
                "Re: {name}\tDOB: {dob}   Your MRN: {mrn}",
                "",
                "Dear Dr. Patel,",
                "",
                "On {date} I saw your patient for knee pain of several months.",
                "Examination: mild effusion, medial joint line tenderness, stable ligaments.",
                "X-rays: moderate medial compartment narrowing, small osteophytes.",
                "",
                "Assessment: osteoarthritis of the knee.",
                "Plan: physical therapy twice weekly for six weeks, topical diclofenac;",
                "a corticosteroid injection can be given in your office if needed.",
            ),
            (
                "Re: {name}\tpage 2 of 2",
                "",
                "Home exercise program reviewed: quadriceps sets, straight leg raises,",
                "stationary cycling. Weight-bearing as tolerated.",
                "",
                "Follow-up here in three months, sooner for locking or giving way.",
                "",
                "Sincerely,",
                "Samuel Ortiz, MD",
            ),
        ),
    ),
    (
        "behavioral",
        DocumentType.REFERRAL,
        "Northwest Behavioral Health",
        "Jamie Chen, LCSW",
        "Counseling intake summary",
        "counseling-intake",
        (
            (
                "Re: {name}\tDOB: {dob}",
                "",
                "Dear Dr. Patel,",
                "",
                "Your patient attended an intake appointment on {date} on your referral.",
                "We agreed on weekly cognitive behavioral therapy for anxiety, starting",
                "next week. A PHQ-9 of 8 and GAD-7 of 11 were recorded at intake.",
                "",
                "With the patient's written consent we will send progress summaries.",
                "",
                "Jamie Chen, LCSW",
            ),
        ),
    ),
    (
        "lab",
        DocumentType.OUTSIDE_LAB,
        "Cascade Regional Laboratory",
        "Cascade Regional Laboratory",
        "Outside lab report: metabolic panel and lipids",
        "lab-report",
        (
            (
                "Patient: {name}\tDOB: {dob}",
                "Collected: {date}     Ordering: Dr. Priya Patel",
                "",
                "COMPREHENSIVE METABOLIC PANEL       Result   Units     Reference",
                "  Sodium                            139      mmol/L    136-145",
                "  Potassium                         4.3      mmol/L    3.5-5.1",
                "  Chloride                          102      mmol/L    98-107",
                "  CO2                               26       mmol/L    22-29",
                "  Glucose                           97       mg/dL     70-99",
                "  Creatinine                        0.92     mg/dL     0.60-1.20",
                "  Calcium                           9.4      mg/dL     8.6-10.3",
                "  ALT                               22       U/L       7-40",
            ),
            (
                "Patient: {name}\tpage 2 of 2",
                "",
                "LIPID PANEL                         Result   Units     Reference",
                "  Total cholesterol                 186      mg/dL     <200",
                "  HDL cholesterol                   52       mg/dL     >40",
                "  LDL cholesterol (calc)            112      mg/dL     <130",
                "  Triglycerides                     110      mg/dL     <150",
                "",
                "Reviewed and released by: M. Ruiz, MLS(ASCP)",
            ),
        ),
    ),
    (
        "imaging-chest",
        DocumentType.IMAGING_REPORT,
        "Valley Imaging Center",
        "Dr. Alan Wright, Radiology",
        "Chest X-ray report",
        "xray-chest",
        (
            (
                "Patient: {name}\tDOB: {dob}",
                "Exam: XR CHEST 2 VIEWS     Date: {date}",
                "",
                "Indication: cough.",
                "Findings: the lungs are clear. No effusion or pneumothorax.",
                "Heart size is normal. Bones are unremarkable.",
                "",
                "Impression: no acute cardiopulmonary process.",
                "",
                "Electronically signed: Alan Wright, MD",
            ),
        ),
    ),
    (
        "imaging-abdomen",
        DocumentType.IMAGING_REPORT,
        "Valley Imaging Center",
        "Dr. Alan Wright, Radiology",
        "Abdominal ultrasound report",
        "us-abdomen",
        (
            (
                "Patient: {name}\tDOB: {dob}",
                "Exam: US ABDOMEN COMPLETE     Date: {date}",
                "",
                "Indication: right upper quadrant pain.",
                "Findings: the liver is normal in size and echotexture. The gallbladder",
                "contains several small mobile stones without wall thickening.",
                "The common bile duct measures 4 mm. Kidneys and spleen are normal.",
                "",
                "Impression: cholelithiasis without cholecystitis.",
                "",
                "Electronically signed: Alan Wright, MD",
            ),
        ),
    ),
    (
        "release",
        DocumentType.RELEASE_AUTHORIZATION,
        "Maple Street Clinic",
        "Maple Street Clinic",
        "Authorization to release records from the previous clinic",
        "release-authorization",
        (
            (
                "AUTHORIZATION TO RELEASE HEALTH INFORMATION",
                "",
                "Patient: {name}\tDOB: {dob}   MRN: {mrn}",
                "",
                "I authorize Riverside Family Practice to release to Maple Street Clinic:",
                "  [x] office notes  [x] laboratory results  [x] immunization record",
                "for the purpose of continuing care. This authorization expires one year",
                "from the date signed. I may revoke it in writing at any time.",
                "",
                "Signed: {name}",
                "Date: {date}",
            ),
        ),
    ),
    (
        "consent",
        DocumentType.CONSENT,
        "Maple Street Clinic",
        "Maple Street Clinic",
        "Consent for an office procedure",
        "procedure-consent",
        (
            (
                "CONSENT FOR OFFICE PROCEDURE",
                "",
                "Patient: {name}\tDOB: {dob}   MRN: {mrn}",
                "",
                "The procedure, its benefits, risks (bleeding, infection, pain, scarring)",
                "and alternatives were explained to me, and my questions were answered.",
                "I consent to the procedure performed by Dr. Priya Patel.",
                "",
                "Signed: {name}",
                "Date: {date}",
                "Witness: Nina Nurse, RN",
            ),
        ),
    ),
    (
        "discharge",
        DocumentType.CORRESPONDENCE,
        "St. Luke's Regional Hospital",
        "St. Luke's Regional Hospital",
        "Hospital discharge summary",
        "discharge-summary",
        (
            (
                "DISCHARGE SUMMARY",
                "Patient: {name}\tDOB: {dob}",
                "Discharged: {date}     Attending: Dr. R. Hughes, Hospital Medicine",
                "",
                "Admission diagnosis: community-acquired pneumonia, right lower lobe.",
                "Hospital course: treated with ceftriaxone and azithromycin, changed to",
                "oral amoxicillin-clavulanate on day 3. Oxygen weaned on day 2.",
            ),
            (
                "Patient: {name}\tpage 2 of 3",
                "",
                "Discharge medications: amoxicillin-clavulanate 875 mg twice daily for",
                "4 more days; continue home medicines unchanged.",
                "",
                "Condition at discharge: stable, ambulating, tolerating diet.",
            ),
            (
                "Patient: {name}\tpage 3 of 3",
                "",
                "Follow-up: primary care within 7 days; repeat chest X-ray in 6 weeks.",
                "",
                "Electronically signed: R. Hughes, MD",
            ),
        ),
    ),
)


def letter_pdf(sender: str, pages: tuple[tuple[str, ...], ...]) -> bytes:
    """A letter on ``sender``'s letterhead, one page per tuple of lines (a tab starts the
    second column; ``{field}`` marks a placeholder to fill)."""
    out = io.BytesIO()
    # Uncompressed pages: the placeholders stay plain bytes to fill. ``invariant``: the same
    # template bytes every run (no creation date or random file id).
    pdf = canvas.Canvas(out, pagesize=LETTER, pageCompression=0, invariant=1)
    width, height = LETTER
    for lines in pages:
        pdf.setFillColorRGB(0.12, 0.3, 0.55)
        pdf.rect(0, height - 80, width, 80, stroke=0, fill=1)
        pdf.setFillColorRGB(1, 1, 1)
        pdf.setFont("Helvetica-Bold", 18)
        pdf.drawString(54, height - 48, sender)
        pdf.setFont("Helvetica", 9)
        pdf.drawString(54, height - 66, "1200 River Road, Salem, OR 97301   (503) 555-0100")
        pdf.setFillColorRGB(0, 0, 0)
        y = height - 120
        for line in lines:
            table = "   " in line and "{" not in line  # a lab report's rows line up
            pdf.setFont("Courier" if table else "Helvetica", 10.5)
            # After a tab, the second column: a long name never runs into what follows.
            for column, part in enumerate(line.split("\t")):
                _draw(pdf, 54.0 + column * _SECOND_COLUMN, y, part)
            y -= 16
        pdf.setFont("Helvetica-Oblique", 8)
        pdf.drawString(54, 36, "Synthetic demo document: not a real patient.")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _draw(pdf: canvas.Canvas, x: float, y: float, text: str) -> None:
    """``text`` at ``x``, each placeholder its own string (so filling one never moves the
    rest); a placeholder ends its part of the line (names) or is followed by room for a
    typical value (dates, MRN)."""
    for piece, field in _pieces(text):
        pdf.drawString(x, y, piece)
        x += pdf.stringWidth(piece)
        if field:
            pdf.drawString(x, y, _slot(field).decode("ascii"))
            # Room for a typical value: digits are as wide as "n" in Helvetica.
            x += pdf.stringWidth("n" * _ROOM.get(field, 10))


def _pieces(line: str) -> list[tuple[str, str]]:
    """``"Re: {name}, DOB {dob}"`` -> [("Re: ", "name"), (", DOB ", "dob"), ("", "")]."""
    pieces: list[tuple[str, str]] = []
    rest = line
    while "{" in rest:
        before, _, after = rest.partition("{")
        field, _, rest = after.partition("}")
        pieces.append((before, field))
    pieces.append((rest, ""))
    return pieces


@functools.cache
def templates() -> tuple[Template, ...]:
    """Every letter and report, drawn once per run."""
    made = []
    for key, doc_type, sender, author, description, stem, pages in _LETTERS:
        pdf = letter_pdf(sender, pages)
        fields = {f for page in pages for line in page for _, f in _pieces(line) if f}
        # The fill relies on each placeholder being plain bytes in the file.
        assert all(_slot(f) in pdf for f in fields), key
        made.append(Template(key, doc_type, sender, author, description, stem, len(pages), pdf))
    return tuple(made)


# ---------------------------------------------------------------- insurance cards

CARD = (640, 400)
_PAYER_COLORS = {
    "Aetna": (122, 40, 130),
    "Blue Cross Blue Shield": (20, 80, 160),
    "Cigna": (0, 120, 140),
    "Medicare": (60, 90, 120),
    "Medicaid": (40, 110, 60),
    "UnitedHealthcare": (30, 60, 140),
}


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Bitstream Vera (shipped with reportlab) has the accented letters names need.
    vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    if vera.is_file():
        return ImageFont.truetype(str(vera), size)
    return ImageFont.load_default(size=size)


@functools.cache
def _blank_card(payer: str) -> Image.Image:
    """A payer's card without the member: drawn once per run."""
    card = Image.new("RGB", CARD, (248, 248, 244))
    draw = ImageDraw.Draw(card)
    color = _PAYER_COLORS.get(payer, (90, 90, 90))
    draw.rectangle((0, 0, CARD[0], 78), fill=color)
    draw.text((24, 20), payer, fill="white", font=_font(30))
    draw.rounded_rectangle((2, 2, CARD[0] - 3, CARD[1] - 3), radius=18, outline=color, width=3)
    for y, label in ((104, "Member"), (170, "Member ID"), (236, "Group"), (302, "Plan")):
        draw.text((24, y), label, fill=(90, 90, 90), font=_font(16))
    draw.text((24, 360), "SYNTHETIC DEMO CARD - NOT VALID FOR COVERAGE", fill=color, font=_font(14))
    return card


def insurance_card(
    payer: str, name: str, member_id: str, group: str, plan: str, *, photo: bool
) -> DemoFile:
    """The front of a member's card: a clean PNG, or a JPEG like a photo taken at the desk."""
    card = _blank_card(payer).copy()
    draw = ImageDraw.Draw(card)
    for y, value in ((124, name), (190, member_id), (256, group), (322, plan)):
        draw.text((24, y), value, fill=(20, 20, 20), font=_font(24))
    out = io.BytesIO()
    if photo:
        card.save(out, "JPEG", quality=82)
        return DemoFile(out.getvalue(), DocumentContent.JPEG, 1)
    card.save(out, "PNG", compress_level=1)
    return DemoFile(out.getvalue(), DocumentContent.PNG, 1)
