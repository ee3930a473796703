"""The pieces of the encounter view: note text that grows with what is written, the problems
addressed as a tick list, the entries linked to the visit and the addenda under a signed note.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.amendments import AddendumInfo
from medrec_desktop.domain.encounter_views import LinkedEntry
from medrec_desktop.ui.encounters.kinds import problem_ids
from medrec_desktop.ui.encounters.texts import when
from medrec_desktop.ui.widgets.status import StatusLabel

ID_ROLE = Qt.ItemDataRole.UserRole
ABNORMAL = "⚠"


class NoteText:
    """A note box as tall as its text (between ``least`` and ``most`` lines), so a note is
    read down the page like paper, not through four small windows. Read only (a signed
    note), it loses its frame and spare lines and reads like the printed page."""

    def __init__(self, box: QPlainTextEdit, *, least: int = 3, most: int = 14) -> None:
        self.box = box
        self.least, self.most = least, most
        self.editing_least = least
        box.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        box.textChanged.connect(self.fit)
        box.document().documentLayout().documentSizeChanged.connect(lambda _s: self.fit())
        self.fit()

    def reading(self, read_only: bool) -> None:
        self.least = 1 if read_only else self.editing_least
        self.box.setFrameShape(QFrame.Shape.NoFrame if read_only else QFrame.Shape.StyledPanel)
        self.box.setStyleSheet("QPlainTextEdit { background: transparent; }" if read_only else "")
        self.box.setPlaceholderText("Nothing written." if read_only else "")
        self.fit()

    def fit(self) -> None:
        box = self.box
        doc = box.document()
        lines = 0
        block = doc.begin()
        while block.isValid():
            layout = block.layout()
            lines += max(1, layout.lineCount() if layout is not None else 1)
            block = block.next()
        shown = min(max(lines, self.least), self.most)
        margins = box.contentsMargins()
        height = (
            box.fontMetrics().lineSpacing() * shown
            + int(doc.documentMargin() * 2)
            + margins.top()
            + margins.bottom()
            + 4
        )
        if box.height() != height:
            box.setFixedHeight(height)


class ProblemsPicker(QWidget):
    """The patient's problems with a tick on those this visit addressed (Space ticks). The
    ticked ids are held as text ("3,5") in a hidden field, which is what the form's change
    tracker and drafts watch; reloading the problems never looks like an edit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setAccessibleName("Problems addressed")
        self.list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.held = QLineEdit()
        self.held.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Problems addressed status")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.list)
        column.addWidget(self.status)
        self._read_only = False
        self._loading = False
        self.list.itemChanged.connect(self._ticked)
        self._fit()

    def _fit(self) -> None:
        rows = min(max(self.list.count(), 2), 7)
        self.list.setFixedHeight(
            self.list.sizeHintForRow(0) * rows + 8 if self.list.count() else 44
        )

    def set_options(self, options: Sequence[tuple[str, str]]) -> None:
        """The problems to choose from (id, text); ticked ones not offered (no longer seen by
        this role, or entered in error) are kept, never silently dropped."""
        chosen = problem_ids(self.held.text())
        offered = {int(i) for i, _ in options}
        self._loading = True
        self.list.clear()
        for stored, text in options:
            self._add(int(stored), text, int(stored) in chosen)
        for missing in chosen:
            if missing not in offered:
                self._add(missing, f"A problem already linked (no. {missing})", True)
        self._loading = False
        self.status.setText("" if options else "No problems on the chart yet.")
        self._fit()

    def _add(self, problem_id: int, text: str, ticked: bool) -> None:
        row = QListWidgetItem(text, self.list)
        row.setData(ID_ROLE, problem_id)
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self._read_only:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        row.setFlags(flags)
        row.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    def _ticked(self, _item: QListWidgetItem) -> None:
        if self._loading:
            return
        ids = [
            str(row.data(ID_ROLE))
            for i in range(self.list.count())
            if (row := self.list.item(i)) is not None and row.checkState() == Qt.CheckState.Checked
        ]
        self.held.setText(",".join(ids))

    def value(self) -> str:
        return self.held.text()

    def set_value(self, value: str) -> None:
        self.held.setText(",".join(str(i) for i in problem_ids(value)))
        chosen = problem_ids(value)
        self._loading = True
        for i in range(self.list.count()):
            row = self.list.item(i)
            if row is not None:
                ticked = int(row.data(ID_ROLE)) in chosen
                row.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        self._loading = False

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for i in range(self.list.count()):
            row = self.list.item(i)
            if row is None:
                continue
            flags = row.flags()
            if read_only:
                flags &= ~Qt.ItemFlag.ItemIsUserCheckable
            else:
                flags |= Qt.ItemFlag.ItemIsUserCheckable
            row.setFlags(flags)


def error_label(name: str) -> StatusLabel:
    """The line under a field that explains a refused value."""
    error = StatusLabel()
    error.setAccessibleName(f"{name} problem")
    return error


def section_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: 600; margin-top: 6px;")
    return label


class LinkedList(QLabel):
    """The vitals, results or procedures of the visit, one line each ("⚠" marks an abnormal
    one, beside the words: never colour alone)."""

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.what = what
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAccessibleName(f"Linked {what}")
        self.show_entries(())

    def show_entries(self, entries: Sequence[LinkedEntry]) -> None:
        if not entries:
            self.setText(f"No {self.what} linked.")
            self.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            return
        self.setForegroundRole(QPalette.ColorRole.WindowText)
        self.setText(
            "\n".join(
                f"{ABNORMAL + ' ' if e.abnormal else ''}{when(e.when)} · {e.text}" for e in entries
            )
        )


class AddendaView(QWidget):
    """The addenda of a signed note in the order written: who, when, why, and the text (an
    addendum made by accepting an amendment request says so)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(8)
        self.heading = section_title("Addenda")
        self.column.addWidget(self.heading)
        self.entries: list[QFrame] = []

    def show_addenda(self, addenda: Sequence[AddendumInfo]) -> None:
        for frame in self.entries:
            self.column.removeWidget(frame)
            frame.deleteLater()
        self.entries = []
        self.heading.setText(f"Addenda ({len(addenda)}), in the order written")
        for n, addendum in enumerate(addenda, start=1):
            frame = QFrame()
            frame.setObjectName("addendum")
            frame.setStyleSheet(
                "QFrame#addendum { border-left: 3px solid palette(mid); "
                "background: palette(alternate-base); border-radius: 3px; }"
            )
            inner = QVBoxLayout(frame)
            inner.setContentsMargins(10, 6, 10, 8)
            inner.setSpacing(4)
            cited = (
                f" · amendment request no. {addendum.amendment_request_id}"
                if addendum.amendment_request_id is not None
                else ""
            )
            head = QLabel(f"Addendum {n} · {addendum.author} · {when(addendum.written_at)}{cited}")
            head.setTextFormat(Qt.TextFormat.PlainText)
            head.setStyleSheet("font-weight: 600;")
            why = QLabel(f"Why: {addendum.reason}")
            why.setWordWrap(True)
            why.setTextFormat(Qt.TextFormat.PlainText)
            text = QLabel(addendum.text)
            text.setWordWrap(True)
            text.setTextFormat(Qt.TextFormat.PlainText)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            for label in (head, why, text):
                inner.addWidget(label)
            frame.setAccessibleName(f"Addendum {n}")
            frame.setAccessibleDescription(f"{addendum.reason}. {addendum.text}")
            self.column.addWidget(frame)
            self.entries.append(frame)
        self.setVisible(bool(addenda))

    def texts(self) -> list[str]:
        """Each addendum's text as shown (tests, screenshots)."""
        return [
            " | ".join(lbl.text() for lbl in frame.findChildren(QLabel)) for frame in self.entries
        ]
