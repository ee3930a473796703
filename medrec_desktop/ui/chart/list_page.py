"""One kind's list in the chart, with its form, history and conflict view stacked in place
(no walls of dialogs): Insert adds, Enter edits, Delete marks entered in error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.clinical import ItemInfo, ItemList, ItemVersion
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.enums import Action, ChangeKind
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.security import permissions
from medrec_desktop.services.versioning import VersionConflictError
from medrec_desktop.ui.chart.conflict_view import ConflictView
from medrec_desktop.ui.chart.history_view import HistoryView
from medrec_desktop.ui.chart.item_form import ItemForm
from medrec_desktop.ui.chart.item_model import ItemsModel
from medrec_desktop.ui.chart.kind_view import KindView
from medrec_desktop.ui.chart.reason_dialog import EnteredInErrorDialog
from medrec_desktop.ui.itemmodels.base import ROW_ROLE
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import Severity, StatusLabel
from medrec_desktop.ui.widgets.tables import data_table, sorted_proxy
from medrec_desktop.ui.widgets.unsaved import saved_stamp

Loaded = tuple[ItemList[Any], ItemList[Any] | None]

WITHHELD_STYLE = (
    "background: palette(alternate-base); border: 1px solid palette(mid); "
    "border-radius: 4px; padding: 4px 8px;"
)


@dataclass(frozen=True)
class PageContext:
    """What a kind's own button (``KindView.actions``) may use of its list: the page as the
    parent of what it opens, the services, the worker lanes, who is signed in, the patient
    shown, the row chosen and the header of the column the cursor is in, the patient's
    identifiers for a printout, and where to say what went wrong."""

    page: QWidget
    services: ServicesHolder
    runner: OpRunner
    session: Callable[[], UserSession | None]
    patient_id: Callable[[], PatientId | None]
    current: Callable[[], ItemInfo[Any] | None]
    current_header: Callable[[], str]
    identify: Callable[[], str]
    report: Callable[[str], None]


def _stamp() -> str:
    """ "Saved 14:02": the message label adds its own tick."""
    return saved_stamp().removeprefix("✓ ")


class ItemListPage(QWidget):
    def __init__(
        self,
        *,
        kind: KindView[Any, Any],
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        describe: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self._services, self._runner, self._session = services, runner, session
        self.patient_id: PatientId | None = None
        self.loaded: ItemList[Any] | None = None
        self.statements: ItemList[Any] | None = None
        self.on_reveal: Callable[[], None] | None = None
        # The patient's identifiers on a printout made from this list (the chart gives its
        # name, birth date and MRN; the name alone otherwise).
        self.identify: Callable[[], str] = describe
        self.dialog: EnteredInErrorDialog | None = None
        self._select_id: int | None = None
        self._load: Op[Loaded] | None = None
        self._stale = False
        services.changed.connect(self._changed)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)

        self.panel = QWidget()
        v = QVBoxLayout(self.panel)
        v.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        self.heading = QLabel(kind.title)
        self.heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.show_inactive = QCheckBox(kind.show_all)
        self.show_inactive.toggled.connect(lambda _on: self.reload())
        top.addWidget(self.heading)
        top.addStretch(1)
        top.addWidget(self.show_inactive)
        v.addLayout(top)
        self.statement_text = QLabel()
        self.statement_text.setAccessibleName("Statement")
        self.statement_text.hide()
        v.addWidget(self.statement_text)
        self.withheld = QLabel()
        self.withheld.setAccessibleName("Withheld items")
        self.withheld.setStyleSheet(WITHHELD_STYLE)
        self.withheld.hide()
        v.addWidget(self.withheld)
        self.message = StatusLabel()
        self.message.setAccessibleName(f"{kind.title} message")
        v.addWidget(self.message)
        self.model = ItemsModel(kind, self)
        self.proxy = sorted_proxy(self.model, self)
        self.table = data_table(self.proxy, f"{kind.title} list")
        self.table.doubleClicked.connect(lambda _i: self.edit())
        # In the order entered until the user sorts by a column (a header click).
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        v.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(kind.add_label)
        self.add_button.setToolTip(f"Add a {kind.noun} (Insert)")
        self.edit_button = QPushButton("&Edit…")
        self.edit_button.setToolTip(f"Open the chosen {kind.noun} (Enter)")
        self.history_button = QPushButton("View histor&y")
        self.history_button.setToolTip("Every version: who changed what, and when")
        self.error_button = QPushButton("Entered in e&rror…")
        self.error_button.setToolTip(
            f"Take the chosen {kind.noun} off the list, with a reason (Delete); it stays in "
            "its history"
        )
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.history_button.clicked.connect(self.show_history)
        self.error_button.clicked.connect(self.mark_in_error)
        for b in (self.add_button, self.edit_button, self.history_button, self.error_button):
            buttons.addWidget(b)
        self.action_buttons: list[QPushButton] = []
        self.context = context = PageContext(
            page=self,
            services=services,
            runner=runner,
            session=session,
            patient_id=lambda: self.patient_id,
            current=self.current_item,
            current_header=self._current_header,
            identify=lambda: self.identify(),
            report=lambda text: self.message.error(text),
        )
        for action in kind.actions:
            button = QPushButton(action.label)
            button.setToolTip(action.tooltip)
            action.attach(context, button)
            buttons.addWidget(button)
            self.action_buttons.append(button)
        self.statement_button: QPushButton | None = None
        if kind.statement is not None:
            self.statement_button = QPushButton(kind.statement.button)
            self.statement_button.clicked.connect(self.record_statement)
            self.statement_button.hide()
            buttons.addWidget(self.statement_button)
        buttons.addStretch(1)
        v.addLayout(buttons)
        self.stack.addWidget(self.panel)

        self.form = ItemForm(
            kind=kind, services=services, runner=runner, session=session, describe=describe
        )
        self.form.saved.connect(self._saved)
        self.form.closed.connect(self.show_list)
        self.form.conflict.connect(self._conflict)
        self.form.on_reveal = self._reveal_form
        self.history = HistoryView(kind)
        self.history.back.connect(self.show_list)
        self.conflict = ConflictView(kind)
        self.conflict.keep_mine.connect(self._keep_mine)
        self.conflict.keep_theirs.connect(self.form.keep_theirs)
        self.conflict.combine.connect(self._combine)
        for page in (self.form, self.history, self.conflict):
            self.stack.addWidget(page)

        shortcut(
            Qt.Key.Key_Insert, self.panel, self.add, Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut(key, self.table, self.edit)
        shortcut(Qt.Key.Key_Delete, self.table, self.mark_in_error)

    # ------------------------------------------------------------------ the patient

    def set_patient(self, patient_id: PatientId | None) -> None:
        if patient_id != self.patient_id:
            self.form.discard_changes()  # the leave question was asked before (main window)
            self.message.clear_message()
            self.model.set_rows([])
            self.show_inactive.setChecked(False)
        self.patient_id = patient_id
        self.show_list()
        self._apply_role()
        self.reload()

    def clear(self) -> None:
        if self._load is not None:
            self._load.cancel()
        self.form.discard_changes()
        self.patient_id = None
        self.loaded = None
        self.model.set_rows([])
        self.withheld.hide()
        self.statement_text.hide()
        self.message.clear_message()

    def _may(self, action: Action) -> bool:
        return permissions.session_allows(self._session(), action)

    def _apply_role(self) -> None:
        for button, action, doing in (
            (self.add_button, Action.CREATE, "add to"),
            (self.error_button, Action.DELETE, "mark entries in error on"),
        ):
            allowed = self._may(action)
            button.setEnabled(allowed)
            if not allowed:
                button.setToolTip(f"Your role cannot {doing} this list.")

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Read the list now if it is on screen, else when it is next shown: a chart opens
        on its summary, and a list nobody looks at is not read (nor audited as viewed)."""
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        session, pid = self._session(), self.patient_id
        if session is None or pid is None:
            return
        service = self.kind.service(self._services.inst)
        statement = self.kind.statement
        inactive = self.show_inactive.isChecked()

        def work() -> Loaded:
            items = service.list(session, pid, include_inactive=inactive)
            stated = (
                statement.service(self._services.inst).list(session, pid)
                if statement is not None
                else None
            )
            return items, stated

        self._load = (
            Op(self, work, runner=self._runner, key="load")
            .success(self._loaded)
            .failure(self._load_failed)
            .run()
        )

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._stale:
            self.reload()

    def _loaded(self, result: Loaded) -> None:
        items, stated = result
        self.loaded, self.statements = items, stated
        keep = self._select_id if self._select_id is not None else self._current_id()
        self._select_id = None
        arrange = self.kind.arrange
        shown = items.items
        if arrange is not None:
            shown = arrange(shown, self.show_inactive.isChecked(), dt.date.today())
        self.model.set_rows(shown)
        notes = items.withheld_notes
        self.withheld.setText("⊘ " + "; ".join(notes) if notes else "")
        self.withheld.setToolTip(
            "Your role does not see items with these sensitivity labels." if notes else ""
        )
        self.withheld.setVisible(bool(notes))
        self._show_statement(items, stated)
        self.table.resizeColumnsToContents()
        # The first column names the item: give it room even while the list is short.
        self.table.setColumnWidth(0, max(self.table.columnWidth(0), 320))
        if keep is not None and (row := self.model.find(keep)) >= 0:
            self._select(row)
        elif self.model.rowCount():
            self._select_proxy_row(0)
        has_rows = self.model.rowCount() > 0
        for b in (self.edit_button, self.history_button, *self.action_buttons):
            b.setEnabled(has_rows)
        self.error_button.setEnabled(has_rows and self._may(Action.DELETE))
        if not has_rows and not notes and self.message.severity is None:
            self.message.info(f"No {self.kind.title.lower()} on the list. Insert adds one.")
        elif has_rows and self.message.severity is Severity.INFO:
            self.message.clear_message()

    def _show_statement(self, items: ItemList[Any], stated: ItemList[Any] | None) -> None:
        statement = self.kind.statement
        if statement is None or self.statement_button is None:
            return
        active = [i for i in items.items if i.status.value == "active"]
        said = stated.items[-1] if stated is not None and stated.items else None
        self.statement_text.setText(f"✓ {statement.says(said)}" if said is not None else "")
        self.statement_text.setVisible(said is not None and not active)
        self.statement_button.setVisible(not active and said is None and self._may(Action.CREATE))

    def _load_failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.message.error(err.message)

    def _changed(self, patient_id: int, kinds: frozenset[ChangeKind]) -> None:
        if patient_id == self.patient_id and (
            self.kind.change in kinds or ChangeKind.MERGE in kinds
        ):
            self.reload()

    # ------------------------------------------------------------------ the selection

    def _current_id(self) -> int | None:
        item = self.current_item()
        return item.id if item is not None else None

    def _current_header(self) -> str:
        column = self.table.currentIndex().column()
        header = self.proxy.headerData(column, Qt.Orientation.Horizontal) if column >= 0 else ""
        return str(header or "")

    def current_item(self) -> ItemInfo[Any] | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        row = self.proxy.data(index, ROW_ROLE)
        return row if isinstance(row, ItemInfo) else None

    def _select(self, source_row: int) -> None:
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        self._select_proxy_row(index.row())

    def _select_proxy_row(self, row: int) -> None:
        index = self.proxy.index(row, 0, QModelIndex())
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    # ------------------------------------------------------------------ views in place

    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.panel)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_list(self) -> None:
        self.show_list()

    def _reveal_form(self) -> None:
        if self.on_reveal is not None:
            self.on_reveal()
        self.stack.setCurrentWidget(self.conflict if self.form.pending else self.form)

    def add(self) -> None:
        if self.patient_id is None or not self.add_button.isEnabled():
            return
        self.message.clear_message()
        self.form.start(self.patient_id, None)
        self.stack.setCurrentWidget(self.form)
        self.form.focus_first()

    def edit(self) -> None:
        item = self.current_item()
        if item is None or self.patient_id is None:
            return
        self.message.clear_message()
        self.form.start(self.patient_id, item)
        self.stack.setCurrentWidget(self.form)
        self.form.focus_first()

    def _saved(self, info: ItemInfo[Any]) -> None:
        self._select_id = info.id
        self.message.ok(f"{_stamp()}: {self.kind.name(info)}")
        self.show_list()

    def show_history(self) -> None:
        item, session = self.current_item(), self._session()
        if item is None or session is None:
            return
        service = self.kind.service(self._services.inst)
        name = self.kind.name(item)

        def shown(versions: list[ItemVersion[Any]]) -> None:
            self.history.show_history(name, versions)
            self.stack.setCurrentWidget(self.history)
            self.history.list.setFocus()

        Op(self, lambda: service.history(session, item.id), runner=self._runner).success(
            shown
        ).failure(self._load_failed).run()

    # ------------------------------------------------------------------ concurrent edits

    def _conflict(self, err: VersionConflictError) -> None:
        # Saved elsewhere (another workstation tells us nothing): the list shows it too.
        self.reload()
        self.conflict.show_conflict(self.form.values(), err)
        self.stack.setCurrentWidget(self.conflict)
        self.conflict.mine_button.setFocus()

    def _keep_mine(self) -> None:
        self.stack.setCurrentWidget(self.form)
        self.form.keep_mine()

    def _combine(self, mine: set[str]) -> None:
        self.form.combine(mine)
        self.stack.setCurrentWidget(self.form)
        self.form.focus_first()

    # ------------------------------------------------------------------ entered in error

    def mark_in_error(self) -> None:
        item, session = self.current_item(), self._session()
        if item is None or session is None or not self.error_button.isEnabled():
            return
        service = self.kind.service(self._services.inst)
        name = self.kind.name(item)

        def submit(reason: str) -> None:
            Op(
                self,
                lambda: service.mark_entered_in_error(
                    session, item.id, reason=reason, expected_version=item.version
                ),
                runner=self._runner,
            ).success(marked).failure(refused).run()

        def marked(info: ItemInfo[Any]) -> None:
            dialog.accept()
            self.message.ok(f"Marked entered in error: {name}. It stays readable in its history.")
            self._services.notify_changed(info.patient_id, {self.kind.change})
            self.table.setFocus()

        def refused(err: BaseException) -> None:
            if isinstance(err, VersionConflictError):
                dialog.dismiss()
                self.message.error(err.message)
                self.reload()
                return
            dialog.refused(err)

        dialog = EnteredInErrorDialog(name, submit, self)
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()

    def _dialog_closed(self, dialog: EnteredInErrorDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    # ------------------------------------------------------------------ the "none" statement

    def record_statement(self) -> None:
        statement, session, pid = self.kind.statement, self._session(), self.patient_id
        if statement is None or session is None or pid is None:
            return
        service = statement.service(self._services.inst)
        data = statement.make()

        def recorded(info: ItemInfo[Any]) -> None:
            self.message.ok(f"{_stamp()}: {statement.says(info)}")
            self._services.notify_changed(pid, {self.kind.change})

        Op(self, lambda: service.add(session, pid, data), runner=self._runner).success(
            recorded
        ).failure(self._load_failed).run()
