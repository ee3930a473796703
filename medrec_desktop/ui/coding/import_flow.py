"""Import a downloaded code-set file: a file dialog, then a progress dialog with Cancel.

The import goes through the coding service (permission checked, audited with the file, the
release and its counts) on the long lane. The store parses the whole file before it writes
anything and writes in one transaction, so a cancelled import or a malformed file leaves
nothing behind; the error names the line and field. A release much smaller than the one before
it is imported only after the user confirms.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from medrec_desktop.coding.types import CancelFlag, Release
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.errors import KnownError, ReleaseLooksIncompleteError
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Job, Lane, Op, OpRunner

FILE_FILTER = "Code-set files (*.txt *.TXT *.xml *.XML *.csv *.CSV);;All files (*)"
ChooseFile = Callable[[QWidget], Path | None]
IMPORT_ANYWAY = "Import anyway"


def ask_for_file(parent: QWidget) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, "Import code set", "", FILE_FILTER)
    return Path(name) if name else None


class _JobCancel(CancelFlag):
    """The store's cancel flag, raised by the op's own cancel (the user's Cancel button, a
    sign-out): one cancel, seen by the importer at its next check."""

    def __init__(self, job: Job) -> None:
        super().__init__()
        self._job = job

    @property
    def cancelled(self) -> bool:
        return self._job.cancelled


class ImportFlow(QObject):
    #: (release) the import is stored
    imported = Signal(object)
    #: (message) the import failed or was cancelled; nothing of the file was kept
    failed = Signal(str)
    #: (done, total) codes stored so far
    progressed = Signal(int, int)

    def __init__(
        self,
        parent: QWidget,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._services = services
        self._runner = runner
        self._session = session
        self.dialog: QProgressDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.op: Op[Release] | None = None
        self._name = ""

    @property
    def running(self) -> bool:
        return self.dialog is not None

    def start(self, path: Path, *, force: bool = False) -> None:
        session = self._session()
        if self.running or session is None:
            return
        self._name = path.name
        dialog = self.dialog = QProgressDialog(self._parent)
        dialog.setWindowTitle("Import code set")
        dialog.setLabelText(f"Reading {path.name}…")
        dialog.setCancelButtonText("Cancel")
        dialog.setRange(0, 0)  # the file is read and checked whole before anything is stored
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumWidth(420)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.canceled.connect(self._cancel)
        dialog.show()
        coding = self._services.coding

        def work(job: Job) -> Release:
            return coding.import_file(
                session, path, progress=job.progress, cancel=_JobCancel(job), force=force
            )

        self.op = (
            Op.with_job(self, work, runner=self._runner, lane=Lane.LONG)
            .progress(self.show_progress)
            .success(self._done)
            .failure(lambda err: self._failed(path, err))
            .finished(self._stopped)
            .run()
        )

    def show_progress(self, done: int, total: int) -> None:
        self.progressed.emit(done, total)
        if self.dialog is None:
            return
        self.dialog.setRange(0, max(total, 1))
        self.dialog.setValue(done)
        self.dialog.setLabelText(f"Importing {self._name}\nStoring codes: {done:,} of {total:,}")

    def _cancel(self) -> None:
        if self.op is None:
            return
        self.op.cancel()
        if self.dialog is not None:
            # the worker stops at its next check; keep the dialog until it has
            self.dialog.show()
            self.dialog.setLabelText("Cancelling: nothing of the file will be kept…")
            self.dialog.setCancelButton(None)

    def _finish(self) -> None:
        self.op = None
        if self.dialog is not None:
            dialog, self.dialog = self.dialog, None
            dialog.canceled.disconnect(self._cancel)  # hiding it must not cancel anything
            dialog.hide()
            dialog.deleteLater()

    def _stopped(self) -> None:
        if self.op is not None and self.op.cancelled:
            self._finish()
            self.failed.emit("The import was cancelled; nothing was imported.")

    def _done(self, release: Release) -> None:
        self._finish()
        self.imported.emit(release)

    def _failed(self, path: Path, err: BaseException) -> None:
        self._finish()
        if isinstance(err, ReleaseLooksIncompleteError):
            self._confirm(path, err)
            return
        if not isinstance(err, KnownError):
            raise err  # a bug: the crash handler reports it
        self.failed.emit(err.message)

    def _confirm(self, path: Path, err: ReleaseLooksIncompleteError) -> None:
        """A release much smaller than the last one is usually a truncated download: say so
        with the numbers, import only if the user insists."""
        missing = ""
        if err.missing:
            shown = ", ".join(err.missing[:5]) + ("…" if len(err.missing) > 5 else "")
            missing = f"\n\nCodes every release has are missing: {shown}."
        box = self.confirm_box = QMessageBox(self._parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("This release looks incomplete")
        box.setText(
            f"{path.name}: {err.new_count:,} codes, against {err.previous_count:,} in the "
            f"release in use.{missing}"
        )
        box.setInformativeText(
            f"{err.message}\n\nA truncated download is the usual cause. Import it anyway?"
        )
        anyway = box.addButton(f"&{IMPORT_ANYWAY}", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered() -> None:
            self.confirm_box = None
            if box.clickedButton() is anyway:
                self.start(path, force=True)
            else:
                self.failed.emit("Not imported; nothing of the file was kept.")
            box.deleteLater()

        box.finished.connect(lambda _result: answered())
        box.open()  # not exec(): the GUI keeps running and tests answer it like a user
