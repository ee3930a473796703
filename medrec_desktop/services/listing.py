"""How a call that discloses many patients at once names them in its audit event."""

from __future__ import annotations

from collections.abc import Iterable

PATIENTS_PREFIX = "patients: "


def patients_detail(ids: Iterable[int]) -> str:
    """``"3 patients: 12,45,78"``: every id disclosed, each once, in the order shown.

    Every id is kept however long the list (the detail column is unbounded text): an accounting
    of who saw a patient must not lose the patients at the end of a long listing.
    """
    unique = list(dict.fromkeys(ids))
    if not unique:
        return "0 patients"
    return f"{len(unique)} {PATIENTS_PREFIX}{','.join(str(i) for i in unique)}"


def disclosed_ids(detail: str | None) -> list[int]:
    """The ids a :func:`patients_detail` text names (for reports and tests)."""
    if not detail or PATIENTS_PREFIX not in detail:
        return []
    listed = detail.split(PATIENTS_PREFIX, 1)[1].split(";", 1)[0]
    return [int(i) for i in listed.split(",") if i.strip().isdigit()]
