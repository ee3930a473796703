"""PLACEHOLDER (API only) until the chronic-condition review panel lands (same session)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner


class ReviewPanel(QWidget):
    #: (code: str, title: str) the user took a suggestion: add this diagnosis
    add_code = Signal(str, str)
    #: a suggestion was dismissed (saved: the coding has a new version)
    dismissed = Signal()

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
    ) -> None:
        super().__init__()

    def show_encounter(self, encounter_id: int | None) -> None:
        """Review this encounter (None: show nothing)."""

    def set_codes(self, codes: Sequence[str]) -> None:
        """The diagnoses as being edited: suggestions already coded drop out at once."""
