"""The chart's Encounters tab: the patient's encounters newest first (filtered as one types),
the amendment requests under them, and one encounter's note, history or conflict view
stacked in place of the list (no walls of dialogs).

Keys: Insert adds, Enter opens, Delete marks entered in error; in an open note, Ctrl+S saves
and Esc goes back. Signing, addenda and amendment decisions are short dialogs that stay open
until the service has answered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.amendments import AmendmentData
from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemList, ItemVersion
from medrec_desktop.domain.drafts import Draft
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.encounter_views import EncounterDetail, EncounterList, EncounterRow
from medrec_desktop.domain.encounters import EncounterData
from medrec_desktop.domain.enums import Action, ChangeKind
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.security import permissions
from medrec_desktop.services.versioning import VersionConflictError
from medrec_desktop.ui.chart.conflict_view import ConflictView
from medrec_desktop.ui.chart.history_view import HistoryView
from medrec_desktop.ui.chart.kinds_medications import problem_options
from medrec_desktop.ui.chart.reason_dialog import EnteredInErrorDialog
from medrec_desktop.ui.encounters.amendments_section import AmendmentsSection
from medrec_desktop.ui.encounters.form import EncounterForm
from medrec_desktop.ui.encounters.kinds import Names, amendment_kind, encounter_kind, is_signed
from medrec_desktop.ui.encounters.models import EncountersModel
from medrec_desktop.ui.encounters.note_actions import NoteActions
from medrec_desktop.ui.encounters.texts import note_name, when
from medrec_desktop.ui.itemmodels.base import ROW_ROLE
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import Severity, StatusLabel
from medrec_desktop.ui.widgets.tables import data_table, sorted_proxy
from medrec_desktop.ui.widgets.unsaved import saved_stamp

Loaded = tuple[EncounterList, ItemList[AmendmentData]]
# What changes what this tab shows: the encounters, their requests, and what a note links.
WATCHED = frozenset(
    {
        ChangeKind.ENCOUNTERS,
        ChangeKind.AMENDMENTS,
        ChangeKind.VITALS,
        ChangeKind.RESULTS,
        ChangeKind.PROCEDURES,
        ChangeKind.PROBLEMS,
        ChangeKind.MERGE,
    }
)
WITHHELD_STYLE = (
    "background: palette(alternate-base); border: 1px solid palette(mid); "
    "border-radius: 4px; padding: 4px 8px;"
)


class FilterBox(QLineEdit):
    """Typing filters the list; Down goes into it, Enter opens the first match."""

    down = Signal()
    chosen = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Down:
            self.down.emit()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.chosen.emit()
            return
        super().keyPressEvent(event)


class EncountersPage(QWidget):
    #: (chart list key, encounter id): add an entry of that list linked to the encounter
    link_requested = Signal(str, int)

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        describe: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner, self._session = services, runner, session
        self.patient_id: PatientId | None = None
        self.loaded: EncounterList | None = None
        self.names = Names()
        self.notes: dict[int, str] = {}
        self.kind = encounter_kind(self.names)
        self.amendment_kind = amendment_kind(self.names, self.notes)
        self.on_reveal: Callable[[], None] | None = None
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
        heading = QLabel("Encounters")
        heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        filter_label = QLabel("Fi&lter:")
        self.filter = FilterBox()
        self.filter.setAccessibleName("Filter encounters")
        self.filter.setPlaceholderText("date, type, provider, reason…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setMaximumWidth(320)
        filter_label.setBuddy(self.filter)
        self.show_all = QCheckBox("&Include entered in error")
        self.show_all.toggled.connect(lambda _on: self.reload())
        top.addWidget(heading)
        top.addSpacing(24)
        top.addWidget(filter_label)
        top.addWidget(self.filter, 1)
        top.addStretch(0)
        top.addWidget(self.show_all)
        v.addLayout(top)
        self.withheld = QLabel()
        self.withheld.setAccessibleName("Withheld encounters")
        self.withheld.setStyleSheet(WITHHELD_STYLE)
        self.withheld.hide()
        v.addWidget(self.withheld)
        self.message = StatusLabel()
        self.message.setAccessibleName("Encounters message")
        v.addWidget(self.message)
        self.model = EncountersModel(self)
        self.proxy: QSortFilterProxyModel = sorted_proxy(self.model, self)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = data_table(self.proxy, "Encounters list")
        self.table.doubleClicked.connect(lambda _i: self.open_current())
        # Newest first as the service gives them, until the user sorts by a column.
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        self.filter.textChanged.connect(self._filtered)
        self.filter.down.connect(lambda: self.table.setFocus())
        self.filter.chosen.connect(self._open_first)
        v.addWidget(self.table, 3)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("&Add encounter…")
        self.add_button.setToolTip("A new encounter for this patient (Insert)")
        self.open_button = QPushButton("Ope&n…")
        self.open_button.setToolTip("Open the chosen encounter's note (Enter)")
        self.history_button = QPushButton("View histor&y")
        self.history_button.setToolTip("Every version of the chosen encounter")
        self.error_button = QPushButton("Entered in e&rror…")
        self.error_button.setToolTip(
            "Take the chosen (unsigned) encounter off the list, with a reason (Delete)"
        )
        self.add_button.clicked.connect(self.add)
        self.open_button.clicked.connect(self.open_current)
        self.history_button.clicked.connect(self.show_history)
        self.error_button.clicked.connect(self.mark_in_error)
        for b in (self.add_button, self.open_button, self.history_button, self.error_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        v.addLayout(buttons)
        self.amendments = AmendmentsSection(
            names=self.names,
            notes=self.notes,
            services=services,
            runner=runner,
            session=session,
        )
        self.amendments.history_ready.connect(self._show_request_history)
        v.addWidget(self.amendments, 0)
        self.stack.addWidget(self.panel)

        self.form = EncounterForm(
            kind=self.kind,
            services=services,
            runner=runner,
            session=session,
            describe=describe,
            problem_options=lambda s, pid: list(problem_options(services.inst, s, pid)),
            names=self.names,
        )
        self.form.saved.connect(self._saved)
        self.form.closed.connect(self.show_list)
        self.form.conflict.connect(self._conflict)
        self.form.on_reveal = self._reveal_form
        self.note_actions = NoteActions(
            form=self.form, services=services, runner=runner, session=session, parent=self
        )
        self.form.amendment_requested.connect(self._record_amendment)
        self.form.link_requested.connect(self._link)
        self.history = HistoryView(self.kind)
        self.history.back.connect(self.show_list)
        self.request_history = HistoryView(self.amendment_kind)
        self.request_history.back.connect(self.show_list)
        self.conflict = ConflictView(self.kind)
        self.conflict.keep_mine.connect(self._keep_mine)
        self.conflict.keep_theirs.connect(self.form.keep_theirs)
        self.conflict.combine.connect(self._combine)
        for page in (self.form, self.history, self.request_history, self.conflict):
            self.stack.addWidget(page)

        shortcut(
            Qt.Key.Key_Insert, self.panel, self.add, Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut(key, self.table, self.open_current)
        shortcut(Qt.Key.Key_Delete, self.table, self.mark_in_error)

    @property
    def dialog(self) -> Any:
        """The dialog open over this page (sign, addendum, entered in error), if any."""
        return self.note_actions.dialog

    # ------------------------------------------------------------------ the patient

    def set_patient(self, patient_id: PatientId | None) -> None:
        if patient_id != self.patient_id:
            self.form.discard_changes()  # the leave question was asked before (main window)
            self.message.clear_message()
            self.amendments.message.clear_message()
            self.model.set_rows([])
            self.amendments.show_requests(())
            self.filter.clear()
            self.show_all.setChecked(False)
            self.names.problems.clear()
        self.patient_id = patient_id
        self.amendments.patient_id = patient_id
        self.show_list()
        self._apply_role()
        self.reload()

    def clear(self) -> None:
        if self._load is not None:
            self._load.cancel()
        self.form.discard_changes()
        self.patient_id = None
        self.amendments.patient_id = None
        self.loaded = None
        self.model.set_rows([])
        self.amendments.show_requests(())
        self.withheld.hide()
        self.message.clear_message()

    def _may(self, action: Action) -> bool:
        return permissions.session_allows(self._session(), action)

    def _apply_role(self) -> None:
        for button, action, doing in (
            (self.add_button, Action.CREATE, "add encounters"),
            (self.error_button, Action.DELETE, "mark encounters entered in error"),
        ):
            allowed = self._may(action)
            button.setEnabled(allowed)
            button.setToolTip(button.toolTip() if allowed else f"Your role cannot {doing}.")

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Read the list now if it is on screen, else when it is next shown (a list nobody
        looks at is not read, nor audited as viewed)."""
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        session, pid = self._session(), self.patient_id
        if session is None or pid is None:
            return
        inst = self._services.inst
        everything = self.show_all.isChecked()

        def work() -> Loaded:
            listed = inst.encounters.list_for_patient(
                session, pid, include_entered_in_error=everything
            )
            return listed, inst.amendments.list(session, pid, include_inactive=True)

        self._load = (
            Op(self, work, runner=self._runner, key="load")
            .success(self._loaded)
            .failure(self._failed)
            .run()
        )

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._stale:
            self.reload()

    def _loaded(self, result: Loaded) -> None:
        listed, requests = result
        self.loaded = listed
        keep = self._select_id if self._select_id is not None else self._current_id()
        self._select_id = None
        self.notes.clear()
        self.notes.update({r.id: note_name(r.starts_at, r.encounter_type) for r in listed.rows})
        self.model.set_rows(listed.rows)
        notes = listed.withheld_notes
        self.withheld.setText("⊘ " + "; ".join(notes) if notes else "")
        self.withheld.setToolTip(
            "Your role does not see encounters with these sensitivity labels." if notes else ""
        )
        self.withheld.setVisible(bool(notes))
        self.amendments.show_requests(requests.items)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(self.model.COL_REASON, max(self.table.columnWidth(3), 320))
        if keep is not None and (row := self.model.find(keep)) >= 0:
            self._select(row)
        elif self.proxy.rowCount():
            self._select_proxy_row(0)
        has_rows = self.model.rowCount() > 0
        for b in (self.open_button, self.history_button):
            b.setEnabled(has_rows)
        self.error_button.setEnabled(has_rows and self._may(Action.DELETE))
        if not has_rows and not notes and self.message.severity is None:
            self.message.info("No encounters recorded. Insert adds one.")
        elif has_rows and self.message.severity is Severity.INFO:
            self.message.clear_message()

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.message.error(err.message)

    def _changed(self, patient_id: int, kinds: frozenset[ChangeKind]) -> None:
        if patient_id != self.patient_id or not (kinds & WATCHED):
            return
        self.reload()
        shown = self.form.detail
        if (
            shown is not None
            and self.stack.currentWidget() is self.form
            and not self.form.has_unsaved_changes()
        ):
            self._read_detail(shown.item.id, self.form.show_detail)

    # ------------------------------------------------------------------ the selection

    def _filtered(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        if self.proxy.rowCount():
            self._select_proxy_row(0)

    def _current_id(self) -> int | None:
        row = self.current_row()
        return int(row.id) if row is not None else None

    def current_row(self) -> EncounterRow | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        row = self.proxy.data(index, ROW_ROLE)
        return row if isinstance(row, EncounterRow) else None

    def _select(self, source_row: int) -> None:
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        if index.isValid():
            self._select_proxy_row(index.row())

    def _select_proxy_row(self, row: int) -> None:
        index = self.proxy.index(row, 0, QModelIndex())
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def _open_first(self) -> None:
        if self.proxy.rowCount():
            self._select_proxy_row(0)
            self.open_current()

    # ------------------------------------------------------------------ views in place

    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.panel)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_list(self) -> None:
        if self.stack.currentWidget() is self.panel:
            self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _reveal_form(self) -> None:
        if self.on_reveal is not None:
            self.on_reveal()
        self.stack.setCurrentWidget(self.conflict if self.form.pending else self.form)

    def add(self) -> None:
        if self.patient_id is None or not self.add_button.isEnabled():
            return
        self.message.clear_message()
        self.form.start_new(self.patient_id)
        self.stack.setCurrentWidget(self.form)
        self.form.focus_first()

    def open_current(self) -> None:
        row = self.current_row()
        if row is not None:
            self.open_encounter(int(row.id))

    def open_encounter(self, encounter_id: int) -> None:
        """Read one encounter (one audited call) and show its note."""

        def shown(detail: EncounterDetail) -> None:
            self.form.show_detail(detail)
            self._select_id = int(detail.item.id)
            self.stack.setCurrentWidget(self.form)
            self.form.focus_first()

        self.message.clear_message()
        self._read_detail(encounter_id, shown)

    def _read_detail(self, encounter_id: int, then: Callable[[EncounterDetail], None]) -> None:
        session = self._session()
        if session is None:
            return
        encounters = self._services.inst.encounters
        Op(
            self,
            lambda: encounters.detail(session, ItemId(encounter_id)),
            runner=self._runner,
            key="detail",
        ).success(then).failure(self._failed).run()

    def _saved(self, info: ItemInfo[EncounterData]) -> None:
        self._select_id = int(info.id)
        self.message.ok(
            f"{saved_stamp().removeprefix('✓ ')}: "
            f"{note_name(info.data.starts_at, info.data.encounter_type)}"
        )
        if self.form.detail is None or self.form.detail.item.id != info.id:
            # A new encounter: its view (linked entries, Sign) once it is stored.
            self._read_detail(int(info.id), self.form.show_detail)

    def show_history(self) -> None:
        row, session = self.current_row(), self._session()
        if row is None or session is None:
            return
        encounters = self._services.inst.encounters
        name = note_name(row.starts_at, row.encounter_type)

        def shown(versions: list[ItemVersion[EncounterData]]) -> None:
            self.history.show_history(name, versions)
            self.stack.setCurrentWidget(self.history)
            self.history.list.setFocus()

        Op(self, lambda: encounters.history(session, row.id), runner=self._runner).success(
            shown
        ).failure(self._failed).run()

    def _show_request_history(self, name: str, versions: list[ItemVersion[Any]]) -> None:
        self.request_history.show_history(name, versions)
        self.stack.setCurrentWidget(self.request_history)
        self.request_history.list.setFocus()

    # ------------------------------------------------------------------ concurrent edits

    def _conflict(self, err: VersionConflictError) -> None:
        self.reload()
        self.conflict.show_conflict(self.form.values(), err)
        if is_signed(err.stored):
            # Nothing typed can be saved into a signed note: say so before the user tries.
            self.conflict.explain.setText(
                f"{err.stored.changed_by} signed this note while you were editing it: it is "
                "locked and changes only by addendum. Your version is on the left; copy what "
                "you still need, keep theirs, then add an addendum to the signed note."
            )
        self.stack.setCurrentWidget(self.conflict)
        self.conflict.mine_button.setFocus()

    def _keep_mine(self) -> None:
        self.stack.setCurrentWidget(self.form)
        self.form.keep_mine()

    def _combine(self, mine: set[str]) -> None:
        self.form.combine(mine)
        self.stack.setCurrentWidget(self.form)

    # ------------------------------------------------------------------ entered in error

    def mark_in_error(self) -> None:
        row, session = self.current_row(), self._session()
        if row is None or session is None or not self.error_button.isEnabled():
            return
        encounters = self._services.inst.encounters
        name = note_name(row.starts_at, row.encounter_type)

        def submit(reason: str) -> None:
            Op(
                self,
                lambda: encounters.mark_entered_in_error(
                    session, row.id, reason=reason, expected_version=row.version
                ),
                runner=self._runner,
            ).success(marked).failure(refused).run()

        def marked(info: ItemInfo[EncounterData]) -> None:
            dialog.accept()
            self.message.ok(f"Marked entered in error: {name}. It stays readable in its history.")
            self._services.notify_changed(info.patient_id, {ChangeKind.ENCOUNTERS})
            self.table.setFocus()

        def refused(err: BaseException) -> None:
            if isinstance(err, VersionConflictError):
                dialog.dismiss()
                self.message.error(err.message)
                self.reload()
                return
            dialog.refused(err)

        dialog = EnteredInErrorDialog(name, submit, self)
        self.note_actions.open_dialog(dialog)

    # ------------------------------------------------------------------ drafts

    def restore_draft(self, draft: Draft, detail: EncounterDetail | None) -> None:
        """The note's form with what was typed back on top (unsaved, for review); if the
        note was saved again since, both versions side by side (the conflict view)."""
        info = draft.info
        if info.patient_id is None or info.patient_id != self.patient_id:
            return
        if self.on_reveal is not None:
            self.on_reveal()
        form = self.form
        if detail is not None:
            form.show_detail(detail)
        else:
            form.start_new(info.patient_id)
        form.restore_fields(draft.fields)
        form.drafts.adopt(info.key)
        self.stack.setCurrentWidget(form)
        if detail is not None and info.base_version is not None and info.changed_meanwhile:
            form.base_version = info.base_version
            form.pending = VersionConflictError(detail.item, info.base_version)
            form.conflict.emit(form.pending)
            return
        form.message.info(f"Restored what you typed at {when(info.saved_at)}: review, then Save.")
        form.focus_first()

    def _record_amendment(self) -> None:
        item = self.form.item
        self.amendments.record(chosen=int(item.id) if item is not None else None)

    def _link(self, key: str) -> None:
        item = self.form.item
        if item is not None:
            self.link_requested.emit(key, int(item.id))
