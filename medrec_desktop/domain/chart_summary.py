"""The chart summary page's data (issue 9): a section per kind of item, and what changed
since the user last opened the chart. Built in one transaction by
``services.chart_summary``; sections are generic so a new kind adds its section there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemList, Sensitivity
from medrec_desktop.domain.dto import PatientId


def withheld_notes(withheld: Mapping[Sensitivity, int]) -> tuple[str, ...]:
    """ "1 item withheld (behavioral health)", one line per label."""
    return ItemList((), withheld).withheld_notes


@dataclass(frozen=True)
class ChartSection:
    """One list of the summary ("Active problems", "Allergies"...).

    ``items`` are what the user may see, each with its one-line text in ``lines`` (same
    order); labelled items the role may not see are only counted in ``withheld``.
    ``reminders`` are lines about no item in particular ("Influenza due: ..."), said first.
    ``empty_note`` says what an empty section means ("Not recorded", "None recorded"); it is
    None when the section says anything else.
    """

    key: str
    title: str
    items: tuple[ItemInfo[Any], ...]
    lines: tuple[str, ...]
    withheld: Mapping[Sensitivity, int] = field(default_factory=dict)
    empty_note: str | None = None
    reminders: tuple[str, ...] = ()

    @property
    def withheld_notes(self) -> tuple[str, ...]:
        return withheld_notes(self.withheld)

    @property
    def text_lines(self) -> tuple[str, ...]:
        """Everything the section says, as lines (for the CLI and plain-text views)."""
        shown = self.reminders + self.lines + self.withheld_notes
        return shown if shown else ((self.empty_note,) if self.empty_note else ())


@dataclass(frozen=True)
class ChartChange:
    """One change someone else made since the user last opened the chart.

    ``what`` names the kind ("Problem", "Demographics"); ``verb`` what happened ("added",
    "changed Onset, Chronic", "marked entered in error"); ``text`` the item as saved then
    ("Type 2 diabetes"). ``when`` is UTC (tz-aware); :meth:`line` shows local time.
    """

    when: dt.datetime
    who: str
    what: str
    verb: str
    text: str
    item_type: str | None = None
    item_id: ItemId | None = None

    def line(self, tz: dt.tzinfo | None = None) -> str:
        """ "Problem added by Dr. Patel 11/29 14:02: Type 2 diabetes" (local time unless
        ``tz``)."""
        local = self.when.astimezone(tz)
        said = f"{self.what} {self.verb} by {self.who} {local:%m/%d %H:%M}"
        return f"{said}: {self.text}" if self.text else said


@dataclass(frozen=True)
class ChartSummary:
    """The summary page of one patient's chart, as this user may see it.

    ``last_opened`` is when this user last had the chart open before this visit (None: not
    before, as far as the audit trail goes); ``changes`` lists what others changed since,
    newest first (at most a page; ``more_changes`` counts the rest); changes to labelled
    items the role may not see are only counted, per label, in ``changes_withheld``.
    """

    patient_id: PatientId
    sections: tuple[ChartSection, ...]
    last_opened: dt.datetime | None
    changes: tuple[ChartChange, ...] = ()
    changes_withheld: Mapping[Sensitivity, int] = field(default_factory=dict)
    more_changes: int = 0

    def section(self, key: str) -> ChartSection | None:
        return next((s for s in self.sections if s.key == key), None)

    @property
    def changes_withheld_notes(self) -> tuple[str, ...]:
        return withheld_notes(self.changes_withheld)
