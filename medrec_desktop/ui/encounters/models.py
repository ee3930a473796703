"""Table models of the encounter screens: a patient's encounters, the clinic's day, a
provider's unsigned notes and a patient's amendment requests (rows are the services' DTOs)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QPalette

from medrec_desktop.domain.amendments import AmendmentData, AmendmentDecision
from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.encounter_views import EncounterRow, TodayRow, UnsignedRow
from medrec_desktop.ui.encounters.kinds import Names, decision_text
from medrec_desktop.ui.encounters.texts import day, signed_text, time_of_day, type_label, when
from medrec_desktop.ui.itemmodels.base import DtoTableModel

WITHHELD = "⊘ withheld (sensitivity label)"
WITHHELD_SHORT = "⊘ withheld"


def _reason(reason: str, withheld: bool) -> str:
    return WITHHELD if withheld else reason


def _type(row: TodayRow | UnsignedRow) -> str:
    """A labelled visit the caller may not see has no type to show (the service sends none)."""
    if row.withheld or row.encounter_type is None:
        return WITHHELD_SHORT
    return type_label(row.encounter_type)


def _quiet() -> Any:
    return QPalette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)


class EncountersModel(DtoTableModel[EncounterRow]):
    """One patient's encounters, newest first as the service gives them."""

    HEADERS = ("Date and time", "Type", "Provider", "Reason for visit", "Note", "Addenda")
    COL_WHEN, COL_TYPE, COL_PROVIDER, COL_REASON, COL_SIGNED, COL_ADDENDA = range(6)

    def display(self, row: EncounterRow, column: int) -> str:
        if column == self.COL_WHEN:
            return when(row.starts_at)
        if column == self.COL_TYPE:
            return type_label(row.encounter_type)
        if column == self.COL_PROVIDER:
            return row.provider
        if column == self.COL_REASON:
            return row.reason_for_visit
        if column == self.COL_SIGNED:
            if row.status is ItemStatus.ENTERED_IN_ERROR:
                return "⊘ Entered in error"
            return signed_text(row.signed)
        return str(row.addenda) if row.addenda else ""

    def sort_key(self, row: EncounterRow, column: int) -> Any:
        if column == self.COL_WHEN:
            return row.starts_at.isoformat()
        if column == self.COL_ADDENDA:
            return row.addenda
        return self.display(row, column).casefold()

    def tooltip(self, row: EncounterRow, column: int) -> str | None:
        if column == self.COL_SIGNED and row.signed and row.signed_at is not None:
            return f"Signed on {when(row.signed_at)}; changes only by addendum"
        if column == self.COL_SIGNED and not row.signed:
            return "Not signed yet: the provider may still change it"
        return None

    def foreground(self, row: EncounterRow, column: int) -> Any:
        return _quiet() if row.status is ItemStatus.ENTERED_IN_ERROR else None

    def find(self, encounter_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == encounter_id), -1)


class TodayModel(DtoTableModel[TodayRow]):
    """The clinic's encounters of one day, all patients, by time."""

    HEADERS = ("Time", "Patient", "MRN", "Type", "Provider", "Reason for visit", "Note")
    COL_TIME, COL_PATIENT, COL_MRN, COL_TYPE, COL_PROVIDER, COL_REASON, COL_SIGNED = range(7)

    def display(self, row: TodayRow, column: int) -> str:
        return (
            time_of_day(row.starts_at),
            row.patient_name,
            row.mrn,
            _type(row),
            WITHHELD_SHORT if row.withheld else row.provider,
            _reason(row.reason, row.withheld),
            signed_text(row.signed),
        )[column]

    def sort_key(self, row: TodayRow, column: int) -> Any:
        if column == self.COL_TIME:
            return row.starts_at.isoformat()
        return self.display(row, column).casefold()


class UnsignedModel(DtoTableModel[UnsignedRow]):
    """A provider's notes still unsigned after the clinic's number of days, oldest first."""

    HEADERS = ("Date and time", "Patient", "MRN", "Type", "Reason for visit", "Waiting")
    COL_WHEN, COL_PATIENT, COL_MRN, COL_TYPE, COL_REASON, COL_DAYS = range(6)

    def display(self, row: UnsignedRow, column: int) -> str:
        if column == self.COL_DAYS:
            return f"{row.days_open} day{'s' if row.days_open != 1 else ''}"
        return (
            when(row.starts_at),
            row.patient_name,
            row.mrn,
            _type(row),
            _reason(row.reason, row.withheld),
        )[column]

    def sort_key(self, row: UnsignedRow, column: int) -> Any:
        if column in (self.COL_WHEN, self.COL_DAYS):
            return row.starts_at.isoformat()
        return self.display(row, column).casefold()


class AmendmentsModel(DtoTableModel[ItemInfo[AmendmentData]]):
    """A patient's amendment requests, newest first, with their decision."""

    HEADERS = ("Received", "Concerns", "What to change", "Decision", "Decided or due")
    COL_RECEIVED, COL_NOTE, COL_CHANGE, COL_DECISION, COL_DECIDED = range(5)

    def __init__(self, names: Names, notes: dict[int, str], parent: Any = None) -> None:
        super().__init__(parent)
        self.names = names
        self.notes = notes  # encounter id -> "03/14/2025 office visit"

    def note(self, row: ItemInfo[AmendmentData]) -> str:
        encounter = row.data.encounter_id
        if encounter is None:
            return row.data.concerns or "The record in general"
        return self.notes.get(int(encounter), f"Encounter no. {encounter}")

    def display(self, row: ItemInfo[AmendmentData], column: int) -> str:
        d = row.data
        if column == self.COL_RECEIVED:
            return day(d.received_on)
        if column == self.COL_NOTE:
            return self.note(row)
        if column == self.COL_CHANGE:
            return " ".join(d.requested_change.split())
        if column == self.COL_DECISION:
            return decision_text(d.decision)
        if d.decided_on is None:
            # The clinic acts on a request within 60 days of receiving it.
            return f"due by {day(d.due_on)}" if d.decision is AmendmentDecision.PENDING else ""
        # The decider's name when known here; the latest version's author otherwise, unless
        # a later statement of disagreement was recorded (by someone else, perhaps).
        who = self.names.user(d.decided_by, "" if d.disagreement else row.changed_by)
        return f"{day(d.decided_on)} by {who}" if who else day(d.decided_on)

    def sort_key(self, row: ItemInfo[AmendmentData], column: int) -> Any:
        if column == self.COL_RECEIVED:
            return row.data.received_on.isoformat()
        return self.display(row, column).casefold()

    def tooltip(self, row: ItemInfo[AmendmentData], column: int) -> str | None:
        return " ".join(row.data.requested_change.split()) if column == self.COL_CHANGE else None

    def find(self, item_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == item_id), -1)
