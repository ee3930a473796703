"""The coders' queries about a signed note and its provider's answers, under the addenda:
an answer is part of the record (issue 13), so whoever reads the note reads it too."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from medrec_desktop.domain.encounter_views import AnsweredQuery
from medrec_desktop.ui.encounters.note_parts import section_title
from medrec_desktop.ui.encounters.texts import when


def _label(text: str, *, bold: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if bold:
        label.setStyleSheet("font-weight: 600;")
    return label


def answer_text(q: AnsweredQuery) -> str:
    """The answer as one paragraph: the option chosen, then the provider's note."""
    return f"Answer: {q.answer}" + (f" ({q.note})" if q.note else "")


class QueryAnswersView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(8)
        self.heading = section_title("Coding queries answered")
        self.column.addWidget(self.heading)
        self.entries: list[QFrame] = []
        self.shown: tuple[AnsweredQuery, ...] = ()

    def show_queries(self, queries: Sequence[AnsweredQuery]) -> None:
        for frame in self.entries:
            self.column.removeWidget(frame)
            frame.deleteLater()
        self.entries = []
        self.shown = tuple(queries)
        self.heading.setText(f"Coding queries answered ({len(queries)})")
        for n, q in enumerate(queries, start=1):
            frame = QFrame()
            frame.setObjectName("query")
            frame.setStyleSheet(
                "QFrame#query { border-left: 3px solid palette(mid); "
                "background: palette(alternate-base); border-radius: 3px; }"
            )
            inner = QVBoxLayout(frame)
            inner.setContentsMargins(10, 6, 10, 8)
            inner.setSpacing(4)
            inner.addWidget(
                _label(f"{q.kind} · asked by {q.asked_by} · {when(q.asked_at)}", bold=True)
            )
            inner.addWidget(_label(q.question))
            inner.addWidget(_label(answer_text(q)))
            inner.addWidget(_label(f"Answered by {q.answered_by} · {when(q.answered_at)}"))
            frame.setAccessibleName(f"Coding query {n}")
            frame.setAccessibleDescription(f"{q.question} {answer_text(q)}")
            self.column.addWidget(frame)
            self.entries.append(frame)
        self.setVisible(bool(queries))
