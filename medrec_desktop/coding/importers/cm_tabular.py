"""ICD-10-CM tabular list XML (CDC ``icd10cm_tabular_YYYY.xml``): codes, notes, 7th characters.

Every instructional note is kept with the node it is written under (chapter, section or code):
includes, inclusion terms, Excludes1, Excludes2, code first, use additional code, code also,
free notes and 7th-character notes. A 7th-character table applies to every leaf below the code
that defines it (a deeper table replaces it); such leaves become headers and the full codes are
generated with placeholder ``X`` padding to six characters.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from medrec_desktop.coding.codes import normalize, pad_placeholder
from medrec_desktop.coding.importers.errors import ImportFormatError

NOTE_KINDS = {
    "includes": "includes",
    "inclusionTerm": "inclusion",
    "excludes1": "excludes1",
    "excludes2": "excludes2",
    "codeFirst": "code_first",
    "useAdditionalCode": "use_additional",
    "codeAlso": "code_also",
    "notes": "note",
    "sevenChrNote": "seventh_note",
}

#: 7th characters a tabular note withholds: "7th characters D and S do not apply to codes in
#: category S06 with 6th character 7 ... or 8" (the XML states it only in prose).
_SEVENTH_EXCEPTIONS: dict[tuple[str, str], frozenset[str]] = {
    ("S06", "7"): frozenset("DS"),
    ("S06", "8"): frozenset("DS"),
}

_CM_CODE = re.compile(r"^[A-Z][0-9A-Z][0-9A-Z](\.[0-9A-Z]{1,4})?$")


@dataclass(frozen=True)
class CmNode:
    code: str  # normalised; chapters are "CH01", sections their id ("A00-A09")
    title: str
    kind: str  # chapter | section | code
    billable: bool
    parent: str | None
    expanded: bool = False  # made from a header and a 7th character


@dataclass
class TabularData:
    version: str = ""
    nodes: list[CmNode] = field(default_factory=list)
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # owner, kind, text
    seventh: list[tuple[str, str, str]] = field(default_factory=list)  # owner, char, meaning

    @property
    def billable_count(self) -> int:
        return sum(1 for n in self.nodes if n.billable)

    def codes(self) -> Iterator[CmNode]:
        return (n for n in self.nodes if n.kind == "code")


def chapter_id(number: str) -> str:
    return f"CH{int(number):02d}" if number.isdigit() else f"CH{number}"


def _text(elem: ET.Element | None) -> str:
    return " ".join((elem.text or "").split()) if elem is not None else ""


class _Walker:
    def __init__(self, source: str, raw: bytes) -> None:
        self.source = source
        self.raw = raw
        self.data = TabularData()

    def fail(self, elem: ET.Element, field_name: str, problem: str) -> ImportFormatError:
        # ElementTree keeps no line numbers: find the element's name in the raw text instead
        needle = _text(elem.find("name")) or elem.get("id") or elem.get("char") or ""
        pos = self.raw.find(f">{needle}<".encode()) if needle else -1
        line = self.raw.count(b"\n", 0, pos) + 1 if pos >= 0 else 0
        return ImportFormatError(self.source, line, field_name, problem)

    def notes(self, elem: ET.Element, owner: str) -> None:
        for child in elem:
            kind = NOTE_KINDS.get(child.tag)
            if kind is None:
                continue
            for note in child.iter("note"):
                text = _text(note)
                if text:
                    self.data.notes.append((owner, kind, text))

    def chapter(self, elem: ET.Element) -> None:
        number = _text(elem.find("name"))
        if not number:
            raise self.fail(elem, "chapter/name", "missing chapter number")
        cid = chapter_id(number)
        self.data.nodes.append(CmNode(cid, _text(elem.find("desc")), "chapter", False, None))
        self.notes(elem, cid)
        for section in elem.findall("section"):
            sid = section.get("id") or ""
            if not sid:
                raise self.fail(section, "section/@id", "missing section id")
            if "-" not in sid:  # a one-category section shares its id with the category
                sid = f"{sid}-{sid}"
            title = _text(section.find("desc"))
            self.data.nodes.append(CmNode(sid, title, "section", False, cid))
            self.notes(section, sid)
            for diag in section.findall("diag"):
                self.diag(diag, sid, None)

    def diag(self, elem: ET.Element, parent: str, seventh: list[tuple[str, str]] | None) -> None:
        raw = _text(elem.find("name"))
        if not _CM_CODE.match(raw):
            raise self.fail(elem, "diag/name", f"not an ICD-10-CM code: {raw[:20]!r}")
        code = normalize(raw)
        title = _text(elem.find("desc"))
        if not title:
            raise self.fail(elem, "diag/desc", f"code {raw} has no title")
        own = elem.find("sevenChrDef")
        if own is not None:
            seventh = []
            for ext in own.findall("extension"):
                char = (ext.get("char") or "").strip().upper()
                if len(char) != 1:
                    raise self.fail(ext, "extension/@char", "7th character must be one letter")
                seventh.append((char, _text(ext)))
                self.data.seventh.append((code, char, _text(ext)))
        children = elem.findall("diag")
        leaf = not children
        expand = leaf and seventh is not None and len(code) < 7
        skip = _SEVENTH_EXCEPTIONS.get((code[:3], code[5:6]), frozenset()) if expand else set()
        self.data.nodes.append(CmNode(code, title, "code", leaf and not expand, parent))
        self.notes(elem, code)
        for child in children:
            self.diag(child, code, seventh)
        if expand and seventh is not None:
            base = pad_placeholder(code)
            for char, meaning in seventh:
                if char in skip:
                    continue
                self.data.nodes.append(
                    CmNode(base + char, f"{title}, {meaning}", "code", True, code, True)
                )


def parse_tabular(data: bytes, source: str = "tabular XML") -> TabularData:
    """Parse a whole tabular XML document held in memory; raise ImportFormatError if malformed."""
    walker = _Walker(source, data)
    chapters = 0
    root: ET.Element | None = None
    try:
        # chapter by chapter, dropping each once read: the whole tree would cost ~100 MB
        for event, elem in ET.iterparse(io.BytesIO(data), events=("start", "end")):
            if root is None:
                root = elem
                if root.tag != "ICD10CM.tabular":
                    raise ImportFormatError(
                        source, 1, "root", f"expected ICD10CM.tabular, found {root.tag[:40]}"
                    )
            if event != "end":
                continue
            if elem.tag == "version" and not walker.data.version:
                walker.data.version = _text(elem)
            elif elem.tag == "chapter":
                walker.chapter(elem)
                chapters += 1
                root.clear()
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else 0
        raise ImportFormatError(source, line, "XML", str(exc).split(":")[0]) from None
    if not chapters:
        raise ImportFormatError(source, 1, "chapter", "the file has no chapters")
    return walker.data


def parse_tabular_file(path: Path) -> TabularData:
    return parse_tabular(path.read_bytes(), source=path.name)
