"""Administration › Server (a clinic server's workstations only; issue 15): the connection as it
is (address, TLS, the account and that it is the least-privilege one, the schema), the
workstations that work on the server, adding one with an enrollment code and removing one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from medrec_desktop.domain.errors import ConflictError, ValidationError
from medrec_desktop.domain.workstations import IssuedCode, ServerStatus, WorkstationInfo
from medrec_desktop.ui.admin.base import AdminPage, SessionGetter
from medrec_desktop.ui.admin.workstation_dialogs import AddWorkstationDialog
from medrec_desktop.ui.itemmodels.workstations import COL_JOINED, COL_NAME, WorkstationTableModel
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.widgets.reason_dialog import RequiredReasonDialog
from medrec_desktop.ui.widgets.status import Severity, severity_color
from medrec_desktop.ui.widgets.tables import data_table, sorted_proxy

STOLEN = (
    "If a computer is lost or stolen: remove it here, then ask IT to change the application "
    "account's password on the server (ALTER ROLE {account} PASSWORD '…', as the server's "
    "administrator) and give the other workstations the new one (medrec server connect), or "
    "join them again with new codes. Removal is enforced by medrec on that computer: its data "
    "folder still holds the clinic's keys and the old password."
)


class ServerPage(AdminPage):
    title = "Server"
    intro = (
        "This workstation keeps the records on the clinic's PostgreSQL server, with the other "
        "workstations below. Add a computer with a one-time code; remove one that is retired, "
        "lost or stolen."
    )

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: SessionGetter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(services=services, runner=runner, session=session, parent=parent)
        self.dialog: QDialog | None = None
        self.server_status: ServerStatus | None = None
        self.layout_.addWidget(self._build_connection())

        self.add_button = QPushButton("&Add a workstation…")
        self.add_button.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.add_button.setToolTip("Show an enrollment code for a new computer (Ctrl+Shift+N)")
        self.add_button.clicked.connect(self.add_workstation)
        self.remove_button = QPushButton("&Remove workstation…")
        self.remove_button.clicked.connect(self.remove_workstation)
        self.refresh_button = QPushButton("R&efresh")
        self.refresh_button.setShortcut(QKeySequence("F5"))
        self.refresh_button.setToolTip("Reload (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        bar = QHBoxLayout()
        bar.addWidget(self.add_button)
        bar.addWidget(self.remove_button)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        self.layout_.addLayout(bar)

        self.model = WorkstationTableModel(self)
        self.proxy = sorted_proxy(self.model, self)
        self.table = data_table(self.proxy, "Workstations")
        self.table.sortByColumn(COL_JOINED, Qt.SortOrder.AscendingOrder)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_actions())
        self.layout_.addWidget(self.table, 1)
        self.stolen = QLabel()
        self.stolen.setWordWrap(True)
        self.stolen.setTextFormat(Qt.TextFormat.PlainText)
        self.stolen.setAccessibleName("If a workstation is lost or stolen")
        self.layout_.addWidget(self.stolen)
        self.layout_.addWidget(self.status)
        self.setTabOrder(self.add_button, self.remove_button)
        self.setTabOrder(self.remove_button, self.refresh_button)
        self.setTabOrder(self.refresh_button, self.table)
        self._show_stolen("the application account")
        self._update_actions()

    def _build_connection(self) -> QGroupBox:
        box = QGroupBox("Connection")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.fields: dict[str, QLabel] = {}
        for key, label in (
            ("address", "Server"),
            ("tls", "Connection"),
            ("account", "Account"),
            ("schema", "Schema"),
            ("codes", "Codes waiting"),
        ):
            value = QLabel("…")
            value.setWordWrap(True)
            # The whole width of the box: a wrapped label otherwise keeps its first, narrow size.
            value.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(label)
            form.addRow(label, value)
            self.fields[key] = value
        return box

    def _show_stolen(self, account: str) -> None:
        self.stolen.setText("ℹ  " + STOLEN.format(account=account))

    # ------------------------------------------------------------------ loading

    def refresh(self) -> None:
        self.run(self.inst.workstations.server_status, self._show_status)
        self.run(self.inst.workstations.list_workstations, self._show_rows)

    def _show_status(self, status: ServerStatus) -> None:
        self.server_status = status
        self.fields["address"].setText(status.address)
        self.fields["tls"].setText(status.tls)
        if status.least_privilege:
            account = (
                f"{status.account}: least privilege ✓ (reads and writes records, only appends "
                "to the audit trail, changes no table)"
            )
        else:
            account = f"⚠ {status.account} could change the tables or the audit trail"
        self._mark(self.fields["account"], status.least_privilege)
        self.fields["account"].setText(account)
        current = "as this version needs ✓" if status.schema_current else "⚠ not this version's"
        self.fields["schema"].setText(f"{status.schema or '?'}, {current}")
        self._mark(self.fields["schema"], status.schema_current)
        waiting = status.pending_codes
        self.fields["codes"].setText(
            "none"
            if not waiting
            else f"{waiting} not used yet (each runs out 15 minutes after it was shown)"
        )
        self._show_stolen(status.account)

    def _mark(self, label: QLabel, good: bool) -> None:
        color = severity_color(Severity.OK if good else Severity.WARNING, label.palette())
        label.setStyleSheet(f"color: {color};" if color else "")

    def _show_rows(self, rows: list[WorkstationInfo]) -> None:
        keep = self.selected()
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(COL_NAME, max(self.table.columnWidth(COL_NAME), 220))
        self.select(keep.id if keep is not None else None)

    def selected(self) -> WorkstationInfo | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_at(self.proxy.mapToSource(index).row())

    def select(self, workstation_id: int | None) -> None:
        row = self.model.find(workstation_id) if workstation_id is not None else -1
        if row >= 0:
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)
        self._update_actions()

    def _update_actions(self) -> None:
        chosen = self.selected()
        self.remove_button.setEnabled(chosen is not None and not chosen.revoked)
        if chosen is None:
            self.remove_button.setToolTip("Select a workstation in the list.")
        elif chosen.revoked:
            self.remove_button.setToolTip(f"{chosen.name} is removed already.")
        else:
            self.remove_button.setToolTip(f"Remove {chosen.name}: its data folder stops opening.")

    # ------------------------------------------------------------------ adding

    def add_workstation(self) -> None:
        if self.session() is None:
            return
        status = self.server_status
        where = f"postgresql://{status.address}" if status else "the clinic's address"
        dialog = AddWorkstationDialog(where, self)
        dialog.show_button.clicked.connect(lambda: self._issue(dialog))
        dialog.name.returnPressed.connect(lambda: self._issue(dialog))
        self._open(dialog)

    def _issue(self, dialog: AddWorkstationDialog) -> None:
        if not dialog.show_button.isEnabled() or dialog.issued is not None:
            return
        try:
            dialog.check()
        except ValidationError as err:
            dialog.refused(err)
            return
        name = dialog.wanted_name()
        dialog.set_busy(True)

        def issued(code: IssuedCode) -> None:
            dialog.show_code(code)
            self.status.ok(
                f"Code shown for {code.workstation_name}. It is on the list once the computer "
                "has joined."
            )
            self.refresh()

        self.run(
            lambda s: self.inst.workstations.issue_code(s, name),
            issued,
            dialog.refused,
        )

    # ------------------------------------------------------------------ removing

    def remove_workstation(self) -> None:
        chosen = self.selected()
        if chosen is None or chosen.revoked or self.session() is None:
            return
        intro = (
            f"Remove {chosen.name} from the clinic's server. Its data folder will not open "
            "again; the people who used it keep their accounts. The reason is recorded in the "
            "audit trail."
        )
        if chosen.this_one:
            intro = (
                "⚠ This is the computer you are using now. Once it is removed, medrec will not "
                "open here again after you close it (or sign out).\n\n" + intro
            )
        dialog = RequiredReasonDialog(
            title=f"Remove workstation {chosen.name}",
            intro=intro,
            label="Rea&son (recorded):",
            button="&Remove",
            missing="Say why the workstation is removed: it is recorded.",
            placeholder="for example: stolen from the car park on 12/1; replaced by a new PC",
            submit=lambda reason: self._revoke(dialog, chosen, reason),
            parent=self,
        )
        self._open(dialog)

    def _revoke(self, dialog: RequiredReasonDialog, chosen: WorkstationInfo, reason: str) -> None:
        def done(info: WorkstationInfo) -> None:
            dialog.done_ok()
            row = self.model.find(info.id)
            if row >= 0:
                self.model.replace_row(row, info)
            self._update_actions()
            self.status.ok(
                f"{info.name} is removed: its data folder no longer opens. If it was lost or "
                "stolen, change the application account's password as said below."
            )

        def failed(err: BaseException) -> None:
            if isinstance(err, ConflictError):
                dialog.dismiss()
                self.status.warning(err.message)
                self.refresh()
            else:
                dialog.refused(err)

        self.run(
            lambda s: self.inst.workstations.revoke(
                s, chosen.id, reason, expected_version=chosen.version
            ),
            done,
            failed,
        )

    def _open(self, dialog: QDialog) -> None:
        """Window-modal and non-blocking, so the event loop (and the worker) keep running."""
        self.dialog = dialog
        dialog.finished.connect(lambda _: setattr(self, "dialog", None))
        dialog.open()


__all__ = ["ServerPage"]
