"""A patient extract and a claim turned into printed documents (issue 14, items 1 and 2), on
the synthetic record of tests/support/sample_record.py, drawn and read back: the sections in
record order, only those chosen; results flagged in words; visits newest first with their
addenda; the superbill's diagnoses lettered in order and its lines with modifiers, units and
pointers. The sample pages are drawn to PNG the way ``make screenshots`` does (pdftoppm)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from medrec_desktop.domain.record_release import RecordScope, RecordSection
from medrec_desktop.export.record_document import record_document, subtitle
from medrec_desktop.export.record_pdf import render
from medrec_desktop.export.superbill import superbill_document
from tests.support.pdf_pages import flat, poppler_pages, pypdf_pages
from tests.support.sample_record import CLINIC_LINES, NOW, sample_claim, sample_extract

S = RecordSection


def _text(pdf: bytes, tmp_path: Path) -> str:
    """pypdf's text: in drawing order, so a cell's lines stay together (poppler's layout
    mode interleaves the lines of neighbouring cells); poppler must find every section too."""
    poppler = flat(" ".join(poppler_pages(pdf, tmp_path)))
    text = flat(" ".join(pypdf_pages(pdf)))
    assert [s.label in poppler for s in RecordSection] == [s.label in text for s in RecordSection]
    return text


def test_the_whole_record_in_record_order(tmp_path: Path) -> None:
    doc = record_document(
        sample_extract(),
        generated_by="Rosa Díaz",
        generated_at=NOW,
        recipient="Dr. Amal Haddad",
        purpose_label="Treatment (another provider)",
        clinic_lines=CLINIC_LINES,
    )
    text = _text(render(doc), tmp_path)
    positions = [text.index(s.label, text.index("Dates of care")) for s in RecordSection]
    assert positions == sorted(positions)
    # results: each abnormal value says so in words beside the tint
    assert "Potassium 5.8 mmol/L H ↑ High 3.5–5.1" in text
    assert "HDL cholesterol 38 mg/dL L ↓ Low" in text
    # vitals newest first, each in the units entered then the other
    assert text.index("11/26/2026 17:05") < text.index("08/28/2026 17:05")
    assert "98.4 °F (36.9 °C)" in text
    # visits newest first; the signed note's addendum with who, when and why
    assert text.index("11/20/2026 09:30 Office visit") < text.index("10/21/2026 09:30 Office")
    assert "Addendum, 11/21/2026 14:30, by Dr. Kwame Osei, MD. Reason: Late entry" in text
    assert "Signed by Dr. Kwame Osei, MD on 11/20/2026 11:30" in text
    # coding: diagnoses lettered in order, lines with modifiers, units and pointers
    assert "A E11.42 Type 2 diabetes mellitus with diabetic polyneuropathy" in text
    assert "25 1 ABC" in text
    # documents listed, never included
    assert "Listed only: the documents themselves are not included" in text
    assert "Released to: Dr. Amal Haddad Purpose: Treatment (another provider)" in text


@pytest.mark.parametrize(
    "chosen", [(S.PROBLEMS,), (S.ENCOUNTERS, S.DOCUMENTS), (S.CODING,), (S.VITALS, S.RESULTS)]
)
def test_only_the_sections_chosen(tmp_path: Path, chosen: tuple[RecordSection, ...]) -> None:
    doc = record_document(sample_extract(sections=chosen), generated_by="x", generated_at=NOW)
    assert [b.text for b in doc.blocks if getattr(b, "level", 0) == 1] == [s.label for s in chosen]
    text = _text(render(doc), tmp_path)
    for section in RecordSection:
        assert (section.label in text) is (section in chosen), section
    # the coding section names each visit, never prints its note
    if chosen == (S.CODING,):
        assert "Office visit: Coded" in text and "Subjective" not in text


def test_the_subtitle_says_the_dates_and_the_release() -> None:
    scope = RecordScope((S.PROBLEMS, S.MEDICATIONS), dt.date(2020, 1, 1), dt.date(2025, 12, 31))
    said = subtitle(scope, recipient="  Riverside   Cardiology ", purpose_label="Payment")
    assert said.splitlines() == [
        "Sections: Problems; Medications.",
        "Dates of care: 01/01/2020 to 12/31/2025 (items without a date are included).",
        "Released to: Riverside Cardiology",
        "Purpose: Payment",
    ]
    assert subtitle(RecordScope((S.VITALS,))).splitlines()[1] == "Dates of care: all."
    since = subtitle(RecordScope((S.VITALS,), since=dt.date(2024, 3, 1)))
    assert "Dates of care: from 03/01/2024" in since


def test_the_superbill(tmp_path: Path) -> None:
    doc = superbill_document(
        sample_claim(), generated_by="Priya Raman", generated_at=NOW, clinic_lines=CLINIC_LINES
    )
    pdf = render(doc)
    assert len(poppler_pages(pdf, tmp_path)) == 1
    text = _text(pdf, tmp_path)
    assert "Billing summary (superbill)" in text and "Page 1 of 1" in text
    assert "Patient: Nguyễn, Thị Ánh DOB: 07/03/1958 MRN: 00042817" in text
    assert "Date of service 11/20/2026 Provider Dr. Kwame Osei, MD" in text
    assert "Primary Acme Health Medicare Advantage" in text and "AH-5531207 G77 Self" in text
    assert "Secondary Oregon Health Plan OHP-77120 Văn Minh Nguyễn (spouse)" in text
    diagnoses = [
        text.index(f"{letter} {code} ")
        for letter, code in zip("ABC", ("E11.42", "I10", "E78.5"), strict=True)
    ]
    assert diagnoses == sorted(diagnoses)
    assert "1 CPT 99214 Office visit, established patient, moderate complexity 25 1 ABC" in text
    assert "2 HCPCS G0008 Administration of influenza virus vaccine 1 B" in text
    assert "3 HCPCS J1100 Injection, dexamethasone sodium phosphate, 1 mg RT 59 4 CA" in text
    assert "Coded by Priya Raman, CPC on" in text


def test_sample_pages_draw_to_png(tmp_path: Path) -> None:
    """What ``make screenshots`` puts in docs/screenshots: the record's first page and the
    superbill, drawn by poppler."""
    record = record_document(
        sample_extract(), generated_by="Rosa Díaz", generated_at=NOW, clinic_lines=CLINIC_LINES
    )
    claim = superbill_document(sample_claim(), generated_by="Priya Raman", generated_at=NOW)
    for name, doc in (("record", record), ("superbill", claim)):
        pdf = tmp_path / f"{name}.pdf"
        pdf.write_bytes(render(doc))
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                pdf,
                pdf.with_suffix(""),
            ],
            check=True,
            timeout=60,
        )
        png = pdf.with_suffix(".png").read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 10_000
