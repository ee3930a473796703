"""How a review suggestion reads in the list: its code and title in bold, its kind (and HCC
category) below in the quieter colour the coding panel uses, both wrapped to the list's
width (never cut: an HCC label's last words tell categories apart)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

#: the item's two lines (its display text holds both, for screen readers)
HEAD_ROLE = Qt.ItemDataRole.UserRole + 1
TAIL_ROLE = Qt.ItemDataRole.UserRole + 2
_PAD = 5
_GAP = 1
_WRAP = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
Index = QModelIndex | QPersistentModelIndex


def _bold(font: QFont) -> QFont:
    bold = QFont(font)
    bold.setWeight(QFont.Weight.DemiBold)
    return bold


def _height(font: QFont, width: int, text: str) -> int:
    return QFontMetrics(font).boundingRect(QRect(0, 0, width, 100_000), _WRAP, text).height()


class SuggestionDelegate(QStyledItemDelegate):
    @staticmethod
    def _width(option: QStyleOptionViewItem) -> int:
        width = option.rect.width()
        if width <= 0 and option.widget is not None:  # asked before the first layout
            width = option.widget.width() - 4
        return max(width - 2 * _PAD - 1, 40)

    def sizeHint(  # noqa: N802 - Qt's name
        self, option: QStyleOptionViewItem, index: Index
    ) -> QSize:
        width = self._width(option)
        head = _height(_bold(option.font), width, str(index.data(HEAD_ROLE) or ""))
        tail = _height(option.font, width, str(index.data(TAIL_ROLE) or ""))
        return QSize(width + 2 * _PAD, head + _GAP + tail + 2 * _PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        # The background, selection and focus rectangle come from the style, as in any view.
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect: QRect = opt.rect.adjusted(_PAD + 1, _PAD, -_PAD, -_PAD)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = opt.palette
        head, tail = str(index.data(HEAD_ROLE) or ""), str(index.data(TAIL_ROLE) or "")
        bold = _bold(opt.font)
        head_height = _height(bold, rect.width(), head)
        painter.save()
        painter.setFont(bold)
        painter.setPen(
            palette.color(
                QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
            )
        )
        painter.drawText(QRect(rect.left(), rect.top(), rect.width(), head_height), _WRAP, head)
        painter.setFont(opt.font)
        painter.setPen(
            palette.color(
                QPalette.ColorRole.HighlightedText
                if selected
                else QPalette.ColorRole.PlaceholderText
            )
        )
        painter.drawText(rect.adjusted(0, head_height + _GAP, 0, 0), _WRAP, tail)
        painter.restore()
