"""Alt+letter mnemonics as a screen offers them: which letters, and which controls own each.

Qt gives a mnemonic to every visible button, tab, group box and buddied label whose text has
"&x", plus the menu bar's titles; two owners of one letter on the same screen make Alt+x
ambiguous (Alt+H went to "Home phone" or to the "History" tab). The uniqueness test walks
every screen with :func:`mnemonic_clashes`.
"""

from __future__ import annotations

import re
from collections import defaultdict

from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QLabel,
    QMainWindow,
    QTabBar,
    QWidget,
)

_AMP = re.compile(r"&(&|.)", re.DOTALL)


def mnemonic(text: str) -> str | None:
    """The letter after a single "&" ("&&" is a literal ampersand), lower case."""
    for m in _AMP.finditer(text):
        if m.group(1) != "&":
            return m.group(1).lower()
    return None


def mnemonic_owners(window: QWidget) -> dict[str, list[str]]:
    """letter -> the texts of the visible controls on ``window`` that claim it."""
    owners: dict[str, list[str]] = defaultdict(list)

    def claim(text: str, where: str) -> None:
        letter = mnemonic(text)
        if letter is not None:
            owners[letter].append(f"{where} “{text.replace('&', '')}”")

    menu_bar = window.menuBar() if isinstance(window, QMainWindow) else None
    # A disabled menu bar (the lock screen) answers no Alt key.
    if menu_bar is not None and menu_bar.isVisibleTo(window) and menu_bar.isEnabled():
        for action in menu_bar.actions():
            if action.isVisible():
                claim(action.text(), "menu")
    for w in window.findChildren(QWidget):
        if not w.isVisibleTo(window):
            continue
        if isinstance(w, QAbstractButton):
            claim(w.text(), "button")
        elif isinstance(w, QLabel) and w.buddy() is not None:
            claim(w.text(), "label")
        elif isinstance(w, QGroupBox):
            claim(w.title(), "group")
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                if w.isTabVisible(i):
                    claim(w.tabText(i), "tab")
    return dict(owners)


def mnemonic_clashes(window: QWidget) -> dict[str, list[str]]:
    return {k: v for k, v in mnemonic_owners(window).items() if len(v) > 1}


def orphan_mnemonics(window: QWidget) -> list[str]:
    """Labels that show "&x" but have no buddy: the letter is promised and does nothing."""
    return [
        w.text()
        for w in window.findChildren(QLabel)
        if w.isVisibleTo(window)
        and w.buddy() is None
        and mnemonic(w.text()) is not None
        and "<" not in w.text()  # rich text: "&amp;" and friends are entities, not mnemonics
    ]
