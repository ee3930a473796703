"""One code in full: title, hierarchy, billable or header, validity on the date of service,
HCC category, the 7th-character builder and every tabular note that applies."""

from __future__ import annotations

import html
from collections import OrderedDict

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.coding.codes import display_node, normalize
from medrec_desktop.coding.types import CodeDetail, Note

#: the order coders read notes in, and what each kind is called in the tabular
NOTE_KINDS = OrderedDict(
    [
        ("includes", "Includes"),
        ("inclusion", "Inclusion terms"),
        ("excludes1", "Excludes1 (never coded together)"),
        ("excludes2", "Excludes2 (not included here; may be coded together)"),
        ("code_first", "Code first"),
        ("use_additional", "Use additional code"),
        ("code_also", "Code also"),
        ("note", "Notes"),
        ("seventh_note", "7th character note"),
    ]
)


def notes_html(detail: CodeDetail) -> str:
    """Notes grouped by kind, each group by where it is written (inherited or the code's own)."""
    titles = {normalize(code): (code, title) for code, title in detail.hierarchy}
    own = normalize(detail.code)
    by_kind: dict[str, dict[str, list[Note]]] = {}
    for note in detail.notes:
        by_kind.setdefault(note.kind, {}).setdefault(note.source, []).append(note)
    if not by_kind:
        return "<p><i>No tabular notes apply to this code.</i></p>"
    parts: list[str] = []
    kinds = [k for k in NOTE_KINDS if k in by_kind] + [k for k in by_kind if k not in NOTE_KINDS]
    for kind in kinds:
        parts.append(
            f"<h4 style='margin:8px 0 2px 0'>{html.escape(NOTE_KINDS.get(kind, kind))}</h4>"
        )
        for source, notes in by_kind[kind].items():
            if source == own:
                where = "this code"
            else:
                code, title = titles.get(source, (display_node(source), ""))
                where = f"inherited from {code} {title}".strip()
            parts.append(
                f"<div style='color:palette(placeholder-text);margin-left:4px'>"
                f"<small>{html.escape(where)}</small></div><ul style='margin:0'>"
            )
            parts += [f"<li>{html.escape(n.text)}</li>" for n in notes]
            parts.append("</ul>")
    return "".join(parts)


class DetailPane(QWidget):
    #: (code, title): the coder wants this code on the claim
    add_requested = Signal(str, str)

    def __init__(self) -> None:
        super().__init__()
        self.detail: CodeDetail | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 0, 6, 0)
        self.title = QLabel("Select a code to see its notes and rules.")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setAccessibleName("Code and title")
        outer.addWidget(self.title)
        self.breadcrumb = QLabel()
        self.breadcrumb.setWordWrap(True)
        self.breadcrumb.setAccessibleName("Hierarchy")
        self.breadcrumb.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.breadcrumb)
        facts = QGridLayout()
        facts.setHorizontalSpacing(8)
        facts.setVerticalSpacing(2)
        self.billable = QLabel()
        self.billable.setWordWrap(True)
        self.billable.setAccessibleName("Billable or header")
        self.validity = QLabel()
        self.validity.setWordWrap(True)
        self.validity.setAccessibleName("Validity on the date of service")
        self.hcc = QLabel()
        self.hcc.setWordWrap(True)
        self.hcc.setAccessibleName("HCC category")
        for row, (name, label) in enumerate(
            [("Status", self.billable), ("Date of service", self.validity), ("HCC", self.hcc)]
        ):
            caption = QLabel(name)
            caption.setWordWrap(True)
            caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            facts.addWidget(caption, row, 0)
            facts.addWidget(label, row, 1)
        facts.setColumnStretch(1, 1)
        outer.addLayout(facts)
        outer.addWidget(self._build_seventh())
        add_row = QHBoxLayout()
        self.add_button = QPushButton("&Add to claim")
        self.add_button.setAccessibleName("Add this code to the claim")
        self.add_button.clicked.connect(self._add_clicked)
        self.add_button.setEnabled(False)
        add_row.addStretch(1)
        add_row.addWidget(self.add_button)
        outer.addLayout(add_row)
        self.notes = QTextBrowser()
        self.notes.setAccessibleName("Tabular notes")
        self.notes.setOpenLinks(False)
        notes_label = QLabel("Tabular &notes")
        notes_label.setBuddy(self.notes)
        outer.addWidget(notes_label)
        outer.addWidget(self.notes, 1)

    def _build_seventh(self) -> QGroupBox:
        self.seventh_box = QGroupBox("&7th character")
        grid = QGridLayout(self.seventh_box)
        grid.setContentsMargins(6, 4, 6, 4)
        self.seventh_combo = QComboBox()
        self.seventh_combo.setAccessibleName("7th character")
        self.seventh_combo.currentIndexChanged.connect(self._seventh_changed)
        # Meanings are long ("subsequent encounter for open fracture type IIIA, IIIB, or
        # IIIC with delayed healing"): the combo must not widen the pane; its list shows them
        # whole and each item's tooltip too.
        self.seventh_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.seventh_combo.setMinimumContentsLength(16)
        self.full_code = QLineEdit()
        self.full_code.setReadOnly(True)
        self.full_code.setAccessibleName("Full code with 7th character")
        self.full_code.setMaximumWidth(110)
        self.add_full = QPushButton("Add full c&ode")
        self.add_full.setAccessibleName("Add the full code to the claim")
        self.add_full.clicked.connect(self._add_full_clicked)
        character = QLabel("Character")
        character.setBuddy(self.seventh_combo)
        full = QLabel("Full code")
        full.setBuddy(self.full_code)
        grid.addWidget(character, 0, 0)
        grid.addWidget(self.seventh_combo, 0, 1, 1, 3)
        grid.addWidget(full, 1, 0)
        grid.addWidget(self.full_code, 1, 1)
        self.seventh_hint = QLabel()
        self.seventh_hint.setWordWrap(True)
        grid.addWidget(self.seventh_hint, 1, 2)
        grid.addWidget(self.add_full, 1, 3)
        grid.setColumnStretch(2, 1)
        self.seventh_box.hide()
        return self.seventh_box

    def show_detail(self, detail: CodeDetail) -> None:
        self.detail = detail
        self.title.setText(
            f"<b style='font-size:large'>{html.escape(detail.code)}</b>"
            f"&nbsp; {html.escape(detail.title)}"
        )
        self.title.setToolTip(f"{detail.code}  {detail.title}")
        crumbs = [
            f"{code} {title}" if not code.startswith("CH") else title
            for code, title in detail.hierarchy
        ]
        self.breadcrumb.setText(
            "<small>" + " › ".join(html.escape(c) for c in crumbs) + "</small>" if crumbs else ""
        )
        if detail.billable:
            self.billable.setText("✔ Billable code")
        elif detail.seventh:
            self.billable.setText("▲ Header: needs a 7th character to be billable")
        else:
            self.billable.setText("▲ Header: not billable, choose a code below it")
        valid = detail.validity.valid
        mark = "✔ Valid" if valid else ("✖ Not valid" if valid is False else "? Unknown")
        self.validity.setText(f"{mark}: {html.escape(detail.validity.reason)}")
        self.hcc.setText(
            "; ".join(f"{h.category} {h.label} ({h.model}, PY{h.payment_year})" for h in detail.hcc)
            or "No HCC category"
        )
        self.seventh_combo.blockSignals(True)
        self.seventh_combo.clear()
        for s in detail.seventh:
            text = f"{s.char}  {s.meaning}"
            self.seventh_combo.addItem(text, s.code)
            self.seventh_combo.setItemData(
                self.seventh_combo.count() - 1, text, Qt.ItemDataRole.ToolTipRole
            )
        # The list drops down as wide as its longest meaning, however narrow the combo is.
        fm = self.seventh_combo.fontMetrics()
        widest = max(
            (fm.horizontalAdvance(f"{s.char}  {s.meaning}") for s in detail.seventh), default=0
        )
        self.seventh_combo.view().setMinimumWidth(widest + 32 if widest else 0)
        self.seventh_combo.blockSignals(False)
        self.seventh_box.setVisible(bool(detail.seventh))
        if detail.seventh:
            self.seventh_combo.setCurrentIndex(0)
            self._seventh_changed(0)
        self.add_button.setEnabled(True)
        self.notes.setHtml(notes_html(detail))

    def clear(self) -> None:
        self.detail = None
        self.title.setText("Select a code to see its notes and rules.")
        self.title.setToolTip("")
        for label in (self.breadcrumb, self.billable, self.validity, self.hcc):
            label.clear()
        self.seventh_box.hide()
        self.add_button.setEnabled(False)
        self.notes.clear()

    def _seventh_changed(self, index: int) -> None:
        if self.detail is None or not 0 <= index < len(self.detail.seventh):
            return
        s = self.detail.seventh[index]
        self.full_code.setText(s.code)
        self.seventh_combo.setToolTip(f"{s.char}  {s.meaning}")
        padded = "X" in s.code.replace(".", "")[3:6] and "X" not in self.detail.code
        self.seventh_hint.setText("<small>placeholder X added</small>" if padded else "")

    def seventh_title(self) -> str:
        assert self.detail is not None
        s = self.detail.seventh[self.seventh_combo.currentIndex()]
        return f"{self.detail.title}, {s.meaning}"

    def _add_clicked(self) -> None:
        if self.detail is not None:
            self.add_requested.emit(self.detail.code, self.detail.title)

    def _add_full_clicked(self) -> None:
        if self.detail is not None and self.detail.seventh:
            self.add_requested.emit(self.full_code.text(), self.seventh_title())
