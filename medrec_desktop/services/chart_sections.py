"""The chart summary's sections: one small provider per list, over the kinds of
``services.chart_kinds`` (issue 9).

A provider names the kinds whose items it reads (each with how one item reads as a line,
also used by "what changed since you last opened this chart") and picks, from the patient's
items of those kinds, the ones the section lists. The summary service loads each kind once
for all sections, withholds labelled items from roles without access and writes the lines.

To add a kind's section (medications, vitals, immunizations...): write its line function
and its selection here, then add ONE line to :data:`SECTIONS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from medrec_desktop.domain.allergies import AllergyData, AllergyStatementData, Severity
from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.problems import ProblemData
from medrec_desktop.services.chart_kinds import ALLERGIES, ALLERGY_STATEMENTS, PROBLEMS
from medrec_desktop.services.clinical_items import ClinicalItemKind


@dataclass(frozen=True)
class ItemText:
    """How the items of one kind read in the summary: ``noun`` heads a change line
    ("Problem added by ..."), ``line`` gives one item as one line of text. ``newest`` limits
    the read to the newest items of a kind that grows as a series (vitals: the summary shows
    the latest ones, not ten years of them); None reads them all."""

    kind: ClinicalItemKind[Any, Any]
    noun: str
    line: Callable[[ItemInfo[Any]], str]
    newest: int | None = None

    @property
    def item_type(self) -> str:
        return self.kind.item_type


@dataclass(frozen=True)
class SectionInput:
    """A patient's items of every summarised kind (entered-in-error ones left out, labelled
    ones still in: the service withholds them after the selection, so they are counted where
    they would have been listed), oldest first, and today's date."""

    items: Mapping[str, Sequence[ItemInfo[Any]]]
    today: dt.date

    def of(self, text: ItemText) -> Sequence[ItemInfo[Any]]:
        found = self.items.get(text.item_type, ())
        return found[-text.newest :] if text.newest is not None else found


@dataclass(frozen=True)
class Selection:
    """What a section lists, and what it says when there is nothing at all to list."""

    items: Sequence[ItemInfo[Any]]
    empty_note: str


@dataclass(frozen=True)
class SectionProvider:
    key: str
    title: str
    texts: tuple[ItemText, ...]
    select: Callable[[SectionInput], Selection]


# ---------------------------------------------------------------------- problems


def problem_line(item: ItemInfo[ProblemData]) -> str:
    """ "Type 2 diabetes (E11.9), since 03/1998, chronic"."""
    data = item.data
    text = data.description + (f" ({data.icd10cm})" if data.icd10cm else "")
    more = []
    if data.onset is not None:
        more.append(f"since {data.onset.display}")
    if data.chronic:
        more.append("chronic")
    if data.resolution is not None:
        more.append(f"resolved {data.resolution.display}")
    if item.status is not ItemStatus.ACTIVE:
        more.append(item.status.label.lower())
    return ", ".join([text, *more])


PROBLEM_TEXT = ItemText(PROBLEMS, "Problem", problem_line)


def active_problems(found: SectionInput) -> Selection:
    # Chronic conditions first (coders look for them), each group in the order entered.
    active = [i for i in found.of(PROBLEM_TEXT) if i.status is ItemStatus.ACTIVE]
    return Selection(sorted(active, key=lambda i: not i.data.chronic), "None recorded")


# ---------------------------------------------------------------------- allergies


def allergy_line(item: ItemInfo[AllergyData]) -> str:
    """ "Penicillin (drug): hives, severe"."""
    data = item.data
    text = f"{data.substance} ({data.category.label.lower()})"
    more = [data.reaction] if data.reaction else []
    if data.severity is not Severity.UNKNOWN:
        more.append(data.severity.label.lower())
    if item.status is not ItemStatus.ACTIVE:
        more.append(item.status.label.lower())
    return f"{text}: {', '.join(more)}" if more else text


def statement_line(item: ItemInfo[AllergyStatementData]) -> str:
    """ "No known allergies (stated 11/20/2026)"."""
    data = item.data
    text = f"No known allergies (stated {data.stated_on:%m/%d/%Y})"
    if data.note:
        text += f": {data.note}"
    if item.status is not ItemStatus.ACTIVE:
        text += f" ({item.status.label.lower()})"
    return text


ALLERGY_TEXT = ItemText(ALLERGIES, "Allergy", allergy_line)
STATEMENT_TEXT = ItemText(ALLERGY_STATEMENTS, "No-known-allergies statement", statement_line)


def allergies(found: SectionInput) -> Selection:
    """Active allergies; else the active "no known allergies" statement; else the section
    says whether allergies were ever recorded ("not recorded" means nobody asked)."""
    active = [i for i in found.of(ALLERGY_TEXT) if i.status is ItemStatus.ACTIVE]
    if active:
        return Selection(active, "")
    stated = [i for i in found.of(STATEMENT_TEXT) if i.status is ItemStatus.ACTIVE]
    if stated:
        return Selection(stated[-1:], "")
    earlier = len(found.of(ALLERGY_TEXT))
    if earlier:
        return Selection((), f"No active allergies ({earlier} inactive or resolved)")
    return Selection((), "Not recorded")


# ---------------------------------------------------------------------- the registry

# The summary page's lists, in page order. One line per section; kinds that do not exist
# yet simply have no line here.
SECTIONS: tuple[SectionProvider, ...] = (
    SectionProvider("problems", "Active problems", (PROBLEM_TEXT,), active_problems),
    SectionProvider("allergies", "Allergies", (ALLERGY_TEXT, STATEMENT_TEXT), allergies),
)


def item_texts(sections: Sequence[SectionProvider] = SECTIONS) -> tuple[ItemText, ...]:
    """Every kind the sections read, each once (the first section's text names it)."""
    seen: dict[str, ItemText] = {}
    for section in sections:
        for text in section.texts:
            seen.setdefault(text.item_type, text)
    return tuple(seen.values())


def read_limits(sections: Sequence[SectionProvider] = SECTIONS) -> dict[str, int | None]:
    """How many of each kind's newest items the sections need (None: all of them)."""
    limits: dict[str, int | None] = {}
    for section in sections:
        for text in section.texts:
            kind, wanted = text.item_type, text.newest
            if wanted is None or (kind in limits and limits[kind] is None):
                limits[kind] = None
            else:
                limits[kind] = max(wanted, limits.get(kind) or 0)
    return limits
