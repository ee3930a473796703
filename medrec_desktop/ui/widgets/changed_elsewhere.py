"""Said on an open form, before its user saves, when another workstation saved the item it
edits (issue 15, live refresh): who and when, and the two ways on. Reload shows their version
(what was typed here is dropped, by the user's choice); Keep editing leaves the typing as it
is, and the save then shows both versions side by side (the conflict view), so nothing is
lost either way.

A form with nothing typed shows their version at once and the bar only says so.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

ANOTHER_USER = "another user"
RELOAD_KEY = "F5"
KEEP_KEY = "Ctrl+Shift+K"


def at_time(moment: dt.datetime, today: dt.date | None = None) -> str:
    """ "14:02" today, "11/30/2026 14:02" on another day, in local time."""
    local = moment.astimezone()
    if local.date() == (today or dt.datetime.now().astimezone().date()):
        return f"{local:%H:%M}"
    return f"{local:%m/%d/%Y %H:%M}"


class ChangedElsewhereBar(QFrame):
    reload = Signal()
    keep_editing = Signal()

    def __init__(self, noun: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.noun = noun
        self.setObjectName("changedElsewhere")
        self.setStyleSheet(
            "#changedElsewhere { border: 1px solid palette(mid); border-left: 4px solid #8a5300;"
            " background: palette(alternate-base); }"
        )
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAccessibleName("Changed on another workstation")
        outer.addWidget(self.text)
        self.buttons = QWidget()
        row = QHBoxLayout(self.buttons)
        row.setContentsMargins(0, 0, 0, 0)
        # Keys, not Alt+letters: the chart's forms use every letter but Z between their
        # fields and the chart's tabs. F5 reloads, as it refreshes lists elsewhere; both keys
        # work only while the bar asks (a hidden button's shortcut does nothing).
        self.reload_button = QPushButton("Reload their version (F5)")
        self.reload_button.setShortcut(QKeySequence(RELOAD_KEY))
        self.reload_button.setToolTip(
            "Show the version saved on the other workstation; what you typed here is dropped"
        )
        self.keep_button = QPushButton("Keep editing (Ctrl+Shift+K)")
        self.keep_button.setShortcut(QKeySequence(KEEP_KEY))
        self.keep_button.setToolTip(
            "Go on with your changes; saving then shows both versions side by side to choose"
        )
        for b in (self.reload_button, self.keep_button):
            b.setAutoDefault(False)
            row.addWidget(b)
        row.addStretch(1)
        outer.addWidget(self.buttons)
        self.reload_button.clicked.connect(self.reload)
        self.keep_button.clicked.connect(self.keep_editing)
        self.hide()

    def show_change(self, at: dt.datetime, by: str | None) -> None:
        """Someone else saved while the user has unsaved changes here."""
        self.text.setText(
            f"⚠ This {self.noun} was changed on another workstation at {at_time(at)} by "
            f"{by or ANOTHER_USER}. Your changes here are not saved. Reload their version "
            "(your changes are dropped), or keep editing: your save will then show both "
            "versions side by side."
        )
        self.buttons.show()
        self.show()

    def show_reloaded(self, at: dt.datetime, by: str | None) -> None:
        """Someone else saved while nothing was typed here: the form shows their version."""
        self.text.setText(
            f"ℹ This {self.noun} was changed on another workstation at {at_time(at)} by "
            f"{by or ANOTHER_USER}; the form now shows that version."
        )
        self.buttons.hide()
        self.show()

    @property
    def asks(self) -> bool:
        """Whether the bar is waiting for the user's choice (Reload / Keep editing)."""
        return not self.isHidden() and not self.buttons.isHidden()
