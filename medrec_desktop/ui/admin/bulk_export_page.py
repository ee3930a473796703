"""Bulk FHIR export (issue 14, item 6): every patient's record as FHIR R4 NDJSON in an empty
folder, with a manifest of each file's SHA-256, recorded as one disclosure.

The administrator names the folder (Qt's own dialog: nothing lands in the desktop's recent
items), who receives the export and why, and the sections and dates; Export runs
``inst.fhir_export.bulk_export`` on the long lane with "Patient n of N" and a Cancel button.
A cancelled or failed export leaves the folder empty and records no disclosure (the service
removes its files); the page checks the folder before saying so. The export reads one
moment of the record and holds no write lock while it runs: the rest of the clinic keeps
saving.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.fhir_export import MANIFEST, BulkExport, ExportCancelledError
from medrec_desktop.domain.record_release import (
    RECIPIENT_MAX,
    REQUESTER_MAX,
    DisclosurePurpose,
    ReleaseRequest,
)
from medrec_desktop.security import permissions
from medrec_desktop.ui.admin.base import AdminPage, SessionGetter
from medrec_desktop.ui.release.scope_fields import ScopeFields
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Job, Lane, Op, OpRunner
from medrec_desktop.ui.widgets.fielderrors import FieldErrors
from medrec_desktop.ui.widgets.file_dialogs import PRIVATE
from medrec_desktop.ui.widgets.status import StatusLabel, error_text

#: a bulk export goes to a system or an archive: the purposes that name one patient's own
#: request or signed authorization do not fit every patient at once
PURPOSES = tuple(
    p
    for p in DisclosurePurpose
    if p not in (DisclosurePurpose.PATIENT_REQUEST, DisclosurePurpose.AUTHORIZATION)
)
FORM_WIDTH = 980
RUNNING = (
    "Exporting one patient at a time; everyone else can keep working. Cancel removes the "
    "files written so far."
)
NOT_ALLOWED = "Only administrators export every patient's record."
NOTHING_KEPT = "Nothing was kept: the folder is empty and no disclosure was recorded."


def check_folder(text: str) -> Path:
    """The folder typed or chosen, if it is an existing empty folder; else a ValidationError
    for the folder field in plain words (the service checks again)."""
    if not text.strip():
        raise ValidationError("Choose an empty folder for the export.", field="folder")
    folder = Path(text.strip()).expanduser()
    if not folder.exists():
        raise ValidationError(
            f"{folder} does not exist. Make a new folder (Browse… can) and choose it.",
            field="folder",
        )
    if not folder.is_dir():
        raise ValidationError(f"{folder} is a file, not a folder.", field="folder")
    if any(folder.iterdir()):
        raise ValidationError(f"{folder} is not empty; choose a new, empty folder.", field="folder")
    return folder


class _ExportJob:
    """What the service reports to and reads the cancel from. The page's own Cancel is a flag
    of its own, not the op's: a cancelled op's result is dropped, and an export that finished
    just as Cancel was pressed is recorded, so it must be shown. The op's flag (sign-out,
    shutdown) stops the export too."""

    def __init__(self, job: Job, stop: threading.Event) -> None:
        self._job, self._stop = job, stop

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set() or self._job.cancelled

    def progress(self, done: int, total: int) -> None:
        self._job.progress(done, total)


def summary(done: BulkExport) -> str:
    files = len(done.files)
    return (
        f"Exported {done.patients:,} patient{'s' if done.patients != 1 else ''}: "
        f"{done.resource_count:,} FHIR R4 resources in {files} NDJSON file"
        f"{'s' if files != 1 else ''} and {MANIFEST}, to {done.folder}. Recorded as "
        f"disclosure {done.disclosure_id}."
    )


def details(done: BulkExport) -> str:
    text = (
        f"{MANIFEST} SHA-256 (recorded with the disclosure):\n{done.manifest_sha256}\n"
        f"Files: {', '.join(f'{f.name} ({f.count:,})' for f in done.files)}.\n"
        "Each file is readable by your account only; the manifest lists every file's SHA-256."
    )
    left = sum(done.withheld.values())
    if left:
        text += (
            f"\n{left:,} item{'s' if left != 1 else ''} with a sensitivity label "
            f"{'were' if left != 1 else 'was'} left out."
        )
    return text


class BulkExportPage(AdminPage):
    title = "Bulk FHIR export"
    intro = (
        "Every patient's record as FHIR R4 NDJSON files, one per kind of resource, with "
        f"{MANIFEST} listing each file's SHA-256: for another system or an archive. It is "
        "recorded as one disclosure naming every patient. Items with a sensitivity label are "
        "left out. The rest of the clinic can keep working while it runs."
    )

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: SessionGetter,
        parent: QWidget | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        super().__init__(services=services, runner=runner, session=session, parent=parent)
        self.result: BulkExport | None = None
        self._op: Op[BulkExport] | None = None
        self._stop = threading.Event()
        self._folder: Path | None = None
        # How the folder is chosen; tests put their own in (Qt's dialog is modal).
        self.ask_folder: Callable[[], Path | None] = self._folder_from_dialog

        self.folder = QLineEdit()
        self.folder.setAccessibleName("Export folder")
        self.folder.setPlaceholderText("an empty folder, e.g. on an encrypted drive")
        self.browse_button = QPushButton("&Browse…")
        self.browse_button.setToolTip("Choose or make an empty folder")
        self.browse_button.clicked.connect(self.browse)
        folder_row = QWidget()
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse_button)
        self.recipient = QLineEdit()
        self.recipient.setMaxLength(RECIPIENT_MAX)
        self.recipient.setAccessibleName("Send to")
        self.recipient.setPlaceholderText("who receives it (the new system's vendor, an archive…)")
        self.purpose = QComboBox()
        self.purpose.setAccessibleName("Purpose")
        for p in PURPOSES:
            self.purpose.addItem(p.label, p.value)
        self.purpose.setCurrentIndex(self.purpose.findData(DisclosurePurpose.OPERATIONS.value))
        self.requester = QLineEdit()
        self.requester.setMaxLength(REQUESTER_MAX)
        self.requester.setAccessibleName("Requested by")
        self.requester.setPlaceholderText("who asked for it (optional)")
        self.note = QLineEdit()
        self.note.setAccessibleName("What for")
        self.note.setPlaceholderText("what for (a migration, a court order's number…)")
        self.scope = ScopeFields(may_label=False, today=today())
        self.scope.labelled.setToolTip(
            "Administrators may not export items with a sensitivity label: they are left out"
        )

        self.errors = FieldErrors(self.status)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.errors.add_row(form, "Export f&older", folder_row, "folder")
        self.errors.add_row(form, "Send &to", self.recipient, "recipient")
        self.errors.add_row(form, "P&urpose", self.purpose, "purpose")
        self.errors.add_row(form, "Re&quested by", self.requester, "requester")
        self.errors.add_row(form, "&What for", self.note, "note")
        self.errors.add_row(form, "Sectio&ns", self.scope, "sections", "since")
        # Alt+O and a refused folder land in the line edit; Alt+N on the first section.
        folder_row.setFocusProxy(self.folder)
        self.scope.setFocusProxy(next(iter(self.scope.boxes.values())))
        # Fields as wide as a path needs, not as the window: the eye stays on one column.
        body = QWidget()
        body.setLayout(form)
        form.setContentsMargins(0, 0, 0, 0)
        body.setMaximumWidth(FORM_WIDTH)
        self.layout_.addWidget(body)

        self.export_button = QPushButton("&Export")
        self.export_button.clicked.connect(self.export)
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.setToolTip("Stop the export; its files are removed")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Export progress")
        # The count beside the bar, not on it: the bar's chunk would cover its first letters.
        self.progress.setTextVisible(False)
        self.progress.setFixedWidth(360)
        self.progress.hide()
        self.count = QLabel()
        self.count.setAccessibleName("Patients exported")
        actions = QHBoxLayout()
        actions.addWidget(self.export_button)
        actions.addSpacing(8)
        actions.addWidget(self.progress)
        actions.addWidget(self.count)
        actions.addWidget(self.cancel_button)
        actions.addStretch(1)
        self.layout_.addLayout(actions)

        self.outcome = StatusLabel()
        self.outcome.setAccessibleName("Export result")
        self.layout_.addWidget(self.outcome)
        self.details = QLabel()
        self.details.setAccessibleName("Export details")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.details.hide()
        self.layout_.addWidget(self.details)
        self.layout_.addWidget(self.status)
        self.layout_.addStretch(1)
        self.allowed = permissions.session_allows(
            self.session(), Action.EXPORT, DataCategory.BULK_EXPORT
        )
        if not self.allowed:
            self.export_button.setEnabled(False)
            self.outcome.error(NOT_ALLOWED)

    def refresh(self) -> None:
        """Nothing to load until the administrator acts."""
        self.settled.emit()

    @property
    def running(self) -> bool:
        return self._op is not None

    # ------------------------------------------------------------------ choosing

    def _folder_from_dialog(self) -> Path | None:
        # Qt's own dialog (DESIGN §8): the system's would list the folder in recent items.
        dialog = QFileDialog(self, "Export into an empty folder", self.folder.text().strip())
        dialog.setOption(PRIVATE, True)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
                return None
            return Path(dialog.selectedFiles()[0])
        finally:
            dialog.deleteLater()

    def browse(self) -> None:
        chosen = self.ask_folder()
        if chosen is not None:
            self.folder.setText(str(chosen))
        self.folder.setFocus()

    def request(self) -> ReleaseRequest:
        return ReleaseRequest(
            scope=self.scope.scope(),
            recipient=self.recipient.text(),
            purpose=str(self.purpose.currentData()),
            requester=self.requester.text(),
            note=self.note.text(),
        )

    # ------------------------------------------------------------------ exporting

    def export(self) -> None:
        if self.running or not self.allowed:
            return
        self.errors.clear()
        self.outcome.clear_message()
        self.details.hide()
        try:
            request = self.request().validated()
            folder = check_folder(self.folder.text())
        except ValidationError as err:
            self.errors.show(err)
            return
        inst = self.inst
        stop = self._stop = threading.Event()

        def work(session: UserSession, job: Job) -> BulkExport:
            return inst.fhir_export.bulk_export(session, folder, request, _ExportJob(job, stop))

        self._folder = folder
        self.result = None
        op = self.run_job(
            work,
            self._done,
            self._failed,
            lane=Lane.LONG,
            progress=self._progressed,
            on_cancelled=self._stopped,
        )
        if op is None:
            return
        self._op = op
        self._set_running(True)
        self.progress.setRange(0, 0)  # busy until the first patient is written
        self.count.setText("Starting…")
        self.outcome.info(RUNNING)

    def cancel(self) -> None:
        if self.running:
            self._stop.set()
            self.cancel_button.setEnabled(False)
            self.outcome.info("Cancelling… the files written so far are being removed.")

    def _set_running(self, on: bool) -> None:
        fields: tuple[QWidget, ...] = (
            self.folder,
            self.browse_button,
            self.recipient,
            self.purpose,
            self.requester,
            self.note,
            self.scope,
            self.export_button,
        )
        for w in fields:
            w.setEnabled(not on)
        self.cancel_button.setEnabled(on)
        self.progress.setVisible(on or self.progress.maximum() > 0)
        self.count.setVisible(self.progress.isVisibleTo(self))
        if on:
            self.cancel_button.setFocus()
        else:
            self._op = None
            self.export_button.setFocus()

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.count.setText(f"Patient {done:,} of {total:,}")
        if not self._stop.is_set():
            self.outcome.info(RUNNING)

    def _done(self, done: BulkExport) -> None:
        self.result = done
        self._set_running(False)
        self.outcome.ok(summary(done))
        self.details.setText(details(done))
        self.details.show()

    def _failed(self, err: BaseException) -> None:
        self._set_running(False)
        self.progress.hide()
        self.count.hide()
        if isinstance(err, ValidationError):
            # Refused before anything was written (e.g. a file appeared in the folder).
            self.outcome.clear_message()
            self.errors.show(err)
            return
        emptied = self._folder_is_empty()
        if isinstance(err, ExportCancelledError):
            text = "The export was cancelled."
        else:
            text = error_text(err)
        if emptied:
            text += " " + NOTHING_KEPT
        else:
            text += f" Files are still in {self._folder}: check them and delete them."
        self.outcome.error(text)

    def _stopped(self) -> None:
        """The op itself was cancelled (sign-out, shutdown): nobody is here to tell."""
        self._set_running(False)

    def _folder_is_empty(self) -> bool:
        folder = self._folder
        try:
            return folder is None or not any(folder.iterdir())
        except OSError:
            return True  # the folder is gone: nothing of the export is in it
