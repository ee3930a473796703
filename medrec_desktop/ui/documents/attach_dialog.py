"""Attach a file to the chart: choose it, then say what it is (type, the date on it, who it
is from, a description, a sensitivity label, the visit it belongs to).

The file is read into memory (``read_chosen``: a file over the clinic's size limit is
refused from its size on disk, before it is read) and handed to the service as bytes;
nothing is copied to a temporary file. The service checks it (content from the bytes, size
limit, damaged or password-protected PDF) and a refusal is shown beside the field it
concerns, with everything typed kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.clinical import ItemInfo
from medrec_desktop.domain.document_files import read_within_limit
from medrec_desktop.domain.documents import DocumentData, DocumentInput, size_text
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.ui.documents.document_fields import DocumentFields
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.fielderrors import FieldErrors
from medrec_desktop.ui.widgets.file_dialogs import open_file_path
from medrec_desktop.ui.widgets.status import StatusLabel


class AttachDialog(QDialog):
    """The filing form for one chosen file. ``saved`` carries the new document."""

    saved = Signal(object)  # ItemInfo[DocumentData]

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: UserSession,
        patient_id: PatientId,
        file_name: str,
        content: bytes,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner = services, runner
        self._session, self._patient_id = session, patient_id
        self.file_name, self.content = file_name, content
        self.setWindowTitle("Attach a document")
        layout = QVBoxLayout(self)
        self.message = StatusLabel()
        self.message.setAccessibleName("Attach message")
        form = QFormLayout()
        self.errors = FieldErrors(self.message)

        self.file_label = QLabel(f"{file_name} · {size_text(len(content))}")
        self.file_label.setAccessibleName("File")
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.errors.add_row(form, "File", self.file_label, "file", "file_name")

        self.fields = DocumentFields(form, self.errors, session=session)
        # The fields by the names the chart's callers and tests use.
        f = self.fields
        self.doc_type, self.type_name, self.document_date = f.doc_type, f.type_name, f.document_date
        self.author, self.description = f.author, f.description
        self.sensitivity, self.encounter = f.sensitivity, f.encounter

        layout.addLayout(form)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.save_button = QPushButton("&Save")
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self._load_encounters()
        self.resize(560, self.sizeHint().height())
        self.doc_type.setFocus()

    def _load_encounters(self) -> None:
        inst, session, pid = self._services.inst, self._session, self._patient_id
        Op(
            self, lambda: list(inst.encounters.open_choices(session, pid)), runner=self._runner
        ).success(self.fields.set_encounters).failure(lambda _err: None).run()

    # ------------------------------------------------------------------ save

    def set_date(self, day: dt.date) -> None:
        self.fields.set_date(day)

    def typed_date(self) -> dt.date | None:
        """The date typed; None when blank. Raises ValidationError when it is not a date."""
        return self.fields.typed_date()

    def typed(self) -> DocumentInput:
        """What the form says. Raises ValidationError when the date is not a date."""
        return self.fields.typed(self.file_name)

    def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        self.errors.clear()
        try:
            data = self.fields.ready(self.file_name)
        except ValidationError as err:
            self.errors.show(err)
            return
        documents, session, pid, content = (
            self._services.inst.documents,
            self._session,
            self._patient_id,
            self.content,
        )
        self.save_button.setEnabled(False)
        self.message.info("Checking and storing the file…")
        Op(
            self, lambda: documents.attach(session, pid, data, content), runner=self._runner
        ).success(self._saved).failure(self._refused).finished(
            lambda: self.save_button.setEnabled(True)
        ).run()

    def _saved(self, info: ItemInfo[DocumentData]) -> None:
        self.saved.emit(info)
        self.accept()

    def _refused(self, err: BaseException) -> None:
        if isinstance(err, ValidationError):
            self.errors.show(err)
            return
        if not isinstance(err, KnownError):
            raise err
        self.message.error(err.message)


def read_chosen(path: Path, max_bytes: int) -> bytes:
    """The chosen file's bytes, read once into memory; a file over the clinic's limit is
    refused from its size on disk before it is read (ValidationError, field "file")."""
    return read_within_limit(path, max_bytes=max_bytes, shown_name=f"“{path.name}”")


FileChooser = Callable[[QWidget], Path | None]
FILE_FILTER = "Documents (*.pdf *.png *.jpg *.jpeg *.tif *.tiff);;All files (*)"


def choose_file(parent: QWidget) -> Path | None:
    """A file dialog for the files a document may be. Qt's own, not the system's: a scan's
    name often names the patient, and the system's dialog would add it to the desktop's
    "recent files" (ui/widgets/file_dialogs.py)."""
    return open_file_path(parent, "Attach a document", FILE_FILTER)
