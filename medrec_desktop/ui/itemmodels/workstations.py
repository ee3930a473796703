"""The clinic server's workstations, for the Server page of Administration (issue 15)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QGuiApplication, QPalette

from medrec_desktop.domain.workstations import WorkstationInfo
from medrec_desktop.ui.itemmodels.base import DtoTableModel
from medrec_desktop.ui.itemmodels.timefmt import local_datetime

COL_NAME = 0
COL_JOINED = 1
COL_BY = 2
COL_SEEN = 3
COL_STATUS = 4


def status_text(row: WorkstationInfo) -> str:
    if row.revoked_at is None:
        return "Active"
    when = local_datetime(row.revoked_at, seconds=False)
    reason = f": {row.revoke_reason}" if row.revoke_reason else ""
    return f"⊘ Removed {when} by {row.revoked_by or '?'}{reason}"


class WorkstationTableModel(DtoTableModel[WorkstationInfo]):
    HEADERS = ("Workstation", "Joined", "Code issued by", "Last seen", "Status")

    def display(self, row: WorkstationInfo, column: int) -> str:
        if column == COL_NAME:
            return row.name + ("  (this computer)" if row.this_one else "")
        if column == COL_JOINED:
            return local_datetime(row.joined_at, seconds=False)
        if column == COL_BY:
            return row.joined_by or "— (recorded itself)"
        if column == COL_SEEN:
            return local_datetime(row.last_seen_at, seconds=False) if row.last_seen_at else "—"
        if column == COL_STATUS:
            return status_text(row)
        return ""

    def tooltip(self, row: WorkstationInfo, column: int) -> str | None:
        if column == COL_STATUS and row.revoked:
            return f"Reason: {row.revoke_reason or '—'}"
        if column == COL_BY and row.joined_by is None:
            return (
                "Recorded without an enrollment code: the computer that created the clinic, or "
                "a data folder made before workstations were recorded (or restored)."
            )
        if column == COL_SEEN:
            return "When medrec last opened on it."
        return None

    def sort_key(self, row: WorkstationInfo, column: int) -> Any:
        if column == COL_JOINED:
            return row.joined_at.timestamp()
        if column == COL_SEEN:
            return row.last_seen_at.timestamp() if row.last_seen_at else 0.0
        if column == COL_STATUS:
            return row.revoked_at.timestamp() if row.revoked_at else 0.0
        return super().sort_key(row, column)

    def foreground(self, row: WorkstationInfo, column: int) -> Any:
        if not row.revoked:
            return None
        return QGuiApplication.palette().color(
            QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text
        )

    def find(self, workstation_id: int) -> int:
        for i, row in enumerate(self._rows):
            if row.id == workstation_id:
                return i
        return -1
