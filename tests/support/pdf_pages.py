"""Reading a PDF we wrote back the way a recipient's tools would: pypdf (a Python reader) and
poppler's ``pdftotext`` (what most Linux viewers and indexers use), page by page."""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from pathlib import Path

from pypdf import PdfReader


def pypdf_pages(pdf: bytes, password: str | None = None) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    if password is not None:
        reader.decrypt(password)
    return [page.extract_text() or "" for page in reader.pages]


def poppler_pages(pdf: bytes, tmp: Path, password: str | None = None) -> list[str]:
    """One string per page (pdftotext separates pages with form feeds)."""
    path = tmp / "read.pdf"
    path.write_bytes(pdf)
    command = ["pdftotext", "-layout", "-enc", "UTF-8"]
    if password is not None:
        command += ["-upw", password]
    out = subprocess.run(
        [*command, str(path), "-"], check=True, capture_output=True, timeout=60
    ).stdout.decode("utf-8")
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def flat(text: str) -> str:
    """Compatibility forms folded (shaped Arabic comes back as presentation forms) and bidi
    marks and runs of spaces dropped, so words can be looked for."""
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(c for c in folded if unicodedata.category(c) != "Cf")
    return " ".join(folded.split())


def word_boxes(pdf: bytes, tmp: Path) -> list[tuple[int, float, float, str]]:
    """Every word poppler finds: (page number from 1, left x, right x, text), in points."""
    path = tmp / "boxes.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, timeout=60
    ).stdout.decode("utf-8")
    found: list[tuple[int, float, float, str]] = []
    page = 0
    for line in html.splitlines():
        if "<page " in line:
            page += 1
        match = _WORD.search(line)
        if match:
            found.append((page, float(match["x0"]), float(match["x1"]), match["text"]))
    return found


_WORD = re.compile(
    r'<word xMin="(?P<x0>[\d.]+)" yMin="[\d.]+" xMax="(?P<x1>[\d.]+)"[^>]*>(?P<text>.*)</word>'
)
