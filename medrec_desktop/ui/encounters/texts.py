"""How encounters read on screen: times in local time, the signed state with a symbol as well
as words (never colour alone), the type by its label."""

from __future__ import annotations

import datetime as dt

from medrec_desktop.domain.encounters import EncounterType

SIGNED = "✔ Signed"
UNSIGNED = "✎ Unsigned"
DATE_FORMAT = "%m/%d/%Y"
MOMENT_FORMAT = "%m/%d/%Y %H:%M"


def local(moment: dt.datetime) -> dt.datetime:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone()


def when(moment: dt.datetime) -> str:
    """ "03/14/2025 10:30" in the workstation's local time."""
    return f"{local(moment):{MOMENT_FORMAT}}"


def time_of_day(moment: dt.datetime) -> str:
    return f"{local(moment):%H:%M}"


def day(value: dt.date | None) -> str:
    return f"{value:{DATE_FORMAT}}" if value is not None else ""


def type_label(value: EncounterType | str) -> str:
    try:
        return EncounterType(value).label
    except ValueError:
        return str(value)


def signed_text(signed: bool) -> str:
    return SIGNED if signed else UNSIGNED


def note_name(starts_at: dt.datetime, encounter_type: EncounterType | str) -> str:
    """ "03/14/2025 office visit": how a note is named in messages and choices."""
    return f"{local(starts_at):{DATE_FORMAT}} {type_label(encounter_type).lower()}"
