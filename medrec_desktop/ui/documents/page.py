"""The chart's Documents tab: the patient's documents, newest first (date, type, from,
pages, size, description), labelled ones withheld as every list does; Attach… (Insert) files
a new one, Enter or a double-click opens it in the viewer (an audited view), Delete marks it
entered in error with a reason. Cover sheet… prints a sheet that files the pages scanned
behind it to this chart; Move to another patient… re-files one filed to the wrong chart.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QShowEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from medrec_desktop.domain.clinical import ItemInfo, ItemList
from medrec_desktop.domain.documents import DocumentData, size_text
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.enums import Action, ChangeKind
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.security import permissions
from medrec_desktop.services.documents import DocumentFile
from medrec_desktop.ui.chart.list_page import WITHHELD_STYLE
from medrec_desktop.ui.chart.reason_dialog import EnteredInErrorDialog
from medrec_desktop.ui.documents.attach_dialog import (
    AttachDialog,
    FileChooser,
    choose_file,
    read_chosen,
)
from medrec_desktop.ui.documents.cover_sheet_dialog import CoverSheetDialog
from medrec_desktop.ui.documents.pages import PageTooLarge
from medrec_desktop.ui.documents.refile_dialog import RefileDialog
from medrec_desktop.ui.documents.viewer import DocumentViewer
from medrec_desktop.ui.inbox.patient_picker import PatientChoice
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.tables import SORT_ROLE, data_table, sorted_proxy

Item = ItemInfo[DocumentData]
COVER_TIP = "Print a sheet that files the pages scanned behind it to this chart"
MOVE_TIP = "Move the chosen document to the chart it belongs in, with a reason"
MB = 1024 * 1024
COLUMNS = ("Date", "Type", "From", "Pages", "Size", "Description")
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1


def newest_first(items: tuple[Item, ...]) -> list[Item]:
    return sorted(items, key=lambda i: (i.data.document_date, i.id), reverse=True)


def row_texts(item: Item) -> tuple[str, ...]:
    d = item.data
    return (
        f"{d.document_date:%m/%d/%Y}",
        d.type_text,
        d.author or "",
        str(d.page_count),
        size_text(d.size),
        d.description or "",
    )


def sort_keys(item: Item) -> tuple[object, ...]:
    """What a header click sorts by: dates as dates, pages and sizes as numbers."""
    d = item.data
    return (
        d.document_date.isoformat(),
        d.type_text.lower(),
        (d.author or "").lower(),
        d.page_count,
        d.size,
        (d.description or "").lower(),
    )


class DocumentsPage(QWidget):
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
        self.patient_id: PatientId | None = None
        self.on_reveal: Callable[[], None] | None = None
        # How the user picks a file; tests put their own in (the system's dialog blocks).
        self.choose_file: FileChooser = choose_file
        self.attach_dialog: AttachDialog | None = None
        self.viewer: DocumentViewer | None = None
        self.error_dialog: EnteredInErrorDialog | None = None
        self.cover_dialog: CoverSheetDialog | None = None
        self.refile_dialog: RefileDialog | None = None
        self._stale = False
        self._load: Op[ItemList[DocumentData]] | None = None
        self._select_id: int | None = None
        services.changed.connect(self._changed)

        v = QVBoxLayout(self)
        v.setContentsMargins(4, 4, 4, 4)
        heading = QLabel("Documents")
        heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        v.addWidget(heading)
        self.withheld = QLabel()
        self.withheld.setAccessibleName("Withheld items")
        self.withheld.setStyleSheet(WITHHELD_STYLE)
        self.withheld.hide()
        v.addWidget(self.withheld)
        self.message = StatusLabel()
        self.message.setAccessibleName("Documents message")
        v.addWidget(self.message)
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.proxy = sorted_proxy(self.model, self)
        self.table = data_table(self.proxy, "Documents list")
        self.table.doubleClicked.connect(lambda _i: self.open_current())
        # Newest first as read; a header click sorts by that column (no arrow until then).
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        v.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.attach_button = QPushButton("&Attach…")
        self.attach_button.setToolTip("Attach a scanned or received file (Insert)")
        self.open_button = QPushButton("Op&en…")
        self.open_button.setToolTip("View the chosen document (Enter); the view is recorded")
        self.error_button = QPushButton("Entered in e&rror…")
        self.error_button.setToolTip(
            "Take the chosen document off the list, with a reason (Delete); it stays in its "
            "history and the audit trail"
        )
        self.move_button = QPushButton("&Move to another patient…")
        self.move_button.setToolTip(MOVE_TIP)
        self.cover_button = QPushButton("Cover &sheet…")
        self.cover_button.setToolTip(COVER_TIP)
        self.attach_button.clicked.connect(self.attach)
        self.open_button.clicked.connect(self.open_current)
        self.error_button.clicked.connect(self.mark_in_error)
        self.move_button.clicked.connect(self.move_current)
        self.cover_button.clicked.connect(self.print_cover_sheet)
        buttons.addWidget(self.attach_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.error_button)
        buttons.addWidget(self.move_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cover_button)
        v.addLayout(buttons)
        shortcut(
            Qt.Key.Key_Insert, self, self.attach, Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut(key, self.table, self.open_current)
        shortcut(Qt.Key.Key_Delete, self.table, self.mark_in_error)
        self.table.selectionModel().currentRowChanged.connect(lambda _n, _o: self._enable_rows())

    # ------------------------------------------------------------------ the patient

    def set_patient(self, patient_id: PatientId | None) -> None:
        if patient_id != self.patient_id:
            self.model.setRowCount(0)
            self.message.clear_message()
        self.patient_id = patient_id
        self._apply_role()
        self.reload()

    def clear(self) -> None:
        """Signed out or chart closed: nothing of this patient stays on screen."""
        if self._load is not None:
            self._load.cancel()
        for dialog in (
            self.attach_dialog,
            self.viewer,
            self.error_dialog,
            self.cover_dialog,
            self.refile_dialog,
        ):
            if dialog is not None:
                dialog.reject()
        self.patient_id = None
        self.model.setRowCount(0)
        self.withheld.hide()
        self.message.clear_message()

    def _may(self, action: Action) -> bool:
        return permissions.session_allows(self._session(), action)

    def _apply_role(self) -> None:
        allowed = self._may(Action.CREATE)
        self.attach_button.setEnabled(allowed)
        self.attach_button.setToolTip(
            "Attach a scanned or received file (Insert)"
            if allowed
            else "Your role cannot attach documents."
        )
        if not self._may(Action.DELETE):
            self.error_button.setEnabled(False)
            self.error_button.setToolTip("Your role cannot mark documents entered in error.")
        may_cover = self._may(Action.PRINT) and self._may(Action.CREATE)
        self.cover_button.setEnabled(may_cover)
        self.cover_button.setToolTip(
            COVER_TIP if may_cover else "Your role cannot print cover sheets."
        )
        self.move_button.setToolTip(
            MOVE_TIP if self._may_move() else "Your role cannot move documents to another chart."
        )
        self._enable_rows()

    def _may_move(self) -> bool:
        # Moving enters the item in error here and files it there: both rights.
        return self._may(Action.DELETE) and self._may(Action.CREATE)

    def _enable_rows(self) -> None:
        """The buttons about the chosen document: only with one chosen (and the rights)."""
        item = self.current_item()
        self.move_button.setEnabled(
            item is not None and not item.entered_in_error and self._may_move()
        )

    def focus_list(self) -> None:
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Read now if on screen, else when next shown (a list nobody looks at is not read,
        nor audited as viewed)."""
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        session, pid = self._session(), self.patient_id
        if session is None or pid is None:
            return
        documents = self._services.inst.documents
        self._load = (
            Op(self, lambda: documents.list(session, pid), runner=self._runner, key="load")
            .success(self._loaded)
            .failure(self._failed)
            .run()
        )

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._stale:
            self.reload()

    def _loaded(self, found: ItemList[DocumentData]) -> None:
        keep = self._select_id if self._select_id is not None else self._current_id()
        self._select_id = None
        self.model.setRowCount(0)
        for item in newest_first(found.items):
            cells = [QStandardItem(text) for text in row_texts(item)]
            for cell, key in zip(cells, sort_keys(item), strict=True):
                cell.setEditable(False)
                cell.setData(key, SORT_ROLE)
            cells[0].setData(item, ITEM_ROLE)
            for n in (3, 4):
                cells[n].setTextAlignment(
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
            self.model.appendRow(cells)
        notes = found.withheld_notes
        self.withheld.setText("⊘ " + "; ".join(notes) if notes else "")
        self.withheld.setVisible(bool(notes))
        self.table.resizeColumnsToContents()
        rows = self.model.rowCount()
        chosen = next((r for r in range(rows) if self._item(r).id == keep), 0) if rows else -1
        if chosen >= 0:
            self.table.setCurrentIndex(self.proxy.index(chosen, 0))
            self.table.selectRow(chosen)
        self.open_button.setEnabled(rows > 0)
        self.error_button.setEnabled(rows > 0 and self._may(Action.DELETE))
        self._enable_rows()
        if not rows and not notes and self.message.severity is None:
            self.message.info("No documents in this chart. Insert attaches one.")

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.message.error(err.message)

    def _changed(self, patient_id: int, kinds: frozenset[ChangeKind]) -> None:
        if patient_id == self.patient_id and (
            ChangeKind.DOCUMENTS in kinds or ChangeKind.MERGE in kinds
        ):
            self.reload()

    # ------------------------------------------------------------------ the selection

    def _item(self, row: int) -> Item:
        """The document on the table's ``row`` (as sorted on screen)."""
        value = self.proxy.index(row, 0).data(ITEM_ROLE)
        assert isinstance(value, ItemInfo)
        return value

    def current_item(self) -> Item | None:
        index: QModelIndex = self.table.currentIndex()
        return self._item(index.row()) if index.isValid() else None

    def _current_id(self) -> int | None:
        item = self.current_item()
        return item.id if item is not None else None

    def rows(self) -> list[tuple[str, ...]]:
        return [
            tuple(str(self.proxy.index(r, c).data() or "") for c in range(len(COLUMNS)))
            for r in range(self.proxy.rowCount())
        ]

    # ------------------------------------------------------------------ attach

    def attach(self) -> None:
        session, pid = self._session(), self.patient_id
        if session is None or pid is None or not self.attach_button.isEnabled():
            return
        path = self.choose_file(self)
        if path is None:
            return
        documents = self._services.inst.documents
        # The clinic's limit first, so a file over it is refused from its size on disk
        # without being read into memory.
        Op(self, lambda: documents.max_file_mb(session), runner=self._runner).success(
            lambda mb: self._read_chosen(session, pid, path, mb * MB)
        ).failure(self._failed).run()

    def _read_chosen(self, session: UserSession, pid: PatientId, path: Path, limit: int) -> None:
        try:
            content = read_chosen(path, limit)
        except ValidationError as err:
            self.message.error(err.message)
            return
        except OSError as err:
            self.message.error(f"The file could not be read: {err.strerror or 'no access'}.")
            return
        self.open_attach(session, pid, path, content)

    def open_attach(self, session: UserSession, pid: PatientId, path: Path, content: bytes) -> None:
        dialog = AttachDialog(
            services=self._services,
            runner=self._runner,
            session=session,
            patient_id=pid,
            file_name=path.name,
            content=content,
            parent=self,
        )
        dialog.saved.connect(self._attached)
        dialog.finished.connect(lambda _r: self._attach_closed(dialog))
        self.attach_dialog = dialog
        dialog.open()

    def _attach_closed(self, dialog: AttachDialog) -> None:
        if self.attach_dialog is dialog:
            self.attach_dialog = None
        dialog.deleteLater()
        self.table.setFocus()

    def _attached(self, info: Item) -> None:
        self._select_id = info.id
        self.message.ok(f"Attached: {info.data.type_text}, {info.data.page_count} page(s).")
        self._services.notify_changed(info.patient_id, {ChangeKind.DOCUMENTS})

    # ------------------------------------------------------------------ open

    def open_current(self) -> None:
        item, session = self.current_item(), self._session()
        if item is None or session is None:
            return
        documents = self._services.inst.documents
        title = f"{item.data.type_text} · {item.data.document_date:%m/%d/%Y}"
        Op(self, lambda: documents.open_file(session, item.id), runner=self._runner).success(
            lambda file: self._show(title, item, file)
        ).failure(self._failed).run()

    def _show(self, title: str, item: Item, file: DocumentFile) -> None:
        session = self._session()
        documents = self._services.inst.documents
        may_print = self._may(Action.PRINT)

        def print_file(
            done: Callable[[DocumentFile], None], failed: Callable[[BaseException], None]
        ) -> None:
            if session is None:
                return
            Op(viewer, lambda: documents.print_file(session, item.id), runner=self._runner).success(
                done
            ).failure(failed).run()

        try:
            viewer = DocumentViewer(
                title, file, print_file=print_file if may_print else None, parent=self
            )
        except PageTooLarge as err:
            self.message.error(err.message)
            return
        except Exception:  # noqa: BLE001 - any reader error (QtPdf, Pillow): say so, keep going
            self.message.error("This document could not be shown: its file cannot be read.")
            return
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.finished.connect(lambda _r: self._viewer_closed(viewer))
        self.viewer = viewer
        viewer.open()

    # ------------------------------------------------------------------ entered in error

    def mark_in_error(self) -> None:
        item, session = self.current_item(), self._session()
        if item is None or session is None or not self.error_button.isEnabled():
            return
        documents = self._services.inst.documents
        name = f"{item.data.type_text} of {item.data.document_date:%m/%d/%Y}"

        def submit(reason: str) -> None:
            Op(
                dialog,
                lambda: documents.mark_entered_in_error(
                    session, item.id, reason=reason, expected_version=item.version
                ),
                runner=self._runner,
            ).success(marked).failure(dialog.refused).run()

        def marked(info: Item) -> None:
            dialog.accept()
            self.message.ok(f"Marked entered in error: {name}. It stays readable in its history.")
            self._services.notify_changed(info.patient_id, {ChangeKind.DOCUMENTS})
            self.table.setFocus()

        dialog = EnteredInErrorDialog(name, submit, self)
        dialog.finished.connect(lambda _r: self._error_closed(dialog))
        self.error_dialog = dialog
        dialog.open()

    def _error_closed(self, dialog: EnteredInErrorDialog) -> None:
        if self.error_dialog is dialog:
            self.error_dialog = None
        dialog.deleteLater()

    def _viewer_closed(self, viewer: DocumentViewer) -> None:
        if self.viewer is viewer:
            self.viewer = None
        self.table.setFocus()

    # ------------------------------------------------------------------ cover sheet

    def print_cover_sheet(self) -> None:
        session, pid = self._session(), self.patient_id
        if session is None or pid is None or not self.cover_button.isEnabled():
            return
        dialog = CoverSheetDialog(
            services=self._services,
            runner=self._runner,
            session=session,
            patient_id=pid,
            parent=self,
        )
        dialog.printed.connect(self.message.ok)
        dialog.finished.connect(lambda _r: self._cover_closed(dialog))
        self.cover_dialog = dialog
        dialog.open()

    def _cover_closed(self, dialog: CoverSheetDialog) -> None:
        if self.cover_dialog is dialog:
            self.cover_dialog = None
        dialog.deleteLater()
        self.table.setFocus()

    # ------------------------------------------------------------------ move

    def move_current(self) -> None:
        item, session = self.current_item(), self._session()
        if item is None or session is None or not self.move_button.isEnabled():
            return
        documents = self._services.inst.documents
        name = f"{item.data.type_text} of {item.data.document_date:%m/%d/%Y}"

        def submit(choice: PatientChoice, reason: str) -> None:
            to = PatientId(choice.patient_id)
            Op(
                dialog,
                lambda: documents.refile(
                    session, item.id, to, reason=reason, expected_version=item.version
                ),
                runner=self._runner,
            ).success(lambda _info: moved(choice)).failure(dialog.refused).run()

        def moved(choice: PatientChoice) -> None:
            dialog.accept()
            self.message.ok(f"Moved to {choice.name} (MRN {choice.mrn}).")
            for pid in (item.patient_id, choice.patient_id):
                self._services.notify_changed(pid, {ChangeKind.DOCUMENTS})
            self.table.setFocus()

        dialog = RefileDialog(
            name, submit, services=self._services, runner=self._runner, session=session, parent=self
        )
        dialog.finished.connect(lambda _r: self._refile_closed(dialog))
        self.refile_dialog = dialog
        dialog.open()

    def _refile_closed(self, dialog: RefileDialog) -> None:
        if self.refile_dialog is dialog:
            self.refile_dialog = None
        dialog.deleteLater()
