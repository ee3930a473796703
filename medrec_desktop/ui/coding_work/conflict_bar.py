"""Said plainly when a save was refused because someone saved this encounter's coding while
the coder was editing (never a silent overwrite): who, when, their codes beside the coder's,
and the two ways on: keep mine (saved over theirs) or use theirs (mine dropped)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from medrec_desktop.domain.coding_work import CodingData, CodingInput
from medrec_desktop.services.versioning import VersionConflictError
from medrec_desktop.ui.encounters.texts import when

DIFFERS = "≠"


def codes_text(diagnoses: Any, procedures: Any, setting: Any) -> str:
    lines = [f"Setting: {setting.label}"]
    lines += [f"{i}. {d.label}" for i, d in enumerate(diagnoses, 1)] or ["(no diagnoses)"]
    lines += [f"• {p.label}" for p in procedures]
    return "\n".join(lines)


class ConflictBar(QFrame):
    keep_mine = Signal()
    use_theirs = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("codingConflict")
        self.setStyleSheet(
            "#codingConflict { border: 1px solid palette(mid); border-left: 4px solid #b3261e;"
            " background: palette(alternate-base); }"
        )
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        self.heading = QLabel()
        self.heading.setStyleSheet("font-weight: 600;")
        self.heading.setWordWrap(True)
        outer.addWidget(self.heading)
        columns = QHBoxLayout()
        self.mine = QLabel()
        self.theirs = QLabel()
        for label in (self.mine, self.theirs):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            columns.addWidget(label, 1)
        self.mine.setAccessibleName("Your codes (not saved)")
        self.theirs.setAccessibleName("The codes saved meanwhile")
        outer.addLayout(columns)
        buttons = QHBoxLayout()
        self.mine_button = QPushButton("&Keep mine")
        self.mine_button.setToolTip("Save your codes over the version saved meanwhile")
        self.theirs_button = QPushButton("&Use theirs")
        self.theirs_button.setToolTip("Show the version saved meanwhile; your changes are dropped")
        for b in (self.mine_button, self.theirs_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        self.mine_button.clicked.connect(self.keep_mine)
        self.theirs_button.clicked.connect(self.use_theirs)
        self.hide()

    def show_conflict(self, mine: CodingInput, err: VersionConflictError) -> None:
        stored = err.stored
        theirs: CodingData = stored.data
        self.heading.setText(
            f"{DIFFERS} {stored.changed_by} saved this encounter's coding (version "
            f"{stored.version}, {when(stored.changed_at)}) while you were editing it. Your "
            "changes are not saved yet: keep yours over theirs, or use theirs."
        )
        self.mine.setText(
            "Yours (not saved):\n" + codes_text(mine.diagnoses, mine.procedures, mine.setting)
        )
        self.theirs.setText(
            f"Saved by {stored.changed_by} ({theirs.state.label}):\n"
            + codes_text(theirs.diagnoses, theirs.procedures, theirs.setting)
        )
        self.show()
        self.mine_button.setFocus(Qt.FocusReason.OtherFocusReason)
