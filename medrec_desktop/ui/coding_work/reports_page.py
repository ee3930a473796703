"""Coding reports (issue 13): productivity per coder per day, and the diagnoses coded in a
period by ICD-10-CM chapter, category or HCC, each as a table beside a chart, exported to
CSV. Counts only: no patient is named, so the page shows, and the file holds, no PHI.

Choosing a report or a period shows it at once; dates typed by hand show it when the date
field is left (or with F5). Reached from the coders' "Coding work" area.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.coding_reports import (
    DiagnosisGrouping,
    DiagnosisReport,
    PeriodPreset,
    ProductivityReport,
    checked_period,
    period_text,
    preset_period,
)
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.export.coding_report_csv import write_diagnoses, write_productivity
from medrec_desktop.ui.coding_work.report_charts import DiagnosisChart, ProductivityChart
from medrec_desktop.ui.coding_work.report_models import (
    CoderDayModel,
    CoderTotalsModel,
    DiagnosisGroupModel,
    hours_text,
)
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Lane, Op, OpRunner
from medrec_desktop.ui.widgets.file_dialogs import save_file_path
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.tables import data_table, sorted_proxy

Report = ProductivityReport | DiagnosisReport
PRODUCTIVITY = "productivity"
#: (label, key): the productivity report, or the diagnoses grouped by a DiagnosisGrouping
REPORTS: tuple[tuple[str, str], ...] = (
    ("Coding productivity", PRODUCTIVITY),
    ("Diagnoses by chapter", DiagnosisGrouping.CHAPTER.value),
    ("Diagnoses by category", DiagnosisGrouping.CATEGORY.value),
    ("Diagnoses by HCC", DiagnosisGrouping.HCC.value),
)


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date(edit: QDateEdit) -> dt.date:
    d = edit.date()
    return dt.date(d.year(), d.month(), d.day())


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: 600;")
    return label


def _split(table: QWidget, chart: QWidget) -> QSplitter:
    """A table beside its chart, the chart taking the larger share."""
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.setChildrenCollapsible(False)
    splitter.addWidget(table)
    splitter.addWidget(chart)
    splitter.setStretchFactor(0, 4)
    splitter.setStretchFactor(1, 6)
    return splitter


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def productivity_summary(r: ProductivityReport) -> str:
    coders = len({d.coder_id for d in r.days})
    recoded = sum(d.recoded for d in r.days)
    q = r.queries
    text = (
        f"{period_text(r.since, r.until)}: {_plural(r.coded, 'encounter')} marked coded"
        + (f" by {_plural(coders, 'coder')}" if coders else "")
        + (f" ({recoded:,} of them re-coded)" if recoded else "")
        + f", {_plural(r.overridden, 'error')} overridden. "
    )
    if q.answered:
        text += (
            f"Queries answered: {q.answered:,} (median {hours_text(q.median_hours)}, "
            f"mean {hours_text(q.mean_hours)} from asking)"
        )
    else:
        text += "No query was answered in the period"
    return text + f"; {q.open:,} open at its end."


def diagnosis_summary(r: DiagnosisReport) -> str:
    many = {"chapter": "chapters", "category": "categories", "hcc": "HCCs"}[r.by.value]
    text = (
        f"{period_text(r.since, r.until)}: {_plural(r.encounters, 'coded encounter')} of "
        f"{_plural(r.patients, 'patient')}, {_plural(r.diagnoses, 'diagnosis', 'diagnoses')} in "
        f"{_plural(len(r.groups), r.by.noun.lower(), many)}."
    )
    if r.by is DiagnosisGrouping.HCC:
        text += (
            f" CMS-HCC V28, the payment year after the date of service; "
            f"{_plural(r.ungrouped, 'diagnosis', 'diagnoses')} in no payment HCC."
        )
    elif r.ungrouped:
        text += f" {_plural(r.ungrouped, 'code')} not found in the code sets held."
    if r.withheld:
        text += (
            f" {_plural(r.withheld, 'labelled encounter')} not counted: your role may not see them."
        )
    return text


class CodingReportsPage(QWidget):
    title = "Coding reports"

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        today: Callable[[], dt.date] = dt.date.today,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner, self._session, self._today = (
            services,
            runner,
            session,
            today,
        )
        self.report: Report | None = None
        self.loading = False
        self._shown_once = False
        self.setAccessibleName(self.title)
        services.swapped.connect(self._swapped)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        heading = QLabel(self.title)
        heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        outer.addWidget(heading)
        outer.addLayout(self._controls())
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAccessibleName("Report summary")
        outer.addWidget(self.summary)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._productivity_page())
        self.pages.addWidget(self._diagnosis_page())
        outer.addWidget(self.pages, 1)
        self.status = StatusLabel()
        outer.addWidget(self.status)
        order: list[QWidget] = [
            self.kind,
            self.preset,
            self.since,
            self.until,
            self.show_button,
            self.export_button,
            self.coders_table,
            self.days_table,
            self.groups_table,
        ]
        for first, second in zip(order, order[1:], strict=False):
            self.setTabOrder(first, second)
        self._apply_preset()

    # ------------------------------------------------------------------ building

    def _controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.kind = QComboBox()
        self.kind.setAccessibleName("Report")
        for text, key in REPORTS:
            self.kind.addItem(text, key)
        self.preset = QComboBox()
        self.preset.setAccessibleName("Period")
        for preset in PeriodPreset:
            self.preset.addItem(preset.label, preset.value)
        self.since = self._date_edit("From date")
        self.until = self._date_edit("To date")
        self.show_button = QPushButton("&Show")
        self.show_button.setShortcut(QKeySequence("F5"))
        self.show_button.setToolTip("Show the report for these dates (F5)")
        self.show_button.clicked.connect(self.refresh)
        self.export_button = QPushButton("E&xport CSV…")
        self.export_button.setToolTip("Save the report shown as a CSV file (counts only)")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export_csv)
        for text, widget in (
            ("&Report:", self.kind),
            ("Peri&od:", self.preset),
            ("Fro&m:", self.since),
            ("&To:", self.until),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
        row.addWidget(self.show_button)
        row.addStretch(1)
        row.addWidget(self.export_button)
        self.kind.currentIndexChanged.connect(lambda _i: self.refresh())
        self.preset.currentIndexChanged.connect(lambda _i: self._preset_chosen())
        for edit in (self.since, self.until):
            edit.editingFinished.connect(self._dates_typed)
        return row

    @staticmethod
    def _date_edit(name: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("MM/dd/yyyy")
        edit.setAccessibleName(name)
        return edit

    def _productivity_page(self) -> QWidget:
        """Each coder's totals across the top; below, the days beside the chart."""
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.coders_model = CoderTotalsModel(self)
        self.coders_table = data_table(sorted_proxy(self.coders_model, self), "Totals by coder")
        self.days_model = CoderDayModel(self)
        self.days_table = data_table(sorted_proxy(self.days_model, self), "Coded per day")
        self.productivity_chart = ProductivityChart()
        coders_label, days_label = _heading("By &coder"), _heading("By d&ay")
        coders_label.setBuddy(self.coders_table)
        days_label.setBuddy(self.days_table)
        layout.addWidget(coders_label)
        layout.addWidget(self.coders_table)
        days = QWidget()
        days_layout = QVBoxLayout(days)
        days_layout.setContentsMargins(0, 0, 0, 0)
        days_layout.addWidget(days_label)
        days_layout.addWidget(self.days_table, 1)
        self.productivity_split = _split(days, self.productivity_chart)
        layout.addWidget(self.productivity_split, 1)
        return page

    def _diagnosis_page(self) -> QWidget:
        self.groups_model = DiagnosisGroupModel(self)
        self.groups_table = data_table(sorted_proxy(self.groups_model, self), "Diagnosis groups")
        self.diagnosis_chart = DiagnosisChart()
        beside = QWidget()
        column = QVBoxLayout(beside)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.diagnosis_chart)
        column.addStretch(1)
        self.diagnosis_split = _split(self.groups_table, beside)
        return self.diagnosis_split

    # ------------------------------------------------------------------ period

    def _apply_preset(self) -> None:
        preset = PeriodPreset(str(self.preset.currentData()))
        since, until = preset_period(preset, self._today())
        for edit, day in ((self.since, since), (self.until, until)):
            edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(False)

    def _preset_chosen(self) -> None:
        if str(self.preset.currentData()) != PeriodPreset.CUSTOM.value:
            self._apply_preset()
            self.refresh()
        else:
            self.since.setFocus()

    def _dates_typed(self) -> None:
        preset = PeriodPreset(str(self.preset.currentData()))
        if (_date(self.since), _date(self.until)) == preset_period(preset, self._today()):
            return
        self.set_custom_period(_date(self.since), _date(self.until))

    def set_custom_period(self, since: dt.date, until: dt.date) -> None:
        """Show the report for these dates ("Custom dates")."""
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(self.preset.findData(PeriodPreset.CUSTOM.value))
        self.preset.blockSignals(False)
        for edit, day in ((self.since, since), (self.until, until)):
            edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(False)
        self.refresh()

    def choose_report(self, grouping: DiagnosisGrouping | None) -> None:
        """Show productivity (None) or the diagnoses grouped so."""
        key = PRODUCTIVITY if grouping is None else DiagnosisGrouping(grouping).value
        self.kind.setCurrentIndex(self.kind.findData(key))

    # ------------------------------------------------------------------ loading

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self._share_width()
            self.refresh()

    def _swapped(self) -> None:
        self._show(None)
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        self.status.clear_message()
        session = self._session()
        if session is None:
            return
        try:
            since, until = checked_period(_date(self.since), _date(self.until))
        except ValidationError as err:
            self.status.error(err.message)
            (self.since if err.field == "since" else self.until).setFocus()
            return
        key = str(self.kind.currentData())
        reports = self._services.coding_reports  # as it is now (a restore swaps it)

        def work() -> Report:
            if key == PRODUCTIVITY:
                return reports.productivity(session, since, until)
            return reports.diagnoses(session, since, until, by=key)

        self.loading = True
        self.status.info("Counting…")
        Op(self, work, runner=self._runner, key="report").success(self._loaded).failure(
            self._failed
        ).run()

    def _loaded(self, report: Report) -> None:
        self.loading = False
        self.status.clear_message()
        self._show(report)

    def _failed(self, err: BaseException) -> None:
        self.loading = False
        self.status.show_error(err)

    def _show(self, report: Report | None) -> None:
        self.report = report
        self.export_button.setEnabled(report is not None)
        if report is None:
            self.summary.clear()
            for model in (self.coders_model, self.days_model, self.groups_model):
                model.set_rows([])
            return
        if isinstance(report, ProductivityReport):
            self.summary.setText(productivity_summary(report))
            self.coders_model.set_rows(report.coders)
            self.days_model.set_rows(report.days)
            self.coders_table.sortByColumn(CoderTotalsModel.COL_CODER, Qt.SortOrder.AscendingOrder)
            self.days_table.sortByColumn(CoderDayModel.COL_DAY, Qt.SortOrder.AscendingOrder)
            for table in (self.coders_table, self.days_table):
                table.resizeColumnsToContents()
            self._fit_coders_table()
            self.pages.setCurrentIndex(0)
            self.productivity_chart.show_report(report)
            return
        self.summary.setText(diagnosis_summary(report))
        self.groups_model.set_grouping(report.by)
        self.groups_model.set_rows(report.groups)
        self.groups_table.resizeColumnsToContents()
        self.groups_table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the report's order
        self.pages.setCurrentIndex(1)
        self.diagnosis_chart.show_report(report)

    def _fit_coders_table(self) -> None:
        """As tall as its rows (a clinic has a few coders), at most about six."""
        table = self.coders_table
        rows = min(max(self.coders_model.rowCount(), 1), 6)
        header = table.horizontalHeader().height() or table.fontMetrics().height() + 10
        bar = table.horizontalScrollBar().sizeHint().height()
        table.setFixedHeight(header + rows * table.verticalHeader().defaultSectionSize() + bar)

    def _share_width(self) -> None:
        """The tables' share of the width: what their columns need, the rest for the charts."""
        width = max(self.width(), 800)
        for splitter, share in ((self.productivity_split, 0.4), (self.diagnosis_split, 0.45)):
            splitter.setSizes([int(width * share), int(width * (1 - share))])

    # ------------------------------------------------------------------ export

    def suggested_name(self) -> str:
        r = self.report
        assert r is not None
        what = (
            "coding-productivity"
            if isinstance(r, ProductivityReport)
            else f"diagnoses-by-{r.by.value}"
        )
        return f"{what}-{r.since.isoformat()}-to-{r.until.isoformat()}.csv"

    def _ask_save_path(self) -> Path | None:
        """Where to save the export; tests replace this one method."""
        return save_file_path(
            self,
            "Export coding report",
            "CSV files (*.csv)",
            str(Path.home() / self.suggested_name()),
        )

    def export_csv(self) -> None:
        report = self.report
        if report is None:
            return
        path = self._ask_save_path()
        if path is None:
            return
        if path.suffix.lower() != ".csv":
            path = path.with_name(path.name + ".csv")

        def work() -> Path:
            try:
                with path.open("w", newline="", encoding="utf-8") as fh:
                    if isinstance(report, ProductivityReport):
                        write_productivity(fh, report)
                    else:
                        write_diagnoses(fh, report)
            except OSError as err:
                raise KnownError(f"Could not write {path.name}: {err.strerror}.") from err
            return path

        self.status.info("Saving…")
        Op(self, work, runner=self._runner, lane=Lane.LONG).success(
            lambda saved: self.status.ok(f"Saved the report to {saved}.")
        ).failure(self.status.show_error).run()
