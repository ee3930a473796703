"""Import a downloaded code-set file: a file dialog, then a progress dialog with Cancel.

The store parses the whole file before it writes anything and writes in one transaction, so a
cancelled import or a malformed file leaves nothing behind; the error names the line and field.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QFileDialog, QProgressDialog, QWidget

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.coding.types import CancelFlag, Release
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.ui.coding.worker import CodesOp

FILE_FILTER = "Code-set files (*.txt *.TXT *.xml *.XML *.csv *.CSV);;All files (*)"
ChooseFile = Callable[[QWidget], Path | None]


def ask_for_file(parent: QWidget) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, "Import code set", "", FILE_FILTER)
    return Path(name) if name else None


class ImportFlow(QObject):
    #: (release) the import is stored
    imported = Signal(object)
    #: (message) the import failed or was cancelled; nothing of the file was kept
    failed = Signal(str)
    #: (done, total) codes stored so far
    progressed = Signal(int, int)

    def __init__(self, parent: QWidget, *, pool: QThreadPool) -> None:
        super().__init__(parent)
        self._parent = parent
        self._pool = pool
        self.dialog: QProgressDialog | None = None
        self.cancel_flag: CancelFlag | None = None
        self._name = ""

    @property
    def running(self) -> bool:
        return self.dialog is not None

    def start(self, store: CodeSetStore, path: Path) -> None:
        if self.running:
            return
        flag = self.cancel_flag = CancelFlag()
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
        CodesOp(
            self,
            self._pool,
            lambda progress: store.import_file(path, progress=progress, cancel=flag),
            with_progress=True,
        ).progress(self.show_progress).success(self._done).failure(self._failed).run()

    def show_progress(self, done: int, total: int) -> None:
        self.progressed.emit(done, total)
        if self.dialog is None or (self.cancel_flag and self.cancel_flag.cancelled):
            return
        self.dialog.setRange(0, max(total, 1))
        self.dialog.setValue(done)
        self.dialog.setLabelText(f"Importing {self._name}\nStoring codes: {done:,} of {total:,}")

    def _cancel(self) -> None:
        if self.cancel_flag is not None:
            self.cancel_flag.cancel()
        if self.dialog is not None:
            # the worker stops at its next check; keep the dialog until it has
            self.dialog.show()
            self.dialog.setLabelText("Cancelling: nothing of the file will be kept…")
            self.dialog.setCancelButton(None)

    def _finish(self) -> None:
        if self.dialog is not None:
            self.dialog.hide()
            self.dialog.deleteLater()
        self.dialog = None
        self.cancel_flag = None

    def _done(self, release: Release) -> None:
        self._finish()
        self.imported.emit(release)

    def _failed(self, err: BaseException) -> None:
        self._finish()
        if not isinstance(err, KnownError):
            raise err  # a bug: the crash handler reports it
        self.failed.emit(err.message)
