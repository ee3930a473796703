"""Every version of one chart item: who saved it, when, its status and why, and what changed
field by field (label, before → after), computed by the versioning service from the DTOs."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.clinical import ItemVersion
from medrec_desktop.ui.chart.kind_view import when


class HistoryView(QWidget):
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.versions: list[ItemVersion[Any]] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        outer.addWidget(self.heading)
        label = QLabel("&Versions (newest first):")
        self.list = QListWidget()
        self.list.setAccessibleName("Versions")
        label.setBuddy(self.list)
        self.list.setMaximumHeight(self.list.fontMetrics().lineSpacing() * 7 + 12)
        outer.addWidget(label)
        outer.addWidget(self.list)
        self.changes_label = QLabel()
        outer.addWidget(self.changes_label)
        self.changes = QTableWidget(0, 4)
        self.changes.setAccessibleName("Changes in this version")
        self.changes.setHorizontalHeaderLabels(["Field", "Before", "", "After"])
        self.changes.verticalHeader().hide()
        self.changes.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.changes.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.changes.setTabKeyNavigation(False)
        header = self.changes.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
        outer.addWidget(self.changes, 1)
        row = QHBoxLayout()
        self.back_button = QPushButton("&Back to the list")
        self.back_button.setToolTip("Back to the list (Esc)")
        self.back_button.clicked.connect(self.back)
        row.addWidget(self.back_button)
        row.addStretch(1)
        outer.addLayout(row)
        self.list.currentRowChanged.connect(self._show_version)

    def show_history(self, title: str, versions: list[ItemVersion[Any]]) -> None:
        self.heading.setText(f"History of {title}")
        self.versions = list(reversed(versions))
        self.list.clear()
        for v in self.versions:
            self.list.addItem(
                f"Version {v.version} · {when(v.changed_at)} · {v.changed_by} · "
                f"{v.status.label} · {v.summary}"
            )
        self.list.setCurrentRow(0)
        self.list.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_version(self, row: int) -> None:
        self.changes.setRowCount(0)
        if not 0 <= row < len(self.versions):
            self.changes_label.clear()
            return
        v = self.versions[row]
        first = v.version == 1
        self.changes_label.setText(
            f"Recorded in version 1 by {v.changed_by}:"
            if first
            else f"Changed in version {v.version} by {v.changed_by}"
            + (f" (reason: {v.reason})" if v.reason else "")
            + ":"
        )
        self.changes.setRowCount(len(v.changes))
        for r, change in enumerate(v.changes):
            cells = (change.label, change.before or "(blank)", "→", change.after or "(blank)")
            for c, text in enumerate(cells):
                self.changes.setItem(r, c, QTableWidgetItem(text))
        self.changes.resizeRowsToContents()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Escape:
            self.back.emit()
            return
        super().keyPressEvent(event)
