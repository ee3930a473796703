"""The chart summary's sections: one small provider per list, over the kinds of
``services.chart_kinds`` (issue 9).

A provider names the kinds whose items it reads (each with how one item reads as a line,
also used by "what changed since you last opened this chart") and picks, from the patient's
items of those kinds, the ones the section lists. The summary service loads each kind once
for all sections, withholds labelled items from roles without access and writes the lines.

To add a section: write its line function (``services/chart_lines.py``) and its selection
here, then add ONE line to :data:`SECTIONS`. Kinds with no section of their own (the medical,
surgical and family histories: a clinician opens those lists when needed) still report their
changes through :data:`CHANGES_ALSO`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.immunization_schedule import due_or_recent
from medrec_desktop.domain.medications import current_medications
from medrec_desktop.domain.result_grid import GridTest, latest_abnormal
from medrec_desktop.domain.social_history import current_social_history
from medrec_desktop.domain.vitals import latest_of_each
from medrec_desktop.services import chart_lines as lines
from medrec_desktop.services.chart_kinds import (
    ALLERGIES,
    ALLERGY_STATEMENTS,
    FAMILY_HISTORY,
    IMMUNIZATIONS,
    MEDICAL_HISTORY,
    MEDICATIONS,
    PROBLEMS,
    PROCEDURES,
    SOCIAL_HISTORY,
    SURGICAL_HISTORY,
    VITALS,
)
from medrec_desktop.services.clinical_items import ClinicalItemKind
from medrec_desktop.services.encounter_kinds import ENCOUNTERS
from medrec_desktop.services.result_kinds import LAB_TESTS

# The newest sets of vitals the summary reads: enough for a height or weight measured a
# few visits before today's blood pressure, never ten years of them.
VITALS_READ = 20
RECENT_VISITS = 3
RESULTS_DAYS = 365


@dataclass(frozen=True)
class ItemText:
    """How the items of one kind read in the summary: ``noun`` heads a change line
    ("Problem added by ..."), ``line`` gives one item as one line of text. ``newest`` limits
    the read to the newest items of a kind that grows as a series (vitals: the summary shows
    the latest ones, not ten years of them), newest by the column ``newest_by`` (then by
    id); None reads them all."""

    kind: ClinicalItemKind[Any, Any]
    noun: str
    line: Callable[[ItemInfo[Any]], str]
    newest: int | None = None
    newest_by: str = "id"
    # Only the items of the last ``within_days`` days by ``newest_by`` (the results of the
    # last year, not ten years of them); None: no limit of time.
    within_days: int | None = None
    # A count of the patient's active items the section tells beside what it lists ("2
    # unsigned notes"): a condition on the kind's model, counted in the summary's one
    # statement of counts (labelled items apart, see SectionInput.tallied).
    tally: Callable[[Any], Any] | None = None

    @property
    def item_type(self) -> str:
        return self.kind.item_type


@dataclass(frozen=True)
class SectionInput:
    """A patient's active items of every summarised kind (labelled ones still in: the
    service withholds them after the selection, so they are counted where they would have
    been listed), oldest first, and how many others each kind keeps (``not_active``:
    inactive or resolved, counted, not read); today's date; the patient's birth date and
    sex (for the rules that depend on them); and whether this user sees labelled items
    (a rule that concludes from several items, like "influenza due", only uses those the
    user may see, so its conclusion says nothing about a withheld one)."""

    items: Mapping[str, Sequence[ItemInfo[Any]]]
    today: dt.date
    birth_date: dt.date | None = None
    sex: str | None = None
    sees_labelled: bool = True
    not_active: Mapping[str, int] = field(default_factory=dict)
    tallies: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def recorded(self, text: ItemText) -> int:
        """How many items of the kind the patient has (entered in error aside)."""
        return len(self.items.get(text.item_type, ())) + self.not_active.get(text.item_type, 0)

    def tallied(self, text: ItemText) -> int:
        """The kind's ``tally``: labelled items counted only for a user who sees them."""
        plain, labelled = self.tallies.get(text.item_type, (0, 0))
        return plain + (labelled if self.sees_labelled else 0)

    def of(self, text: ItemText) -> Sequence[ItemInfo[Any]]:
        found = self.items.get(text.item_type, ())
        return found[-text.newest :] if text.newest is not None else found

    def visible(self, text: ItemText) -> list[ItemInfo[Any]]:
        return [i for i in self.of(text) if self.sees_labelled or i.sensitivity is None]


@dataclass(frozen=True)
class Selection:
    """What a section lists, and what it says when there is nothing at all to list.

    ``lines`` (one per item) replaces the kinds' usual lines where the section says less or
    more of an item (the latest vitals: only the measurements each set is the latest for);
    ``reminders`` are lines about no item in particular ("Influenza due"), shown first."""

    items: Sequence[ItemInfo[Any]]
    empty_note: str
    lines: Sequence[str] | None = None
    reminders: Sequence[str] = ()


@dataclass(frozen=True)
class SectionProvider:
    key: str
    title: str
    texts: tuple[ItemText, ...]
    select: Callable[[SectionInput], Selection]


# ---------------------------------------------------------------------- problems

PROBLEM_TEXT = ItemText(PROBLEMS, "Problem", lines.problem_line)


def active_problems(found: SectionInput) -> Selection:
    # Chronic conditions first (coders look for them), each group in the order entered.
    active = [i for i in found.of(PROBLEM_TEXT) if i.status is ItemStatus.ACTIVE]
    return Selection(sorted(active, key=lambda i: not i.data.chronic), "None recorded")


# ---------------------------------------------------------------------- allergies

ALLERGY_TEXT = ItemText(ALLERGIES, "Allergy", lines.allergy_line)
STATEMENT_TEXT = ItemText(ALLERGY_STATEMENTS, "No-known-allergies statement", lines.statement_line)


def allergies(found: SectionInput) -> Selection:
    """Active allergies; else the active "no known allergies" statement; else the section
    says whether allergies were ever recorded ("not recorded" means nobody asked)."""
    active = [i for i in found.of(ALLERGY_TEXT) if i.status is ItemStatus.ACTIVE]
    if active:
        return Selection(active, "")
    stated = [i for i in found.of(STATEMENT_TEXT) if i.status is ItemStatus.ACTIVE]
    if stated:
        return Selection(stated[-1:], "")
    earlier = found.recorded(ALLERGY_TEXT) - len(active)
    if earlier:
        return Selection((), f"No active allergies ({earlier} inactive or resolved)")
    return Selection((), "Not recorded")


# ---------------------------------------------------------------------- medications

MEDICATION_TEXT = ItemText(MEDICATIONS, "Medication", lines.medication_line)


def current_meds(found: SectionInput) -> Selection:
    """Taken now (active, not stopped before today), by name."""
    current = current_medications(found.of(MEDICATION_TEXT), found.today)
    earlier = found.recorded(MEDICATION_TEXT) - len(current)
    empty = f"No current medications ({earlier} stopped or completed)" if earlier else ""
    return Selection(current, empty or "None recorded")


# ---------------------------------------------------------------------- vitals

VITALS_TEXT = ItemText(
    VITALS, "Vitals", lines.vitals_line, newest=VITALS_READ, newest_by="taken_at"
)


def latest_vitals(found: SectionInput) -> Selection:
    """Each measurement's latest counted value, under the date of the set it was taken in,
    newest set first: today's blood pressure beside last month's height. Labelled sets newer
    than the newest shown are listed too, so they are counted as withheld."""
    sets = found.of(VITALS_TEXT)
    seen = [i for i in found.visible(VITALS_TEXT) if i.status is ItemStatus.ACTIVE]
    if not seen:
        return Selection(
            [i for i in sets if i.sensitivity is not None and not found.sees_labelled],
            "None counted" if found.recorded(VITALS_TEXT) else "None recorded",
        )
    latest = latest_of_each(seen)
    by_time: dict[dt.datetime, list[str]] = {}
    for name, (_value, taken_at) in latest.items():
        by_time.setdefault(taken_at, []).append(name)
    chosen: list[ItemInfo[Any]] = []
    said: list[str] = []
    for taken_at in sorted(by_time, reverse=True):
        # Two sets taken at the same minute: the one entered last holds the value.
        item = max((i for i in seen if i.data.taken_at == taken_at), key=lambda i: i.id)
        if lines.vitals_parts(item.data, by_time[taken_at]):  # not a lone diastolic
            chosen.append(item)
            said.append(lines.vitals_line(item, by_time[taken_at]))
    newest = max(i.data.taken_at for i in seen)
    hidden = [
        i
        for i in sets
        if i.sensitivity is not None and not found.sees_labelled and i.data.taken_at > newest
    ]
    # The withheld sets' lines are never shown (the service counts them instead).
    return Selection([*hidden, *chosen], "None counted", ["" for _ in hidden] + said)


# ---------------------------------------------------------------------- immunizations

IMMUNIZATION_TEXT = ItemText(IMMUNIZATIONS, "Immunization", lines.immunization_line)


def immunizations_due_or_recent(found: SectionInput) -> Selection:
    """What is due (influenza this season, tetanus every ten years), then the doses given in
    the last twelve months, newest first."""
    everything = found.of(IMMUNIZATION_TEXT)
    # Without a birth date no age-based rule applies (today as the birth date: nothing due).
    birth = found.birth_date or found.today
    overview = due_or_recent(everything, today=found.today, birth_date=birth)
    due = overview.due
    if not found.sees_labelled and any(i.sensitivity for i in everything):
        due = due_or_recent(
            found.visible(IMMUNIZATION_TEXT), today=found.today, birth_date=birth
        ).due
    empty = (
        "Nothing due; none given in the last 12 months"
        if found.recorded(IMMUNIZATION_TEXT)
        else "None recorded"
    )
    return Selection(overview.recent, empty, reminders=[lines.due_line(d) for d in due])


# ---------------------------------------------------------------------- social history

SOCIAL_TEXT = ItemText(SOCIAL_HISTORY, "Social history", lines.social_line)


def social_history(found: SectionInput) -> Selection:
    """The current social history: tobacco, alcohol screen, and needs that want attention."""
    current = current_social_history(found.of(SOCIAL_TEXT))
    if current is None:
        return Selection((), "Not recorded")
    return Selection([current], "", [lines.social_line(current, found.sex)])


# ---------------------------------------------------------------------- visits

ENCOUNTER_TEXT = ItemText(
    ENCOUNTERS,
    "Encounter",
    lines.encounter_line,
    newest=RECENT_VISITS,
    newest_by="starts_at",
    tally=lambda model: model.signed_at.is_(None),
)


def recent_visits(found: SectionInput) -> Selection:
    """The last visits, newest first, and how many of the patient's notes are unsigned
    (any visit, not only these; cancelled ones aside)."""
    recent = list(reversed(found.of(ENCOUNTER_TEXT)))
    unsigned = found.tallied(ENCOUNTER_TEXT)
    reminders = [f"✎ {unsigned} unsigned note{'s' if unsigned != 1 else ''}"] if unsigned else []
    cancelled = found.recorded(ENCOUNTER_TEXT)
    empty = f"None held ({cancelled} cancelled)" if cancelled else "None recorded"
    return Selection(recent, empty, reminders=reminders)


# ---------------------------------------------------------------------- results

LAB_TEST_TEXT = ItemText(
    LAB_TESTS,
    "Lab test",
    lines.lab_test_line,
    newest_by="collected_at",
    within_days=RESULTS_DAYS,
)
NO_ABNORMAL = "No abnormal results in the last 12 months"


def _grid_test(item: ItemInfo[Any]) -> GridTest:
    data = item.data
    return GridTest(
        item.id, data.name, data.collected_at, data.resulted_at, data.performing_lab, data.results
    )


def recent_results(found: SectionInput) -> Selection:
    """Each analyte's latest out-of-range result of the last 12 months (critical ones
    first), each line with its flag's mark. Labelled tests the user may not see are counted
    when they hold an abnormal result (as a withheld problem would be)."""
    seen = found.visible(LAB_TEST_TEXT)
    by_id: dict[int, ItemInfo[Any]] = {i.id: i for i in seen}
    chosen: list[ItemInfo[Any]] = []
    said: list[str] = []
    for abnormal in latest_abnormal(_grid_test(i) for i in seen):
        line = lines.result_line(abnormal.result, abnormal.test.collected_at)
        if abnormal.normal_since is not None:
            line += f" (normal {abnormal.normal_since.astimezone():%m/%d/%Y})"
        chosen.append(by_id[abnormal.test.id])
        said.append(line)
    hidden = [
        i
        for i in found.of(LAB_TEST_TEXT)
        if i.sensitivity is not None and not found.sees_labelled and i.data.abnormal_count
    ]
    # The withheld tests' lines are never shown (the service counts them instead).
    return Selection([*hidden, *chosen], NO_ABNORMAL, ["" for _ in hidden] + said)


# ---------------------------------------------------------------------- the registry

# The summary page's lists, in page order. Each key names the chart list it opens (the
# change kind of its first kind: "problems", "medications", "social_history"...).
SECTIONS: tuple[SectionProvider, ...] = (
    SectionProvider("problems", "Active problems", (PROBLEM_TEXT,), active_problems),
    SectionProvider("allergies", "Allergies", (ALLERGY_TEXT, STATEMENT_TEXT), allergies),
    SectionProvider("medications", "Current medications", (MEDICATION_TEXT,), current_meds),
    SectionProvider("vitals", "Latest vitals", (VITALS_TEXT,), latest_vitals),
    SectionProvider(
        "immunizations",
        "Immunizations due or recent",
        (IMMUNIZATION_TEXT,),
        immunizations_due_or_recent,
    ),
    SectionProvider("social_history", "Social history", (SOCIAL_TEXT,), social_history),
    SectionProvider("encounters", "Recent visits", (ENCOUNTER_TEXT,), recent_visits),
    SectionProvider("results", "Recent results", (LAB_TEST_TEXT,), recent_results),
)

# Kinds listed in "what changed since you last opened this chart" without a section.
CHANGES_ALSO: tuple[ItemText, ...] = (
    ItemText(MEDICAL_HISTORY, "Past medical history", lines.medical_history_line),
    ItemText(SURGICAL_HISTORY, "Surgical history", lines.surgical_history_line),
    ItemText(FAMILY_HISTORY, "Family history", lines.family_history_line),
    ItemText(PROCEDURES, "Procedure", lines.procedure_line),
)


def item_texts(sections: Sequence[SectionProvider] = SECTIONS) -> tuple[ItemText, ...]:
    """Every kind the sections read, each once (the first section's text names it)."""
    seen: dict[str, ItemText] = {}
    for section in sections:
        for text in section.texts:
            seen.setdefault(text.item_type, text)
    return tuple(seen.values())


def change_texts(sections: Sequence[SectionProvider] = SECTIONS) -> tuple[ItemText, ...]:
    """Every kind whose changes the summary lists: the sections' and :data:`CHANGES_ALSO`."""
    read = item_texts(sections)
    known = {t.item_type for t in read}
    return read + tuple(t for t in CHANGES_ALSO if t.item_type not in known)


def read_windows(sections: Sequence[SectionProvider] = SECTIONS) -> dict[str, int | None]:
    """How many days back each kind is read (None: all of them, or no section limits it)."""
    windows: dict[str, int | None] = {}
    for section in sections:
        for text in section.texts:
            kind, days = text.item_type, text.within_days
            if days is None or (kind in windows and windows[kind] is None):
                windows[kind] = None
            else:
                windows[kind] = max(days, windows.get(kind) or 0)
    return windows


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
