"""PLACEHOLDER (API only) until the encounter's queries panel lands (same session)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner


class QueriesPanel(QWidget):
    #: a query was sent or withdrawn
    changed = Signal()

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
    ) -> None:
        super().__init__()

    def show_encounter(self, encounter_id: int | None) -> None:
        """The queries about this encounter, with Ask… and Withdraw… (None: nothing)."""
