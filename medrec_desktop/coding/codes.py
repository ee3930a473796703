"""Code spelling: normalise what a user types, show codes the way coders write them."""

from __future__ import annotations

import datetime as dt
import re

from medrec_desktop.coding.types import CodeSystem, Release

_CODE_CHARS = re.compile(r"^[A-Z0-9]{3,7}$")


def normalize(code: str) -> str:
    """``e11.65`` -> ``E1165``: upper case, no dot, no spaces."""
    return code.strip().replace(".", "").replace(" ", "").upper()


def display(code: str, system: CodeSystem | str = CodeSystem.ICD10CM) -> str:
    """``E1165`` -> ``E11.65`` for ICD-10-CM; other systems have no dot."""
    if CodeSystem(system) is CodeSystem.ICD10CM and len(code) > 3 and "-" not in code:
        return f"{code[:3]}.{code[3:]}"
    return code


def looks_like_code(text: str) -> bool:
    """True for input that can only be a (partial) code: letters and digits, at least one digit."""
    norm = normalize(text)
    if not _CODE_CHARS.match(norm) or not any(c.isdigit() for c in norm):
        return False
    # ICD-10-CM / HCPCS start with a letter then a digit; PCS and CPT may start with a digit
    return norm[0].isdigit() or norm[1].isdigit() or norm[:2] == "QA"


def pad_placeholder(code: str) -> str:
    """Pad a code to six characters with placeholder X before a 7th character is added."""
    return code.ljust(6, "X")


def parse_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def date_int(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def int_date(value: int) -> dt.date:
    return dt.date(value // 10000, value // 100 % 100, value % 100)


def fiscal_year(day: dt.date) -> int:
    """US federal fiscal year: FY2027 starts on 2026-10-01."""
    return day.year + 1 if day.month >= 10 else day.year


def no_title(release: Release) -> str:
    """The title shown for a code of a "titles not yet imported" release."""
    # Not "until the FYxxxx release is imported": a code added in an April update (PCS
    # 0FT44ZG, April 2024) belongs to a fiscal year whose October file is the one bundled.
    fy = fiscal_year(release.valid_from)
    return f"title not available: import the FY{fy} or a later release for it"


def display_node(node: str, system: CodeSystem | str = CodeSystem.ICD10CM) -> str:
    """Chapters ("CH04") and sections ("E08-E13") as they are; codes with their dot."""
    if node.startswith("CH") or "-" in node:
        return node
    return display(node, system)
