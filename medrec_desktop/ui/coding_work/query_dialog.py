"""Asking the provider (issue 13): a compliant, non-leading query. The kind of query fills
the question and the options from the templates with [bracketed] parts for the coder to
replace with what the record says (F3 selects the next one); the clinical indicators ground
the question; "Other (please specify)" and "Unable to determine" are always offered.

Each problem is said under its field with what was typed kept; the checks are the domain's
own (run here first, then by the service).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPalette, QTextCursor
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.coder_queries import ALWAYS, TEMPLATES, QueryInput, QueryTemplate
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.ui.widgets.fielderrors import FieldErrors
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.unsaved import DiscardGuardDialog

_BRACKET = re.compile(r"\[[^\[\]]*\]")
BRACKET_HINT = "Replace each [bracketed] part with what the record says; F3 selects the next one."


def select_next_bracket(edit: QPlainTextEdit) -> bool:
    """Select the next [bracketed] part after the cursor (from the top when none is after
    it), so typing replaces it. False when none is left."""
    text = edit.toPlainText()
    start = edit.textCursor().selectionEnd()
    found = _BRACKET.search(text, start) or _BRACKET.search(text)
    if found is None:
        return False
    cursor = edit.textCursor()
    cursor.setPosition(found.start())
    cursor.setPosition(found.end(), QTextCursor.MoveMode.KeepAnchor)
    edit.setTextCursor(cursor)
    return True


def _text_edit(name: str, lines: int) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setTabChangesFocus(True)
    edit.setAccessibleName(name)
    edit.setMinimumHeight(edit.fontMetrics().lineSpacing() * lines + 14)
    return edit


class QueryDialog(DiscardGuardDialog):
    def __init__(
        self,
        *,
        about: str,
        provider: str,
        submit: Callable[[QueryInput], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._submit = submit
        self._filled_question = ""
        self._filled_options = ""
        self.setWindowTitle("Ask the provider")
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        intro = QLabel(
            f"A query to {provider} about {about}. Ask about the clinical picture only: "
            "never suggest an answer, and never mention payment."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)
        hint = QLabel(BRACKET_HINT)
        hint.setWordWrap(True)
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(hint)
        self.error = StatusLabel()
        self.errors = FieldErrors(self.error)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.template = QComboBox()
        self.template.setAccessibleName("Kind of query")
        for kind in QueryTemplate:
            self.template.addItem(kind.label, kind.value)
        self.question = _text_edit("Question", 4)
        self.indicators = _text_edit("Clinical indicators", 4)
        self.indicators.setPlaceholderText(
            "What the record shows, with dates: results, vital signs, medications, the "
            "provider's own words"
        )
        self.options = _text_edit("Options, one per line", 4)
        self.options.setToolTip("One answer per line; every answer must be clinically reasonable")
        # Shown as included, and not an input: nobody can take them out.
        self.always = QLabel("   ".join(f"✔ {text}" for text in ALWAYS))
        self.always.setAccessibleName("Always offered")
        self.always.setToolTip("Every query offers these answers; they cannot be removed")
        # A text label given to QFormLayout becomes the field's buddy: Alt+letter goes there.
        for text, widget, name in (
            ("&Kind of query:", self.template, "template"),
            ("&Question:", self.question, "question"),
            ("Clinical &indicators:", self.indicators, "indicators"),
            ("&Options (one per line):", self.options, "options"),
        ):
            self.errors.add_row(form, text, widget, name)
        form.addRow("Always offered:", self.always)
        layout.addLayout(form)
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        keys = QLabel("Ctrl+Enter sends it")
        keys.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        buttons.addWidget(keys)
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.send_button = QPushButton("&Send query")
        for b in (self.cancel_button, self.send_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        layout.addLayout(buttons)

        self.template.currentIndexChanged.connect(lambda _i: self._fill())
        self.cancel_button.clicked.connect(self.reject)
        self.send_button.clicked.connect(self._send)
        for k in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut(QKeySequence(k), self, self._send, Qt.ShortcutContext.WindowShortcut)
        shortcut(QKeySequence("F3"), self, self._next_bracket, Qt.ShortcutContext.WindowShortcut)
        self._fill()
        # As tall as the fields' few lines need: a message appearing grows the dialog.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.resize(640, self.minimumSizeHint().height())
        self.template.setFocus()

    # ------------------------------------------------------------------ templates

    def chosen(self) -> QueryTemplate:
        return QueryTemplate(str(self.template.currentData()))

    def _fill(self) -> None:
        """The template's wording, unless the coder has changed what the last one put in
        (their words are kept, and they are told)."""
        text = TEMPLATES[self.chosen()]
        options = "\n".join(text.options)
        kept = []
        if self.question.toPlainText().strip() in ("", self._filled_question):
            self.question.setPlainText(text.question)
            self._filled_question = text.question
        else:
            kept.append("question")
        if self.options.toPlainText().strip() in ("", self._filled_options):
            self.options.setPlainText(options)
            self._filled_options = options
        else:
            kept.append("options")
        if kept:
            self.error.info(
                f"Your {' and '.join(kept)} {'were' if len(kept) > 1 else 'was'} kept; clear "
                f"{'them' if len(kept) > 1 else 'it'} to use the wording of “{text.name}”."
            )

    def _next_bracket(self) -> None:
        focus = QApplication.focusWidget()
        edit = focus if isinstance(focus, QPlainTextEdit) else self.question
        if not select_next_bracket(edit) and edit is not self.options:
            if select_next_bracket(self.options):
                edit = self.options
        edit.setFocus()

    # ------------------------------------------------------------------ sending

    def typed(self) -> QueryInput:
        return QueryInput(
            template=self.chosen(),
            question=self.question.toPlainText(),
            options=tuple(self.options.toPlainText().splitlines()),
            indicators=self.indicators.toPlainText(),
        )

    def _send(self) -> None:
        self.errors.clear()
        query = self.typed()
        try:
            query.validated()  # the same checks the service makes, said before sending
        except ValidationError as err:
            self.errors.show(err)
            return
        self.send_button.setEnabled(False)
        self._submit(query)

    def refused(self, err: BaseException) -> None:
        """The service said no: under the field it names, with the typed text kept."""
        self.send_button.setEnabled(True)
        if not isinstance(err, KnownError):
            raise err
        if isinstance(err, ValidationError):
            self.errors.show(err)
        else:
            self.error.error(err.message)

    def sent(self) -> None:
        self.tracker.mark_clean()
        self.accept()
