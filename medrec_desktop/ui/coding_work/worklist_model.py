"""The coding worklist's rows (``WorklistRow`` DTOs from the service, one page at a time)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor, QPalette

from medrec_desktop.domain.coding_work import CodingState, WorklistRow
from medrec_desktop.ui.encounters.texts import day, local, type_label, when
from medrec_desktop.ui.itemmodels.base import DtoTableModel
from medrec_desktop.ui.widgets.status import Severity, severity_color

#: a symbol beside each state's words, so the state never rests on colour alone
STATE_MARKS = {
    None: "○",
    CodingState.IN_PROGRESS: "◐",
    CodingState.CODED: "✔",
    CodingState.RETURNED: "↩",
}


def state_text(row: WorklistRow) -> str:
    label = "Returned" if row.state is CodingState.RETURNED else row.state_label
    return f"{STATE_MARKS[row.state]} {label}"


class WorklistModel(DtoTableModel[WorklistRow]):
    """Signed encounters by date of service, as the service pages them (it sorts; the view
    does not re-sort a page, which would mislead about the pages before and after)."""

    HEADERS = (
        "Date of service",
        "Patient",
        "MRN",
        "Type",
        "Provider",
        "State",
        "Errors",
        "Open queries",
        "Coded by",
        "Coded at",
    )
    (
        COL_DOS,
        COL_PATIENT,
        COL_MRN,
        COL_TYPE,
        COL_PROVIDER,
        COL_STATE,
        COL_ERRORS,
        COL_QUERIES,
        COL_CODED_BY,
        COL_CODED_AT,
    ) = range(10)

    def display(self, row: WorklistRow, column: int) -> str:
        if column == self.COL_DOS:
            return day(local(row.starts_at).date())
        if column == self.COL_PATIENT:
            return row.patient_name
        if column == self.COL_MRN:
            return row.mrn
        if column == self.COL_TYPE:
            return type_label(row.encounter_type)
        if column == self.COL_PROVIDER:
            return row.provider
        if column == self.COL_STATE:
            return state_text(row)
        if column == self.COL_ERRORS:
            return f"⚠ {row.error_count}" if row.error_count else ""
        if column == self.COL_QUERIES:
            return f"? {row.open_queries}" if row.open_queries else ""
        if column == self.COL_CODED_BY:
            return row.coded_by or ""
        if column == self.COL_CODED_AT:
            return when(row.coded_at) if row.coded_at is not None else ""
        return ""

    def sort_key(self, row: WorklistRow, column: int) -> Any:
        if column == self.COL_DOS:
            return row.starts_at.isoformat()
        if column == self.COL_ERRORS:
            return row.error_count
        if column == self.COL_QUERIES:
            return row.open_queries
        if column == self.COL_CODED_AT:
            return row.coded_at.isoformat() if row.coded_at is not None else ""
        return self.display(row, column).casefold()

    def tooltip(self, row: WorklistRow, column: int) -> str | None:
        if column == self.COL_DOS:
            return f"Visit on {when(row.starts_at)}"
        if column == self.COL_STATE:
            if row.state is CodingState.RETURNED and row.return_reason:
                return f"Returned to {row.provider}: {row.return_reason}"
            if row.state is None:
                return "Nobody has saved codes for this encounter yet"
            return row.state_label
        if column == self.COL_ERRORS and row.error_count:
            n = row.error_count
            return f"{n} error{'s' if n != 1 else ''} in the codes as last saved"
        if column == self.COL_QUERIES and row.open_queries:
            n = row.open_queries
            return f"{n} quer{'ies' if n != 1 else 'y'} waiting for the provider's answer"
        return None

    def foreground(self, row: WorklistRow, column: int) -> Any:
        if column == self.COL_ERRORS and row.error_count:
            color = severity_color(Severity.ERROR, QPalette())
            return QColor(color) if color is not None else None
        return None

    def find(self, encounter_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.encounter_id == encounter_id), -1)


class ReturnedModel(DtoTableModel[WorklistRow]):
    """A provider's encounters a coder returned, with the coder's reason."""

    HEADERS = ("Date of service", "Patient", "MRN", "Type", "Returned because")
    COL_DOS, COL_PATIENT, COL_MRN, COL_TYPE, COL_REASON = range(5)

    def display(self, row: WorklistRow, column: int) -> str:
        return (
            day(local(row.starts_at).date()),
            row.patient_name,
            row.mrn,
            type_label(row.encounter_type),
            row.return_reason or "",
        )[column]

    def sort_key(self, row: WorklistRow, column: int) -> Any:
        if column == self.COL_DOS:
            return row.starts_at.isoformat()
        return self.display(row, column).casefold()

    def tooltip(self, row: WorklistRow, column: int) -> str | None:
        if column == self.COL_REASON and row.return_reason:
            return row.return_reason
        return None

    def find(self, encounter_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.encounter_id == encounter_id), -1)
