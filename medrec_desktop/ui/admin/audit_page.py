"""The audit log viewer: filter events, verify the tamper-evident chain, export to CSV."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from PySide6.QtCore import QDate, QRegularExpression, Qt
from PySide6.QtGui import QKeySequence, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from medrec_desktop.domain.dto import AuditEventInfo, UserInfo, UserSession
from medrec_desktop.domain.enums import Action
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.export.csv_cells import write_csv as write_csv_rows
from medrec_desktop.security.audit_chain import ChainReport
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.ui.admin.base import AdminPage, SessionGetter
from medrec_desktop.ui.itemmodels import audit as cols
from medrec_desktop.ui.itemmodels.audit import AuditTableModel, words
from medrec_desktop.ui.itemmodels.timefmt import utc_text
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.widgets.file_dialogs import save_file_path
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.tables import data_table, sorted_proxy

#: The viewer shows the newest events; the export always holds every matching event.
VIEW_LIMIT = 5000
ANY_DATE = QDate(2000, 1, 1)
CSV_FIELDS = (
    "seq",
    "ts",
    "username",
    "user_id",
    "workstation",
    "patient_id",
    "patient_mrn",
    "patient_name",
    "category",
    "action",
    "outcome",
    "entry_point",
    "emergency",
    "reason",
    "detail",
)


def date_edit(name: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(ANY_DATE)
    edit.setSpecialValueText("Any date")  # shown while the date is the minimum
    edit.setDate(ANY_DATE)
    edit.setAccessibleName(name)
    return edit


def _date(edit: QDateEdit) -> dt.date | None:
    value = edit.date()
    return None if value == ANY_DATE else dt.date(value.year(), value.month(), value.day())


def write_csv(path: Path, events: list[AuditEventInfo]) -> None:
    """Write owner-only (0600), also when replacing an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    if hasattr(os, "fchmod"):  # O_CREAT's mode does not apply to a file that existed
        os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
        write_csv_rows(fh, CSV_FIELDS, (_csv_row(ev) for ev in events))


def _csv_row(ev: AuditEventInfo) -> list[object]:
    # Times in the exact stored UTC form: an export is evidence, compared with other systems.
    return [utc_text(ev.ts) if f == "ts" else getattr(ev, f) for f in CSV_FIELDS]


class AuditLogPage(AdminPage):
    title = "Audit log"
    intro = (
        "Every view, change, print, export and sign-in is recorded here, including refused "
        "attempts. Times are shown in this computer's local time."
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
        self.model = AuditTableModel(self)
        self.proxy = sorted_proxy(self.model, self)
        self.table = data_table(self.proxy, "Audit events")
        self.table.sortByColumn(cols.COL_TIME, Qt.SortOrder.DescendingOrder)
        self._users_loaded = False
        self.layout_.addLayout(self._build_filters())
        self.layout_.addWidget(self.table, 1)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of events shown")
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        self.verify_button = QPushButton("&Verify chain")
        self.verify_button.setToolTip("Check that no event was changed, removed or reordered")
        # Not connected directly: clicked(bool) would arrive as the password.
        self.verify_button.clicked.connect(lambda: self.verify_chain())
        self.full_button = QPushButton("Full chec&k…")
        self.full_button.setToolTip(
            "Also check the forward-secure MACs from the audit root key (asks for your "
            "password): detects a history rewritten with this computer's keys"
        )
        self.full_button.clicked.connect(self.verify_full)
        self.export_button = QPushButton("E&xport CSV…")
        self.export_button.setToolTip(
            "Save the events matching the filter to a CSV file (the export is itself audited)"
        )
        self.export_button.clicked.connect(self.export_csv)
        bottom.addWidget(self.verify_button)
        bottom.addWidget(self.full_button)
        bottom.addWidget(self.export_button)
        self.layout_.addLayout(bottom)
        self.chain_status = StatusLabel()
        self.chain_status.setAccessibleName("Audit chain verification result")
        self.layout_.addWidget(self.chain_status)
        self.layout_.addWidget(self.status)
        order: list[QWidget] = [
            self.since,
            self.until,
            self.user,
            self.patient,
            self.action,
            self.apply_button,
            self.clear_button,
            self.table,
            self.verify_button,
            self.full_button,
            self.export_button,
        ]
        for first, second in zip(order, order[1:], strict=False):
            self.setTabOrder(first, second)

    def _build_filters(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        self.since = date_edit("From date")
        self.until = date_edit("To date")
        self.user = QComboBox()
        self.user.setEditable(True)
        self.user.setAccessibleName("User filter")
        self.user.addItem("Any user", None)
        user_edit = self.user.lineEdit()
        assert user_edit is not None
        user_edit.setPlaceholderText("Any user")
        self.patient = QLineEdit()
        self.patient.setAccessibleName("Patient MRN filter")
        self.patient.setPlaceholderText("Any patient")
        digits = QRegularExpression(r"\d{1,12}")  # MRNs are digits
        self.patient.setValidator(QRegularExpressionValidator(digits, self))
        self.action = QComboBox()
        self.action.setAccessibleName("Action filter")
        self.action.addItem("Any action", None)
        for action in Action:
            self.action.addItem(words(action.value), action.value)
        self.apply_button = QPushButton("&Show events")
        self.apply_button.setDefault(True)
        self.apply_button.setShortcut(QKeySequence("F5"))
        self.apply_button.setToolTip("Apply the filter (Enter or F5)")
        self.apply_button.clicked.connect(self.refresh)
        self.clear_button = QPushButton("C&lear filter")
        self.clear_button.clicked.connect(self.clear_filter)
        self.patient.returnPressed.connect(self.refresh)
        user_edit.returnPressed.connect(self.refresh)
        fields: list[tuple[str, QWidget]] = [
            ("Fro&m", self.since),
            ("&To", self.until),
            ("&User", self.user),
            ("Patient MR&N", self.patient),
            ("&Action", self.action),
        ]
        for i, (text, widget) in enumerate(fields):
            label = QLabel(text)
            label.setBuddy(widget)
            label.setMinimumWidth(label.sizeHint().width() + 4)  # no clipped last glyph
            grid.addWidget(label, 0, 2 * i, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(widget, 0, 2 * i + 1)
            grid.setColumnStretch(2 * i + 1, 1)
        grid.addWidget(self.apply_button, 0, 10)
        grid.addWidget(self.clear_button, 0, 11)
        self.filter_status = StatusLabel()
        grid.addWidget(self.filter_status, 1, 0, 1, 12)
        return grid

    # ------------------------------------------------------------------ filter and load

    def focus_search(self) -> None:
        """Ctrl+F here: the patient filter, the question asked most of an audit trail."""
        self.patient.setFocus()
        self.patient.selectAll()

    def current_filter(self) -> AuditFilter:
        user = self.user.currentText().strip()
        if user == "Any user":
            user = ""
        patient = self.patient.text().strip()
        return AuditFilter(
            since=_date(self.since),
            until=_date(self.until),
            username=user or None,
            patient_mrn=patient or None,
            action=self.action.currentData(),
        )

    def clear_filter(self) -> None:
        self.since.setDate(ANY_DATE)
        self.until.setDate(ANY_DATE)
        self.user.setCurrentIndex(0)
        self.patient.clear()
        self.action.setCurrentIndex(0)
        self.refresh()

    def refresh(self) -> None:
        self.filter_status.clear_message()
        try:
            flt = self.current_filter()
        except ValidationError as err:
            self.filter_status.error(err.message)
            return
        if not self._users_loaded:
            self.run(self.inst.users.list_users, self._fill_users, lambda _err: None)
        self.run(lambda s: self.inst.audit.events(s, flt, limit=VIEW_LIMIT), self._show_events)

    def _fill_users(self, users: list[UserInfo]) -> None:
        self._users_loaded = True
        typed = self.user.currentText()
        for u in users:
            self.user.addItem(u.username, u.username)
        self.user.setEditText(typed)

    def _show_events(self, events: list[AuditEventInfo]) -> None:
        self.model.set_rows(events)
        self.table.resizeColumnsToContents()
        for col, cap in ((cols.COL_DETAIL, 360), (cols.COL_WORKSTATION, 160)):
            self.table.setColumnWidth(col, min(self.table.columnWidth(col), cap))
        n = len(events)
        if n >= VIEW_LIMIT:
            self.count_label.setText(
                f"Showing the newest {n:,} matching events. Narrow the filter to see older "
                "ones; an export holds them all."
            )
        else:
            self.count_label.setText(f"{n:,} matching event{'s' if n != 1 else ''}.")

    # ------------------------------------------------------------------ verify and export

    def verify_chain(self, password: str | None = None) -> None:
        """Check the chain; with the administrator's ``password`` the forward-secure MACs too."""
        self.chain_status.info("Verifying the audit chain…")
        self.verify_button.setEnabled(False)
        self.full_button.setEnabled(False)

        def shown(report: ChainReport) -> None:
            self.verify_button.setEnabled(True)
            self.full_button.setEnabled(True)
            if report.ok:
                # The mark is what an administrator writes down or prints and keeps away from
                # this computer: a later check against it shows a rollback.
                self.chain_status.ok(
                    f"{report.summary} High-water mark: {report.last_seq}:"
                    f"{report.last_mac} (keep it away from this computer; "
                    "'medrec audit verify --against MARK' later shows a rollback)."
                )
            else:
                where = (
                    f" Event #{report.first_bad_seq} is the first bad one."
                    if (report.first_bad_seq is not None)
                    else ""
                )
                self.chain_status.error(
                    f"{report.summary}{where} Keep this computer as it is and contact your "
                    "administrator or security officer; restore from a verified backup only "
                    "after the incident is recorded."
                )

        def failed(err: BaseException) -> None:
            self.verify_button.setEnabled(True)
            self.full_button.setEnabled(True)
            self.chain_status.show_error(err)

        inst = self.inst
        self.run(lambda s: inst.verify_audit(s, password=password), shown, failed)

    def verify_full(self) -> None:
        password = self._ask_password()
        if password:
            self.verify_chain(password)

    def _ask_password(self) -> str | None:
        """The administrator's password for the full check; tests replace this one method."""
        text, ok = QInputDialog.getText(
            self,
            "Full audit check",
            "Your password opens your copy of the audit root key:",
            QLineEdit.EchoMode.Password,
        )
        return text if ok else None

    def _ask_save_path(self) -> Path | None:
        """Where to save the export; tests replace this one method."""
        name = f"audit-{dt.date.today():%Y%m%d}.csv"
        # Qt's dialog, not the system's: the export holds patient names, and the system's
        # dialog would list it in the desktop's "recent files" (ui/widgets/file_dialogs.py).
        return save_file_path(
            self, "Export audit events", "CSV files (*.csv)", str(Path.home() / name)
        )

    def export_csv(self) -> None:
        try:
            flt = self.current_filter()
        except ValidationError as err:
            self.filter_status.error(err.message)
            return
        path = self._ask_save_path()
        if path is None:
            return
        audit = self.inst.audit

        def work(session: UserSession) -> int:
            events = audit.export(session, flt)
            try:
                write_csv(path, events)
            except OSError as err:
                raise KnownError(f"Could not write {path.name}: {err.strerror}.") from err
            return len(events)

        self.status.info("Exporting…")
        self.run(
            work,
            lambda n: self.status.ok(
                f"Exported {n:,} events to {path}. The file is readable by your account only; the "
                "export is itself recorded in the audit log."
            ),
        )
