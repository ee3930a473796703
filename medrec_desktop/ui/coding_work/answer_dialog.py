"""The provider answers a coder's query (issue 13): the question and the clinical indicators
as the coder wrote them, the options as radio buttons (arrow keys move between them, Alt+1…
picks one), a note ("Other" needs one). The answer becomes part of the encounter's record.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.coder_queries import OTHER, QueryRow, checked_answer
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.ui.encounters.texts import day, local, when
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.unsaved import DiscardGuardDialog

NOTE_LABEL = "&Note:"
NOTE_REQUIRED = "&Note (required for “Other”):"


def _text(text: str, *, bold: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if bold:
        label.setStyleSheet("font-weight: 600;")
    return label


class AnswerDialog(DiscardGuardDialog):
    def __init__(
        self,
        query: QueryRow,
        submit: Callable[[str, str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.query = query
        self._submit = submit
        self.setWindowTitle("Answer the coder's query")
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        layout.addWidget(
            _text(
                f"{query.template.label} · asked by {query.asked_by} on {when(query.asked_at)} "
                f"about {query.patient_name} (MRN {query.mrn}), visit of "
                f"{day(local(query.encounter_starts_at).date())}."
            )
        )
        layout.addWidget(_text("Question", bold=True))
        self.question = _text(query.question)
        self.question.setAccessibleName("Question")
        layout.addWidget(self.question)
        if query.indicators:
            layout.addWidget(_text("Clinical indicators", bold=True))
            self.indicators = _text(query.indicators)
            self.indicators.setAccessibleName("Clinical indicators")
            layout.addWidget(self.indicators)
        self.options_box = QGroupBox("Your answer")
        box = QVBoxLayout(self.options_box)
        self.group = QButtonGroup(self)
        self.buttons: list[QRadioButton] = []
        for i, option in enumerate(query.options):
            digit = str((i + 1) % 10)
            # "&&" keeps an ampersand in an option's words from becoming a mnemonic.
            button = QRadioButton(f"&{digit}  {option.replace('&', '&&')}")
            button.setAccessibleName(option)
            self.group.addButton(button, i)
            self.buttons.append(button)
            box.addWidget(button)
        layout.addWidget(self.options_box)
        self.options_error = StatusLabel()
        self.options_error.setAccessibleName("Answer problem")
        layout.addWidget(self.options_error)
        self.note_label = QLabel(NOTE_LABEL)
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("Anything the coder should know (what the other answer is)")
        self.note.setMinimumHeight(self.note.fontMetrics().lineSpacing() * 3 + 14)
        self.note_label.setBuddy(self.note)
        self.note_error = StatusLabel()
        self.note_error.setAccessibleName("Note problem")
        self.error = StatusLabel()
        for w in (self.note_label, self.note, self.note_error, self.error):
            layout.addWidget(w)
        buttons = QHBoxLayout()
        hint = QLabel("Arrow keys choose; Ctrl+Enter sends")
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        buttons.addWidget(hint)
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.send_button = QPushButton("&Send answer")
        for b in (self.cancel_button, self.send_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.group.idToggled.connect(lambda _i, _on: self._chosen_changed())
        self.cancel_button.clicked.connect(self.reject)
        self.send_button.clicked.connect(self._send)
        for k in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut(QKeySequence(k), self, self._send, Qt.ShortcutContext.WindowShortcut)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        # The wrapped question and indicators need the height their 600-pixel width gives
        # them; the minimum size alone squeezed the answer options together.
        fits = layout.totalHeightForWidth(600) if layout.hasHeightForWidth() else 0
        self.resize(600, max(self.minimumSizeHint().height(), fits))
        if self.buttons:
            self.buttons[0].setFocus()

    def answer(self) -> str | None:
        chosen = self.group.checkedId()
        return self.query.options[chosen] if chosen >= 0 else None

    def _chosen_changed(self) -> None:
        self.options_error.clear_message()
        self.note_label.setText(NOTE_REQUIRED if self.answer() == OTHER else NOTE_LABEL)

    def _send(self) -> None:
        for label in (self.options_error, self.note_error, self.error):
            label.clear_message()
        answer = self.answer()
        if answer is None:
            self.options_error.error("Choose one of the answers.")
            (self.buttons[0] if self.buttons else self.options_box).setFocus()
            return
        try:
            checked_answer(self.query.options, answer, self.note.toPlainText())
        except ValidationError as err:
            self._show(err)
            return
        self.send_button.setEnabled(False)
        self._submit(answer, self.note.toPlainText())

    def _show(self, err: ValidationError) -> None:
        if err.field == "answer_note":
            self.note_error.error(err.message)
            self.note.setFocus()
        elif err.field == "answer":
            self.options_error.error(err.message)
        else:
            self.error.error(err.message)

    def refused(self, err: BaseException) -> None:
        """The service said no: said where it belongs, the choice and note kept."""
        self.send_button.setEnabled(True)
        if not isinstance(err, KnownError):
            raise err
        if isinstance(err, ValidationError):
            self._show(err)
        else:
            self.error.error(err.message)

    def answered(self) -> None:
        self.tracker.mark_clean()
        self.accept()
