"""The coding panel: one search box with results while typing, the code's detail, and a claim
checked against the tabular rules and the Medicare Code Editor for the date of service.

Every call goes to the coding service on the code-set lane (the code sets hold no PHI), so a
search never queues behind a save: a search waits 150 ms after the last keystroke, a newer one
supersedes it (latest-only), and an import runs on the long lane so searching goes on
meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.coding.types import CodeDetail, CodeSystem, Finding, Release, SearchResults
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.ui.coding.claim_pane import ClaimPane
from medrec_desktop.ui.coding.dates import parse_dos
from medrec_desktop.ui.coding.delegates import WrappedTitleDelegate
from medrec_desktop.ui.coding.detail_pane import DetailPane
from medrec_desktop.ui.coding.import_flow import ChooseFile, ImportFlow, ask_for_file
from medrec_desktop.ui.coding.models import ResultsModel
from medrec_desktop.ui.coding.splitter_memory import (
    SplitterMemory,
    fixed_width_pane,
    workstation_settings,
)
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Lane, Op, OpRunner
from medrec_desktop.ui.widgets.shortcuts import shortcut

SYSTEM_LABELS = {
    CodeSystem.ICD10CM: "ICD-10-CM",
    CodeSystem.ICD10PCS: "ICD-10-PCS",
    CodeSystem.HCPCS: "HCPCS Level II",
    CodeSystem.CPT: "CPT",
}
T = TypeVar("T")
SEARCH_DELAY_MS = 150
RESULT_LIMIT = 50


class CodingPanel(QWidget):
    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        may_import: bool = True,
        choose_file: ChooseFile = ask_for_file,
        today: Callable[[], dt.date] = dt.date.today,
        settings: QSettings | None = None,
    ) -> None:
        """``settings``: where the pane widths are kept; by default the main window's own
        workstation preferences (the panel is placed in it after it is made)."""
        super().__init__()
        self._settings = settings
        self._splitters: SplitterMemory | None = None
        self._services = services
        self._runner = runner
        self._session = session
        self.ready = False  # the code sets are open (the first time they are built)
        self._choose_file = choose_file
        self._today = today
        self._in_flight = 0
        self._latest: dict[str, Op[object]] = {}
        self.imports = ImportFlow(self, services=services, runner=runner, session=session)
        self.imports.imported.connect(self._imported)
        self.imports.failed.connect(lambda msg: self.show_message(f"✖ {msg}", error=True))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self._build()
        self._wire_keys()
        self.import_button.setVisible(may_import)
        if services.code_sets.is_open:
            self._store_ready(None)
        else:
            self.status.setText("Preparing the code sets (the first time takes a few seconds)…")
            coding = services.coding
            self._call("prepare", coding.prepare, self._store_ready)

    @property
    def busy(self) -> bool:
        """A lookup of this panel is still running (tests and screenshots wait for it)."""
        return self._in_flight > 0

    def _call(self, kind: str, fn: Callable[[], T], done: Callable[[T], None]) -> None:
        """One lookup on the code-set lane; a newer call of the same kind supersedes it."""
        self._in_flight += 1

        def finished() -> None:
            self._in_flight -= 1

        op = Op(self, fn, runner=self._runner, lane=Lane.CODES, key=kind)
        self._latest[kind] = op  # type: ignore[assignment]
        op.success(done).failure(self._show_error).finished(finished).run()

    def _forget(self, kind: str) -> None:
        op = self._latest.pop(kind, None)
        if op is not None:
            op.cancel()

    # -- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 6)
        outer.setSpacing(6)
        bar = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(
            "Search codes: E11.65, e1165, diab hyperglyc, HTN, CKD 3a…  (Ctrl+F)"
        )
        self.search_edit.setAccessibleName("Search codes")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(self._schedule)
        self.system_combo = QComboBox()
        self.system_combo.setAccessibleName("Code system")
        # Filled once the code sets are open, after the first show: size to what it holds.
        self.system_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.system_combo.currentIndexChanged.connect(self._filters_changed)
        self.billable_check = QCheckBox("&Billable only")
        self.billable_check.setAccessibleName("Billable codes only")
        self.billable_check.toggled.connect(self._filters_changed)
        self.dos_edit = QLineEdit(self._today().strftime("%m/%d/%Y"))
        self.dos_edit.setAccessibleName("Date of service")
        self.dos_edit.setPlaceholderText("MM/DD/YYYY")
        self.dos_edit.setMaximumWidth(100)
        self.dos_edit.textChanged.connect(self._dos_changed)
        self.dos_note = QLabel()
        self.dos_note.setMinimumWidth(90)
        dos_label = QLabel("&Date of service")
        dos_label.setBuddy(self.dos_edit)
        self.import_button = QPushButton("&Import code set…")
        self.import_button.setAccessibleName("Import code set")
        self.import_button.clicked.connect(self.choose_and_import)
        bar.addWidget(self.search_edit, 1)
        bar.addWidget(self.system_combo)
        bar.addWidget(self.billable_check)
        bar.addSpacing(6)
        bar.addWidget(dos_label)
        bar.addWidget(self.dos_edit)
        bar.addWidget(self.dos_note)
        bar.addWidget(self.import_button)
        outer.addLayout(bar)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        outer.addWidget(self.message)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(fixed_width_pane(self._build_results(), min_width=260))
        self.detail = DetailPane()
        self.detail.add_requested.connect(self.add_to_claim)
        self.splitter.addWidget(fixed_width_pane(self.detail, min_width=300))
        self.claim = ClaimPane()
        self.claim.changed.connect(self.validate_now)
        self.splitter.addWidget(fixed_width_pane(self.claim, min_width=260))
        # A wider window widens the lists (results and claim), not the notes.
        for index, stretch in enumerate((2, 1, 2)):
            self.splitter.setStretchFactor(index, stretch)
        self.splitter.setSizes([470, 450, 430])
        self.vsplitter = QSplitter(Qt.Orientation.Vertical)
        self.vsplitter.setChildrenCollapsible(False)
        self.vsplitter.addWidget(fixed_width_pane(self.splitter, min_height=240))
        self.vsplitter.addWidget(fixed_width_pane(self.claim.findings_box, min_height=80))
        self.vsplitter.setStretchFactor(0, 1)
        self.vsplitter.setStretchFactor(1, 0)
        self.vsplitter.setSizes([540, 170])
        outer.addWidget(self.vsplitter, 1)
        self._dos_changed(self.dos_edit.text())

    def _build_results(self) -> QWidget:
        host = QWidget()
        box = QVBoxLayout(host)
        box.setContentsMargins(0, 0, 6, 0)
        self.results_model = ResultsModel()
        self.results = QTableView()
        self.results.setModel(self.results_model)
        self.results.setAccessibleName("Search results")
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setItemDelegateForColumn(
            ResultsModel.COL_TITLE, WrappedTitleDelegate(self, min_lines=2)
        )
        rows = self.results.verticalHeader()
        rows.hide()
        # Each row as tall as its wrapped title: the end of a title (laterality, encounter)
        # is what tells codes apart.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.results.setTabKeyNavigation(False)
        self.results.setWordWrap(True)
        self.results.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        head = self.results.horizontalHeader()
        head.setSectionResizeMode(ResultsModel.COL_CODE, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(ResultsModel.COL_TITLE, QHeaderView.ResizeMode.Stretch)
        head.setSectionResizeMode(
            ResultsModel.COL_BILLABLE, QHeaderView.ResizeMode.ResizeToContents
        )
        self.results.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self.load_detail(cur.row())
        )
        self.results.doubleClicked.connect(lambda idx: self.add_result(idx.row()))
        box.addWidget(self.results, 1)
        self.status = QLabel()
        self.status.setAccessibleName("Search status")
        self.status.setWordWrap(True)
        box.addWidget(self.status)
        return host

    def _wire_keys(self) -> None:
        # No Ctrl+F here: the main window owns it (Find patient) and sends it to
        # focus_search() while this area is shown; a second binding makes Qt call the key
        # ambiguous and do nothing.
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut(key, self.results, lambda: self.add_result(self.results.currentIndex().row()))
        shortcut(Qt.Key.Key_Escape, self.results, self.focus_search)
        self.search_edit.installEventFilter(self)
        QWidget.setTabOrder(self.search_edit, self.system_combo)
        for a, b in [
            (self.system_combo, self.billable_check),
            (self.billable_check, self.dos_edit),
            (self.dos_edit, self.import_button),
            (self.import_button, self.results),
            (self.results, self.detail.seventh_combo),
            (self.detail.seventh_combo, self.detail.full_code),
            (self.detail.full_code, self.detail.add_full),
            (self.detail.add_full, self.detail.add_button),
            (self.detail.add_button, self.detail.notes),
            (self.detail.notes, self.claim.table),
            (self.claim.table, self.claim.up_button),
            (self.claim.up_button, self.claim.down_button),
            (self.claim.down_button, self.claim.remove_button),
            (self.claim.remove_button, self.claim.age),
            (self.claim.age, self.claim.sex),
            (self.claim.sex, self.claim.setting),
            (self.claim.setting, self.claim.findings),
        ]:
            QWidget.setTabOrder(a, b)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (
            watched is self.search_edit
            and isinstance(event, QKeyEvent)
            and (event.type() == QEvent.Type.KeyPress)
        ):
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.focus_results()
                return True
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._splitters is None:
            # Restored once laid out at its real size (and placed in its window, whose
            # settings it uses), so the widths come back exactly.
            self._splitters = SplitterMemory(
                self._settings or workstation_settings(self),
                "coding",
                {"panes": self.splitter, "findings": self.vsplitter},
            )
            self._splitters.restore()

    # -- store, filters, date of service -----------------------------------------------
    def _store_ready(self, _none: None) -> None:
        self.ready = True
        self._fill_systems()
        self.status.setText("Type a code or words; results appear as you type.")
        if self.search_edit.text().strip():
            self.search_now()
        if self.claim.codes():
            self.validate_now()  # codes put on the claim while the store was opening

    def _fill_systems(self) -> None:
        if not self.ready:
            return
        # In memory once the code sets are open: no need for the worker.
        present = {r.system for r in self._services.coding.releases()}
        current = self.system_combo.currentData()
        self.system_combo.blockSignals(True)
        self.system_combo.clear()
        self.system_combo.addItem("All code systems", None)
        for system, label in SYSTEM_LABELS.items():
            if system in present:
                self.system_combo.addItem(label, system.value)
        index = self.system_combo.findData(current)
        self.system_combo.setCurrentIndex(max(index, 0))
        self.system_combo.blockSignals(False)

    def dos(self) -> dt.date | None:
        return parse_dos(self.dos_edit.text(), self._today())

    def _dos_changed(self, _text: str) -> None:
        day = self.dos()
        self.dos_note.setText(day.strftime("%a %d %b %Y") if day else "✖ not a date")
        self.dos_note.setStyleSheet("" if day else "color: #b3261e")
        if day is not None and self.ready:
            self._schedule()
            self.load_detail(self.results.currentIndex().row())
            self.validate_now()

    def _filters_changed(self) -> None:
        self.search_now()

    # -- search ------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def focus_results(self) -> None:
        if self.results_model.rowCount():
            self.results.setFocus(Qt.FocusReason.OtherFocusReason)
            if not self.results.currentIndex().isValid():
                self.results.setCurrentIndex(self.results_model.index(0, 0))
            self.results.selectionModel().select(
                self.results.currentIndex(),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )

    def _schedule(self) -> None:
        self._timer.start()  # restarts: the search runs 150 ms after the last keystroke

    def search_now(self) -> None:
        self._timer.stop()
        coding, query, day = self._services.coding, self.search_edit.text().strip(), self.dos()
        if not self.ready or day is None:
            return
        if not query:
            self._forget("search")
            self._show_results(query, SearchResults(()))
            return
        system = self.system_combo.currentData()
        billable = self.billable_check.isChecked()
        self._call(
            "search",
            lambda: coding.find(
                query, system=system, billable_only=billable, dos=day, limit=RESULT_LIMIT
            ),
            lambda results: self._show_results(query, results),
        )

    def _show_results(self, query: str, results: SearchResults) -> None:
        hits = list(results.hits)
        self.results_model.set_rows(hits)
        # how the query was read: notes on what was recognised in it (a procedure, a phrase)
        notes = "".join(f" {n}" if n.endswith(".") else f" {n}." for n in results.understood)
        if not query:
            self.status.setText("Type a code or words; results appear as you type.")
        elif results.corrected and hits:
            self.status.setText(
                f"Showing results for “{results.corrected}” — no codes match “{query}”."
                f"{notes} ↓ to the list, Enter adds to the claim."
            )
        elif not hits:
            self.status.setText(f"No codes match “{query}”. Try fewer or other words.")
        else:
            more = " (best first; refine to narrow)" if len(hits) >= RESULT_LIMIT else ""
            self.status.setText(
                f"{len(hits)} code{'s' if len(hits) != 1 else ''} for “{query}”{more}.{notes}"
                " ↓ to the list, Enter adds to the claim."
            )

    # -- detail ------------------------------------------------------------------------
    def load_detail(self, row: int) -> None:
        coding, day = self._services.coding, self.dos()
        if not self.ready or day is None or not 0 <= row < self.results_model.rowCount():
            return
        code = self.results_model.hit(row).code
        self._call("detail", lambda: coding.detail(code, day), self._show_detail)

    def _show_detail(self, detail: CodeDetail) -> None:
        self.detail.show_detail(detail)

    # -- claim -------------------------------------------------------------------------
    def add_result(self, row: int) -> None:
        if 0 <= row < self.results_model.rowCount():
            hit = self.results_model.hit(row)
            self.add_to_claim(hit.code, hit.title)

    def add_to_claim(self, code: str, title: str) -> None:
        self.claim.add(code, title)
        # Back to the search, query selected: the next code is typed straight over it
        # (however the code was added: Enter, double-click, button or mnemonic).
        self.focus_search()

    def validate_now(self) -> None:
        coding, day, codes = self._services.coding, self.dos(), self.claim.codes()
        if not self.ready or day is None:
            return
        if not codes:
            self._forget("validate")
            self.claim.show_findings([])
            return
        age, sex = self.claim.patient_age(), self.claim.patient_sex()
        setting = self.claim.claim_setting()
        self._call(
            "validate",
            lambda: coding.validate(codes, day, age, sex, setting=setting),
            self._show_findings,
        )

    def _show_findings(self, findings: list[Finding]) -> None:
        self.claim.show_findings(findings)

    # -- import and messages -----------------------------------------------------------
    def choose_and_import(self) -> None:
        path = self._choose_file(self)
        if path is not None:
            self.import_file(path)

    def import_file(self, path: Path) -> None:
        if self.ready:
            self.show_message("")
            self.imports.start(path)

    def _imported(self, release: Release) -> None:
        until = f" to {release.valid_to:%m/%d/%Y}" if release.valid_to else ""
        self.show_message(
            f"✔ Imported {release.name}: {release.code_count:,} codes, in force "
            f"from {release.valid_from:%m/%d/%Y}{until}."
        )
        self._fill_systems()
        self.search_now()

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.message.setStyleSheet(
            "QLabel { padding: 4px 6px; border-radius: 3px; background: %s; color: %s }"
            % (("#fbe9e7", "#8c1d18") if error else ("#e8f2e8", "#1e4620"))
        )

    def _show_error(self, err: BaseException) -> None:
        if isinstance(err, KnownError):
            self.show_message(f"✖ {err.message}", error=True)
        else:
            raise err  # a bug: the crash handler reports it
