"""The coder's "Coding work" area (issue 13): the worklist, and the encounter coding page
that replaces it when an encounter is opened, with the chronic-condition review and the
queries beside the codes. Composed here so the main window only places it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QStackedWidget, QWidget

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.ui.coding_work.encounter_coding import EncounterCodingPage
from medrec_desktop.ui.coding_work.queries_panel import QueriesPanel
from medrec_desktop.ui.coding_work.review_panel import ReviewPanel
from medrec_desktop.ui.coding_work.worklist_page import CodingWorklistPage
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner


class CodingWorkArea(QStackedWidget):
    """Worklist ↔ coding page. ``worklist.billing_export_requested`` and
    ``worklist.reports_requested`` are left for the window to connect to its dialogs."""

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
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

    def open_encounter(self, encounter_id: int) -> None:
        self.setCurrentWidget(self.page)
        self.page.open_encounter(encounter_id)

    def show_worklist(self) -> None:
        """Back to the list (it reads itself again on showing)."""
        self.setCurrentWidget(self.worklist)
        self.worklist.refresh()
        self.worklist.table.setFocus()

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
