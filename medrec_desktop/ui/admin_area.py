"""The Administration area: the admin pages as tabs."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QTabWidget, QWidget

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.admin import ADMIN_PAGES


def make_admin_area(
    parent: QWidget, inst: Installation, session: Callable[[], UserSession | None]
) -> QTabWidget:
    tabs = QTabWidget(parent)
    tabs.setAccessibleName("Administration")
    for page_class in ADMIN_PAGES:
        page = page_class(inst=inst, session=session)
        tabs.addTab(page, page.title)
    tabs.currentChanged.connect(lambda i: getattr(tabs.widget(i), "refresh", lambda: None)())
    first = tabs.widget(0)
    if first is not None and hasattr(first, "refresh"):
        first.refresh()
    return tabs
