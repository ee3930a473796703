"""User accounts for the administrator's users table."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QGuiApplication, QPalette

from medrec_desktop.domain.dto import UserInfo
from medrec_desktop.ui.itemmodels.base import DtoTableModel
from medrec_desktop.ui.itemmodels.timefmt import local_date

COL_USERNAME = 0
COL_NAME = 1
COL_ROLE = 2
COL_STATUS = 3
COL_LOCKED = 4
COL_CREATED = 5


def status_text(user: UserInfo) -> str:
    return "Active" if user.active else "⊘ Disabled"


def locked_text(user: UserInfo) -> str:
    return "🔒 Locked out" if user.locked else ""


class UserTableModel(DtoTableModel[UserInfo]):
    HEADERS = ("User name", "Full name", "Role", "Account", "Lock-out", "Created")

    def display(self, row: UserInfo, column: int) -> str:
        if column == COL_USERNAME:
            return row.username
        if column == COL_NAME:
            return row.display_name
        if column == COL_ROLE:
            return row.role.label
        if column == COL_STATUS:
            return status_text(row)
        if column == COL_LOCKED:
            return locked_text(row)
        if column == COL_CREATED:
            return local_date(row.created_at)
        return ""

    def tooltip(self, row: UserInfo, column: int) -> str | None:
        if column == COL_STATUS and not row.active:
            return "This account is disabled: the person cannot sign in."
        if column == COL_LOCKED and row.locked:
            return "Locked after repeated failed sign-ins. Select Unlock to let them try again."
        if column == COL_NAME:
            return row.display_name
        return None

    def sort_key(self, row: UserInfo, column: int) -> Any:
        if column == COL_STATUS:
            return int(row.active)
        if column == COL_LOCKED:
            return int(row.locked)
        if column == COL_CREATED:
            return row.created_at.timestamp()
        return super().sort_key(row, column)

    def foreground(self, row: UserInfo, column: int) -> Any:
        if row.active:
            return None
        return QGuiApplication.palette().color(
            QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text
        )

    def find(self, username: str) -> int:
        """Row of ``username``, or -1."""
        for i, user in enumerate(self._rows):
            if user.username == username:
                return i
        return -1
