"""How chart values read on screen, shared by the kinds' columns and the history view."""

from __future__ import annotations

import datetime as dt
from typing import Any

from medrec_desktop.domain.clinical import ItemInfo
from medrec_desktop.domain.item_fields import shown_number
from medrec_desktop.domain.partial_dates import PartialDate
from medrec_desktop.ui.chart.kind_view import KindView, when

_MISSING = object()


def date_text(value: PartialDate | None) -> str:
    return value.display if value else ""


def date_key(value: PartialDate | None) -> str:
    return value.storage if value else ""


def number_text(value: float | int | None, places: int = 1) -> str:
    return shown_number(value, places)


def shown_field(kind: KindView[Any, Any], item: ItemInfo[Any], field: str, fallback: str) -> str:
    """Field ``field`` of ``item`` as the screens show it: the kind's own words and formats,
    numbers rounded as typed, times in local time; ``fallback`` (the service's text) for
    anything else."""
    if field == "status":
        return kind.status_label(item.status)
    shown = (kind.formats or {}).get(field)
    if shown is not None:
        return shown(item)
    raw = getattr(item.data, field, _MISSING)
    if isinstance(raw, dt.datetime):
        return when(raw)
    if isinstance(raw, float):
        return shown_number(raw, 2)
    return fallback
