"""What the encounter screens read (issue 10): a patient's encounter list, one encounter with
everything linked to it, the clinic's day and a provider's unsigned notes.

Times are UTC (tz-aware); the screens show them in local time. Provider and signer are
display names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from medrec_desktop.domain.amendments import AddendumInfo, AmendmentData
from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemStatus, Sensitivity
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.encounters import EncounterData, EncounterType


@dataclass(frozen=True)
class EncounterRow:
    """One line of a patient's encounter list."""

    id: ItemId
    version: int
    starts_at: dt.datetime
    encounter_type: EncounterType
    provider: str
    reason_for_visit: str
    signed: bool
    signed_at: dt.datetime | None
    addenda: int
    status: ItemStatus
    sensitivity: Sensitivity | None = None


@dataclass(frozen=True)
class EncounterList:
    """A patient's encounters, newest first; labelled ones the caller may not see are only
    counted per label (like ``ItemList``)."""

    rows: tuple[EncounterRow, ...]
    withheld: Mapping[Sensitivity, int] = field(default_factory=dict)

    @property
    def withheld_notes(self) -> tuple[str, ...]:
        return tuple(
            f"{n} encounter{'s' if n != 1 else ''} withheld ({s.label})"
            for s, n in sorted(self.withheld.items())
        )


@dataclass(frozen=True)
class LinkedEntry:
    """Vitals, a test or a procedure recorded in the encounter: ``item_type`` and ``item_id``
    open it; ``text`` is one line; ``abnormal`` marks an unusual vital or abnormal result."""

    item_type: str
    item_id: ItemId
    when: dt.datetime
    text: str
    abnormal: bool


@dataclass(frozen=True)
class EncounterDetail:
    """One encounter as its view shows it: the note, who signed it, its addenda (oldest
    first), what was recorded in it and the amendment requests about it. ``locked``: signed,
    so changed only by addendum. ``withheld`` counts linked entries with a sensitivity label
    the caller may not see (left out of the tuples)."""

    item: ItemInfo[EncounterData]
    provider: str
    signed_by: str | None
    addenda: tuple[AddendumInfo, ...]
    vitals: tuple[LinkedEntry, ...]
    tests: tuple[LinkedEntry, ...]
    procedures: tuple[LinkedEntry, ...]
    problems: tuple[tuple[int, str], ...]
    amendments: tuple[ItemInfo[AmendmentData], ...]
    locked: bool
    withheld: int = 0
    #: the coders' queries about this note that its provider answered, oldest first: the
    #: answers are part of the record (issue 13)
    queries: tuple[AnsweredQuery, ...] = ()


@dataclass(frozen=True)
class AnsweredQuery:
    """A coder's query and the provider's answer, as the encounter view shows it."""

    kind: str
    question: str
    asked_by: str
    asked_at: dt.datetime
    answer: str
    note: str | None
    answered_by: str
    answered_at: dt.datetime


WITHHELD = "(withheld)"


@dataclass(frozen=True)
class TodayRow:
    """One visit of the clinic's day. When the encounter carries a sensitivity label the
    caller may not see (``withheld``), only that the visit happens is shown (its time and
    patient): its type is None, its provider :data:`WITHHELD` and its reason blank, since
    a clinic's behavioral health or substance use provider would tell as much as the
    reason."""

    patient_id: PatientId
    mrn: str
    patient_name: str
    encounter_id: ItemId
    starts_at: dt.datetime
    encounter_type: EncounterType | None
    provider: str
    reason: str
    signed: bool
    withheld: bool = False


@dataclass(frozen=True)
class UnsignedRow:
    """A note its provider has not signed, older than the clinic's threshold. A labelled
    one the caller may not see is ``withheld`` like a :class:`TodayRow` (type None, reason
    blank)."""

    patient_id: PatientId
    mrn: str
    patient_name: str
    encounter_id: ItemId
    version: int
    starts_at: dt.datetime
    encounter_type: EncounterType | None
    reason: str
    days_open: int
    withheld: bool = False
