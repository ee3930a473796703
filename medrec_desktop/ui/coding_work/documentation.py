"""What the coder codes from, beside the codes and read only: the signed note (visit line,
reason, SOAP sections, the problems it addressed, what was recorded in it, its addenda) and
the patient's problem list with its ICD-10-CM codes, from which a diagnosis is added in one
step (Enter or the button) and linked to the problem.

The note reads like the encounter view's signed note (``ui/encounters``: its linked-entry
lines and addenda are reused), with the words selectable for copying, never editable here.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.clinical import ItemInfo
from medrec_desktop.domain.encounter_views import EncounterDetail
from medrec_desktop.domain.encounters import SOAP_SECTIONS
from medrec_desktop.domain.problems import ProblemData
from medrec_desktop.ui.encounters.note_parts import AddendaView, LinkedList, section_title
from medrec_desktop.ui.encounters.texts import signed_text, type_label, when
from medrec_desktop.ui.widgets.shortcuts import shortcut

ID_ROLE = Qt.ItemDataRole.UserRole
CODE_ROLE = Qt.ItemDataRole.UserRole + 1
TEXT_ROLE = Qt.ItemDataRole.UserRole + 2


def _text(value: str = "") -> QLabel:
    label = QLabel(value)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class NoteView(QScrollArea):
    """The encounter's note as signed, down the page, with its addenda under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Encounter note (read only)")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrows and Page Down scroll it
        page = QWidget()
        self.column = QVBoxLayout(page)
        self.column.setContentsMargins(8, 6, 8, 8)
        self.column.setSpacing(3)
        self.heading = _text()
        self.heading.setStyleSheet("font-weight: 600;")
        self.visit = _text()
        self.visit.setAccessibleName("Visit")
        self.column.addWidget(self.heading)
        self.column.addWidget(self.visit)
        self.sections: dict[str, QLabel] = {}
        for name in SOAP_SECTIONS:
            self.column.addWidget(section_title(name.capitalize()))
            self.sections[name] = _text()
            self.sections[name].setAccessibleName(name.capitalize())
            self.column.addWidget(self.sections[name])
        self.column.addWidget(section_title("Problems addressed"))
        self.addressed = _text()
        self.addressed.setAccessibleName("Problems addressed")
        self.column.addWidget(self.addressed)
        self.linked: dict[str, LinkedList] = {}
        for key, title, what in (
            ("vitals", "Vitals taken", "vitals"),
            ("tests", "Test results", "results"),
            ("procedures", "Treatments and procedures", "procedures"),
        ):
            self.column.addWidget(section_title(title))
            self.linked[key] = LinkedList(what)
            self.column.addWidget(self.linked[key])
        self.withheld = _text()
        self.withheld.hide()
        self.column.addWidget(self.withheld)
        self.addenda = AddendaView()
        self.addenda.hide()
        self.column.addWidget(self.addenda)
        self.column.addStretch(1)
        self.setWidget(page)
        self.show_detail(None)

    def show_detail(self, detail: EncounterDetail | None) -> None:
        if detail is None:
            self.heading.setText("Loading the note…")
            self.visit.clear()
            for label in self.sections.values():
                label.clear()
            self.addressed.clear()
            for linked in self.linked.values():
                linked.show_entries(())
            self.addenda.show_addenda(())
            return
        d = detail.item.data
        self.heading.setText(
            f"{type_label(d.encounter_type)} · {when(d.starts_at)} · {signed_text(detail.locked)}"
            + (f" by {detail.signed_by}" if detail.signed_by else "")
        )
        where = f" · Location: {d.location}" if d.location else ""
        self.visit.setText(
            f"Provider: {detail.provider}{where}\nReason for visit: {d.reason_for_visit}"
        )
        for name, label in self.sections.items():
            text = getattr(d, name) or ""
            label.setText(text or "Nothing written.")
            label.setForegroundRole(
                QPalette.ColorRole.WindowText if text else QPalette.ColorRole.PlaceholderText
            )
        self.addressed.setText(
            "\n".join(f"• {text}" for _, text in detail.problems) or "None ticked."
        )
        self.linked["vitals"].show_entries(detail.vitals)
        self.linked["tests"].show_entries(detail.tests)
        self.linked["procedures"].show_entries(detail.procedures)
        n = detail.withheld
        self.withheld.setText(
            f"⊘ {n} linked entr{'ies' if n != 1 else 'y'} withheld (sensitivity label)"
        )
        self.withheld.setVisible(bool(n))
        self.addenda.show_addenda(detail.addenda)

    def note_text(self) -> str:
        """Everything the note shows, in reading order (tests, screenshots)."""
        parts = [self.heading.text(), self.visit.text()]
        parts += [label.text() for label in self.sections.values()]
        parts += self.addenda.texts()
        return "\n".join(parts)


class ProblemList(QWidget):
    """The patient's problems with their codes; Enter (or the button) adds the selected one's
    code as a diagnosis linked to it. A problem without a code goes to the code search."""

    #: (code, words, problem id)
    add_requested = Signal(str, str, int)
    #: (words) a problem without a code: search the code sets for it
    search_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        top = QHBoxLayout()
        self.heading = QLabel("Prob&lem list")
        self.heading.setStyleSheet("font-weight: 600;")
        self.add_button = QPushButton("Add as dia&gnosis")
        self.add_button.setToolTip(
            "Add the problem's code as a diagnosis of this encounter, linked to it (Enter)"
        )
        self.add_button.setAutoDefault(False)
        top.addWidget(self.heading)
        top.addStretch(1)
        top.addWidget(self.add_button)
        column.addLayout(top)
        self.list = QListWidget()
        self.list.setAccessibleName("Problem list")
        self.heading.setBuddy(self.list)
        self.list.setWordWrap(True)
        column.addWidget(self.list, 1)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: palette(placeholder-text);")
        self.note.hide()
        column.addWidget(self.note)
        self.add_button.clicked.connect(self.add_selected)
        self.list.itemDoubleClicked.connect(lambda _i: self.add_selected())
        for k in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut(k, self.list, self.add_selected)
        self._editable = True

    def show_problems(
        self,
        problems: Sequence[ItemInfo[ProblemData]],
        coded: Sequence[str],
        withheld: Sequence[str] = (),
    ) -> None:
        """``coded``: the diagnoses of this encounter, so each problem says whether (and
        where) it is coded here: the link back from the list to the codes."""
        current = self.list.currentRow()
        where = {c.replace(".", "").upper(): i for i, c in enumerate(coded, 1)}
        self.list.clear()
        for p in problems:
            d = p.data
            code = d.icd10cm or ""
            chronic = " · chronic" if d.chronic else ""
            at = where.get(code.replace(".", "").upper()) if code else None
            mark = f"   ✔ diagnosis {at} here" if at is not None else ""
            item = QListWidgetItem(f"{code or '(no code)'}  {d.description}{chronic}{mark}")
            item.setData(ID_ROLE, int(p.id))
            item.setData(CODE_ROLE, code)
            item.setData(TEXT_ROLE, d.description)
            item.setToolTip(
                f"Coded on this encounter as diagnosis {at}"
                if at is not None
                else "Enter adds its code as a diagnosis"
                if code
                else "No code on the problem list: Enter searches the code sets for it"
            )
            self.list.addItem(item)
        if not problems:
            self.list.addItem(QListWidgetItem("No active problems on the list."))
        if 0 <= current < self.list.count():
            self.list.setCurrentRow(current)
        self.note.setText("\n".join(withheld))
        self.note.setVisible(bool(withheld))

    def add_selected(self) -> None:
        item = self.list.currentItem()
        if not self._editable or item is None or item.data(ID_ROLE) is None:
            return
        code = str(item.data(CODE_ROLE) or "")
        words = str(item.data(TEXT_ROLE) or "")
        if code:
            self.add_requested.emit(code, words, int(item.data(ID_ROLE)))
        else:
            self.search_requested.emit(words)

    def set_editable(self, editable: bool, why: str) -> None:
        self._editable = editable
        self.add_button.setEnabled(editable)
        self.add_button.setToolTip(
            "Add the problem's code as a diagnosis of this encounter, linked to it (Enter)"
            if editable
            else why
        )
