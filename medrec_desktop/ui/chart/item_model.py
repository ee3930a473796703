"""The rows of a chart list: one item DTO per row, columns from its kind's declaration."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QPalette

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.ui.chart.kind_view import KindView
from medrec_desktop.ui.itemmodels.base import DtoTableModel


class ItemsModel(DtoTableModel[ItemInfo[Any]]):
    def __init__(self, kind: KindView[Any, Any], parent: Any = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.HEADERS = tuple(c.header for c in kind.columns)

    def display(self, row: ItemInfo[Any], column: int) -> str:
        return self.kind.columns[column].show(row)

    def sort_key(self, row: ItemInfo[Any], column: int) -> Any:
        sort = self.kind.columns[column].sort
        return sort(row) if sort is not None else self.display(row, column).casefold()

    def tooltip(self, row: ItemInfo[Any], column: int) -> str | None:
        label = f" · labelled {row.sensitivity.label}" if row.sensitivity else ""
        return f"Version {row.version}, last changed by {row.changed_by}{label}"

    def foreground(self, row: ItemInfo[Any], column: int) -> Any:
        # Inactive and resolved items are shown on request: quieter, and their status column
        # says so in words.
        if row.status is not ItemStatus.ACTIVE:
            return QPalette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        return None

    def find(self, item_id: int) -> int:
        for i, row in enumerate(self._rows):
            if row.id == item_id:
                return i
        return -1
