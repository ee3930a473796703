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
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.clinical import ItemInfo, Sensitivity
from medrec_desktop.domain.dates import parse_date
from medrec_desktop.domain.document_files import read_within_limit
from medrec_desktop.domain.documents import DocumentData, DocumentInput, DocumentType, size_text
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.security import permissions
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

        self.doc_type = QComboBox()
        self.doc_type.setAccessibleName("Type")
        for kind in DocumentType:
            self.doc_type.addItem(kind.label, kind.value)
        self.errors.add_row(form, "&Type *", self.doc_type, "doc_type")
        self.type_name = QLineEdit()
        self.type_name.setAccessibleName("Kind of document")
        self.type_name.setPlaceholderText("e.g. Disability form")
        self.type_name_message = self.errors.add_row(
            form, "&Kind of document *", self.type_name, "type_name"
        )
        self.doc_type.currentIndexChanged.connect(lambda _i: self._other_shown())

        # Typed as every date in the chart's forms is ("11/02/2026", "2026-11-02", "110226").
        self.document_date = QLineEdit()
        self.document_date.setAccessibleName("Document date")
        self.document_date.setPlaceholderText("MM/DD/YYYY, the date on the document")
        self.document_date.setMaximumWidth(260)
        self.errors.add_row(form, "Document &date *", self.document_date, "document_date")

        self.author = QLineEdit()
        self.author.setAccessibleName("From")
        self.author.setPlaceholderText("who wrote or sent it, e.g. Dr. Park, Cardiology")
        self.errors.add_row(form, "Fro&m", self.author, "author")
        self.description = QPlainTextEdit()
        self.description.setAccessibleName("Description")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(64)
        self.errors.add_row(form, "Descr&iption", self.description, "description")

        self.sensitivity = QComboBox()
        self.sensitivity.setAccessibleName("Sensitivity label")
        self.sensitivity.addItem("None (anyone with chart access)", "")
        may_label = permissions.allowed(session.role, Action.CREATE, DataCategory.SENSITIVE)
        if may_label:
            for label in Sensitivity:
                self.sensitivity.addItem(label.label.capitalize(), label.value)
        else:
            self.sensitivity.setEnabled(False)
            self.sensitivity.setToolTip("Your role cannot set sensitivity labels.")
        self.errors.add_row(form, "Sensitivit&y", self.sensitivity, "sensitivity")

        self.encounter = QComboBox()
        self.encounter.setAccessibleName("Encounter")
        self.encounter.addItem("— (none)", "")
        self.errors.add_row(form, "&Visit (encounter)", self.encounter, "encounter_id")

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
        self._other_shown()
        self._load_encounters()
        self.resize(560, self.sizeHint().height())
        self.doc_type.setFocus()

    def _other_shown(self) -> None:
        other = self.doc_type.currentData() == DocumentType.OTHER.value
        self.type_name.setVisible(other)
        label = self.layout_label(self.type_name)
        if label is not None:
            label.setVisible(other)
        if not other:
            self.type_name_message.clear_message()

    def layout_label(self, widget: QWidget) -> QWidget | None:
        form = self.findChild(QFormLayout)
        return form.labelForField(widget) if form is not None else None

    def _load_encounters(self) -> None:
        inst, session, pid = self._services.inst, self._session, self._patient_id

        def fill(choices: list[tuple[int, str]]) -> None:
            for ident, text in choices:
                self.encounter.addItem(text, str(ident))

        Op(
            self, lambda: list(inst.encounters.open_choices(session, pid)), runner=self._runner
        ).success(fill).failure(lambda _err: None).run()

    # ------------------------------------------------------------------ save

    def set_date(self, day: dt.date) -> None:
        self.document_date.setText(f"{day:%m/%d/%Y}")

    def typed_date(self) -> dt.date | None:
        """The date typed; None when blank. Raises ValidationError when it is not a date."""
        text = self.document_date.text()
        if not text.strip():
            return None
        return parse_date(text, field="document_date")

    def typed(self) -> DocumentInput:
        """What the form says. Raises ValidationError when the date is not a date."""
        day = self.typed_date()
        encounter = str(self.encounter.currentData() or "")
        label = str(self.sensitivity.currentData() or "")
        return DocumentInput(
            sensitivity=Sensitivity(label) if label else None,
            doc_type=str(self.doc_type.currentData()),
            type_name=self.type_name.text(),
            document_date=day,
            author=self.author.text(),
            description=self.description.toPlainText(),
            encounter_id=int(encounter) if encounter.isdigit() else None,
            file_name=self.file_name,
        )

    def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        self.errors.clear()
        try:
            data = self.typed()
        except ValidationError as err:
            self.errors.show(err)
            return
        if data.document_date is None:
            # Said here at once: the service says the same, after reading the whole file.
            self.errors.show(
                ValidationError(
                    "Enter the date on the document (when it was written or signed).",
                    field="document_date",
                )
            )
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
