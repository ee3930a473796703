"""PLACEHOLDER (API only) until the encounter coding screen lands (same session)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner


class EncounterCodingPage(QWidget):
    #: the user asked to go back to where they came from (Esc, "Back to worklist")
    back_requested = Signal()
    #: (encounter_id: int) a save, mark coded, return or dismissal succeeded
    encounter_changed = Signal(int)
    #: (codes: tuple[str, ...]) the diagnoses being edited changed (unsaved included)
    codes_changed = Signal(object)
    #: (encounter_id: int) an encounter was opened
    encounter_opened = Signal(int)

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
    ) -> None:
        super().__init__()
        self.encounter_id: int | None = None
        QVBoxLayout(self).addWidget(QLabel("Encounter coding"))

    def open_encounter(self, encounter_id: int) -> None:
        self.encounter_id = encounter_id
        self.encounter_opened.emit(encounter_id)

    def add_diagnosis(self, code: str, title: str, problem_id: int | None = None) -> None:
        """Add a diagnosis to the codes being edited (from the review panel's one action)."""

    def add_side_panel(self, title: str, widget: QWidget) -> None:
        """A panel beside the codes (chronic-condition review, queries)."""
