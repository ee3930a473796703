"""Inspecting an attached file: content from the bytes, pages, SHA-256, and every refusal.

Every file is real, made here in memory with reportlab or Pillow.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import tempfile
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.lib import pdfencrypt
from reportlab.pdfgen import canvas

from medrec_desktop.domain.document_files import (
    DEFAULT_MAX_BYTES,
    DocumentContent,
    InspectedFile,
    inspect_file,
    looks_like,
)
from medrec_desktop.domain.errors import ValidationError


def make_pdf(pages: int = 3, *, encrypt: object = None) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, encrypt=encrypt)
    for number in range(1, pages + 1):
        pdf.drawString(72, 720, f"Referral letter, page {number}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def make_image(fmt: str, *, frames: int = 1) -> bytes:
    images = [Image.new("RGB", (120, 160), (40 * n, 200, 90)) for n in range(frames)]
    out = io.BytesIO()
    if frames > 1:
        images[0].save(out, format=fmt, save_all=True, append_images=images[1:])
    else:
        images[0].save(out, format=fmt)
    return out.getvalue()


def refusal(data: bytes, **kwargs: object) -> str:
    with pytest.raises(ValidationError) as caught:
        inspect_file(data, shown_name="“referral.pdf”", **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == "file"
    return str(caught.value)


def test_a_three_page_pdf() -> None:
    data = make_pdf(3)
    found = inspect_file(data)
    assert found == InspectedFile(
        content_type=DocumentContent.PDF,
        page_count=3,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )
    assert found.content_type == "application/pdf"
    assert found.content_type.label == "PDF"


@pytest.mark.parametrize(
    ("fmt", "content", "label"),
    [
        ("PNG", DocumentContent.PNG, "PNG image"),
        ("JPEG", DocumentContent.JPEG, "JPEG image"),
        ("TIFF", DocumentContent.TIFF, "TIFF image"),
    ],
)
def test_single_images_are_one_page(fmt: str, content: DocumentContent, label: str) -> None:
    data = make_image(fmt)
    found = inspect_file(data)
    assert (found.content_type, found.page_count, found.size) == (content, 1, len(data))
    assert found.sha256 == hashlib.sha256(data).hexdigest()
    assert content.label == label
    assert looks_like(data) is content


def test_a_multi_page_tiff_counts_its_frames() -> None:
    data = make_image("TIFF", frames=4)
    found = inspect_file(data)
    assert (found.content_type, found.page_count) == (DocumentContent.TIFF, 4)


def test_big_endian_tiff_is_recognised() -> None:
    # Pillow writes little-endian ("II*\0"); a Motorola-order header is a TIFF too.
    assert looks_like(b"MM\x00*" + b"\x00" * 20) is DocumentContent.TIFF


def test_content_wins_over_the_name() -> None:
    data = make_pdf(2)
    found = inspect_file(data, shown_name="“photo.jpg”")
    assert (found.content_type, found.page_count) == (DocumentContent.PDF, 2)


def test_a_pdf_with_a_user_password_is_refused() -> None:
    message = refusal(make_pdf(1, encrypt="s3cret"))
    assert message.startswith("“referral.pdf” is protected with a password.")
    assert "save it without a password and attach it again" in message


def test_a_pdf_encrypted_by_pypdf_is_refused() -> None:
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf(2)))
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    assert "protected with a password" in refusal(out.getvalue())


def test_a_pdf_restricted_by_an_owner_password_only_is_kept() -> None:
    # It opens without a password in every viewer; only printing/copying are "restricted".
    restricted = pdfencrypt.StandardEncryption("", ownerPassword="owner", canPrint=0)
    found = inspect_file(make_pdf(2, encrypt=restricted))
    assert (found.content_type, found.page_count) == (DocumentContent.PDF, 2)


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.99])
def test_a_truncated_pdf_is_refused(keep: float) -> None:
    data = make_pdf(3)
    message = refusal(data[: int(len(data) * keep)])
    assert message.startswith("“referral.pdf” is damaged or incomplete:")
    assert "Scan or save it again" in message


def test_a_pdf_cut_in_the_middle_is_refused_even_with_an_end_marker() -> None:
    data = make_pdf(3)
    assert "damaged or incomplete" in refusal(data[: len(data) // 2] + b"\n%%EOF\n")


def test_a_pdf_without_pages_is_refused() -> None:
    writer = PdfWriter()
    out = io.BytesIO()
    writer.write(out)
    assert "damaged or incomplete: the PDF has no pages" in refusal(out.getvalue())


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF"])
def test_a_truncated_image_is_refused(fmt: str) -> None:
    data = make_image(fmt, frames=1)
    message = refusal(data[: len(data) // 2])
    assert "is damaged or incomplete: it cannot be read as a" in message


def test_a_word_document_is_refused_as_what_it_is() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as docx:
        docx.writestr("[Content_Types].xml", "<Types/>")
        docx.writestr("word/document.xml", "<w:document/>")
    message = refusal(out.getvalue())
    assert message == (
        "“referral.pdf” is not a PDF, PNG, JPEG or TIFF file "
        "(a Word document? save it as PDF first)."
    )


@pytest.mark.parametrize(
    ("fmt", "hint"),
    [("GIF", "a GIF image?"), ("BMP", "a BMP image?"), ("WEBP", "a WebP image?")],
)
def test_other_images_are_named(fmt: str, hint: str) -> None:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format=fmt)
    assert hint in refusal(out.getvalue())


@pytest.mark.parametrize(
    ("head", "hint"),
    [
        (b"PK\x03\x04" + b"\x00" * 26 + b"xl/workbook.xml", "an Excel workbook?"),
        (b"PK\x03\x04" + b"\x00" * 26 + b"notes.txt", "a ZIP archive?"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 56, "an older Word or Excel"),
        (b"{\\rtf1\\ansi Dear Dr", "a Rich Text document?"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "(HEIC)? export it as JPEG"),
    ],
)
def test_other_documents_are_named(head: bytes, hint: str) -> None:
    assert hint in refusal(head)
    assert looks_like(head) is None


def test_unknown_content_names_the_accepted_types() -> None:
    message = refusal(b"Dear Dr Smith, please see ...")
    assert message == (
        "“referral.pdf” is not a PDF, PNG, JPEG or TIFF file. "
        "Save it as one of those and attach it again."
    )
    assert looks_like(b"Dear Dr Smith") is None


def test_an_empty_file_is_refused() -> None:
    assert refusal(b"").startswith("“referral.pdf” is empty")
    assert looks_like(b"") is None


def test_a_file_over_the_limit_is_refused_before_it_is_read() -> None:
    data = make_pdf(1)
    assert inspect_file(data, max_bytes=len(data)).size == len(data)  # the limit itself is fine
    message = refusal(data, max_bytes=1000)
    assert message == (
        f"“referral.pdf” is {len(data) / 1024:.1f} KB; this clinic's limit is 1000 bytes per "
        "file. Split it or scan it at a lower resolution. An administrator can change the limit "
        "in Administration › Documents and scanner inbox."
    )


def test_the_limit_message_in_megabytes() -> None:
    # Not a real PDF: the size is checked first, so 62.3 MB of anything will do.
    data = b"%PDF-" + bytes(int(62.3 * 1024 * 1024))
    message = refusal(data, max_bytes=DEFAULT_MAX_BYTES)
    assert message.startswith("“referral.pdf” is 62.3 MB; this clinic's limit is 50 MB per file.")
    # A size that rounds to the limit still reads bigger than it.
    assert "is 50.01 MB; this clinic's limit is 50 MB" in refusal(
        b"%PDF-" + bytes(DEFAULT_MAX_BYTES + 8000)
    )


def test_inspection_writes_nothing_to_the_temp_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A temp folder of its own, so files other programs make in the shared one do not count.
    private = tmp_path / "tmp"
    private.mkdir()
    for name in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.setenv(name, str(private))
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    assert tempfile.gettempdir() == str(private)

    for data in (make_pdf(3), make_image("TIFF", frames=4), make_image("JPEG")):
        inspect_file(data)
    for bad in (make_pdf(3)[:900], make_pdf(1, encrypt="s3cret"), make_image("PNG")[:200]):
        with pytest.raises(ValidationError):
            inspect_file(bad)
    assert list(private.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]


def test_pypdf_complaints_about_a_damaged_file_stay_out_of_the_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The middle of the file lost, its end (cross-reference table, trailer) kept: pypdf
    # rebuilds the table, logging as it goes, and then finds objects missing.
    data = make_pdf(3)
    damaged = re.sub(rb"startxref\s+\d+", b"startxref\n99", data[: len(data) // 2] + data[-400:])
    caplog.set_level(logging.DEBUG)
    # pypdf itself does complain about this file, so silence below is inspect_file's doing.
    try:
        PdfReader(io.BytesIO(damaged), strict=False).pages[0]
    except Exception:  # noqa: BLE001, S110 - only its log records matter here
        pass
    assert any(record.name.startswith("pypdf") for record in caplog.records)
    caplog.clear()

    with pytest.raises(ValidationError):
        inspect_file(damaged)
    assert caplog.records == []
    # And pypdf's logger is left as it was found.
    assert logging.getLogger("pypdf").level == logging.NOTSET
