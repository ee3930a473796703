"""The scanner inbox: the scans waiting to be filed, oldest first, each with the picture of
its first page, when it arrived, its size, the patient suggested for it and why it waits; the
chosen scan shown beside the list. F or Enter files it to a patient, N marks it not ours, S
splits it; Up/Down move through the list. Delete removes nothing.

Pictures and previews are drawn from the bytes in memory (``InboxService.open_file``, an
audited view), never from a file on disk; a first page is drawn only for the rows on screen,
once, and kept in memory while the screen lives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.clinical import ItemInfo
from medrec_desktop.domain.documents import DocumentData
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Action, ChangeKind, DataCategory
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.domain.inbox import InboxEntry, InboxSettings, InboxStatus
from medrec_desktop.security import permissions
from medrec_desktop.services.documents import DocumentFile
from medrec_desktop.ui.documents.pages import PageTooLarge, page_source
from medrec_desktop.ui.inbox.actions import open_not_ours, open_split
from medrec_desktop.ui.inbox.file_dialog import FileScanDialog
from medrec_desktop.ui.inbox.model import THUMB, InboxModel, thumb_key
from medrec_desktop.ui.inbox.not_ours_dialog import NotOursDialog
from medrec_desktop.ui.inbox.patient_picker import PatientChoice
from medrec_desktop.ui.inbox.row_extras import RowExtras, thumbnail
from medrec_desktop.ui.inbox.scan_preview import ScanPreview
from medrec_desktop.ui.inbox.split_dialog import SplitDialog
from medrec_desktop.ui.inbox.texts import days_text, pages_text
from medrec_desktop.ui.itemmodels.base import ROW_ROLE
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.tables import data_table, sorted_proxy

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
Loaded = tuple[list[InboxEntry], InboxSettings, dt.datetime]


class InboxPage(QWidget):
    title = "Inbox"

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
        self.settings: InboxSettings | None = None
        self.file_dialog: FileScanDialog | None = None
        self.not_ours_dialog: NotOursDialog | None = None
        self.split_dialog: SplitDialog | None = None
        self._stale = True
        self._loaded_once = False
        self._select_row: int | None = None  # after a scan is dealt with: the next one
        services.inbox_changed.connect(self.reload)
        services.swapped.connect(self._swapped)

        v = QVBoxLayout(self)
        v.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        heading = QLabel("Scanner inbox")
        heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        top.addWidget(heading)
        self.counts = QLabel()
        self.counts.setAccessibleName("Inbox counts")
        top.addWidget(self.counts, 1)
        self.show_closed = QCheckBox("Show &closed scans too (filed, not ours, split)")
        self.show_closed.setToolTip("Closed scans say what became of them, by whom and when")
        self.show_closed.toggled.connect(lambda _on: self.reload())
        top.addWidget(self.show_closed)
        v.addLayout(top)
        self.message = StatusLabel()
        self.message.setAccessibleName("Inbox message")
        v.addWidget(self.message)

        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.model = InboxModel(self)
        self.proxy = sorted_proxy(self.model, self)
        self.table = data_table(self.proxy, "Scans in the inbox")
        self.table.setIconSize(THUMB)
        self.table.verticalHeader().setDefaultSectionSize(THUMB.height() + 10)
        # Oldest first as read; a header click sorts by that column (no arrow until then).
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        self.table.setColumnHidden(InboxModel.COL_STATUS, True)
        self.table.doubleClicked.connect(lambda _i: self.file_current())
        self.table.installEventFilter(self)
        lv.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.file_button = QPushButton("F&ile to a patient…")
        self.file_button.setToolTip("File the chosen scan to a patient's chart (F or Enter)")
        self.not_ours_button = QPushButton("&Not ours…")
        self.not_ours_button.setToolTip(
            "Close the chosen scan with a reason: a fax for another practice, a blank page (N)"
        )
        self.split_button = QPushButton("&Split…")
        self.split_button.setToolTip("Split the chosen scan into several documents (S)")
        self.file_button.clicked.connect(self.file_current)
        self.not_ours_button.clicked.connect(self.not_ours_current)
        self.split_button.clicked.connect(self.split_current)
        for b in (self.file_button, self.not_ours_button, self.split_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        keys = QLabel("F or Enter: file · N: not ours · S: split")
        keys.setStyleSheet("color: palette(mid);")
        buttons.addWidget(keys)
        lv.addLayout(buttons)
        split.addWidget(left)

        self.scan_preview = ScanPreview(services=services, runner=runner, session=session)
        self.scan_preview.shown.connect(self._scan_shown)
        self.preview = self.scan_preview.view  # the pages, as tests and screenshots name them
        split.addWidget(self.scan_preview)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([760, 420])
        v.addWidget(split, 1)
        self.setTabOrder(self.table, self.file_button)

        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.extras = RowExtras(
            table=self.table,
            proxy=self.proxy,
            model=self.model,
            services=services,
            runner=runner,
            session=session,
        )
        self._update_buttons()

    # ------------------------------------------------------------------ loading

    def focus_list(self) -> None:
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def reload(self) -> None:
        """Read now if on screen, else when next shown (a list nobody looks at is not read,
        nor audited as viewed)."""
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        session = self._session()
        if session is None:
            return
        inst, closed = self._services.inst, self.show_closed.isChecked()

        def work() -> Loaded:
            found = inst.inbox.entries(session, include_closed=closed)
            # The services' clock, so "today" and "waiting N days" agree with the times the
            # scans were stamped with.
            return found, inst.inbox.settings(session), inst.ctx.now()

        Op(self, work, runner=self._runner, key="load").success(self._loaded).failure(
            self._failed
        ).run()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._stale:
            self.reload()

    def _loaded(self, loaded: Loaded) -> None:
        entries, settings, now = loaded
        self.settings = settings
        keep = self._current_id()
        row_before = self._select_row
        self._select_row = None
        self.model.set_entries(entries, now=now, highlight_days=settings.highlight_days)
        self.table.setColumnHidden(InboxModel.COL_STATUS, not self.show_closed.isChecked())
        if not self._loaded_once:
            self._loaded_once = True
            self._size_columns()
        rows = self.proxy.rowCount()
        chosen = -1
        if rows:
            found = self.model.find(keep) if keep is not None else -1
            if row_before is not None:
                chosen = min(row_before, rows - 1)
            elif found >= 0:
                chosen = self.proxy.mapFromSource(self.model.index(found, 0)).row()
            else:
                chosen = 0
        if chosen >= 0:
            self.table.setCurrentIndex(self.proxy.index(chosen, 0))
            self.table.selectRow(chosen)
        else:
            self._show_preview_of(None)
        self._show_counts()
        self._update_buttons()
        self.extras.want()

    def _size_columns(self) -> None:
        header = self.table.horizontalHeader()
        for col, width in (
            (InboxModel.COL_SCAN, 210),
            (InboxModel.COL_ARRIVED, 140),
            (InboxModel.COL_SUGGESTED, 260),
            (InboxModel.COL_NOTE, 110),
        ):
            header.resizeSection(col, width)

    def _show_counts(self) -> None:
        waiting, old = self.model.waiting_count(), self.model.old_count()
        days = self.settings.highlight_days if self.settings is not None else 0
        if waiting == 0:
            text = "Nothing waiting."
            if self.settings is not None and self.settings.folder is None:
                text += " No scanner folder is chosen yet: an administrator chooses it."
            self.counts.setText(f"  ·  {text}")
            return
        over = f" · ⚠ {old} waiting over {days_text(days)}" if old else ""
        self.counts.setText(f"  ·  {waiting} waiting{over}")

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.message.error(err.message)

    def _swapped(self) -> None:
        """Another database: nothing read from the old one stays on screen."""
        self.extras.forget()
        self.model.set_entries([], now=self.model.now, highlight_days=self.model.highlight_days)
        self._show_preview_of(None)
        self.reload()

    def clear(self) -> None:
        """Signed out: nothing of the last user's inbox stays on screen."""
        for dialog in (self.file_dialog, self.not_ours_dialog, self.split_dialog):
            if dialog is not None:
                dialog.reject()
        self._swapped()

    # ------------------------------------------------------------------ the selection

    def entry_at(self, proxy_row: int) -> InboxEntry:
        value = self.proxy.index(proxy_row, 0).data(ROW_ROLE)
        assert isinstance(value, InboxEntry)
        return value

    def current_entry(self) -> InboxEntry | None:
        index: QModelIndex = self.table.currentIndex()
        return self.entry_at(index.row()) if index.isValid() else None

    def _current_id(self) -> int | None:
        entry = self.current_entry()
        return entry.id if entry is not None else None

    def rows(self) -> list[tuple[str, ...]]:
        """What the list shows, row by row (tests and screen readers read the same)."""
        return [
            tuple(
                str(self.proxy.index(r, c).data() or "")
                for c in range(self.model.columnCount())
                if not self.table.isColumnHidden(c)
            )
            for r in range(self.proxy.rowCount())
        ]

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._update_buttons()
        entry = self.entry_at(current.row()) if current.isValid() else None
        if entry is None or entry.id != self.preview_id:
            self._show_preview_of(entry)

    def _update_buttons(self) -> None:
        entry = self.current_entry()
        waiting = entry is not None and entry.status is InboxStatus.UNFILED
        allowed = permissions.session_allows(self._session(), Action.UPDATE, DataCategory.INBOX)
        self.file_button.setEnabled(waiting and allowed)
        self.not_ours_button.setEnabled(waiting and allowed)
        self.split_button.setEnabled(
            waiting and allowed and entry is not None and entry.page_count > 1
        )

    # ------------------------------------------------------------------ the preview

    @property
    def preview_id(self) -> int | None:
        return self.scan_preview.entry_id

    @property
    def preview_file(self) -> DocumentFile | None:
        return self.scan_preview.file

    def _show_preview_of(self, entry: InboxEntry | None) -> None:
        self.scan_preview.show_entry(entry, self.model.now)

    def _scan_shown(self, ident: int) -> None:
        """The chosen scan's bytes are read: its row's picture too, if it had none."""
        row = self.model.find(ident)
        if row >= 0:
            entry = self.model.row_at(row)
            if thumb_key(entry) not in self.model.thumbs:
                try:
                    picture = self.preview.pages.thumbnail(0, THUMB.width())
                except PageTooLarge:
                    return  # the preview says why; the row keeps no picture
                self.model.set_thumbnail(entry, thumbnail(picture))

    # ------------------------------------------------------------------ filing

    def _waiting_entry(self) -> InboxEntry | None:
        entry = self.current_entry()
        if entry is None:
            return None
        if entry.status is not InboxStatus.UNFILED:
            self.message.info(f"This scan is closed: {entry.status.label.lower()}.")
            return None
        return entry

    def file_current(self) -> None:
        session, entry = self._session(), self._waiting_entry()
        if session is None or entry is None or not self.file_button.isEnabled():
            return
        file = self.preview_file if self.preview_id == entry.id else None
        dialog = FileScanDialog(
            services=self._services,
            runner=self._runner,
            session=session,
            entry=entry,
            file=file,
            suggestions=self.model.suggestions.get(entry.id),
            parent=self,
        )
        dialog.filed.connect(lambda info, choice: self._filed(entry, info, choice))
        dialog.conflicted.connect(self._dealt_with_elsewhere)
        dialog.suggested.connect(self.model.set_suggestions)
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        self.file_dialog = dialog
        dialog.open()

    def _filed(
        self, entry: InboxEntry, info: ItemInfo[DocumentData], choice: PatientChoice
    ) -> None:
        self.message.ok(
            f"Filed “{entry.source_name}” to {choice.label} as {info.data.type_text}"
            f" ({pages_text(info.data.page_count)})."
        )
        self._services.notify_changed(info.patient_id, {ChangeKind.DOCUMENTS})
        self._after_action()

    def _after_action(self) -> None:
        """A scan left the list: the next one (now on the same row) is chosen."""
        index = self.table.currentIndex()
        self._select_row = index.row() if index.isValid() else None
        self._services.notify_inbox_changed()

    def _dealt_with_elsewhere(self) -> None:
        self._services.notify_inbox_changed()

    def _dialog_closed(self, dialog: QWidget) -> None:
        for name in ("file_dialog", "not_ours_dialog", "split_dialog"):
            if getattr(self, name) is dialog:
                setattr(self, name, None)
        dialog.deleteLater()
        self.table.setFocus()

    # ------------------------------------------------------------------ not ours, split

    def not_ours_current(self) -> None:
        session, entry = self._session(), self._waiting_entry()
        if session is None or entry is None or not self.not_ours_button.isEnabled():
            return

        def done() -> None:
            self.message.ok(f"Marked not ours: “{entry.source_name}”. Closed scans keep it.")
            self._after_action()

        dialog = open_not_ours(
            self,
            inbox=self._services.inst.inbox,
            runner=self._runner,
            session=session,
            entry=entry,
            done=done,
            elsewhere=self._dealt_with_elsewhere,
        )
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        self.not_ours_dialog = dialog

    def split_current(self) -> None:
        session, entry = self._session(), self._waiting_entry()
        if session is None or entry is None or not self.split_button.isEnabled():
            return
        if self.preview_id == entry.id and self.preview_file is not None:
            self._open_split(session, entry, self.preview_file)
            return
        inbox = self._services.inst.inbox
        Op(self, lambda: inbox.open_file(session, entry.id), runner=self._runner).success(
            lambda file: self._open_split(session, entry, file)
        ).failure(self._failed).run()

    def _open_split(self, session: UserSession, entry: InboxEntry, file: DocumentFile) -> None:
        try:
            pages = page_source(file.content, file.content_type)
        except Exception:  # noqa: BLE001 - any reader error (QtPdf, Pillow): say so, go on
            self.message.error("This scan cannot be split here: its file cannot be read.")
            return

        def done(parts: int) -> None:
            self.message.ok(
                f"Split “{entry.source_name}” into {parts} parts; each waits here on its own."
            )
            self._after_action()

        dialog = open_split(
            self,
            inbox=self._services.inst.inbox,
            runner=self._runner,
            session=session,
            entry=entry,
            pages=pages,
            done=done,
            elsewhere=self._dealt_with_elsewhere,
        )
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        self.split_dialog = dialog

    # ------------------------------------------------------------------ keys

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            key = event.key()
            if key in ENTER_KEYS or key == Qt.Key.Key_F:
                self.file_current()
                return True
            if key == Qt.Key.Key_N:
                self.not_ours_current()
                return True
            if key == Qt.Key.Key_S:
                self.split_current()
                return True
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                # Nothing here is destroyed by a key: say what to do instead.
                self.message.info(
                    "Delete removes nothing here. N marks the scan not ours, with a reason."
                )
                return True
        return super().eventFilter(watched, event)
