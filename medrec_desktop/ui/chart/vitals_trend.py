"""The vitals list's "Trend…" button: a menu of the vital signs (each with its own letter;
the one of the column the cursor is in comes first under the cursor), then the trend dialog
for the sign chosen, read from the trend service in one audited call."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu, QPushButton

from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.domain.trends import Trend
from medrec_desktop.domain.vital_trends import VitalSign
from medrec_desktop.ui.chart.kind_view import PageAction
from medrec_desktop.ui.chart.list_page import PageContext
from medrec_desktop.ui.chart.trend_dialog import TrendDialog
from medrec_desktop.ui.tasks import Op

MENU = {
    VitalSign.SYSTOLIC: "&Systolic blood pressure",
    VitalSign.DIASTOLIC: "&Diastolic blood pressure",
    VitalSign.PULSE: "&Pulse",
    VitalSign.RESPIRATIONS: "&Respiratory rate",
    VitalSign.TEMPERATURE: "&Temperature",
    VitalSign.SPO2: "&Oxygen saturation (SpO2)",
    VitalSign.WEIGHT: "&Weight",
    VitalSign.BMI: "&Body-mass index",
    VitalSign.PAIN: "P&ain score",
}
# The vitals list's column headers (kinds_vitals.py) and the sign each shows.
BY_COLUMN = {
    "BP (mmHg)": VitalSign.SYSTOLIC,
    "Pulse": VitalSign.PULSE,
    "Resp.": VitalSign.RESPIRATIONS,
    "Temp.": VitalSign.TEMPERATURE,
    "SpO2 %": VitalSign.SPO2,
    "Weight": VitalSign.WEIGHT,
    "BMI": VitalSign.BMI,
    "Pain": VitalSign.PAIN,
}


def attach_trend(context: PageContext, button: QPushButton) -> None:
    menu = QMenu(button)
    menu.setAccessibleName("Trend of")
    actions = {}
    for sign, text in MENU.items():
        action = menu.addAction(text)
        action.triggered.connect(partial(open_trend, context, sign))
        actions[sign] = action

    def point_at_column() -> None:
        sign = BY_COLUMN.get(context.current_header(), VitalSign.SYSTOLIC)
        menu.setActiveAction(actions[sign])

    menu.aboutToShow.connect(point_at_column)
    button.setMenu(menu)


def open_trend(context: PageContext, sign: VitalSign, _checked: bool = False) -> None:
    """Read the trend of ``sign``, then show it in its dialog."""
    trends = context.services.inst.trends
    show_trend(
        context,
        lambda session, pid: trends.vital(session, pid, sign),
        what=f"vital:{sign.value}",
    )


def open_result_trend(context: PageContext, analyte_key: str) -> None:
    """Read the trend of one analyte of the patient's results, then show it."""
    results = context.services.inst.results
    show_trend(
        context,
        lambda session, pid: results.trend(session, pid, analyte_key),
        what=f"result:{analyte_key}",
    )


def show_trend(
    context: PageContext,
    load: Callable[[UserSession, PatientId], Trend],
    *,
    what: str,
) -> None:
    """Read a trend off the UI thread (``load``), then show it in its dialog; ``what``
    names it for the audit trail of a print or PDF."""
    session, pid = context.session(), context.patient_id()
    if session is None or pid is None:
        return

    def show(trend: Trend) -> None:
        dialog = TrendDialog(
            trend,
            services=context.services,
            runner=context.runner,
            session=session,
            patient_id=pid,
            what=what,
            subject=context.identify(),
            parent=context.page,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def failed(err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        context.report(err.message)

    Op(context.page, lambda: load(session, pid), runner=context.runner, key="trend").success(
        show
    ).failure(failed).run()


TREND_ACTION = PageAction(
    label="Tre&nd…",
    tooltip="A vital sign over time, with its normal range: choose which",
    attach=attach_trend,
)
