"""A patient's record as a release reads it (issue 14): only the sections and dates chosen,
labelled items only when chosen, entered-in-error items never. The record PDF, the FHIR
export and the release preview are all made from this one reading
(``services/patient_extract.gather``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from medrec_desktop.domain.amendments import AddendumInfo
from medrec_desktop.domain.clinical import ItemInfo
from medrec_desktop.domain.coding_work import CodingData
from medrec_desktop.domain.documents import DocumentData
from medrec_desktop.domain.dto import PatientRecord
from medrec_desktop.domain.encounters import EncounterData
from medrec_desktop.domain.record_release import RecordScope, RecordSection
from medrec_desktop.domain.results import LabTestData


@dataclass(frozen=True)
class EncounterExtract:
    """A signed or unsigned visit with its provider's name, the note's addenda (oldest
    first) and, when the coding section is chosen, its coding as saved (None: not coded)."""

    item: ItemInfo[EncounterData]
    provider: str
    signed_by: str | None
    addenda: tuple[AddendumInfo, ...] = ()
    coding: CodingData | None = None


@dataclass(frozen=True)
class PatientExtract:
    """``record``: the demographics (always read: every page names the patient; the
    demographics section decides whether the details are printed). ``items``: item type
    (``problem``, ``medication``, ``allergy``, ``allergy-statement``, ``immunization``,
    ``vitals``, ``medical-history``, ``surgical-history``, ``family-history``,
    ``social-history``, ``procedure``) -> the items in scope, oldest first. ``withheld``:
    labelled items left out, by item type (for the person releasing, never printed)."""

    record: PatientRecord
    scope: RecordScope
    clinic_name: str
    items: Mapping[str, tuple[ItemInfo[Any], ...]] = field(default_factory=dict)
    tests: tuple[ItemInfo[LabTestData], ...] = ()
    encounters: tuple[EncounterExtract, ...] = ()
    documents: tuple[ItemInfo[DocumentData], ...] = ()
    withheld: Mapping[str, int] = field(default_factory=dict)
    #: user id -> display name, for the people named by the items (providers, authors)
    names: Mapping[int, str] = field(default_factory=dict)

    def has(self, section: RecordSection) -> bool:
        return section in self.scope.sections

    def of(self, item_type: str) -> tuple[ItemInfo[Any], ...]:
        return tuple(self.items.get(item_type, ()))

    @property
    def item_count(self) -> int:
        """Everything the release carries, counted (the preview: "84 items")."""
        return (
            sum(len(v) for v in self.items.values())
            + len(self.tests)
            + len(self.encounters)
            + len(self.documents)
        )


def item_day(data: object) -> dt.date | None:
    """The date an item is about (when taken, collected, seen, started, given, performed,
    dated), local; None for an undated one (kept whatever the dates chosen)."""
    for name in (
        "taken_at",
        "collected_at",
        "starts_at",
        "performed_at",
        "given_on",
        "document_date",
        "start",
        "onset",
        "stated_on",
    ):
        value = getattr(data, name, None)
        if value is None:
            continue
        if isinstance(value, dt.datetime):
            return value.astimezone().date() if value.tzinfo else value.date()
        if isinstance(value, dt.date):
            return value
        found = getattr(value, "earliest", None)  # a PartialDate: its first day
        if isinstance(found, dt.date):
            return found
    return None
