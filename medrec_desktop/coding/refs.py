"""Code references inside tabular notes: "(E10.-)", "(O10-O11, O13-O16)", "(R73.9)"."""

from __future__ import annotations

import functools
import re

from medrec_desktop.coding.codes import normalize

_CODE = r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{0,4})?-?"
_REF = re.compile(rf"({_CODE})(?:\s*-\s*({_CODE}))?")
_PAREN = re.compile(r"\(([^()]*)\)")


def _clean(ref: str) -> str:
    return normalize(ref.rstrip("-").rstrip("."))


def code_ranges(note: str) -> list[tuple[str, str]]:
    """The (low, high) code prefixes a note refers to, from its parenthesised references.

    A code matches a pair when ``code[:len(low)] >= low`` and ``code[:len(high)] <= high``.
    """
    return list(_ranges(note))


# The notes of the codes a clinic uses come back with every claim checked: each text is
# read once (the tabular holds about 2,100 use-additional / code-also notes).
@functools.lru_cache(maxsize=8192)
def _ranges(note: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for group in _PAREN.findall(note):
        for part in group.split(","):
            match = _REF.fullmatch(part.strip())
            if not match:
                continue
            low = _clean(match.group(1))
            high = _clean(match.group(2)) if match.group(2) else low
            out.append((low, high))
    return tuple(out)


def matches(code: str, low: str, high: str) -> bool:
    return code[: len(low)] >= low and code[: len(high)] <= high
