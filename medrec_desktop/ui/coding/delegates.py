"""A title with its hierarchy (or the inclusion term that matched) as a quieter second line."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from medrec_desktop.ui.coding.models import SECONDARY_ROLE

_PAD = 3


class TwoLineDelegate(QStyledItemDelegate):
    def sizeHint(
        self,
        option: QStyleOptionViewItem,  # noqa: N802 - Qt's name
        index: QModelIndex | QPersistentModelIndex,
    ) -> QSize:
        size = super().sizeHint(option, index)
        fm = QFontMetrics(option.font)
        return QSize(size.width(), 2 * fm.height() + 2 * _PAD)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        title, opt.text = opt.text, ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect: QRect = opt.rect.adjusted(_PAD + 1, _PAD, -_PAD, -_PAD)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = opt.palette
        fm = QFontMetrics(opt.font)
        painter.save()
        top = QRect(rect.left(), rect.top(), rect.width(), fm.height())
        painter.setPen(
            palette.color(
                QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
            )
        )
        if index.data(Qt.ItemDataRole.ForegroundRole) is not None and not selected:
            painter.setPen(index.data(Qt.ItemDataRole.ForegroundRole).color())
        painter.drawText(
            top,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(title, Qt.TextElideMode.ElideRight, top.width()),
        )
        second = str(index.data(SECONDARY_ROLE) or "")
        if second:
            font = opt.font
            font.setPointSizeF(font.pointSizeF() * 0.9)
            painter.setFont(font)
            small = QFontMetrics(font)
            bottom = QRect(rect.left(), top.bottom() + 1, rect.width(), fm.height())
            painter.setPen(
                palette.color(
                    QPalette.ColorRole.HighlightedText
                    if selected
                    else QPalette.ColorRole.PlaceholderText
                )
            )
            painter.drawText(
                bottom,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                small.elidedText(second, Qt.TextElideMode.ElideMiddle, bottom.width()),
            )
        painter.restore()
