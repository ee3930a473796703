"""Waiting for a move to the clinic server before a sign-out or a lock (issue 15).

The move's worker closes the file's installation and switches the data folder; its outcome
(the holder swapped to the server, or the file kept) must land before the workstation is
signed out or locked, or the sign-in would work on a closed installation. The main window
asks :func:`after_replacement` to run the sign-out or the lock once the holder says the
move ended; meanwhile a small window says what is happening. It cannot be dismissed: there
is nothing to choose, and the move is a minute or two at most.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QVBoxLayout, QWidget

from medrec_desktop.ui.services_holder import ServicesHolder


class ReplacementWait(QDialog):
    """ "Finishing the move…": closes itself and runs the pending action when it ends."""

    def __init__(self, services: ServicesHolder, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Finishing the move to the clinic server")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        col = QVBoxLayout(self)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setMinimumWidth(420)
        col.addWidget(self.text)
        bar = QProgressBar()
        bar.setRange(0, 0)  # busy: the move's own window shows the counts
        bar.setTextVisible(False)
        bar.setAccessibleName("Finishing the move")
        col.addWidget(bar)
        self._then: Callable[[], None] = lambda: None
        self._services = services
        services.replacement_ended.connect(self._ended)

    def wait_then(self, then: Callable[[], None], what: str) -> None:
        """Run ``then`` when the move has ended (the latest action asked for wins)."""
        self._then = then
        self.text.setText(
            f"This clinic is being moved to its server. {what} as soon as the move has ended "
            "(a minute or two at most); nothing needs doing meanwhile."
        )
        self.show()

    def reject(self) -> None:
        """Esc does nothing: the move ends by itself."""

    def _ended(self) -> None:
        self._services.replacement_ended.disconnect(self._ended)
        then, self._then = self._then, lambda: None
        self.hide()
        self.deleteLater()
        then()


def after_replacement(
    services: ServicesHolder, parent: QWidget, then: Callable[[], None], what: str
) -> None:
    """``then`` now, or once the running move ended (see the module's docstring)."""
    if not services.replacing:
        then()
        return
    waiting = parent.findChild(ReplacementWait)
    if waiting is None or not waiting.isVisible():
        waiting = ReplacementWait(services, parent)
    waiting.wait_then(then, what)


__all__ = ["ReplacementWait", "after_replacement"]
