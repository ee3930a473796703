"""A trend plot (issue 10): one numeric result or vital sign over time, drawn with QtCharts.

The time runs along the bottom (local dates), the value up the side with its unit; the
reference range is a shaded band behind the readings, each reading a marker on a thin line.
A reading outside its range is marked by its shape as well as its colour (▲ high, ◆ low,
★ critical, ■ otherwise abnormal), never by colour alone. Pointing at a reading, or moving
along them with ← and → (Home, End), shows its value and local date and time beside it.

Fast for long series: every series is filled in one call (``replace``), and hovering finds
the nearest reading by bisecting the points' screen positions, computed once per layout.
The dialog that shows it, prints it and saves it as a PDF is ``ui/chart/trend_dialog.py``.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from PySide6.QtCharts import (
    QAreaSeries,
    QChart,
    QChartView,
    QDateTimeAxis,
    QLegend,
    QLineSeries,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import QDateTime, QEvent, QMargins, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QWidget,
)

from medrec_desktop.domain.item_fields import shown_number
from medrec_desktop.domain.trends import Trend, TrendPoint

LINE = QColor("#3b6ea5")  # a calm blue: the readings
ALERT = QColor("#b42318")  # high, low, abnormal (always with a shape of their own)
CRITICAL = QColor("#7a0916")
BAND = QColor(46, 125, 50, 46)  # the reference range: a pale green wash
BAND_KEY = QColor(186, 214, 188)  # the same green in the legend, where it is not washed over
HOVER_PIXELS = 28  # how near the pointer must be to a reading to read it
DAY_MS = 86_400_000

Shape = QScatterSeries.MarkerShape


@dataclass(frozen=True)
class MarkerKind:
    key: str
    name: str
    symbol: str
    shape: Shape
    size: float
    color: QColor


NORMAL = MarkerKind("normal", "Within range", "●", Shape.MarkerShapeCircle, 7, LINE)
MARKERS = (
    NORMAL,
    MarkerKind("high", "High", "▲", Shape.MarkerShapeTriangle, 12, ALERT),
    MarkerKind("low", "Low", "◆", Shape.MarkerShapeRotatedRectangle, 11, ALERT),
    MarkerKind("critical", "Critical", "★", Shape.MarkerShapeStar, 15, CRITICAL),
    MarkerKind("abnormal", "Abnormal", "■", Shape.MarkerShapeRectangle, 10, ALERT),
)
_BY_KEY = {m.key: m for m in MARKERS}


def marker_of(flag: str) -> MarkerKind:
    """The marker of a reading's flag: "" within range, "H"/"L" high or low, "HH"/"LL"
    (or one starting with "C" or "!") critical, anything else abnormal."""
    code = flag.strip().upper()
    if not code:
        return NORMAL
    if code in ("HH", "LL") or code[0] in "C!":
        return _BY_KEY["critical"]
    if code == "H":
        return _BY_KEY["high"]
    if code == "L":
        return _BY_KEY["low"]
    return _BY_KEY["abnormal"]


def msecs(moment: dt.datetime) -> float:
    """A UTC instant as the time axis holds it (the axis shows local time)."""
    return moment.timestamp() * 1000


def value_text(value: float, unit: str) -> str:
    return f"{shown_number(value, 2)} {unit}".strip()


def range_text(trend: Trend) -> str:
    """ "90–120 mmHg", "over 40 mg/dL", or blank when the trend has no range."""
    low, high, unit = trend.low, trend.high, trend.unit
    if low is not None and high is not None:
        return f"{shown_number(low, 2)}–{value_text(high, unit)}"
    if low is not None:
        return f"{value_text(low, unit)} or more"
    if high is not None:
        return f"up to {value_text(high, unit)}"
    return ""


def point_text(trend: Trend, point: TrendPoint) -> str:
    """What pointing at a reading says: its value and flag, then its local date and time."""
    marker = marker_of(point.flag)
    said = value_text(point.value, trend.unit)
    if marker is not NORMAL:
        said += f"  {marker.symbol} {marker.name.lower()}"
        if point.flag.strip().upper() not in ("H", "L"):
            said += f" ({point.flag.strip()})"
    return f"{said}\n{point.at.astimezone():%m/%d/%Y %H:%M}"


class TrendPlot(QChartView):
    """The plot of one trend. ``line`` joins the readings; ``markers`` holds one scatter
    series per kind of reading present ("normal", "high", "low", "critical", "abnormal");
    ``band`` is the reference range (None without one); ``callout_text`` is what the
    callout beside the reading pointed at says (blank when none is)."""

    def __init__(self, trend: Trend, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trend = trend
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(480, 300)
        self.setFrameShape(QChartView.Shape.NoFrame)
        self.setAccessibleName(f"{trend.title} trend plot")
        self.current = -1  # the reading the callout reads, if any
        self.callout_text = ""
        self._xs: list[float] = []  # the readings' screen positions, in time order
        self._ys: list[float] = []
        self._times = [msecs(p.at) for p in trend.points]
        self.band: QAreaSeries | None = None
        self.markers: dict[str, QScatterSeries] = {}
        chart = QChart()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.setBackgroundRoundness(0)
        chart.setMargins(QMargins(4, 4, 4, 4))
        layout = chart.layout()
        if layout is not None:
            layout.setContentsMargins(0, 0, 0, 0)  # no frame of window colour around it
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.legend().setMarkerShape(QLegend.MarkerShape.MarkerShapeFromSeries)
        self.setChart(chart)
        self.line = QLineSeries()
        self._draw(chart)
        self._callout_items()
        self.apply_colors(self.palette().base().color(), self.palette().text().color())
        chart.plotAreaChanged.connect(self._plot_area_changed)

    # ------------------------------------------------------------------ drawing

    def _draw(self, chart: QChart) -> None:
        trend = self.trend
        points = trend.points
        x_axis = QDateTimeAxis()
        y_axis = QValueAxis()
        y_axis.setTitleText(trend.unit)
        first, last = self._time_span()
        x_axis.setRange(_local(first), _local(last))
        years = (last - first) / (DAY_MS * 365)
        x_axis.setFormat("MM/yyyy" if years > 2 else "MM/dd/yyyy")
        x_axis.setTickCount(6)
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        self.x_axis, self.y_axis = x_axis, y_axis
        if trend.low is not None or trend.high is not None:
            self.band = self._band(chart, first, last)
        self.line.setName("Readings")
        self.line.setPen(QPen(LINE, 1.6))
        self.line.replace([QPointF(t, p.value) for t, p in zip(self._times, points, strict=True)])
        self._add(chart, self.line)
        chart.legend().markers(self.line)[0].setVisible(False)
        groups: dict[str, list[QPointF]] = {}
        for t, p in zip(self._times, points, strict=True):
            groups.setdefault(marker_of(p.flag).key, []).append(QPointF(t, p.value))
        for kind in MARKERS:
            found = groups.get(kind.key)
            if not found:
                continue
            series = QScatterSeries()
            series.setName(kind.name)  # the legend draws the marker's own shape
            series.setMarkerShape(kind.shape)
            series.setMarkerSize(kind.size)
            series.setColor(kind.color)
            series.setBorderColor(QColor("white") if kind is NORMAL else kind.color.darker(130))
            series.replace(found)
            self._add(chart, series)
            self.markers[kind.key] = series
        low, high = self._value_span()
        y_axis.setRange(low, high)
        y_axis.applyNiceNumbers()
        decimals = any(not float(p.value).is_integer() for p in points)
        y_axis.setLabelFormat("%.1f" if decimals else "%.0f")

    def _band(self, chart: QChart, first: float, last: float) -> QAreaSeries:
        trend = self.trend
        values = [p.value for p in trend.points] or [0.0]
        low = trend.low if trend.low is not None else min(min(values), trend.high or 0) - 1
        high = trend.high if trend.high is not None else max(max(values), low) + 1
        lower, upper = QLineSeries(chart), QLineSeries(chart)
        lower.replace([QPointF(first, low), QPointF(last, low)])
        upper.replace([QPointF(first, high), QPointF(last, high)])
        band = QAreaSeries(upper, lower)
        band.setName(f"Reference range {range_text(trend)}")
        band.setBrush(QBrush(BAND))
        band.setPen(QPen(Qt.PenStyle.NoPen))
        self._add(chart, band)
        [marker] = chart.legend().markers(band)
        marker.setShape(QLegend.MarkerShape.MarkerShapeRectangle)
        marker.setBrush(QBrush(BAND_KEY))
        marker.setPen(QPen(BAND.darker(160)))
        return band

    def _add(self, chart: QChart, series: QLineSeries | QScatterSeries | QAreaSeries) -> None:
        chart.addSeries(series)
        series.attachAxis(self.x_axis)
        series.attachAxis(self.y_axis)

    def _time_span(self) -> tuple[float, float]:
        if not self._times:
            now = msecs(dt.datetime.now(dt.UTC))
            return now - 30 * DAY_MS, now
        first, last = self._times[0], self._times[-1]
        pad = max((last - first) * 0.03, DAY_MS)  # markers at the edges stay whole
        return first - pad, last + pad

    def _value_span(self) -> tuple[float, float]:
        trend = self.trend
        values = [p.value for p in trend.points]
        values += [v for v in (trend.low, trend.high) if v is not None]
        if not values:
            return 0.0, 1.0
        low, high = min(values), max(values)
        pad = (high - low) * 0.08 or max(abs(high) * 0.1, 1.0)
        return low - pad, high + pad

    def apply_colors(self, background: QColor, text: QColor) -> None:
        """The chart in these colours: the system palette on screen (light or dark), black
        on white on paper."""
        chart = self.chart()
        chart.setBackgroundBrush(QBrush(background))
        chart.setPlotAreaBackgroundVisible(False)
        grid = QColor(text)
        grid.setAlpha(40)
        for axis in (self.x_axis, self.y_axis):
            axis.setLabelsBrush(QBrush(text))
            axis.setTitleBrush(QBrush(text))
            axis.setGridLineColor(grid)
            axis.setLinePenColor(grid)
        chart.legend().setLabelColor(text)
        self._callout_box.setBrush(QBrush(background))
        self._callout.setBrush(QBrush(text))

    # ------------------------------------------------------------------ reading a point

    def _callout_items(self) -> None:
        scene = self.scene()
        self._ring = QGraphicsEllipseItem(-9, -9, 18, 18)
        self._ring.setPen(QPen(LINE.darker(140), 2))
        self._callout_box = QGraphicsRectItem()
        self._callout_box.setPen(QPen(QColor(120, 120, 120), 1))
        self._callout = QGraphicsSimpleTextItem(self._callout_box)
        self._callout.setFont(QFont(self.font()))  # the system's, not the scene's default
        for item in (self._ring, self._callout_box):
            item.setZValue(20)
            item.hide()
            scene.addItem(item)

    def _scale_markers(self, plot_width: float) -> None:
        """Dense series get smaller markers, so years of readings stay readable."""
        spacing = plot_width / max(len(self._times), 1)
        scale = min(1.0, max(0.5, spacing / 12))
        for kind in MARKERS:
            series = self.markers.get(kind.key)
            if series is not None and abs(series.markerSize() - kind.size * scale) > 0.5:
                series.setMarkerSize(kind.size * scale)

    def _plot_area_changed(self, area: QRectF) -> None:
        # The points' screen positions are worked out on the next look-up, not on every
        # layout: a plot nobody points at never pays for them.
        self._xs = []
        self._scale_markers(area.width())
        if self.current >= 0:
            self.show_point(self.current)

    def _place_points(self) -> None:
        chart, line = self.chart(), self.line
        placed = [
            chart.mapToPosition(QPointF(t, p.value), line)
            for t, p in zip(self._times, self.trend.points, strict=True)
        ]
        self._xs = [p.x() for p in placed]
        self._ys = [p.y() for p in placed]

    def nearest(self, x: float, y: float) -> int:
        """The reading nearest to (x, y) in chart coordinates within reach, else -1."""
        if not self._xs:
            self._place_points()
        xs = self._xs
        at = bisect.bisect_left(xs, x - HOVER_PIXELS)
        best, best_d = -1, float(HOVER_PIXELS) ** 2
        while at < len(xs) and xs[at] <= x + HOVER_PIXELS:
            d = (xs[at] - x) ** 2 + (self._ys[at] - y) ** 2
            if d <= best_d:
                best, best_d = at, d
            at += 1
        return best

    def position_of(self, index: int) -> QPointF:
        """Where reading ``index`` is drawn, in the view's coordinates (tests point there)."""
        if not self._xs:
            self._place_points()
        return self.mapFromScene(QPointF(self._xs[index], self._ys[index])).toPointF()

    def show_point(self, index: int) -> None:
        """The callout on reading ``index`` (-1: none)."""
        if not 0 <= index < len(self.trend.points):
            self.hide_point()
            return
        if not self._xs:
            self._place_points()
        self.current = index
        self.callout_text = point_text(self.trend, self.trend.points[index])
        x, y = self._xs[index], self._ys[index]
        self._ring.setPos(x, y)
        self._ring.show()
        self._callout.setText(self.callout_text)
        text = self._callout.boundingRect()
        box = QRectF(0, 0, text.width() + 12, text.height() + 8)
        self._callout.setPos(6, 4)
        self._callout_box.setRect(box)
        area = self.chart().plotArea()
        left = x + 12 if x + 12 + box.width() <= area.right() else x - 12 - box.width()
        top = min(max(y - box.height() - 10, area.top()), area.bottom() - box.height())
        self._callout_box.setPos(left, top)
        self._callout_box.show()
        self.setAccessibleDescription(self.callout_text.replace("\n", ", "))

    def hide_point(self) -> None:
        self.current = -1
        self.callout_text = ""
        self._ring.hide()
        self._callout_box.hide()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        super().mouseMoveEvent(event)
        at = self.mapToScene(event.position().toPoint())
        found = self.nearest(at.x(), at.y())
        if found != self.current:
            self.show_point(found)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().leaveEvent(event)
        self.hide_point()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        count = len(self.trend.points)
        key = Qt.Key(event.key())
        moves = {
            Qt.Key.Key_Right: min(self.current + 1, count - 1) if self.current >= 0 else count - 1,
            Qt.Key.Key_Left: max(self.current - 1, 0) if self.current >= 0 else count - 1,
            Qt.Key.Key_Home: 0,
            Qt.Key.Key_End: count - 1,
        }
        if key in moves and count:
            self.show_point(moves[key])
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        # Sized for the new width before the layout draws them (the axes take ~90 pixels).
        self._scale_markers(event.size().width() - 90)
        super().resizeEvent(event)
        self._xs = []  # placed again on the next look-up (the plot area moved)


def _local(msecs_utc: float) -> QDateTime:
    return QDateTime.fromMSecsSinceEpoch(int(msecs_utc))
