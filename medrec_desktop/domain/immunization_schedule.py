"""The chart summary's "immunizations due or recent": a small, clinic-agnostic reminder, not
the ACIP schedule.

- **Recent**: a dose given (here or historical, counted) within the last 12 months.
- **Due**, two rules that hold for nearly every patient in every clinic:

  * **Influenza**, everyone from 6 months of age, once a season: due when no dose is
    recorded since the season began on August 1 (US vaccine ships in August; CDC
    recommends vaccinating for as long as the virus circulates).
  * **Tetanus (Td/Tdap)**, from age 11: a tetanus-containing dose every 10 years (CDC adult
    schedule). Childhood DTaP doses count as tetanus-containing.

  Everything else (the childhood series, the adolescent Tdap at 11-12, zoster, pneumococcal,
  HPV...) depends on age, risk and history beyond this reminder: the clinic decides those.

A partial date counts from its earliest day ("2025" means from January 1, 2025): a dose only
counts as recent or in season when it certainly is. A refusal since the rule's cutoff does not
make a vaccine not due; it is shown beside it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.cvx_codes import INFLUENZA, TETANUS, cvx_lookup
from medrec_desktop.domain.immunizations import Administration, ImmunizationData
from medrec_desktop.domain.partial_dates import PartialDate

RECENT_MONTHS = 12
TETANUS_YEARS = 10
TETANUS_FROM_AGE = 11
INFLUENZA_FROM_MONTHS = 6
SEASON_START = (8, 1)  # August 1

# For doses recorded without a CVX code (often historical ones): brand names included.
_NAMED = (
    (INFLUENZA, re.compile(r"\bflu|influenza", re.IGNORECASE)),
    (
        TETANUS,
        re.compile(r"\b(tdap|td|dtap|dtp|dt|tetanus|boostrix|adacel|tenivac)\b", re.IGNORECASE),
    ),
)


@dataclass(frozen=True)
class DueVaccine:
    """One reminder: what, why (in words), the last counted dose and any refusal since."""

    group: str
    name: str
    reason: str
    last_given: PartialDate | None
    refused_on: PartialDate | None = None


@dataclass(frozen=True)
class ImmunizationOverview:
    recent: tuple[ItemInfo[ImmunizationData], ...]  # newest first
    due: tuple[DueVaccine, ...]


def vaccine_group(data: ImmunizationData) -> str | None:
    """The group the due rules count a dose in, from its CVX code or else its name."""
    known = cvx_lookup(data.cvx)
    if known is not None:
        return known.group
    for group, pattern in _NAMED:
        if pattern.search(data.vaccine):
            return group
    return None


def _counted(item: ItemInfo[ImmunizationData]) -> bool:
    return (
        item.status is ItemStatus.ACTIVE
        and item.data.administration is not Administration.REFUSED
        and item.data.given_on is not None
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # February 29
        return day.replace(year=day.year - years, day=28)


def _months_after(day: dt.date, months: int) -> dt.date:
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    for last in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, last)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def season_start(today: dt.date) -> dt.date:
    """August 1 of the influenza season ``today`` is in."""
    start = dt.date(today.year, *SEASON_START)
    return start if today >= start else dt.date(today.year - 1, *SEASON_START)


def due_or_recent(
    items: Iterable[ItemInfo[ImmunizationData]], *, today: dt.date, birth_date: dt.date
) -> ImmunizationOverview:
    """Pass ``inst.immunizations.list(session, patient).items``, the local date and the
    patient's date of birth."""
    listed = [i for i in items if i.status is not ItemStatus.ENTERED_IN_ERROR]
    counted = [i for i in listed if _counted(i)]
    recent_from = _years_before(today, 1)
    recent = sorted(
        (
            i
            for i in counted
            if i.data.given_on is not None and i.data.given_on.earliest >= recent_from
        ),
        key=lambda i: (i.data.given_on, i.id),
        reverse=True,
    )
    due: list[DueVaccine] = []
    if _months_after(birth_date, INFLUENZA_FROM_MONTHS) <= today:
        start = season_start(today)
        due += _due(listed, INFLUENZA, "Influenza", start, f"none since {start:%m/%d/%Y}")
    if _years_before(today, TETANUS_FROM_AGE) >= birth_date:
        cutoff = _years_before(today, TETANUS_YEARS)
        due += _due(
            listed, TETANUS, "Tetanus (Td/Tdap)", cutoff, f"none in the last {TETANUS_YEARS} years"
        )
    return ImmunizationOverview(tuple(recent), tuple(due))


def _due(
    listed: list[ItemInfo[ImmunizationData]],
    group: str,
    name: str,
    since: dt.date,
    reason: str,
) -> list[DueVaccine]:
    mine = [i for i in listed if vaccine_group(i.data) == group and i.data.given_on is not None]
    doses = [i.data.given_on for i in mine if _counted(i) and i.data.given_on is not None]
    last = max(doses) if doses else None
    if last is not None and last.earliest >= since:
        return []
    refusals = [
        i.data.given_on
        for i in mine
        if i.data.administration is Administration.REFUSED
        and i.status is ItemStatus.ACTIVE
        and i.data.given_on is not None
        and i.data.given_on.earliest >= since
    ]
    said = f"{reason} (last {last.display})" if last is not None else f"{reason} (none recorded)"
    return [DueVaccine(group, name, said, last, max(refusals) if refusals else None)]
