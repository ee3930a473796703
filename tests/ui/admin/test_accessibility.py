"""Every input on the admin pages has an accessible name; pages have titles."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QWidget,
)

from medrec_desktop.ui.admin import ADMIN_PAGES
from medrec_desktop.ui.admin.user_dialogs import AddUserDialog, ResetPasswordDialog


def _inside_named_composite(w: QWidget) -> bool:
    """Editors, popups and calendars that belong to a (named) combo box or date edit."""
    parent = w.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox | QAbstractSpinBox):
            return True
        parent = parent.parentWidget()
    return False


def _unnamed(root: QWidget) -> list[str]:
    missing = []
    for w in root.findChildren(QWidget):
        if _inside_named_composite(w) or isinstance(w, QHeaderView):
            continue  # parts of a named widget
        if isinstance(w, QLineEdit | QComboBox | QAbstractSpinBox | QAbstractItemView):
            if not w.accessibleName():
                missing.append(type(w).__name__)
        if isinstance(w, QAbstractButton) and not (w.text() or w.accessibleName()):
            if w.parent() is not None and isinstance(w.parent(), QWidget) and w.isVisible():
                missing.append(type(w).__name__)
    return missing


@pytest.mark.parametrize("page_class", ADMIN_PAGES)
def test_admin_pages_name_every_input(make_page: Any, page_class: Any) -> None:
    page = make_page(page_class)
    assert page.title and page.accessibleName() == page.title
    assert _unnamed(page) == []


def test_user_dialogs_name_every_input(qtbot: Any) -> None:
    for dialog in (AddUserDialog(), ResetPasswordDialog("nina", "Nina Nurse")):
        qtbot.addWidget(dialog)
        assert _unnamed(dialog) == []
