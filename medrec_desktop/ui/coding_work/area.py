"""The coder's "Coding work" area (issue 13): the worklist, and the encounter coding page
that replaces it when an encounter is opened, with the chronic-condition review and the
queries beside the codes; from the worklist, the export for billing (a dialog) and the coding
reports (a page of this area, made when first asked for). Composed here so the main window only
places it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.ui.coding_work.billing_dialog import BillingExportDialog
from medrec_desktop.ui.coding_work.encounter_coding import EncounterCodingPage
from medrec_desktop.ui.coding_work.queries_panel import QueriesPanel
from medrec_desktop.ui.coding_work.reports_page import CodingReportsPage
from medrec_desktop.ui.coding_work.review_panel import ReviewPanel
from medrec_desktop.ui.coding_work.worklist_page import CodingWorklistPage
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.widgets.shortcuts import shortcut


class CodingWorkArea(QStackedWidget):
    """Worklist ↔ coding page, worklist ↔ reports; the billing export over the worklist."""

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner, self._session = services, runner, session
        deps = {"services": services, "runner": runner, "session": session}
        self.worklist = CodingWorklistPage(**deps)  # type: ignore[arg-type]
        self.page = EncounterCodingPage(**deps)  # type: ignore[arg-type]
        self.review = ReviewPanel(**deps)  # type: ignore[arg-type]
        self.queries = QueriesPanel(**deps)  # type: ignore[arg-type]
        self.page.add_side_panel("Chronic conditions", self.review)
        self.page.add_side_panel("Queries", self.queries)
        self.addWidget(self.worklist)
        self.addWidget(self.page)

        self.worklist.open_requested.connect(self.open_encounter)
        self.page.back_requested.connect(self.show_worklist)
        self.page.encounter_opened.connect(self._opened)
        self.page.codes_changed.connect(self._codes_changed)
        self.page.encounter_changed.connect(self._saved)
        self.review.add_code.connect(lambda code, title: self.page.add_diagnosis(code, title))
        # A dismissal is a new version of the coding: the page reads it again (unsaved edits
        # kept).
        self.review.dismissed.connect(self._reopen)
        self.worklist.billing_export_requested.connect(self.open_billing_export)
        self.worklist.reports_requested.connect(self.show_reports)
        #: made when first shown (its charts cost a moment to build)
        self.reports: CodingReportsPage | None = None
        self._reports_host: QWidget | None = None
        #: the billing export dialog while it is open
        self.billing: BillingExportDialog | None = None

    def open_encounter(self, encounter_id: int) -> None:
        self.setCurrentWidget(self.page)
        self.page.open_encounter(encounter_id)

    def show_worklist(self) -> None:
        """Back to the list (it reads itself again on showing)."""
        self.setCurrentWidget(self.worklist)
        self.worklist.refresh()
        self.worklist.table.setFocus()

    def open_billing_export(self) -> None:
        """The export for billing, over the worklist (window-modal: the list stays visible)."""
        dialog = BillingExportDialog(
            self, services=self._services, runner=self._runner, session=self._session
        )
        self.billing = dialog

        def closed(_result: int) -> None:
            self.billing = None
            dialog.deleteLater()
            self.worklist.table.setFocus()

        dialog.finished.connect(closed)
        dialog.open()

    def show_reports(self) -> None:
        """The coding reports in place of the worklist; Esc or "Back to worklist" returns."""
        if self._reports_host is None:
            self._reports_host = self._make_reports()
            self.addWidget(self._reports_host)
        self.setCurrentWidget(self._reports_host)
        if self.reports is not None:
            self.reports.kind.setFocus()

    def _make_reports(self) -> QWidget:
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.setContentsMargins(8, 8, 8, 0)
        back = QPushButton("&Back to worklist")
        back.setToolTip("Back to the coding worklist (Esc)")
        back.setAutoDefault(False)
        back.clicked.connect(self.show_worklist)
        row.addWidget(back)
        row.addStretch(1)
        layout.addLayout(row)
        self.reports = CodingReportsPage(
            services=self._services, runner=self._runner, session=self._session
        )
        layout.addWidget(self.reports, 1)
        shortcut("Esc", host, self.show_worklist, Qt.ShortcutContext.WidgetWithChildrenShortcut)
        return host

    def _opened(self, encounter_id: int) -> None:
        self.review.show_encounter(encounter_id)
        self.queries.show_encounter(encounter_id)

    def _codes_changed(self, codes: Sequence[str]) -> None:
        self.review.set_codes(codes)

    def _saved(self, encounter_id: int) -> None:
        # Saved, coded or returned: the review reads the saved coding, the list its state.
        self.review.show_encounter(encounter_id)
        self.queries.show_encounter(encounter_id)
        self.worklist.refresh()

    def _reopen(self) -> None:
        # refresh() reads the coding again and keeps the coder's unsaved edits.
        if self.page.encounter_id is not None:
            self.page.refresh()

    def focus_search(self) -> None:
        """Ctrl+F in this area: the worklist's list, or the coding page's own search."""
        focus = getattr(self.currentWidget(), "focus_search", None)
        if callable(focus):
            focus()
