"""Move a document filed to the wrong chart: find the right patient by keyboard (type, Up /
Down, Enter), say why, and move it.

Moving is not an edit: the document is marked entered in error here (with the reason) and
filed on the other chart as it was, so both charts' histories show what happened. The dialog
says so before anything is done. No button is the default: Enter in the reason must never
move a document by reflex. The dialog stays open until the service has answered, so a
refusal is shown beside its field with the patient and the reason kept.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.ui.inbox.patient_picker import PatientChoice, PatientPicker
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.widgets.fielderrors import FieldErrors
from medrec_desktop.ui.widgets.status import StatusLabel

WARNING = (
    "It is marked entered in error on this chart, with your reason, and filed on the other "
    "chart; both charts' histories show the move."
)


class RefileDialog(QDialog):
    """``submit(choice, reason)`` asks the service (on the runner); it answers through
    ``refused`` or closes the dialog."""

    def __init__(
        self,
        what: str,
        submit: Callable[[PatientChoice, str], None],
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: UserSession,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._submit = submit
        self.setWindowTitle("Move to another patient")
        self.setModal(True)
        layout = QVBoxLayout(self)
        intro = QLabel(f"Move “{what}” to another patient's chart.")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)
        warning = QLabel(f"⚠  {WARNING}")
        warning.setWordWrap(True)
        warning.setAccessibleName("What moving does")
        warning.setStyleSheet("font-weight: 600;")
        layout.addWidget(warning)

        self.message = StatusLabel()
        self.message.setAccessibleName("Move message")
        self.errors = FieldErrors(self.message)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.picker = PatientPicker(services=services, runner=runner, session=session)
        self.errors.add_row(form, "&Patient *", self.picker, "patient", "to_patient")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason (required)")
        self.reason.setPlaceholderText("e.g. scanned into the wrong chart")
        self.errors.add_row(form, "&Reason *", self.reason, "reason")
        self.picker.picked.connect(lambda _c: self.reason.setFocus())
        layout.addLayout(form, 1)
        layout.addWidget(self.message)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.move_button = QPushButton("&Move")
        self.move_button.setToolTip("Move the document to the patient chosen")
        self.cancel_button = QPushButton("Cancel")
        for b in (self.move_button, self.cancel_button):
            b.setAutoDefault(False)
            b.setDefault(False)
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.move_button.clicked.connect(self._move)
        self.cancel_button.clicked.connect(self.reject)
        self.resize(640, 520)
        self.picker.setFocus()

    def _move(self) -> None:
        if not self.move_button.isEnabled():
            return
        self.errors.clear()
        choice = self.picker.chosen
        if choice is None:
            self.errors.show(
                ValidationError(
                    "Choose the patient: type a name, date of birth or MRN, then Enter.",
                    field="patient",
                )
            )
            return
        if not self.reason.text().strip():
            self.errors.show(ValidationError("Say why the document is moved.", field="reason"))
            return
        self.move_button.setEnabled(False)
        self.message.info("Moving…")
        self._submit(choice, self.reason.text())

    def refused(self, err: BaseException) -> None:
        """The service said no: explain beside the field, keep the patient and reason."""
        self.move_button.setEnabled(True)
        if isinstance(err, ValidationError):
            self.errors.show(err)
        elif isinstance(err, KnownError):
            self.message.error(err.message)
        else:
            raise err
