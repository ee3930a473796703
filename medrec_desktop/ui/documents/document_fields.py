"""The fields that say what a document is: its type, the date on it, who it is from, a
description, a sensitivity label and the visit it belongs to.

One set of fields for every way a document is filed: attaching a file from a chart and
filing a scan from the scanner inbox. Each field has its message row under it (FieldErrors),
so a refusal is shown beside the field it concerns with everything typed kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QPlainTextEdit

from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.dates import parse_date
from medrec_desktop.domain.documents import DocumentInput, DocumentType
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.security import permissions
from medrec_desktop.ui.widgets.fielderrors import FieldErrors

NO_ENCOUNTER = "— (none)"


class DocumentFields:
    """Adds the rows to ``form`` (messages through ``errors``); reads them back as a
    DocumentInput. The sensitivity labels offered are those ``session``'s role may set."""

    def __init__(self, form: QFormLayout, errors: FieldErrors, *, session: UserSession) -> None:
        self.form = form
        self.doc_type = QComboBox()
        self.doc_type.setAccessibleName("Type")
        for kind in DocumentType:
            self.doc_type.addItem(kind.label, kind.value)
        errors.add_row(form, "&Type *", self.doc_type, "doc_type")
        self.type_name = QLineEdit()
        self.type_name.setAccessibleName("Kind of document")
        self.type_name.setPlaceholderText("e.g. Disability form")
        self.type_name_message = errors.add_row(
            form, "&Kind of document *", self.type_name, "type_name"
        )
        self.doc_type.currentIndexChanged.connect(lambda _i: self._other_shown())

        # Typed as every date in the chart's forms is ("11/02/2026", "2026-11-02", "110226").
        self.document_date = QLineEdit()
        self.document_date.setAccessibleName("Document date")
        self.document_date.setPlaceholderText("MM/DD/YYYY, the date on the document")
        self.document_date.setMaximumWidth(260)
        errors.add_row(form, "Document &date *", self.document_date, "document_date")

        self.author = QLineEdit()
        self.author.setAccessibleName("From")
        self.author.setPlaceholderText("who wrote or sent it, e.g. Dr. Park, Cardiology")
        errors.add_row(form, "Fro&m", self.author, "author")
        self.description = QPlainTextEdit()
        self.description.setAccessibleName("Description")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(64)
        errors.add_row(form, "Descr&iption", self.description, "description")

        self.sensitivity = QComboBox()
        self.sensitivity.setAccessibleName("Sensitivity label")
        self.sensitivity.addItem("None (anyone with chart access)", "")
        if permissions.allowed(session.role, Action.CREATE, DataCategory.SENSITIVE):
            for label in Sensitivity:
                self.sensitivity.addItem(label.label.capitalize(), label.value)
        else:
            self.sensitivity.setEnabled(False)
            self.sensitivity.setToolTip("Your role cannot set sensitivity labels.")
        errors.add_row(form, "Sensitivit&y", self.sensitivity, "sensitivity")

        self.encounter = QComboBox()
        self.encounter.setAccessibleName("Encounter")
        self.encounter.addItem(NO_ENCOUNTER, "")
        self.encounter.setToolTip("The patient's visits whose notes are not signed yet")
        errors.add_row(form, "&Visit (encounter)", self.encounter, "encounter_id")
        self._other_shown()

    def _other_shown(self) -> None:
        """The "Kind of document" row only for the type Other."""
        other = self.doc_type.currentData() == DocumentType.OTHER.value
        self.type_name.setVisible(other)
        label = self.form.labelForField(self.type_name)
        if label is not None:
            label.setVisible(other)
        if not other:
            self.type_name_message.clear_message()

    def set_encounters(self, choices: Sequence[tuple[int, str]]) -> None:
        """The visits to choose from (id, "03/14/2025 office visit"); none chosen."""
        self.encounter.clear()
        self.encounter.addItem(NO_ENCOUNTER, "")
        for ident, text in choices:
            self.encounter.addItem(text, str(ident))

    def set_date(self, day: dt.date) -> None:
        self.document_date.setText(f"{day:%m/%d/%Y}")

    def typed_date(self) -> dt.date | None:
        """The date typed; None when blank. Raises ValidationError when it is not a date."""
        text = self.document_date.text()
        if not text.strip():
            return None
        return parse_date(text, field="document_date")

    def typed(self, file_name: str) -> DocumentInput:
        """What the fields say. Raises ValidationError when the date is not a date."""
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
            file_name=file_name,
        )

    def ready(self, file_name: str) -> DocumentInput:
        """What the fields say, with the date given. Raises ValidationError (said here at
        once: the service would say the same only after the whole file is read)."""
        data = self.typed(file_name)
        if data.document_date is None:
            raise ValidationError(
                "Enter the date on the document (when it was written or signed).",
                field="document_date",
            )
        return data
