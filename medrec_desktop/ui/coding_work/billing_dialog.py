"""Export for billing (issue 13, item 5): the coded encounters of a date range (last month by
default) as a CSV or JSON file for the billing office, recorded as a disclosure for payment.

Before anything is written the dialog says what the file will hold ("42 encounters, 97 lines,
38 patients: recorded as a disclosure for payment to Billing office"), updated as the dates
change. The export, its disclosure and the file are one piece of work off the GUI thread: the
file appears whole (owner-only) or not at all, and a folder that cannot be written stops it
before anything is recorded (``export.files.PrivateFile``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.billing import (
    DEFAULT_RECIPIENT,
    RECIPIENT_MAX,
    BillingExport,
    BillingPreview,
    ExportFormat,
    suggested_name,
)
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.export.files import PrivateFile
from medrec_desktop.security import permissions
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.fielderrors import FieldErrors
from medrec_desktop.ui.widgets.file_dialogs import save_file_path
from medrec_desktop.ui.widgets.status import StatusLabel

#: how long the dates rest before the summary is counted again
PREVIEW_DELAY_MS = 300
EXISTS = (
    "That file already exists. Choose it with Choose… (which asks before replacing it), or "
    "type another name."
)
NOT_ALLOWED = (
    "Your role may not export coded encounters for billing (coders do). Nothing is recorded."
)


def last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the calendar month before ``today``'s."""
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(edit: QDateEdit) -> dt.date:
    d = edit.date()
    return dt.date(d.year(), d.month(), d.day())


class BillingExportDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner, self._session = services, runner, session
        self.setWindowTitle("Export coded encounters for billing")
        self.setMinimumWidth(620)
        #: the file the user chose in the save dialog (which asked before replacing it)
        self._confirmed: Path | None = None
        #: where the last export was written (None until one succeeds)
        self.exported: BillingExport | None = None
        self.preview: BillingPreview | None = None
        # How the user picks the file; tests put their own in (the dialog is modal).
        self.ask_path: Callable[[], Path | None] = self._path_from_dialog

        layout = QVBoxLayout(self)
        intro = QLabel(
            "The coded encounters whose date of service falls in the range, for the billing "
            "office: one row per procedure line (CSV) or one entry per encounter (JSON). The "
            "export is recorded in the accounting of disclosures, for payment."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        since, until = last_month(today())
        self.since = self._date_edit("First date of service", since)
        self.until = self._date_edit("Last date of service", until)
        self.format = QComboBox()
        self.format.setAccessibleName("File format")
        for fmt in ExportFormat:
            self.format.addItem(fmt.label, fmt.value)
        self._auto_name = suggested_name(since, until, self.fmt)
        self.path = QLineEdit(str(Path.home() / self._auto_name))
        self.path.setAccessibleName("File to write")
        self.path.setPlaceholderText("Where to save the file")
        self.choose = QPushButton("C&hoose…")
        self.choose.setToolTip("Choose the folder and file name")
        self.choose.clicked.connect(self.choose_file)
        where = QWidget()
        row = QHBoxLayout(where)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path, 1)
        row.addWidget(self.choose)
        # An error about the file puts the cursor in the file name (as Alt+F does).
        where.setFocusProxy(self.path)
        self.recipient = QLineEdit(DEFAULT_RECIPIENT)
        self.recipient.setAccessibleName("Recipient")
        self.recipient.setMaxLength(RECIPIENT_MAX)

        self.message = StatusLabel()
        self.message.setAccessibleName("Export message")
        self.errors = FieldErrors(self.message)
        form = QFormLayout()
        # Dates and the format at their natural width; the file name gets the room.
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.path.setMinimumWidth(440)
        self.recipient.setMinimumWidth(320)
        self.errors.add_row(form, "Dates of service fro&m", self.since, "since")
        self.errors.add_row(form, "&To", self.until, "until")
        self.errors.add_row(form, "F&ormat", self.format, "fmt")
        self.errors.add_row(form, "&File", where, "path")
        label = form.labelForField(where)
        if isinstance(label, QLabel):
            label.setBuddy(self.path)
        self.errors.add_row(form, "&Recipient", self.recipient, "recipient")
        layout.addLayout(form)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("What the export holds")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setStyleSheet("font-weight: 600;")
        layout.addWidget(self.summary)
        layout.addWidget(self.message)

        buttons = QDialogButtonBox()
        self.export_button = buttons.addButton("&Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setToolTip("Close (Esc)")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setTabOrder(self.since, self.until)
        self.setTabOrder(self.until, self.format)
        self.setTabOrder(self.format, self.path)
        self.setTabOrder(self.path, self.choose)
        self.setTabOrder(self.choose, self.recipient)
        self.setTabOrder(self.recipient, self.export_button)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        for edit in (self.since, self.until):
            edit.dateChanged.connect(self._dates_changed)
        self.format.currentIndexChanged.connect(self._format_changed)
        self.recipient.textChanged.connect(self._show_summary)
        self.path.textEdited.connect(self._path_edited)

        self.allowed = self._may_export()
        self.export_button.setEnabled(self.allowed)
        if not self.allowed:
            self.message.error(NOT_ALLOWED)
        else:
            self.refresh()
        self.since.setFocus()

    # ------------------------------------------------------------------ inputs

    @staticmethod
    def _date_edit(name: str, day: dt.date) -> QDateEdit:
        edit = QDateEdit(_qdate(day))
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("MM/dd/yyyy")
        edit.setAccessibleName(name)
        return edit

    def _may_export(self) -> bool:
        s = self._session()
        return permissions.session_allows(
            s, Action.EXPORT, DataCategory.CODING
        ) and permissions.session_allows(s, Action.VIEW, DataCategory.CLINICAL)

    @property
    def fmt(self) -> ExportFormat:
        return ExportFormat(self.format.currentData())

    def dates(self) -> tuple[dt.date, dt.date]:
        return _pydate(self.since), _pydate(self.until)

    def _dates_changed(self) -> None:
        self._retitle()
        self.summary.setText("Counting…")
        self._timer.start()

    def _format_changed(self) -> None:
        self._retitle()

    def _retitle(self) -> None:
        """Keep the offered file name in step with the dates and format, unless the user
        typed or chose a name of their own."""
        since, until = self.dates()
        name = suggested_name(since, until, self.fmt)
        text = self.path.text().strip()
        if text and Path(text).name == self._auto_name:
            self.path.setText(str(Path(text).with_name(name)))
            self._confirmed = None
        self._auto_name = name

    def _path_edited(self) -> None:
        self._confirmed = None

    def choose_file(self) -> None:
        chosen = self.ask_path()
        if chosen is None:
            return
        if not chosen.suffix:
            chosen = chosen.with_suffix(self.fmt.suffix)
        self.path.setText(str(chosen))
        self._confirmed = chosen
        for fmt in ExportFormat:
            if chosen.suffix.lower() == fmt.suffix:
                self.format.setCurrentIndex(self.format.findData(fmt.value))

    def _path_from_dialog(self) -> Path | None:
        since, until = self.dates()
        name = suggested_name(since, until, self.fmt)
        start = self.path.text().strip() or str(Path.home() / name)
        # Qt's dialog, not the system's: the system's would list the export (patient data)
        # in the desktop's "recent files" (ui/widgets/file_dialogs.py).
        return save_file_path(
            self, "Save the billing export", "CSV files (*.csv);;JSON files (*.json)", start
        )

    # ------------------------------------------------------------------ the summary

    def refresh(self) -> None:
        """Count what the export would hold (nothing is recorded)."""
        session = self._session()
        if session is None or not self.allowed:
            return
        since, until = self.dates()
        billing = self._services.inst.billing
        self.summary.setText("Counting…")
        Op(
            self,
            lambda: billing.preview(session, since, until),
            runner=self._runner,
            key="preview",
        ).success(self._previewed).failure(self._preview_failed).run()

    def _previewed(self, preview: BillingPreview) -> None:
        self.preview = preview
        self.errors.clear()
        self._show_summary()

    def _preview_failed(self, err: BaseException) -> None:
        self.preview = None
        self.summary.setText("")
        if isinstance(err, ValidationError):
            self.errors.show(err)
        else:
            self.message.show_error(err)

    def _show_summary(self) -> None:
        p = self.preview
        if p is None:
            return
        if not p.encounters:
            text = (
                f"No coded encounters have a date of service from {p.since:%m/%d/%Y} to "
                f"{p.until:%m/%d/%Y}: there is nothing to export."
            )
        else:
            who = " ".join(self.recipient.text().split()) or "…"
            text = f"{p.label}: recorded as a disclosure for payment to {who}."
        if p.withheld:
            text += " " + p.withheld_note
        self.summary.setText(text)

    # ------------------------------------------------------------------ the export

    def export(self) -> None:
        session = self._session()
        if session is None or not self.allowed:
            return
        self.errors.clear()
        text = self.path.text().strip()
        if not text:
            self.errors.show(ValidationError("Choose where to save the file.", field="path"))
            return
        out = Path(text).expanduser()
        if not out.suffix:
            out = out.with_suffix(self.fmt.suffix)
        replace = self._confirmed is not None and out == self._confirmed
        if out.exists() and not replace:
            self.errors.show(ValidationError(EXISTS, field="path"))
            return
        since, until = self.dates()
        fmt, recipient = self.fmt, self.recipient.text()
        billing = self._services.inst.billing

        def work() -> BillingExport:
            with PrivateFile(out, replace=replace, exists=EXISTS) as target:
                done = billing.export(session, since, until, fmt=fmt, recipient=recipient)
                target.commit(done.content, disclosure=done.disclosure_id)
            return done

        self.export_button.setEnabled(False)
        self.message.info("Exporting…")
        Op(self, work, runner=self._runner).success(lambda done: self._exported(done, out)).failure(
            self._export_failed
        ).run()

    def _exported(self, done: BillingExport, out: Path) -> None:
        self.exported = done
        self.export_button.setEnabled(True)
        # The file now exists: exporting again to it needs the save dialog's question.
        self._confirmed = None
        p = done.preview
        said = (
            f"Exported {p.label} to {out.name}, readable by your account only. Recorded as "
            f"disclosure {done.disclosure_id} for payment to {done.recipient}."
        )
        self.message.ok(said + (f" {p.withheld_note}" if p.withheld else ""))

    def _export_failed(self, err: BaseException) -> None:
        self.export_button.setEnabled(True)
        if isinstance(err, ValidationError):
            self.errors.show(err)
        elif isinstance(err, KnownError):
            self.message.error(err.message)
        else:
            self.message.show_error(err)
