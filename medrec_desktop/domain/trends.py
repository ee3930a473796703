"""A numeric result or vital over time, as a trend plot draws it (issue 10).

Produced by the services (a test result's analyte, or one vital sign) and drawn by the
trend plot (``ui/chart/trend_plot.py``); the reference range is the latest one recorded, shown
as a band behind the points.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class TrendPoint:
    """One measured value: when it was taken (UTC), the value in the trend's unit, and its
    abnormal flag's symbol as the grid shows it ("H", "L", "HH"...; empty when normal)."""

    at: dt.datetime
    value: float
    flag: str = ""


@dataclass(frozen=True)
class Trend:
    """``title`` names what is measured ("Hemoglobin A1c", "Systolic blood pressure");
    ``points`` are oldest first; ``low``/``high`` the reference range, if any."""

    title: str
    unit: str
    points: tuple[TrendPoint, ...]
    low: float | None = None
    high: float | None = None
