"""What a file attached to a chart is, decided from its bytes, and whether it can be kept.

A document is accepted only as PDF, PNG, JPEG or TIFF, and which of them it is comes from the
bytes (the magic number at the start), never from the name: a PDF called "scan.jpg" is a PDF,
and a Word document renamed "letter.pdf" is refused as what it is. Before anything is stored
the file is read through once, so a damaged or password-protected file is refused with a
message saying what to do, rather than stored and found unreadable when someone opens it.

Everything happens in memory (``read_within_limit`` reads a file the user named, after
checking its size on disk): nothing is written to disk, not even a temporary file, because
the only copy allowed at rest is the one inside the encrypted database. pypdf reports what it
finds wrong with a damaged file through its logger; those reports are silenced here so a bad
file puts nothing (possibly with fragments of its content) in the program's logs.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from PIL import Image
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from medrec_desktop.domain.errors import ValidationError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
_FIELD = "file"
_MB = 1024 * 1024


class DocumentContent(StrEnum):
    """What the bytes of a document are; the value is its MIME type."""

    PDF = "application/pdf"
    PNG = "image/png"
    JPEG = "image/jpeg"
    TIFF = "image/tiff"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    DocumentContent.PDF: "PDF",
    DocumentContent.PNG: "PNG image",
    DocumentContent.JPEG: "JPEG image",
    DocumentContent.TIFF: "TIFF image",
}

# Pillow's name for each image format: opening with only that one allowed means Pillow reads
# the file as what the magic number said, not whatever else it might guess.
_PILLOW_FORMAT = {
    DocumentContent.PNG: "PNG",
    DocumentContent.JPEG: "JPEG",
    DocumentContent.TIFF: "TIFF",
}


@dataclass(frozen=True)
class InspectedFile:
    """A file that can be stored: its content, pages, SHA-256 (hex) and size in bytes."""

    content_type: DocumentContent
    page_count: int  # PDF pages; TIFF frames; 1 for PNG and JPEG
    sha256: str
    size: int


def looks_like(data: bytes) -> DocumentContent | None:
    """The accepted content the magic number at the start announces, or None.

    Cheap (a few bytes compared) and says nothing about whether the rest is readable.
    """
    if data.startswith(b"%PDF-"):
        return DocumentContent.PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return DocumentContent.PNG
    if data.startswith(b"\xff\xd8\xff"):
        return DocumentContent.JPEG
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return DocumentContent.TIFF
    return None


#: where the size limit is changed, as the refusal tells the user
LIMIT_SETTING_HINT = (
    "An administrator can change the limit in Administration › Documents and scanner inbox."
)


def check_size(size: int, *, max_bytes: int, shown_name: str = "The file") -> None:
    """Refuse a file of ``size`` bytes over the clinic's limit (ValidationError, field
    ``"file"``). Called with the size on disk before a file is read, so a huge file is refused
    without being loaded, and again by :func:`inspect_file` on the bytes themselves."""
    if size > max_bytes:
        shown_size, shown_limit = _sizes_apart(size, max_bytes)
        raise ValidationError(
            f"{shown_name} is {shown_size}; this clinic's limit is {shown_limit} per file. "
            f"Split it or scan it at a lower resolution. {LIMIT_SETTING_HINT}",
            field=_FIELD,
        )


def read_within_limit(path: Path, *, max_bytes: int, shown_name: str = "The file") -> bytes:
    """The bytes of the file at ``path``, refused (as :func:`check_size` does) from its size
    on disk before any of it is read, so choosing a 4 GB file does not load 4 GB first. At
    most one byte over the limit is read, in case the file grew since. OSError when it
    cannot be read."""
    with path.open("rb") as fh:
        check_size(os.fstat(fh.fileno()).st_size, max_bytes=max_bytes, shown_name=shown_name)
        data = fh.read(max_bytes + 1)
    check_size(len(data), max_bytes=max_bytes, shown_name=shown_name)
    return data


def inspect_file(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, shown_name: str = "The file"
) -> InspectedFile:
    """Check a file before it is attached and say what it is.

    ``shown_name`` is how messages name the file (for example "“referral.pdf”"). Raises
    :class:`ValidationError` (field ``"file"``) for an empty file, one over ``max_bytes``, one
    whose content is not PDF, PNG, JPEG or TIFF, a password-protected PDF, or a damaged one.
    """
    size = len(data)
    if size == 0:
        raise ValidationError(
            f"{shown_name} is empty (0 bytes). Scan or save it again, then attach the new file.",
            field=_FIELD,
        )
    check_size(size, max_bytes=max_bytes, shown_name=shown_name)
    content = looks_like(data)
    if content is None:
        hint = _what_else(data)
        detail = f" ({hint})" if hint else ". Save it as one of those and attach it again"
        raise ValidationError(
            f"{shown_name} is not a PDF, PNG, JPEG or TIFF file{detail}.", field=_FIELD
        )
    if content is DocumentContent.PDF:
        pages = _pdf_pages(data, shown_name)
    else:
        pages = _image_frames(data, content, shown_name)
    return InspectedFile(
        content_type=content,
        page_count=pages,
        sha256=hashlib.sha256(data).hexdigest(),
        size=size,
    )


# --- PDF -------------------------------------------------------------------------------


def _damaged(shown_name: str, what: str) -> ValidationError:
    return ValidationError(
        f"{shown_name} is damaged or incomplete: {what}. "
        "Scan or save it again, then attach the new file.",
        field=_FIELD,
    )


def _pdf_pages(data: bytes, shown_name: str) -> int:
    # A PDF ends with %%EOF; pypdf reads on without it, but a file cut short (an interrupted
    # download or copy) has lost pages or images even when what is left still opens.
    # Some producers pad the end with blanks or NULs, so those are skipped first.
    if b"%%EOF" not in data[-1024:].rstrip(b" \t\r\n\x00"):
        raise _damaged(shown_name, "the end of the PDF is missing")
    # The stream is closed on the way out: pypdf's objects point back at their reader, so
    # the reader lives on until the garbage collector's next full pass, and an open stream
    # would keep the whole file in memory with it (one more file per scan picked up).
    with quiet_pypdf(), io.BytesIO(data) as stream:
        try:
            reader = PdfReader(stream, strict=False)
            if reader.is_encrypted:
                # Restrictions set with only an owner password (no printing, no copying)
                # open without a password in every viewer: those are kept. A user password
                # means nobody could open the stored copy.
                if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                    raise _password_protected(shown_name)
            pages = len(reader.pages)
            for page in reader.pages:
                page.mediabox  # noqa: B018 - reads each page object, so a missing one shows
        except ValidationError:
            raise
        except Exception as err:
            # Whatever pypdf raises (PdfReadError, but also KeyError, ValueError,
            # RecursionError... on malformed objects) means the same thing here: the file
            # cannot be read. Chained so a bug report keeps pypdf's reason.
            if _needs_password(err):
                raise _password_protected(shown_name) from err
            raise _damaged(shown_name, "it cannot be read as a PDF") from err
    if pages == 0:
        raise _damaged(shown_name, "the PDF has no pages")
    return pages


def _password_protected(shown_name: str) -> ValidationError:
    return ValidationError(
        f"{shown_name} is protected with a password. "
        "Open it, save it without a password and attach it again.",
        field=_FIELD,
    )


def _needs_password(err: Exception) -> bool:
    # pypdf raises FileNotDecryptedError when an encrypted file is read before decryption,
    # and DependencyError when the encryption needs a library it lacks: either way the file
    # cannot be opened without doing something about its protection.
    return isinstance(err, (FileNotDecryptedError, DependencyError))


_quiet_lock = threading.Lock()
_quiet_depth = 0
_saved_level = logging.NOTSET


@contextmanager
def quiet_pypdf() -> Iterator[None]:
    """Silence pypdf's logger (all its module loggers inherit its level) while inside.

    Counted, so two threads inspecting at once do not restore the level under each other.
    """
    global _quiet_depth, _saved_level
    logger = logging.getLogger("pypdf")
    with _quiet_lock:
        if _quiet_depth == 0:
            _saved_level = logger.level
            logger.setLevel(logging.CRITICAL + 1)
        _quiet_depth += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                logger.setLevel(_saved_level)


# --- Images ----------------------------------------------------------------------------


def _image_frames(data: bytes, content: DocumentContent, shown_name: str) -> int:
    formats = [_PILLOW_FORMAT[content]]
    try:
        # verify() checks the structure (PNG chunk checksums) but decodes nothing and leaves
        # the image unusable, so the file is opened again and every frame decoded: a truncated
        # JPEG or TIFF is only found out by decoding it.
        with Image.open(io.BytesIO(data), formats=formats) as image:
            image.verify()
        with Image.open(io.BytesIO(data), formats=formats) as image:
            frames = int(getattr(image, "n_frames", 1))
            for index in range(frames):
                image.seek(index)
                image.load()
    except Image.DecompressionBombError as err:
        raise ValidationError(
            f"{shown_name} is too large an image to be shown safely. "
            "Scan it again at a lower resolution (300 dpi is plenty) and attach the new file.",
            field=_FIELD,
        ) from err
    except Exception as err:
        # As for PDFs: any failure to decode means the image cannot be read.
        raise _damaged(shown_name, f"it cannot be read as a {content.label}") from err
    if content is not DocumentContent.TIFF:
        return 1  # an animated PNG's extra frames are not pages
    return frames


# --- Messages --------------------------------------------------------------------------


def _what_else(data: bytes) -> str | None:
    """A guess at what a refused file is, with what to do, for the common mistakes."""
    head = data[:64]
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data:
            return "a Word document? save it as PDF first"
        if b"xl/" in data:
            return "an Excel workbook? save it as PDF first"
        if b"ppt/" in data:
            return "a PowerPoint file? save it as PDF first"
        return "a ZIP archive? attach the files inside it one by one"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "an older Word or Excel document? save it as PDF first"
    if head.startswith(b"{\\rtf"):
        return "a Rich Text document? save it as PDF first"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "a GIF image? save it as PNG first"
    if head.startswith(b"BM") and int.from_bytes(head[14:18], "little") in (12, 40, 56, 108, 124):
        return "a BMP image? save it as PNG first"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "a WebP image? save it as PNG or JPEG first"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"heim", b"heis", b"mif1"):
        return "an iPhone photo (HEIC)? export it as JPEG first"
    return None


def _sizes_apart(size: int, limit: int) -> tuple[str, str]:
    """The size and the limit in words, precise enough that they never read the same."""
    for decimals in (1, 2, 3):
        shown_size, shown_limit = _size(size, decimals), _size(limit, decimals)
        if shown_size != shown_limit:
            break
    return shown_size, shown_limit


def _size(count: int, decimals: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    unit, scale = ("KB", 1024) if count < _MB else ("MB", _MB)
    text = f"{count / scale:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {unit}"
