"""The chart's results: the grid of values by date (newest first) above the list of tests,
with the tests' form, history and conflict view in place as every chart list has them.

"Add panel…" offers the templates (bundled and the clinic's): the form opens with one row per
analyte, its unit and range shown, and the flag worked out as each value is typed. "Add single
test…" (Insert) opens the form with one open row. In the grid, abnormal values carry their
symbol (H ↑, L ↓, A) and colour, critical ones (HH ‼, LL ‼) a stronger one; a cell's tooltip
gives the range, the lab and the times, and choosing a cell chooses its test in the list
below (Edit, history and entered in error act on it). Enter on a numeric analyte asks for
its trend (:attr:`ResultsPage.trend_requested`, wired by the chart to the trend plot).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Action
from medrec_desktop.domain.panels import PanelTemplate
from medrec_desktop.domain.result_grid import ResultsGrid
from medrec_desktop.ui.chart.kind_view import KindView
from medrec_desktop.ui.chart.list_page import WITHHELD_STYLE, ItemListPage
from medrec_desktop.ui.chart.result_rows import ResultRowsField
from medrec_desktop.ui.chart.result_rows_text import template_text
from medrec_desktop.ui.chart.results_grid_model import ResultsGridModel
from medrec_desktop.ui.chart.template_dialog import TemplatesDialog
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.shortcuts import shortcut

CELL_WIDTH = 96


class ResultsPage(ItemListPage):
    trend_requested = Signal(str)  # the analyte's key (ResultsService.trend's analyte_key)

    def __init__(
        self,
        *,
        kind: KindView[Any, Any],
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        describe: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            kind=kind,
            services=services,
            runner=runner,
            session=session,
            describe=describe,
            parent=parent,
        )
        self.templates: tuple[PanelTemplate, ...] | None = None
        self.grid: ResultsGrid | None = None
        self.panel_menu: QMenu | None = None
        self.dialog_templates: TemplatesDialog | None = None
        self._grid_load: Op[ResultsGrid] | None = None

        self.grid_model = ResultsGridModel(self)
        self.grid_view = QTableView()
        self.grid_view.setModel(self.grid_model)
        self.grid_view.setAccessibleName("Results by date")
        self.grid_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.grid_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid_view.setTabKeyNavigation(False)
        self.grid_view.setWordWrap(False)
        self.grid_view.setShowGrid(True)
        header = self.grid_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setDefaultSectionSize(CELL_WIDTH)
        header.setHighlightSections(True)
        side = self.grid_view.verticalHeader()
        side.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        side.setDefaultSectionSize(self.grid_view.fontMetrics().height() + 8)
        side.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        side.setHighlightSections(True)
        self.grid_view.selectionModel().currentChanged.connect(self._cell_chosen)
        self.grid_view.doubleClicked.connect(lambda _i: self.request_trend())
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut(key, self.grid_view, self.request_trend)
        self.grid_note = QLabel()
        self.grid_note.setAccessibleName("Results grid note")
        self.grid_note.setStyleSheet(WITHHELD_STYLE)
        self.grid_note.hide()

        # The grid above the list of tests, the list's own table moved under it.
        layout = self.panel.layout()
        assert isinstance(layout, QVBoxLayout)
        at = layout.indexOf(self.table)
        layout.removeWidget(self.table)
        grid_box = QWidget()
        g = QVBoxLayout(grid_box)
        g.setContentsMargins(0, 0, 0, 0)
        grid_label = QLabel(
            "&Values by date, newest first (H ↑ high, L ↓ low, A abnormal, ‼ critical; "
            "Enter on a numeric analyte plots its trend):"
        )
        grid_label.setBuddy(self.grid_view)
        g.addWidget(grid_label)
        g.addWidget(self.grid_view, 1)
        tests_box = QWidget()
        t = QVBoxLayout(tests_box)
        t.setContentsMargins(0, 0, 0, 0)
        t.addWidget(QLabel("Tests, newest first:"))
        t.addWidget(self.table, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(grid_box)
        self.splitter.addWidget(tests_box)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        layout.insertWidget(at, self.splitter, 1)
        layout.insertWidget(at, self.grid_note)

        # Add panel chooses a template; Add single test (and Insert) types one freely.
        self.add_button.clicked.disconnect()
        self.add_button.clicked.connect(self.choose_panel)
        self.add_button.setToolTip(
            "Choose a panel template: its analytes, units and ranges fill the form"
        )
        self.single_button = QPushButton("Add single te&st…")
        self.single_button.setToolTip("A test typed freely, row by row (Insert)")
        self.single_button.clicked.connect(self.add)
        self.trend_button = QPushButton("Trend p&lot")
        self.trend_button.setToolTip("Plot the chosen analyte over time (Enter in the grid)")
        self.trend_button.clicked.connect(self.request_trend)
        self.templates_button = QPushButton("Te&mplates…")
        self.templates_button.setToolTip("The panel templates; add the clinic's own")
        self.templates_button.clicked.connect(self.open_templates)
        last = layout.itemAt(layout.count() - 1)
        buttons = last.layout() if last is not None else None
        assert isinstance(buttons, QHBoxLayout)
        buttons.insertWidget(1, self.single_button)
        buttons.insertWidget(buttons.count() - 1, self.trend_button)
        buttons.insertWidget(buttons.count() - 1, self.templates_button)
        self.trend_button.setEnabled(False)

    # ------------------------------------------------------------------ the patient

    def clear(self) -> None:
        if self._grid_load is not None:
            self._grid_load.cancel()
        super().clear()
        self.grid = None
        self.grid_model.clear()
        self.grid_note.hide()

    def set_patient(self, patient_id: Any) -> None:
        if patient_id != self.patient_id:
            self.grid = None
            self.grid_model.clear()
        super().set_patient(patient_id)

    def _apply_role(self) -> None:
        super()._apply_role()
        allowed = self._may(Action.CREATE)
        self.single_button.setEnabled(allowed)
        self.templates_button.setEnabled(allowed)
        if not allowed:
            self.single_button.setToolTip("Your role cannot add to this list.")
            self.templates_button.setToolTip("Your role cannot add templates.")

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        super().reload()  # the tests' list (or a note to read it when next shown)
        session, pid = self._session(), self.patient_id
        if not self.isVisible() or session is None or pid is None:
            return
        results = self._services.inst.results
        self._grid_load = (
            Op(self, lambda: results.grid(session, pid), runner=self._runner, key="grid")
            .success(self._grid_loaded)
            .failure(self._load_failed)
            .run()
        )

    def _grid_loaded(self, grid: ResultsGrid) -> None:
        view = self.grid_view
        current = view.currentIndex()
        keep = (
            self.grid_model.data(current, Qt.ItemDataRole.UserRole) if current.isValid() else None
        )
        column = current.column() if current.isValid() else 0
        self.grid = grid
        self.grid_model.set_grid(grid)
        view.verticalHeader().setMinimumWidth(0)
        view.verticalHeader().resizeSections(QHeaderView.ResizeMode.ResizeToContents)
        notes = grid.withheld_notes
        self.grid_note.setText("⊘ " + "; ".join(notes) if notes else "")
        self.grid_note.setVisible(bool(notes))
        rows = [
            r for r in range(self.grid_model.rowCount()) if self.grid_model.row_at(r) is not None
        ]
        if not rows:
            self.trend_button.setEnabled(False)
            return
        found = next(
            (r for r in rows if (row := self.grid_model.row_at(r)) and row.key == keep), rows[0]
        )
        column = min(column, max(self.grid_model.columnCount() - 1, 0))
        view.setCurrentIndex(self.grid_model.index(found, column))

    # ------------------------------------------------------------------ the grid

    def current_analyte(self) -> str | None:
        """The key of the analyte chosen in the grid (None on a heading or nothing)."""
        index = self.grid_view.currentIndex()
        row = self.grid_model.row_at(index.row()) if index.isValid() else None
        return row.key if row is not None else None

    def _cell_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.grid_model.row_at(current.row()) if current.isValid() else None
        self.trend_button.setEnabled(row is not None and row.numeric)
        cell = self.grid_model.cell_at(current.row(), current.column())
        if cell is not None and (found := self.model.find(cell.test.id)) >= 0:
            self._select(found)

    def request_trend(self) -> None:
        index = self.grid_view.currentIndex()
        row = self.grid_model.row_at(index.row()) if index.isValid() else None
        if row is None:
            return
        if not row.numeric:
            self.message.info(f"{row.analyte} has no numbers to plot.")
            return
        self.trend_requested.emit(row.key)

    # ------------------------------------------------------------------ adding

    def choose_panel(self) -> None:
        """The templates as a menu under the button (read once, again after a change)."""
        session = self._session()
        if session is None or self.patient_id is None or not self.add_button.isEnabled():
            return
        if self.templates is not None:
            self._offer(self.templates)
            return
        service = self._services.inst.lab_tests
        Op(self, lambda: service.templates(session), runner=self._runner, key="templates").success(
            self._templates_loaded
        ).failure(self._load_failed).run()

    def _templates_loaded(self, found: tuple[PanelTemplate, ...]) -> None:
        self.templates = found
        self._offer(found)

    def _offer(self, templates: tuple[PanelTemplate, ...]) -> None:
        menu = QMenu(self)
        menu.setAccessibleName("Panel templates")
        for template in templates:
            n = len(template.analytes)
            action = menu.addAction(f"{template.name}  ({n} analyte{'s' if n != 1 else ''})")
            action.triggered.connect(lambda _on=False, t=template: self.add_panel(t))
        self.panel_menu = menu
        menu.popup(self.add_button.mapToGlobal(self.add_button.rect().bottomLeft()))
        if menu.actions():
            menu.setActiveAction(menu.actions()[0])

    def add_panel(self, template: PanelTemplate) -> None:
        """The form for a new test, filled from ``template``: only the values to type."""
        self.add()
        form = self.form
        if form.patient_id is None or self.stack.currentWidget() is not form:
            return
        with form.tracker.loading():
            form.inputs["name"].set_value(template.name)
            form.inputs["loinc"].set_value(template.loinc or "")
            form.inputs["specimen"].set_value(template.specimen or "")
            form.inputs["results"].set_value(template_text(template))
        rows = form.inputs["results"].widget
        if isinstance(rows, ResultRowsField) and (first := rows.first_value()) is not None:
            # After the menu has closed and given the focus back to where it came from.
            QTimer.singleShot(0, first, lambda: first.setFocus(Qt.FocusReason.OtherFocusReason))

    def open_templates(self) -> None:
        dialog = TemplatesDialog(
            services=self._services, runner=self._runner, session=self._session, parent=self
        )
        dialog.changed.connect(self._templates_changed)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        self.dialog_templates = dialog
        dialog.open()

    def _templates_changed(self) -> None:
        self.templates = None  # read again when Add panel is next pressed
