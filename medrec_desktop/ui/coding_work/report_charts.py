"""The coding reports' charts (issue 13), drawn with QtCharts in the system palette.

Productivity: encounters marked coded, a bar per day (per week or month over a long period),
each coder a part of the bar, named in the legend. Diagnoses: the groups with the most
encounters as horizontal bars, largest on top, each with its count at its end. The tables
beside them hold every number; the charts show the shape. Axis labels never overlap: the
days turn upright when they do not fit side by side, long group titles are shortened (the
full title is in the table).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QEvent, QMargins, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QPainter, QPalette, QResizeEvent
from PySide6.QtWidgets import QWidget

from medrec_desktop.domain.coding_reports import DiagnosisReport, ProductivityReport

#: calm colours told apart on light and dark backgrounds (the first is the trend plots' blue)
SERIES_COLORS = ("#3b6ea5", "#d08c2f", "#4f9a68", "#9a5fb0", "#c4504a", "#3f9fb3", "#8a7a3a")
TOP_GROUPS = 12
DAY_BARS = 31  # up to a month: a bar a day
WEEK_BARS = 27  # up to half a year: a bar a week; longer: a bar a month


def buckets(since: dt.date, until: dt.date) -> tuple[str, list[tuple[dt.date, str]]]:
    """The bars of a period: (unit, [(first day of the bar, its label)])."""
    days = (until - since).days + 1
    if days <= DAY_BARS:
        one_month = (since.year, since.month) == (until.year, until.month)
        out = []
        for n in range(days):
            d = since + dt.timedelta(days=n)
            out.append((d, str(d.day) if one_month else f"{d.month}/{d.day}"))
        return "day", out
    if days <= WEEK_BARS * 7:
        start = since - dt.timedelta(days=since.weekday())
        out = []
        while start <= until:
            out.append((start, f"{start.month}/{start.day}"))
            start += dt.timedelta(days=7)
        return "week", out
    out = []
    month = since.replace(day=1)
    several_years = since.year != until.year
    while month <= until:
        out.append((month, f"{month:%b %Y}" if several_years else f"{month:%b}"))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return "month", out


def nice_max(value: int) -> tuple[int, int]:
    """A round top for a count axis and its number of ticks, every tick a whole number (1,
    2 or 5 times a power of ten apart), at most nine of them."""
    top = max(value, 1)
    step, scale = 1, 1
    while top / step > 8:
        for k in (1, 2, 5):
            step = k * scale
            if top / step <= 8:
                break
        else:
            scale *= 10
            continue
        break
    ceiling = -(-top // step) * step
    return ceiling, ceiling // step + 1


class _ReportChart(QChartView):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFrameShape(QChartView.Shape.NoFrame)
        self.setMinimumSize(360, 260)
        self.setAccessibleName(name)
        chart = QChart()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.setBackgroundRoundness(0)
        chart.setMargins(QMargins(6, 6, 10, 6))
        layout = chart.layout()
        if layout is not None:
            layout.setContentsMargins(0, 0, 0, 0)
        self.setChart(chart)

    def _reset(self) -> QChart:
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        chart.setTitle("")
        return chart

    def apply_colors(self) -> None:
        """The chart in the widget's palette (light or dark, as the system)."""
        palette = self.palette()
        background = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        chart = self.chart()
        chart.setBackgroundBrush(QBrush(background))
        chart.setPlotAreaBackgroundVisible(False)
        chart.setTitleBrush(QBrush(text))
        chart.legend().setLabelColor(text)
        grid = QColor(text)
        grid.setAlpha(40)
        for axis in chart.axes():
            axis.setLabelsBrush(QBrush(text))
            axis.setTitleBrush(QBrush(text))
            axis.setGridLineColor(grid)
            axis.setLinePenColor(grid)
        for series in chart.series():
            if isinstance(series, QHorizontalBarSeries):
                for bar_set in series.barSets():
                    bar_set.setLabelColor(text)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.apply_colors()

    def _count_axis(self, chart: QChart, top: int, title: str, where: Qt.AlignmentFlag) -> None:
        axis = QValueAxis()
        ceiling, ticks = nice_max(top)
        axis.setRange(0, ceiling)
        axis.setTickCount(ticks)
        axis.setLabelFormat("%d")
        axis.setTitleText(title)
        chart.addAxis(axis, where)
        for series in chart.series():
            series.attachAxis(axis)


class ProductivityChart(_ReportChart):
    """Encounters marked coded per day (week, month), a part of each bar per coder."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Encounters coded per day chart", parent)
        self.categories: list[str] = []
        self.coders: list[str] = []
        self.unit = "day"
        self.label_every = 1  # every bar labelled (2: every second one...)
        self.chart().legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        # The plot's width is known only once laid out: the labels are fitted again then.
        self.chart().plotAreaChanged.connect(lambda _area: self._fit_labels())

    def show_report(self, report: ProductivityReport) -> None:
        chart = self._reset()
        self.unit, bars = buckets(report.since, report.until)
        starts = [d for d, _ in bars]
        self.categories = [label for _, label in bars]
        per_coder: dict[str, list[int]] = defaultdict(lambda: [0] * len(bars))
        for day in report.days:
            at = max(i for i, start in enumerate(starts) if start <= day.day)
            per_coder[day.coder][at] += day.coded
        self.coders = sorted(per_coder, key=str.casefold)
        if not self.coders:
            chart.setTitle("No encounter was marked coded in this period")
            self.setAccessibleDescription("No encounter was marked coded in this period.")
            self.apply_colors()
            return
        series = QStackedBarSeries()
        series.setBarWidth(0.7)
        for n, coder in enumerate(self.coders):
            bar_set = QBarSet(coder)
            bar_set.append([float(v) for v in per_coder[coder]])
            color = QColor(SERIES_COLORS[n % len(SERIES_COLORS)])
            bar_set.setColor(color)
            bar_set.setBorderColor(color)
            series.append(bar_set)
        chart.addSeries(series)
        x_axis = QBarCategoryAxis()
        x_axis.append(self.categories)
        x_axis.setTruncateLabels(False)  # fitted by turning and thinning (_fit_labels)
        x_axis.setTitleText(self._x_title(report))
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x_axis)
        totals = [sum(values) for values in zip(*per_coder.values(), strict=True)]
        self._count_axis(chart, max(totals), "Encounters coded", Qt.AlignmentFlag.AlignLeft)
        self.x_axis = x_axis
        self._fit_labels()
        self.apply_colors()
        busiest = max(range(len(totals)), key=totals.__getitem__)
        self.setAccessibleDescription(
            f"{report.coded} encounters coded by {len(self.coders)} coders; the most, "
            f"{totals[busiest]}, in the {self.unit} of {self.categories[busiest]}."
        )

    def _x_title(self, report: ProductivityReport) -> str:
        if self.unit == "week":
            return "Week starting"
        if self.unit == "month":
            return "Month"
        if (report.since.year, report.since.month) == (report.until.year, report.until.month):
            return f"{report.since:%B %Y}"
        return "Day"

    def _fit_labels(self) -> None:
        """The bars' labels side by side when they fit, else upright, else upright and only
        every second (third...) one: never overlapping, never cut short (Qt's own shortening
        is off: "10/…" under a bar says nothing)."""
        if not self.categories or not hasattr(self, "x_axis"):
            return
        metrics = QFontMetrics(self.x_axis.labelsFont())
        widest = max(metrics.horizontalAdvance(c) for c in self.categories)
        plot = self.chart().plotArea().width()
        room = plot if plot > 50 else self.width() - 90  # before the first layout
        per_bar = room / len(self.categories)
        upright = metrics.height() + 4
        if widest + 10 <= per_bar:
            angle, every = 0, 1
        else:
            angle, every = -90, max(1, -int(-upright // per_bar))
        shown = [
            label if n % every == 0 else "\u200b" * (n + 1)  # blank, but each one different
            for n, label in enumerate(self.categories)
        ]
        self.label_every = every
        if self.x_axis.labelsAngle() != angle:
            self.x_axis.setLabelsAngle(angle)
        if self.x_axis.categories() != shown:
            self.x_axis.setCategories(shown)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_labels()


class DiagnosisChart(_ReportChart):
    """The groups with the most encounters, largest on top, each bar with its count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Encounters per diagnosis group chart", parent)
        self.labels: list[str] = []  # full labels, largest first
        self.values: list[int] = []
        self.chart().legend().hide()

    def show_report(self, report: DiagnosisReport, top: int = TOP_GROUPS) -> None:
        chart = self._reset()
        shown = report.groups[:top]
        # A few groups: a chart as tall as they need (its page keeps the rest free), not a
        # few bars stretched over the whole height.
        self.setMaximumHeight(max(self.minimumHeight(), 150 + 46 * len(shown)))
        self.labels = [g.label for g in shown]
        self.values = [g.encounters for g in shown]
        noun = report.by.noun.lower()
        if not shown:
            chart.setTitle("No coded encounter in this period")
            self.setAccessibleDescription("No coded encounter in this period.")
            self.apply_colors()
            return
        more = len(report.groups) - len(shown)
        plural = {"category": "categories", "hcc": "HCCs", "chapter": "chapters"}[noun]
        chart.setTitle(
            f"Top {len(shown)} of {len(report.groups)} {plural}" if more else f"All {plural}"
        )
        bar_set = QBarSet("Encounters")
        # Qt draws the first category at the bottom: largest last, so it shows on top.
        bar_set.append([float(v) for v in reversed(self.values)])
        color = QColor(SERIES_COLORS[0])
        bar_set.setColor(color)
        bar_set.setBorderColor(color)
        series = QHorizontalBarSeries()
        # A few groups get slimmer bars, not bars half the chart high.
        series.setBarWidth(max(0.3, min(0.75, 0.1 * len(shown))))
        series.append(bar_set)
        series.setLabelsVisible(True)
        series.setLabelsPosition(QHorizontalBarSeries.LabelsPosition.LabelsOutsideEnd)
        series.setLabelsFormat("@value")
        chart.addSeries(series)
        self.y_axis = QBarCategoryAxis()
        self.y_axis.append(self._short_labels())
        chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(self.y_axis)
        # Room past the longest bar for its count.
        self._count_axis(
            chart, max(self.values) + max(1, max(self.values) // 8), "Encounters",
            Qt.AlignmentFlag.AlignBottom,
        )  # fmt: skip
        self.apply_colors()
        self.setAccessibleDescription(
            "; ".join(
                f"{label}: {v} encounters"
                for label, v in zip(self.labels, self.values, strict=True)
            )
        )

    def _short_labels(self) -> list[str]:
        """The labels shortened to about two fifths of the chart's width, largest last (see
        ``show_report``); two labels shortened alike stay apart."""
        room = max(140, int(self.width() * 0.42))
        font = self.y_axis.labelsFont() if hasattr(self, "y_axis") else self.font()
        metrics = QFontMetrics(font)
        out: list[str] = []
        for label in reversed(self.labels):
            short = metrics.elidedText(label, Qt.TextElideMode.ElideRight, room)
            while short in out:  # categories must differ
                short += " "
            out.append(short)
        return out

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self.labels and hasattr(self, "y_axis"):
            self.y_axis.setCategories(self._short_labels())
