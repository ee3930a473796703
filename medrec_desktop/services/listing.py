"""How a call that discloses many patients at once names them in its audit event."""

from __future__ import annotations

import re
from collections.abc import Iterable

_LISTED = re.compile(r"\b\d+ patients?: ([\d,]+)")


def patients_detail(ids: Iterable[int]) -> str:
    """``"3 patients: 12,45,78"``: every id disclosed, each once, in the order shown.

    Every id is kept however long the list (the detail column is unbounded text): an accounting
    of who saw a patient must not lose the patients at the end of a long listing.
    """
    unique = list(dict.fromkeys(ids))
    if not unique:
        return "0 patients"
    noun = "patient" if len(unique) == 1 else "patients"
    return f"{len(unique)} {noun}: {','.join(str(i) for i in unique)}"


def disclosed_ids(detail: str | None) -> list[int]:
    """The ids a :func:`patients_detail` text names (for reports and tests)."""
    found = _LISTED.search(detail or "")
    return [int(i) for i in found.group(1).split(",") if i] if found else []
