"""Mnemonics and focus as a keyboard user meets them: what Alt+letter does on a screen."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QTabWidget, QWidget

#: the main window's menu bar: &File, &Patients, &Help
MENU_BAR_LETTERS = {"F", "P", "H"}


def mnemonic(text: str) -> str | None:
    """The letter after a single ``&`` (``&&`` is a literal ampersand), upper-cased."""
    found = re.search(r"&(.)", text.replace("&&", ""))
    return found.group(1).upper() if found else None


def mnemonics(screen: QWidget) -> list[tuple[str, str]]:
    """(letter, text) of every mnemonic a widget on ``screen`` grabs, hidden ones included
    (they show with the content: the 7th-character box, the import button)."""
    found: list[tuple[str, str]] = []
    texts: list[str] = [b.text() for b in screen.findChildren(QAbstractButton)]
    texts += [g.title() for g in screen.findChildren(QGroupBox)]
    for tabs in screen.findChildren(QTabWidget):
        texts += [tabs.tabText(i) for i in range(tabs.count())]
    # A label grabs its mnemonic only with a buddy; plain-text "&" without one is checked
    # separately (rich text uses "&" for entities such as &nbsp;).
    texts += [label.text() for label in screen.findChildren(QLabel) if label.buddy()]
    for text in texts:
        letter = mnemonic(text)
        if letter:
            found.append((letter, text))
    return found


def labels_without_buddies(screen: QWidget) -> list[str]:
    return [
        label.text()
        for label in screen.findChildren(QLabel)
        if (
            label.textFormat() == Qt.TextFormat.PlainText
            or (label.textFormat() == Qt.TextFormat.AutoText and "<" not in label.text())
        )
        and mnemonic(label.text())
        and label.buddy() is None
    ]


def clashes(found: list[tuple[str, str]], taken: set[str] = MENU_BAR_LETTERS) -> list[str]:
    seen: dict[str, str] = {}
    out: list[str] = []
    for letter, text in found:
        if letter in taken:
            out.append(f"{text!r} takes Alt+{letter} from the menu bar")
        elif letter in seen:
            out.append(f"{text!r} and {seen[letter]!r} share Alt+{letter}")
        else:
            seen[letter] = text
    return out
