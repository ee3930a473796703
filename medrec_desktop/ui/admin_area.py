"""The Administration area: the admin pages as tabs, wired to the main window."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QTabWidget, QWidget

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.ui.admin import ADMIN_PAGES, BackupPage, SettingsPage
from medrec_desktop.ui.admin.server_page import ServerPage
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner


def make_admin_area(
    parent: QWidget,
    *,
    services: ServicesHolder,
    runner: OpRunner,
    session: Callable[[], UserSession | None],
    unlock: Callable[[], Unlock] | None,
    on_restored: Callable[[Installation], None],
    on_settings_saved: Callable[[dict[str, str]], None],
) -> QTabWidget:
    tabs = QTabWidget(parent)
    tabs.setAccessibleName("Administration")
    for page_class in ADMIN_PAGES:
        if page_class is BackupPage:
            backup = BackupPage(services=services, runner=runner, session=session, unlock=unlock)
            backup.restored.connect(on_restored)
            backup.moved.connect(on_restored)  # a clinic moved to its server: sign in there
            page: QWidget = backup
        else:
            page = page_class(services=services, runner=runner, session=session)
            if isinstance(page, SettingsPage):
                page.saved.connect(on_settings_saved)
        tabs.addTab(page, page.title)  # type: ignore[attr-defined]
    if services.inst.store.is_server:
        # Issue 15: the clinic server's connection and workstations (nothing joins a file).
        server = ServerPage(services=services, runner=runner, session=session)
        tabs.addTab(server, server.title)
    tabs.currentChanged.connect(lambda i: getattr(tabs.widget(i), "refresh", lambda: None)())
    first = tabs.widget(0)
    if first is not None and hasattr(first, "refresh"):
        first.refresh()
    return tabs
