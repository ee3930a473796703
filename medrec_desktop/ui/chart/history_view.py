"""Every version of one chart item: who saved it, when, its status and why, and what changed
field by field (label, before → after), computed by the versioning service from the DTOs.

Which fields changed comes from the service; how a value reads is the screens' business: the
kind's own status words ("Stopped"), numbers with their units in both systems ("70.0 kg
(154.3 lb)") and times in local time, from the versions' DTOs (``kind_text.shown_field``).
"""

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

from medrec_desktop.domain.clinical import FieldChange, ItemInfo, ItemVersion
from medrec_desktop.ui.chart.kind_text import shown_field
from medrec_desktop.ui.chart.kind_view import KindView, when


class HistoryView(QWidget):
    back = Signal()

    def __init__(
        self, kind: KindView[Any, Any] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.kind = kind
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
                f"{self._status(v)} · {v.summary}"
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
        before = self.versions[row + 1].item if row + 1 < len(self.versions) else None
        for r, change in enumerate(v.changes):
            was, now = self._shown(change, before, v.item)
            cells = (change.label, was or "(blank)", "→", now or "(blank)")
            for c, text in enumerate(cells):
                self.changes.setItem(r, c, QTableWidgetItem(text))
        self.changes.resizeRowsToContents()

    def _status(self, v: ItemVersion[Any]) -> str:
        return self.kind.status_label(v.status) if self.kind is not None else v.status.label

    def _shown(
        self, change: FieldChange, before: ItemInfo[Any] | None, after: ItemInfo[Any]
    ) -> tuple[str, str]:
        """The change's two values as the screens show them (the service's text when the
        kind says nothing more)."""
        if self.kind is None:
            return change.before, change.after
        was = (
            shown_field(self.kind, before, change.field, change.before)
            if before is not None
            else change.before
        )
        return was, shown_field(self.kind, after, change.field, change.after)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Escape:
            self.back.emit()
            return
        super().keyPressEvent(event)
