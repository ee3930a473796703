"""A patient's request to amend their record (HIPAA right to amend): recording it, then
deciding it.

Accepting makes the change as an addendum on the signed note, citing the request; denying
keeps the reason and, if the patient sends one, their statement of disagreement (which can
also come after the denial). Everything stays with the record and in the request's history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.amendments import AmendmentData, AmendmentDecision
from medrec_desktop.domain.clinical import ItemInfo
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.ui.encounters.kinds import decision_text
from medrec_desktop.ui.encounters.texts import day
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.unsaved import DiscardGuardDialog

NO_NOTE = "(another part of the record)"


def _text_box(name: str, lines: int = 4) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setAccessibleName(name)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 14)
    return box


class _Fields:
    """Inputs with a problem label under each, found by the name a ValidationError carries."""

    def __init__(self, form: QFormLayout) -> None:
        self.form = form
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, StatusLabel] = {}

    def add(self, name: str, label: str, widget: QWidget) -> QLabel:
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        error = StatusLabel()
        error.setAccessibleName(f"{label.replace('&', '').rstrip(' *')} problem")
        column.addWidget(error)
        text = QLabel(label)
        text.setBuddy(widget)
        text.setWordWrap(True)
        self.form.addRow(text, holder)
        self.inputs[name] = widget
        self.errors[name] = error
        return text

    def clear(self) -> None:
        for error in self.errors.values():
            error.clear_message()

    def show(self, err: ValidationError, fallback: StatusLabel) -> None:
        label = self.errors.get(err.field or "")
        if label is None:
            fallback.error(err.message)
            return
        label.error(err.message)
        self.inputs[err.field or ""].setFocus()


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    return form


def _buttons(dialog: DiscardGuardDialog, text: str) -> tuple[QHBoxLayout, QPushButton, QPushButton]:
    row = QHBoxLayout()
    row.addStretch(1)
    cancel = QPushButton("Cancel")
    cancel.clicked.connect(dialog.reject)
    ok = QPushButton(text)
    for b in (cancel, ok):
        b.setAutoDefault(False)
        row.addWidget(b)
    return row, ok, cancel


class AmendmentRequestDialog(DiscardGuardDialog):
    """Record what the patient asked: when it was received, which note (or another part of
    the record), what to change and why. ``submit`` gets the typed values by field name."""

    def __init__(
        self,
        notes: Sequence[tuple[int, str]],
        submit: Callable[[dict[str, str]], None],
        *,
        chosen: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._submit = submit
        self.setWindowTitle("Record an amendment request")
        self.setModal(True)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "The patient asks for a change to their record. Record the request as received; "
            "decide it afterwards (within 60 days) with Decision on the Encounters page."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = _form()
        self.fields = _Fields(form)
        self.received = QLineEdit(f"{dt.date.today():%m/%d/%Y}")
        self.received.setAccessibleName("Received on (required)")
        self.received.setPlaceholderText("MM/DD/YYYY")
        self.received.setMaximumWidth(140)
        self.note = QComboBox()
        self.note.setAccessibleName("Concerns the note")
        self.note.addItem(NO_NOTE, "")
        for encounter_id, name in notes:
            self.note.addItem(name, str(encounter_id))
        if chosen is not None:
            self.note.setCurrentIndex(max(self.note.findData(str(chosen)), 0))
        self.concerns = QLineEdit()
        self.concerns.setAccessibleName("Part of the record")
        self.concerns.setPlaceholderText("e.g. the allergy list (when it is not a note)")
        self.change = _text_box("What the patient asks to change (required)")
        self.reason = _text_box("Why, in the patient's words")
        self.fields.add("received_on", "&Received on *", self.received)
        self.fields.add("encounter_id", "Concerns the &note", self.note)
        self.fields.add("concerns", "&Part of the record", self.concerns)
        self.fields.add("requested_change", "&What to change *", self.change)
        self.fields.add("patient_reason", "W&hy (the patient's words)", self.reason)
        layout.addLayout(form)
        self.error = StatusLabel()
        layout.addWidget(self.error)
        row, self.save_button, _cancel = _buttons(self, "&Save request")
        self.save_button.clicked.connect(self._save)
        layout.addLayout(row)
        self.resize(640, self.sizeHint().height())
        self.received.setFocus()

    def values(self) -> dict[str, str]:
        return {
            "received_on": self.received.text(),
            "encounter_id": str(self.note.currentData() or ""),
            "concerns": self.concerns.text(),
            "requested_change": self.change.toPlainText(),
            "patient_reason": self.reason.toPlainText(),
        }

    def _save(self) -> None:
        self.fields.clear()
        self.error.clear_message()
        if not self.change.toPlainText().strip():
            self.fields.show(
                ValidationError("Say what the patient asks to change.", field="requested_change"),
                self.error,
            )
            return
        self.save_button.setEnabled(False)
        self._submit(self.values())

    def refused(self, err: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(err, ValidationError):
            self.fields.show(err, self.error)
        elif isinstance(err, KnownError):
            self.error.error(err.message)
        else:
            raise err

    def done_saving(self) -> None:
        self.tracker.mark_clean()
        self.accept()


class DecisionDialog(DiscardGuardDialog):
    """Decide a pending request (accept with the change to make, or deny with the reason and
    any statement of disagreement), or add the patient's statement to a denied one."""

    def __init__(
        self,
        request: ItemInfo[AmendmentData],
        note: str,
        *,
        accept: Callable[[str], None],
        deny: Callable[[str, str | None], None],
        disagree: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.request = request
        self._accept, self._deny, self._disagree = accept, deny, disagree
        d = request.data
        pending = d.decision is AmendmentDecision.PENDING
        self.setWindowTitle("Decide an amendment request" if pending else "Amendment request")
        self.setModal(True)
        layout = QVBoxLayout(self)
        asked = QGroupBox("The request")
        shown = _form()
        asked.setLayout(shown)
        for label, text in (
            ("Received", day(d.received_on)),
            ("Concerns", note),
            ("What to change", d.requested_change),
            ("Why", d.patient_reason or "(no reason given)"),
            (
                "Decision",
                decision_text(d.decision) + (f" on {day(d.decided_on)}" if d.decided_on else ""),
            ),
        ):
            value = QLabel(text)
            value.setWordWrap(True)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            shown.addRow(QLabel(f"{label}:"), value)
        if d.denial_reason:
            shown.addRow(QLabel("Reason for denial:"), QLabel(d.denial_reason))
        if d.disagreement:
            shown.addRow(QLabel("Statement of disagreement:"), QLabel(d.disagreement))
        layout.addWidget(asked)
        form = _form()
        self.fields = _Fields(form)
        self.accept_choice = QRadioButton("&Accept: make the change as an addendum to the note")
        self.deny_choice = QRadioButton("&Deny")
        self.choice = QButtonGroup(self)
        self.choice.addButton(self.accept_choice)
        self.choice.addButton(self.deny_choice)
        self.change = _text_box("The change to make (required)", 5)
        self.denial = _text_box("Reason for denial (required)", 3)
        self.disagreement = _text_box("Statement of disagreement", 3)
        self.mode = (
            "pending"
            if pending
            else (
                "disagree"
                if d.decision is AmendmentDecision.DENIED and not d.disagreement
                else "done"
            )
        )
        if self.mode == "pending":
            choices = QVBoxLayout()
            choices.addWidget(self.accept_choice)
            choices.addWidget(self.deny_choice)
            layout.addLayout(choices)
            self.change_label = self.fields.add(
                "text", "The &change, as the addendum says it *", self.change
            )
            self.denial_label = self.fields.add(
                "denial_reason", "Reason for de&nial *", self.denial
            )
            self.fields.add(
                "disagreement", "Patient's statement of d&isagreement", self.disagreement
            )
            self.accept_choice.toggled.connect(self._switch)
            self.deny_choice.toggled.connect(self._switch)
            if d.encounter_id is None:
                # An addendum needs a signed note; a change elsewhere in the record is made
                # in its own list and the request is then accepted with what was changed.
                self.accept_choice.setToolTip("The addendum goes on the note the request names")
        elif self.mode == "disagree":
            self.fields.add(
                "disagreement", "Patient's statement of d&isagreement *", self.disagreement
            )
        layout.addLayout(form)
        self.error = StatusLabel()
        layout.addWidget(self.error)
        verb = {"pending": "&Record decision", "disagree": "&Record statement", "done": "Close"}
        row, self.ok_button, cancel = _buttons(self, verb[self.mode])
        cancel.setVisible(self.mode != "done")
        self.ok_button.clicked.connect(self._submit)
        layout.addLayout(row)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut(QKeySequence(keys), self, self._submit, Qt.ShortcutContext.WindowShortcut)
        if self.mode == "pending":
            self._switch()
        self.resize(680, self.sizeHint().height())

    def _switch(self, _on: bool = False) -> None:
        accepting = self.accept_choice.isChecked()
        denying = self.deny_choice.isChecked()
        self.change.setEnabled(accepting)
        self.denial.setEnabled(denying)
        self.disagreement.setEnabled(denying)

    def _submit(self) -> None:
        if not self.ok_button.isEnabled():
            return
        if self.mode == "done":
            self.accept()
            return
        self.fields.clear()
        self.error.clear_message()
        if self.mode == "disagree":
            text = self.disagreement.toPlainText()
            if not text.strip():
                self._refuse("Type the patient's statement of disagreement.", "disagreement")
                return
            self.ok_button.setEnabled(False)
            self._disagree(text)
        elif self.accept_choice.isChecked():
            text = self.change.toPlainText()
            if not text.strip():
                self._refuse("Write the change to make; it becomes the addendum.", "text")
                return
            self.ok_button.setEnabled(False)
            self._accept(text)
        elif self.deny_choice.isChecked():
            reason = self.denial.toPlainText()
            if not reason.strip():
                self._refuse(
                    "Give the basis for the denial (the patient receives it in writing).",
                    "denial_reason",
                )
                return
            self.ok_button.setEnabled(False)
            self._deny(reason, self.disagreement.toPlainText().strip() or None)
        else:
            self.error.error("Choose Accept or Deny.")
            self.accept_choice.setFocus()

    def _refuse(self, message: str, field: str) -> None:
        self.fields.show(ValidationError(message, field=field), self.error)

    def refused(self, err: BaseException) -> None:
        self.ok_button.setEnabled(True)
        if isinstance(err, ValidationError):
            self.fields.show(err, self.error)
        elif isinstance(err, KnownError):
            self.error.error(err.message)
        else:
            raise err

    def decided(self) -> None:
        self.tracker.mark_clean()
        self.accept()
