"""ICD-10-PCS tables XML (``icd10pcs_tables_YYYY.xml``): every valid code of every table row.

Each ``pcsTable`` fixes characters 1-3 (section, body system, operation); each ``pcsRow``
lists the values allowed for characters 4-7, and every combination is a valid code. The
official long titles follow rules of their own; the title built here names each character's
label in order, which is what the tables themselves state.
"""

from __future__ import annotations

import io
import itertools
import xml.etree.ElementTree as ET

from medrec_desktop.coding.importers.errors import ImportFormatError
from medrec_desktop.coding.parsed import CodeRow

_ALPHABET = set("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ")


def _labels(axis: ET.Element, source: str, line: int) -> list[tuple[str, str]]:
    out = []
    for label in axis.findall("label"):
        code = (label.get("code") or "").strip().upper()
        if len(code) != 1 or code not in _ALPHABET:
            raise ImportFormatError(
                source,
                line,
                f"axis {axis.get('pos')}/label/@code",
                f"not a PCS character: {code!r}",
            )
        out.append((code, " ".join((label.text or "").split())))
    if not out:
        raise ImportFormatError(source, line, f"axis {axis.get('pos')}", "no labels")
    return out


def parse_pcs_tables(data: bytes, source: str) -> list[CodeRow]:
    rows: dict[str, CodeRow] = {}
    tables = 0
    try:
        for _, elem in ET.iterparse(io.BytesIO(data), events=("end",)):
            if elem.tag != "pcsTable":
                continue
            tables += 1
            line = tables  # ElementTree keeps no line numbers: name the table by its index
            axes = {int(a.get("pos") or 0): _labels(a, source, line) for a in elem.findall("axis")}
            if sorted(axes) != [1, 2, 3]:
                raise ImportFormatError(
                    source, line, "pcsTable/axis", "a table must fix characters 1-3"
                )
            head = [axes[p][0] for p in (1, 2, 3)]
            for row in elem.findall("pcsRow"):
                raxes = {
                    int(a.get("pos") or 0): _labels(a, source, line) for a in row.findall("axis")
                }
                if sorted(raxes) != [4, 5, 6, 7]:
                    raise ImportFormatError(
                        source, line, "pcsRow/axis", "a row must list characters 4-7"
                    )
                for combo in itertools.product(*(raxes[p] for p in (4, 5, 6, 7))):
                    parts = head + list(combo)
                    code = "".join(c for c, _ in parts)
                    title = ", ".join(t for _, t in parts[2:] if t)
                    rows.setdefault(code, CodeRow(code, f"{parts[0][1]}: {title}", True))
            elem.clear()
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else 0
        raise ImportFormatError(source, line, "XML", str(exc).split(":")[0]) from None
    if not rows:
        raise ImportFormatError(source, 1, "pcsTable", "the file has no tables")
    return list(rows.values())
