"""A picture of the trend plot (``make screenshots``): the systolic pressures of a demo patient
with years of vitals, opened from the vitals list's Trend… menu as a user does, a reading
pointed at."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from medrec_desktop.ui.chart.trend_dialog import TrendDialog
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.tasks import OpRunner


def render_trend_screenshots(
    window: MainWindow, out: Path, app: QApplication, runner: OpRunner
) -> list[Path]:
    """``window`` shows a chart with vitals; returns the pictures written."""
    from medrec_desktop.ui.screenshots import grab, settle

    chart = window.chart
    page = chart.lists["vitals"]
    chart.open_list(page)
    settle(app, runner, lambda: page.model.rowCount() > 0)
    menu = page.action_buttons[0].menu()
    assert menu is not None
    menu.actions()[0].trigger()  # "Systolic blood pressure"
    settle(app, runner, lambda: page.findChild(TrendDialog) is not None)
    dialog = page.findChild(TrendDialog)
    assert isinstance(dialog, TrendDialog)
    dialog.resize(980, 640)
    settle(app, runner, dialog.isVisible)
    points = dialog.trend.points
    if points:  # the highest reading, pointed at
        dialog.plot.show_point(max(range(len(points)), key=lambda i: points[i].value))
    shot = grab(dialog, out, "chart-trend-plot.png", app, runner)
    dialog.close()
    settle(app, runner)
    return [shot]
