"""The text layer of a PDF's first pages, read as a hint (who a scan may be about), never as
the record: a page that cannot be read gives no text rather than an error.

Bounded, because it runs while a records specialist waits: only the first few pages, no page
whose drawing instructions are unusually large (pypdf's extraction time grows with them),
no more pages once the time allowed is spent, and a cap on the characters kept per page.
Everything stays in memory, and pypdf's log lines are silenced as when a file is checked
(they may quote the file's content).
"""

from __future__ import annotations

import io
import time
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject

# Private in document_files (its one user until now); shared so both readers silence pypdf
# the same counted way.
from medrec_desktop.domain.document_files import quiet_pypdf

FIRST_PAGES = 3
SECONDS = 2.0
CHARS_PER_PAGE = 20_000
# A typed page draws with a few kilobytes of instructions; a scanned page with a few bytes
# around one image. Far beyond that is a drawing, a chart, or a hostile file.
STREAM_BYTES = 2 * 1024 * 1024


def first_pages_text(
    content: bytes,
    *,
    pages: int = FIRST_PAGES,
    seconds: float = SECONDS,
    chars_per_page: int = CHARS_PER_PAGE,
) -> list[str]:
    """The extracted text of up to ``pages`` first pages, in order ("" for a page without a
    text layer or one skipped); fewer entries when the time ran out or the file is not a
    readable PDF."""
    started = time.monotonic()
    texts: list[str] = []
    with quiet_pypdf():
        try:
            reader = PdfReader(io.BytesIO(content), strict=False)
            if reader.is_encrypted:
                # Only files that open without a password reach the database (owner-only
                # restrictions); a failure here just means no text.
                reader.decrypt("")
            for n in range(min(pages, len(reader.pages))):
                if time.monotonic() - started > seconds:
                    break
                try:
                    page = reader.pages[n]
                    big = _stream_bytes(page) > STREAM_BYTES
                    texts.append("" if big else (page.extract_text() or "")[:chars_per_page])
                except Exception:
                    texts.append("")  # one unreadable page: the others may still help
        except Exception:
            # Whatever pypdf raises on a malformed file means the same here: no more text.
            pass
    return texts


def _stream_bytes(page: Any) -> int:
    """The declared length of a page's content streams (without decoding them)."""
    contents = page.get("/Contents")
    if contents is None:
        return 0
    obj = contents.get_object()
    streams = list(obj) if isinstance(obj, ArrayObject) else [obj]
    total = 0
    for stream in streams:
        length = stream.get_object().get("/Length", 0)
        total += int(length.get_object() if hasattr(length, "get_object") else length)
    return total
