"""Audit events for the audit log viewer."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor, QGuiApplication

from medrec_desktop.domain.dto import AuditEventInfo
from medrec_desktop.ui.itemmodels.base import DtoTableModel
from medrec_desktop.ui.itemmodels.timefmt import local_datetime, utc_text
from medrec_desktop.ui.widgets.status import Severity, severity_color

COL_TIME = 0
COL_USER = 1
COL_WORKSTATION = 2
COL_MRN = 3
COL_PATIENT = 4
COL_CATEGORY = 5
COL_ACTION = 6
COL_OUTCOME = 7
COL_EMERGENCY = 8
COL_DETAIL = 9
COL_REASON = 10

EMERGENCY_TEXT = "⚠ Emergency"


def words(code: str) -> str:
    """``login_failed`` -> ``Login failed``."""
    return code.replace("_", " ").capitalize()


def patient_mrn(row: AuditEventInfo) -> str:
    """The MRN the service joined; the internal id only if that patient row is gone."""
    if row.patient_mrn:
        return row.patient_mrn
    return "" if row.patient_id is None else f"(id {row.patient_id})"


def outcome_text(outcome: str) -> str:
    return words(outcome) if outcome == "success" else f"✖ {words(outcome)}"


class AuditTableModel(DtoTableModel[AuditEventInfo]):
    HEADERS = (
        "Time (local)",
        "User",
        "Workstation",
        "MRN",
        "Patient",
        "Category",
        "Action",
        "Outcome",
        "Emergency",
        "Detail",
        "Reason",
    )

    def display(self, row: AuditEventInfo, column: int) -> str:
        if column == COL_TIME:
            return local_datetime(row.ts)
        if column == COL_USER:
            return row.username or "—"
        if column == COL_WORKSTATION:
            return row.workstation
        if column == COL_MRN:
            return patient_mrn(row)
        if column == COL_PATIENT:
            return row.patient_name or ""
        if column == COL_CATEGORY:
            return words(row.category)
        if column == COL_ACTION:
            return words(row.action)
        if column == COL_OUTCOME:
            return outcome_text(row.outcome)
        if column == COL_EMERGENCY:
            return EMERGENCY_TEXT if row.emergency else ""
        if column == COL_DETAIL:
            return row.detail or ""
        if column == COL_REASON:
            return row.reason or ""
        return ""

    def tooltip(self, row: AuditEventInfo, column: int) -> str | None:
        if column == COL_TIME:
            return f"Event #{row.seq} · stored as {utc_text(row.ts)} (UTC)"
        if column == COL_EMERGENCY and row.emergency:
            return "Done under an emergency (break-the-glass) grant."
        if column == COL_DETAIL and row.detail:
            return row.detail
        if column == COL_REASON and row.reason:
            return row.reason
        if column == COL_USER:
            return f"Entry point: {row.entry_point}"
        return None

    def sort_key(self, row: AuditEventInfo, column: int) -> Any:
        if column == COL_TIME:
            return row.seq
        if column == COL_MRN:
            return row.patient_mrn or ""
        if column == COL_EMERGENCY:
            return int(row.emergency)
        return super().sort_key(row, column)

    def foreground(self, row: AuditEventInfo, column: int) -> Any:
        if column == COL_OUTCOME and row.outcome != "success":
            severity = Severity.ERROR
        elif column == COL_EMERGENCY and row.emergency:
            severity = Severity.WARNING
        else:
            return None
        color = severity_color(severity, QGuiApplication.palette())
        return QColor(color) if color else None
