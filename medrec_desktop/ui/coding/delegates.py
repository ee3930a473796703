"""A code title wrapped over as many lines as it needs, with its hierarchy (or the inclusion
term that matched) as a quieter last line.

Titles are wrapped, never cut: the words that tell codes apart (right or left, initial or
subsequent encounter) are at the end of the title, exactly where an elided title stops. The
row grows to fit (the view asks ``sizeHint`` with the column's width: it must have word wrap
on and its rows resized to contents).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from medrec_desktop.ui.coding.models import SECONDARY_ROLE

_PAD = 3
_WRAP = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
Index = QModelIndex | QPersistentModelIndex


def _small(font: QFont) -> QFont:
    small = QFont(font)
    small.setPointSizeF(font.pointSizeF() * 0.9)
    return small


class WrappedTitleDelegate(QStyledItemDelegate):
    """Title wrapped to the column's width; ``min_lines`` keeps short rows a steady height."""

    def __init__(self, parent: QWidget | None = None, *, min_lines: int = 1) -> None:
        super().__init__(parent)
        self._min_lines = min_lines

    def _text_width(self, option: QStyleOptionViewItem) -> int:
        return max(option.rect.width() - 2 * _PAD - 1, 40)

    def _title_height(self, fm: QFontMetrics, width: int, title: str) -> int:
        return fm.boundingRect(QRect(0, 0, width, 100_000), _WRAP, title).height()

    def sizeHint(  # noqa: N802 - Qt's name
        self, option: QStyleOptionViewItem, index: Index
    ) -> QSize:
        size = super().sizeHint(option, index)
        fm = QFontMetrics(option.font)
        title = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        height = self._title_height(fm, self._text_width(option), title)
        if index.data(SECONDARY_ROLE):
            height += QFontMetrics(_small(option.font)).height() + 1
        height = max(height, self._min_lines * fm.height())
        return QSize(size.width(), height + 2 * _PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        title, opt.text = opt.text, ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        # The background, selection and focus rectangle come from the style, as in any view.
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect: QRect = opt.rect.adjusted(_PAD + 1, _PAD, -_PAD, -_PAD)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = opt.palette
        fm = QFontMetrics(opt.font)
        painter.save()
        painter.setFont(opt.font)
        painter.setPen(
            palette.color(
                QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
            )
        )
        foreground = index.data(Qt.ItemDataRole.ForegroundRole)
        if foreground is not None and not selected:
            painter.setPen(foreground.color())
        title_height = self._title_height(fm, rect.width(), title)
        painter.drawText(QRect(rect.left(), rect.top(), rect.width(), title_height), _WRAP, title)
        second = str(index.data(SECONDARY_ROLE) or "")
        if second:
            font = _small(opt.font)
            painter.setFont(font)
            small = QFontMetrics(font)
            bottom = QRect(rect.left(), rect.top() + title_height + 1, rect.width(), small.height())
            painter.setPen(
                palette.color(
                    QPalette.ColorRole.HighlightedText
                    if selected
                    else QPalette.ColorRole.PlaceholderText
                )
            )
            # A hierarchy keeps its two ends readable (the section and the code's parent).
            painter.drawText(
                bottom,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                small.elidedText(second, Qt.TextElideMode.ElideMiddle, bottom.width()),
            )
        painter.restore()
