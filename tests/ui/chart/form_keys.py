"""Keyboard helpers shared by the chart form tests: open a list, save, and check that a
refused value is explained under its field with the typed text kept."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from medrec_desktop.ui.chart.item_form import ItemForm
from medrec_desktop.ui.chart.list_page import ItemListPage
from medrec_desktop.ui.main_window import MainWindow
from tests.ui.chart.conftest import WAIT, focused, key, tab_to, type_text

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def open_list(
    qtbot: QtBot, w: MainWindow, k: Qt.Key, name: str, mod: Qt.KeyboardModifier = CTRL
) -> ItemListPage:
    """The list opened by its key (Ctrl+digit, or Alt+digit for a history), cursor on it."""
    key(qtbot, k, mod)
    page = w.chart.lists[name]
    qtbot.waitUntil(lambda: focused() is page.table, timeout=WAIT)
    return page


def new_item(qtbot: QtBot, page: ItemListPage) -> ItemForm:
    key(qtbot, Qt.Key.Key_Insert)
    assert page.stack.currentWidget() is page.form
    return page.form


def save(qtbot: QtBot) -> None:
    key(qtbot, Qt.Key.Key_S, CTRL)


def saved(qtbot: QtBot, page: ItemListPage) -> None:
    save(qtbot)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.panel, timeout=WAIT)


def refused(qtbot: QtBot, form: ItemForm, field: str, words: str, kept: str | None = None) -> None:
    """Save is refused: the reason under ``field``, the cursor in it, the text kept."""
    save(qtbot)
    label = form.errors[field]
    qtbot.waitUntil(lambda: label.isVisible() and words in label.message, timeout=WAIT)
    assert focused() is form.inputs[field].focus
    if kept is not None:
        assert form.inputs[field].value() == kept
    assert form.isVisible()


def fill(qtbot: QtBot, form: ItemForm, field: str, text: str) -> None:
    """Tab to ``field``, replace what it holds with ``text`` typed key by key."""
    target = form.inputs[field].focus
    tab_to(qtbot, target, 40)
    if isinstance(target, QLineEdit):
        target.selectAll()
        key(qtbot, Qt.Key.Key_Backspace)
    type_text(qtbot, text)


def retype(qtbot: QtBot, text: str) -> None:
    """Replace the text of the field with the cursor (after a refusal put it there)."""
    widget = focused()
    assert isinstance(widget, QLineEdit)
    widget.selectAll()
    key(qtbot, Qt.Key.Key_Backspace)
    if text:
        type_text(qtbot, text)
