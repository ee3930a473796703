"""Splitting a multi-page scan into parts (issue 12): the page ranges a records specialist
types ("1-3,4-6"), checked against the scan's pages, and the bytes of each part. No Qt, no
database, nothing on disk: the parts are made in memory and stored by the inbox service.

A scanner's batch often holds several documents (a referral, then a lab report, then a
consent): each part becomes its own inbox item to file on its own. Parts cover every page
exactly once, in page order, so nothing of the scan is lost or doubled by splitting it.
"""

from __future__ import annotations

import io
import re

from PIL import Image
from pypdf import PdfReader, PdfWriter

from medrec_desktop.domain.document_files import DocumentContent, quiet_pypdf
from medrec_desktop.domain.errors import ValidationError

_FIELD = "pages"
_RANGE = re.compile(r"^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$")

#: TIFF compressions Pillow writes back as it read them; anything else is stored with LZW
#: (lossless) rather than uncompressed, which would make a part many times the whole scan.
_TIFF_KEEP = {"group3", "group4", "tiff_lzw", "tiff_adobe_deflate", "packbits", "jpeg"}


def pages_text(first: int, last: int) -> str:
    """ "3" or "1-3", as a part's pages are shown and stored."""
    return str(first) if first == last else f"{first}-{last}"


def parse_parts(text: str) -> list[tuple[int, int]]:
    """ "1-3, 4, 5-6" -> [(1, 3), (4, 4), (5, 6)]; ValidationError (field ``pages``) for
    anything that is not page numbers and ranges separated by commas."""
    if not text.strip():
        raise ValidationError("Give the pages of each part, for example 1-3,4-6.", field=_FIELD)
    parts: list[tuple[int, int]] = []
    for number, piece in enumerate(text.split(","), start=1):
        if not piece.strip():
            raise ValidationError(
                f"Part {number} is empty: put pages between the commas, like 1-3,4-6.",
                field=_FIELD,
            )
        found = _RANGE.match(piece)
        if found is None:
            raise ValidationError(
                f"Part {number} ({piece.strip()}) is not a page or a range of pages like 4-6.",
                field=_FIELD,
            )
        first = int(found.group(1))
        last = int(found.group(2)) if found.group(2) is not None else first
        parts.append((first, last))
    return parts


def check_parts(parts: list[tuple[int, int]], page_count: int, content_type: str) -> None:
    """Raise ValidationError (field ``pages``) unless ``parts`` split a scan of
    ``page_count`` pages: at least two parts, each a range within the scan, in page order,
    every page in exactly one part."""
    if content_type in (DocumentContent.PNG.value, DocumentContent.JPEG.value):
        label = DocumentContent(content_type).label
        raise ValidationError(f"A {label} is a single page: it cannot be split.", field=_FIELD)
    if page_count < 2:
        raise ValidationError("This scan has one page: it cannot be split.", field=_FIELD)
    if len(parts) < 2:
        raise ValidationError(
            "Give at least two parts, for example 1-3,4-6 (one part would be the whole scan).",
            field=_FIELD,
        )
    for number, (first, last) in enumerate(parts, start=1):
        if first < 1 or last < 1:
            raise ValidationError("Pages are numbered from 1.", field=_FIELD)
        if first > last:
            raise ValidationError(
                f"Part {number} ({first}-{last}) runs backwards; write it as {last}-{first}.",
                field=_FIELD,
            )
        if last > page_count:
            raise ValidationError(
                f"Part {number} ({pages_text(first, last)}) goes past the last page: "
                f"the scan has {page_count} pages.",
                field=_FIELD,
            )
    for number, (first, last) in enumerate(parts, start=1):
        for earlier, (e_first, e_last) in enumerate(parts[: number - 1], start=1):
            if first <= e_last and e_first <= last:
                noun = "Page" if first == last else "Pages"
                verb = "overlaps" if first == last else "overlap"
                raise ValidationError(
                    f"{noun} {pages_text(first, last)} {verb} part {earlier}.", field=_FIELD
                )
        if number > 1 and first < parts[number - 2][0]:
            raise ValidationError(
                f"List the parts in page order: part {number} ({pages_text(first, last)}) "
                f"comes before part {number - 1}.",
                field=_FIELD,
            )
    covered = {page for first, last in parts for page in range(first, last + 1)}
    missing = [page for page in range(1, page_count + 1) if page not in covered]
    if missing:
        gap_end = missing[0]
        while gap_end + 1 in missing:
            gap_end += 1
        if gap_end == missing[0]:
            text = f"Page {missing[0]} is in no part"
        else:
            text = f"Pages {missing[0]}-{gap_end} are in no part"
        raise ValidationError(
            f"{text}: every page must go to one part (a blank page is a part of its own,"
            " or mark the whole scan not ours).",
            field=_FIELD,
        )


def split_content(content: bytes, content_type: str, parts: list[tuple[int, int]]) -> list[bytes]:
    """The bytes of each part (``parts`` already checked): a PDF's pages copied with pypdf,
    a TIFF's frames saved as a multi-page TIFF with Pillow."""
    if content_type == DocumentContent.PDF.value:
        return _pdf_parts(content, parts)
    if content_type == DocumentContent.TIFF.value:
        return _tiff_parts(content, parts)
    raise ValidationError(f"A {DocumentContent(content_type).label} cannot be split.", field=_FIELD)


def _pdf_parts(content: bytes, parts: list[tuple[int, int]]) -> list[bytes]:
    # Closed on the way out, so pypdf's reference cycles do not keep the scan in memory.
    with quiet_pypdf(), io.BytesIO(content) as stream:
        reader = PdfReader(stream, strict=False)
        if reader.is_encrypted:
            reader.decrypt("")  # owner-password restrictions only: intake refused the rest
        made = []
        for first, last in parts:
            writer = PdfWriter()
            for index in range(first - 1, last):
                writer.add_page(reader.pages[index])
            out = io.BytesIO()
            writer.write(out)
            made.append(out.getvalue())
    return made


def _tiff_parts(content: bytes, parts: list[tuple[int, int]]) -> list[bytes]:
    made = []
    with Image.open(io.BytesIO(content), formats=["TIFF"]) as image:
        compression = image.info.get("compression")
        for first, last in parts:
            frames = []
            for index in range(first - 1, last):
                image.seek(index)
                frames.append(image.copy())
            made.append(_save_tiff(frames, compression, image.info.get("dpi")))
    return made


def _save_tiff(frames: list[Image.Image], compression: object, dpi: object) -> bytes:
    options: dict[str, object] = {"save_all": True, "append_images": frames[1:]}
    if dpi is not None:
        options["dpi"] = dpi
    keep = compression if compression in _TIFF_KEEP else "tiff_lzw"
    # Group 3/4 fax compression is for black-and-white pages only, JPEG for grey or colour:
    # a frame Pillow cannot write that way is written with lossless LZW instead.
    for choice in (keep, "tiff_lzw"):
        out = io.BytesIO()
        try:
            frames[0].save(out, format="TIFF", compression=choice, **options)
        except (OSError, ValueError):
            continue
        return out.getvalue()
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", **options)
    return out.getvalue()
