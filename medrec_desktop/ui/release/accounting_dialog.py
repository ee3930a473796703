"""A patient's accounting of disclosures (issue 14, item 4): every recorded disclosure of the
six years before today, newest first, each marked whether HIPAA requires it in the accounting
the patient may ask for; "Only those the patient is owed" narrows the list to those, and Save
as PDF… writes the document for the patient (the same filter); Print… shows that document
in a print preview whose print is recorded (audited) before a page is drawn."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import PatientInfo, UserSession
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.domain.record_release import Accounting, DisclosureRow
from medrec_desktop.export.files import PrivateFile
from medrec_desktop.ui.pdf_preview import PdfPreviewDialog
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.file_dialogs import save_file_path
from medrec_desktop.ui.widgets.status import StatusLabel

COLUMNS = ("Date", "Recipient", "Purpose", "What", "By", "Owed to the patient")
#: columns of long words given a width of their own (they wrap), in pixels
WRAPPED = {"Recipient": 220, "Purpose": 190}


def cells(row: DisclosureRow) -> tuple[str, ...]:
    return (
        f"{row.disclosed_at.astimezone():%m/%d/%Y %H:%M}",
        row.recipient,
        row.purpose_label,
        row.description + (f" ({row.detail})" if row.detail else ""),
        row.disclosed_by,
        "✓ yes" if row.accountable else "— exempt",
    )


class AccountingDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        patient: PatientInfo,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner, self._session = services, runner, session
        self.patient = patient
        self.accounting: Accounting | None = None
        self.ask_path: Callable[[], Path | None] = self._path_from_dialog
        self.setWindowTitle(
            f"Accounting of disclosures: {patient.family_name}, {patient.given_names}"
        )
        self.resize(1100, 560)
        layout = QVBoxLayout(self)
        self.heading = QLabel("Loading…")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.only_owed = QCheckBox("&Only those the patient is owed (HIPAA accounting)")
        # What the patient is owed, as the PDF for them holds by default; untick for all.
        self.only_owed.setChecked(True)
        self.only_owed.toggled.connect(lambda _on: self._show())
        layout.addWidget(self.only_owed)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.setAccessibleName("Disclosures")
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        # What was disclosed takes the room and wraps; the other columns fit their words.
        for column, name in enumerate(COLUMNS):
            if name == "What":
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            elif name in WRAPPED:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
                header.resizeSection(column, WRAPPED[name])
            else:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)
        self.message = StatusLabel()
        self.message.setAccessibleName("Accounting message")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(
            "&Save as PDF…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_pdf)
        self.print_button = buttons.addButton("&Print…", QDialogButtonBox.ButtonRole.ActionRole)
        self.print_button.setToolTip(
            "Preview the accounting, then print it (the print is recorded)"
        )
        self.print_button.setEnabled(False)
        self.print_button.clicked.connect(self.print_accounting)
        #: the print preview while it is open (tests drive it)
        self.preview_dialog: PdfPreviewDialog | None = None
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setToolTip("Close (Esc)")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.load()

    def load(self) -> None:
        session = self._session()
        if session is None:
            return
        releases, pid = self._services.inst.releases, self.patient.id
        Op(self, lambda: releases.accounting(session, pid), runner=self._runner).success(
            self._loaded
        ).failure(self._failed).run()

    def _loaded(self, accounting: Accounting) -> None:
        self.accounting = accounting
        self.save_button.setEnabled(True)
        self.print_button.setEnabled(True)
        self._show()
        self.table.setFocus()

    def shown_rows(self) -> tuple[DisclosureRow, ...]:
        a = self.accounting
        if a is None:
            return ()
        return a.accountable if self.only_owed.isChecked() else a.rows

    def _show(self) -> None:
        a = self.accounting
        if a is None:
            return
        rows = self.shown_rows()
        owed = len(a.accountable)
        self.heading.setText(
            f"{len(a.rows)} disclosure{'s' if len(a.rows) != 1 else ''} recorded from "
            f"{a.since:%m/%d/%Y} to {a.until:%m/%d/%Y}; {owed} of them owed to the patient in "
            "an accounting (treatment, payment, operations, the patient's own requests and "
            "releases under their authorization are exempt)."
        )
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(cells(row)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeRowsToContents()

    def _path_from_dialog(self) -> Path | None:
        name = f"accounting-{self.patient.mrn}-{dt.date.today():%Y%m%d}.pdf"
        return save_file_path(self, "Save the accounting of disclosures", "PDF files (*.pdf)", name)

    def save_pdf(self) -> None:
        session = self._session()
        if session is None or self.accounting is None:
            return
        out = self.ask_path()
        if out is None:
            return
        if out.suffix.lower() != ".pdf":
            out = out.with_suffix(".pdf")
        releases, pid, owed = (
            self._services.inst.releases,
            self.patient.id,
            self.only_owed.isChecked(),
        )

        def work() -> Path:
            with PrivateFile(out, replace=True) as target:
                target.commit(releases.accounting_pdf(session, pid, accountable_only=owed))
            return out

        self.message.info("Making the PDF…")
        Op(self, work, runner=self._runner).success(
            lambda path: self.message.ok(f"Saved {path.name}, readable by your account only.")
        ).failure(self._failed).run()

    def print_accounting(self) -> None:
        session = self._session()
        if session is None or self.accounting is None:
            return
        releases, pid, owed = (
            self._services.inst.releases,
            self.patient.id,
            self.only_owed.isChecked(),
        )
        self.message.info("Preparing the preview…")
        Op(
            self,
            lambda: releases.accounting_print_preview(session, pid, accountable_only=owed),
            runner=self._runner,
        ).success(self._preview).failure(self._failed).run()

    def _preview(self, data: bytes) -> None:
        self.message.clear_message()
        releases, pid, digest = (
            self._services.inst.releases,
            self.patient.id,
            hashlib.sha256(data).hexdigest(),
        )

        def record(pages: int) -> None:
            session = self._session()
            if session is None:
                raise KnownError("You are signed out; nothing was printed.")
            # On the GUI thread: the printer waits for this one short write.
            releases.record_accounting_print(session, pid, sha256=digest, pages=pages)

        dialog = PdfPreviewDialog(
            data,
            title=(
                "Print preview: accounting of disclosures, "
                f"{self.patient.family_name}, {self.patient.given_names}"
            ),
            job_name="medrec-desktop accounting of disclosures",
            record_print=record,
            parent=self,
        )
        self.preview_dialog = dialog
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def _failed(self, err: BaseException) -> None:
        if isinstance(err, KnownError):
            self.message.error(err.message)
        else:
            self.message.show_error(err)
