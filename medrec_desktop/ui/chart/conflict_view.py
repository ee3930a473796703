"""Two versions of one item side by side, after a save was refused because someone else saved
meanwhile (issue 9, concurrent edits): never a silent overwrite.

Differing fields are marked with "≠" and bold (not colour alone). The user keeps their own
version (saved over the new one), keeps the other (theirs stays, what was typed is dropped),
or combines: the form is filled with theirs and each differing field ticked "Use mine" takes
what they typed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.services.versioning import VersionConflictError
from medrec_desktop.ui.chart.fields import Value
from medrec_desktop.ui.chart.kind_view import KindView, when

DIFFERS = "≠"


class ConflictView(QWidget):
    keep_mine = Signal()
    keep_theirs = Signal()
    combine = Signal(object)  # set[str]: the fields that take the typed value

    def __init__(self, kind: KindView[Any, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.use_mine: dict[str, QCheckBox] = {}
        self.differing: list[str] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.explain = QLabel()
        self.explain.setWordWrap(True)
        self.explain.setAccessibleName("What happened")
        outer.addWidget(self.heading)
        outer.addWidget(self.explain)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.table = QWidget()
        self.table.setMaximumWidth(1000)
        self.grid = QGridLayout(self.table)
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(6)
        scroll.setWidget(self.table)
        outer.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        self.mine_button = QPushButton("Keep &mine")
        self.mine_button.setToolTip("Save your version over the one saved meanwhile")
        self.theirs_button = QPushButton("Keep th&eirs")
        self.theirs_button.setToolTip("Keep the version saved meanwhile; drop what you typed")
        self.combine_button = QPushButton("Com&bine in the form")
        self.combine_button.setToolTip(
            "Fill the form with their version and your ticked fields, then review and save"
        )
        self.mine_button.clicked.connect(self.keep_mine)
        self.theirs_button.clicked.connect(self.keep_theirs)
        self.combine_button.clicked.connect(
            lambda: self.combine.emit({n for n, b in self.use_mine.items() if b.isChecked()})
        )
        for b in (self.mine_button, self.theirs_button, self.combine_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        outer.addLayout(buttons)

    def show_conflict(self, mine: dict[str, Value], err: VersionConflictError) -> None:
        stored = err.stored
        theirs = self.kind.values_of(stored)
        noun = self.kind.noun
        self.heading.setText(f"{stored.changed_by} saved this {noun} while you were editing it")
        self.explain.setText(
            f"{err.message}\nFields marked {DIFFERS} differ. Tick “Use mine” on the fields "
            "to keep from your version, then Combine; or keep either version whole."
        )
        while (child := self.grid.takeAt(0)) is not None:
            widget = child.widget()
            if widget is not None:
                widget.deleteLater()
        self.use_mine = {}
        self.differing = []
        headers = (
            "Field",
            "Your version (not saved)",
            f"Saved by {stored.changed_by}, {when(stored.changed_at)} (version {stored.version})",
            "",
        )
        for col, text in enumerate(headers):
            head = QLabel(text)
            head.setStyleSheet("font-weight: 600; border-bottom: 1px solid palette(mid);")
            self.grid.addWidget(head, 0, col)
        for row, spec in enumerate(self.kind.all_fields(tuple(Sensitivity)), start=1):
            mine_text = spec.shown(mine.get(spec.name, ""))
            theirs_text = spec.shown(theirs.get(spec.name, ""))
            differs = mine_text != theirs_text
            name = QLabel(f"{DIFFERS} {spec.plain_label}" if differs else f"  {spec.plain_label}")
            cells = [name, QLabel(mine_text or "(blank)"), QLabel(theirs_text or "(blank)")]
            for col, cell in enumerate(cells):
                cell.setWordWrap(True)
                cell.setTextFormat(Qt.TextFormat.PlainText)
                if differs:
                    cell.setStyleSheet(
                        "font-weight: 700; background: palette(alternate-base); padding: 2px;"
                    )
                else:
                    cell.setStyleSheet("padding: 2px;")
                self.grid.addWidget(cell, row, col)
            if differs:
                self.differing.append(spec.name)
                box = QCheckBox("Use mine")
                box.setAccessibleName(f"Use my {spec.plain_label}")
                self.use_mine[spec.name] = box
                self.grid.addWidget(box, row, 3)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 1)
        self.grid.setRowStretch(len(self.kind.all_fields(())) + 2, 1)
        self.mine_button.setFocus(Qt.FocusReason.OtherFocusReason)
