"""Drawing a trend of 500 points: time to build the plot and render its first frame.

Offscreen (QT_QPA_PLATFORM=offscreen), at the dialog's size (938 x 486 pixels): ten years of
weekly systolic pressures with a reference band, about half of them flagged high or low.

* figure: ``TrendPlot(trend)`` as the trend dialog makes it (one ``replace`` per series,
  the band, the markers by kind, the axes), shown and grabbed to an image: the first paint.
  Median and p95 over repeated runs.
* baseline, in the same run and interleaved run by run: the same picture built the naive
  way, each reading appended on its own (``append`` per point, one ``QLineSeries`` per
  segment of the line, one scatter series per marker kind filled point by point), then shown
  and grabbed alike.

Usage: python bench/trend_plot.py [RUNS]
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _common import RESULTS, machine, write_result  # noqa: E402
from PySide6.QtCharts import (  # noqa: E402
    QAreaSeries,
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import QDateTime, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from medrec_desktop.domain.trends import Trend, TrendPoint  # noqa: E402
from medrec_desktop.ui.chart.trend_plot import TrendPlot, marker_of, msecs  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 40
POINTS = 500
SIZE = (938, 486)  # the plot inside the trend dialog
TARGET_MS = 100.0


def trend() -> Trend:
    rng = random.Random(10)
    start = dt.datetime(2016, 11, 1, 15, 0, tzinfo=dt.UTC)
    points = []
    for n in range(POINTS):
        value = round(rng.gauss(122, 14))
        flag = "H" if value > 120 else "L" if value < 90 else ""
        points.append(TrendPoint(start + dt.timedelta(days=7 * n), value, flag))
    return Trend("Systolic blood pressure", "mmHg", tuple(points), 90, 120)


def product(app: QApplication, data: Trend) -> float:
    started = time.perf_counter()
    plot = TrendPlot(data)
    plot.resize(*SIZE)
    plot.show()
    plot.grab()
    took = time.perf_counter() - started
    plot.close()
    plot.deleteLater()
    app.processEvents()
    return took


def naive(app: QApplication, data: Trend) -> float:
    started = time.perf_counter()
    chart = QChart()
    x_axis, y_axis = QDateTimeAxis(), QValueAxis()
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    times = [msecs(p.at) for p in data.points]
    x_axis.setRange(
        QDateTime.fromMSecsSinceEpoch(int(times[0])), QDateTime.fromMSecsSinceEpoch(int(times[-1]))
    )
    y_axis.setRange(60, 180)

    def add(series: QLineSeries | QScatterSeries | QAreaSeries) -> None:
        chart.addSeries(series)
        series.attachAxis(x_axis)
        series.attachAxis(y_axis)

    lower, upper = QLineSeries(chart), QLineSeries(chart)
    for t in (times[0], times[-1]):
        lower.append(t, data.low or 0)
        upper.append(t, data.high or 0)
    add(QAreaSeries(upper, lower))
    for (t0, p0), (t1, p1) in zip(
        zip(times, data.points, strict=True),
        zip(times[1:], data.points[1:], strict=True),
        strict=False,
    ):
        segment = QLineSeries()
        segment.append(t0, p0.value)
        segment.append(t1, p1.value)
        add(segment)
    kinds: dict[str, QScatterSeries] = {}
    for t, p in zip(times, data.points, strict=True):
        kind = marker_of(p.flag)
        if kind.key not in kinds:
            kinds[kind.key] = QScatterSeries()
            kinds[kind.key].setMarkerShape(kind.shape)
            add(kinds[kind.key])
        kinds[kind.key].append(t, p.value)
    view = QChartView(chart)
    view.resize(*SIZE)
    view.show()
    view.grab()
    took = time.perf_counter() - started
    view.close()
    view.deleteLater()
    app.processEvents()
    return took


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    data = trend()
    product(app, data)  # the first run loads fonts and plugins for both
    naive(app, data)
    ours: list[float] = []
    theirs: list[float] = []
    naive_every = 4  # the naive build takes much longer: a quarter as many, interleaved
    for n in range(RUNS):
        ours.append(product(app, data) * 1000)
        if n % naive_every == 0:
            theirs.append(naive(app, data) * 1000)
    lines = [
        f"trend plot, {POINTS} points, {SIZE[0]}x{SIZE[1]} offscreen, build + first paint",
        f"  TrendPlot (one replace() per series): median {statistics.median(ours):.1f} ms, "
        f"p95 {p95(ours):.1f} ms over {len(ours)} runs",
        f"  naive (append() per point, a QLineSeries per segment): median "
        f"{statistics.median(theirs):.1f} ms, p95 {p95(theirs):.1f} ms over {len(theirs)} runs",
        f"  target: < {TARGET_MS:.0f} ms",
        f"  machine: {machine()}; load average {os.getloadavg()[0]:.2f}",
    ]
    print("\n".join(lines))
    (RESULTS / "trend_plot.txt").write_text("\n".join(lines) + "\n")
    write_result(
        "trend_plot",
        figure=f"trend plot of {POINTS} points: build and first paint, median",
        unit="ms",
        value=statistics.median(ours),
        baseline="the same plot built point by point (append per point, a line series per "
        "segment), interleaved in the same run",
        baseline_value=statistics.median(theirs),
        target=f"< {TARGET_MS:.0f} ms",
        extra={
            "p95_ms": round(p95(ours), 2),
            "baseline_p95_ms": round(p95(theirs), 2),
            "runs": len(ours),
            "baseline_runs": len(theirs),
            "points": POINTS,
        },
    )


if __name__ == "__main__":
    main()
