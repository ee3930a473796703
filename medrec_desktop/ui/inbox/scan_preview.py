"""The inbox's preview of the chosen scan: its name and facts over its pages (the documents
viewer's page view). The bytes are read (an audited view) only once the choice has rested a
moment, so moving through the list with Up/Down reads only where it stops; they stay in
memory while the scan is shown, for the filing and split dialogs to use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from medrec_desktop.domain.documents import size_text
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.domain.inbox import InboxEntry
from medrec_desktop.services.documents import DocumentFile
from medrec_desktop.ui.documents.page_view import PageView
from medrec_desktop.ui.inbox.texts import pages_text, when_text
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner

DELAY_MS = 120


class ScanPreview(QWidget):
    #: (inbox id) the scan's pages are on screen
    shown = Signal(int)

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
        #: the scan shown (or being read) and its bytes once read
        self.entry_id: int | None = None
        self.file: DocumentFile | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        self.title = QLabel()
        self.title.setAccessibleName("Scan shown")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: 600;")
        layout.addWidget(self.title)
        self.view = PageView(empty_text="Choose a scan to see it here.", thumb_width=64)
        self.view.install_keys(self.view, Qt.ShortcutContext.WidgetWithChildrenShortcut)
        layout.addWidget(self.view, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self._read)

    def show_entry(self, entry: InboxEntry | None, now: dt.datetime) -> None:
        """Show ``entry`` (None: nothing), its pages read in a moment."""
        self._timer.stop()
        self.file = None
        self.entry_id = entry.id if entry is not None else None
        self.view.clear()
        if entry is None:
            self.title.setText("")
            return
        self.title.setText(
            f"{entry.source_name} · {pages_text(entry.page_count)} · {size_text(entry.size)}"
            f" · arrived {when_text(entry.arrived_at, now)}"
        )
        self.view.view.setText("Reading the scan…")
        self._timer.start()

    def _read(self) -> None:
        session, ident = self._session(), self.entry_id
        if session is None or ident is None:
            return
        inbox = self._services.inst.inbox
        Op(
            self, lambda: inbox.open_file(session, ident), runner=self._runner, key="preview"
        ).success(lambda file: self._arrived(ident, file)).failure(self._failed).run()

    def _arrived(self, ident: int, file: DocumentFile) -> None:
        if ident != self.entry_id:
            return
        try:
            self.view.load(file.content, file.content_type)
        except Exception:  # noqa: BLE001 - any reader error (QtPdf, Pillow): say so, go on
            self.view.clear()
            self.view.view.setText("This scan cannot be shown: its file cannot be read.")
            return
        self.file = file
        self.shown.emit(ident)

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.view.clear()
        self.view.view.setText(f"⚠ {err.message}")
