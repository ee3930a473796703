"""Which of two records of the same person to keep in a merge, and why, in plain words.

Pure: the service gathers the facts of both records and the widget shows the answer; the
user may still choose the other record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from medrec_desktop.domain.dto import PatientInfo

# A record registered less than this long ago is "new": the usual duplicate is the one the
# front desk created today because the search missed the established record.
NEW_RECORD = dt.timedelta(hours=24)
# Keeping the record with more on file loses less (the other one's address, e-mail... stay
# behind on the merged record), but a field or two more is not worth giving up the older MRN
# that paper charts and past claims carry.
CLEARLY_MORE = 3


@dataclass(frozen=True)
class MergeFacts:
    """What the choice weighs about one record: counts only, never clinical content."""

    patient: PatientInfo
    registered_at: dt.datetime  # UTC (tz-aware)
    filled_fields: int  # demographic fields with a value, beyond name, birth date and sex
    notes: int | None  # None: the caller's role sees no clinical data, not even how much
    contacts: int
    coverages: int

    @property
    def on_file(self) -> int:
        return self.filled_fields + (self.notes or 0) + self.contacts + self.coverages

    @property
    def label(self) -> str:
        return f"{self.patient.display_name} (MRN {self.patient.mrn})"

    def on_file_text(self) -> str:
        """``"9 filled fields, 3 notes, 1 contact, no insurance"``."""
        parts = [_count(self.filled_fields, "filled field", "filled fields", "no filled fields")]
        if self.notes is not None:
            parts.append(_count(self.notes, "note", "notes", "no notes"))
        parts.append(_count(self.contacts, "contact", "contacts", "no contacts"))
        parts.append(_count(self.coverages, "insurance plan", "insurance plans", "no insurance"))
        return ", ".join(parts)


@dataclass(frozen=True)
class MergeSuggestion:
    """Keep ``keep``, merge ``merge`` into it; ``why`` says so in a sentence or two."""

    keep: MergeFacts
    merge: MergeFacts
    why: str


def _count(n: int, one: str, many: str, none: str) -> str:
    return none if n == 0 else f"{n} {one if n == 1 else many}"


def ago(then: dt.datetime, now: dt.datetime) -> str:
    """How long ago, the way people say it ("4 minutes ago", "3 years ago")."""
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return "just now"
    day = 86400
    # (below this many seconds, count in units of this many, called)
    steps: tuple[tuple[int, int, str], ...] = (
        (3600, 60, "minute"),
        (day, 3600, "hour"),
        (61 * day, day, "day"),
        (730 * day, 30 * day, "month"),
        (2**62, 365 * day, "year"),
    )
    _, unit, name = next(step for step in steps if seconds < step[0])
    n = seconds // unit
    return f"{n} {name}{'' if n == 1 else 's'} ago"


def _older_first(f: MergeFacts) -> tuple[dt.datetime, int, str]:
    # MRNs are issued in order, so among records registered at the same moment the lower
    # MRN is the older one (compared as numbers of equal width).
    return (f.registered_at, len(f.patient.mrn), f.patient.mrn)


def suggest_keep(a: MergeFacts, b: MergeFacts, *, now: dt.datetime) -> MergeSuggestion:
    """The established record over a new one; else clearly more on file; else the older."""
    a_new, b_new = now - a.registered_at < NEW_RECORD, now - b.registered_at < NEW_RECORD
    if a_new != b_new:
        keep, gone = (b, a) if a_new else (a, b)
        why = (
            f"Keep {keep.label}: it was registered {ago(keep.registered_at, now)}, "
            f"{gone.label} only {ago(gone.registered_at, now)}, so that one is most likely "
            "the duplicate."
        )
        return MergeSuggestion(keep, gone, why)
    if abs(a.on_file - b.on_file) >= CLEARLY_MORE:
        keep, gone = (a, b) if a.on_file > b.on_file else (b, a)
        why = (
            f"Keep {keep.label}: it has more on file ({keep.on_file_text()}) than "
            f"{gone.label} ({gone.on_file_text()}), so less is left behind on the merged record."
        )
        return MergeSuggestion(keep, gone, why)
    keep, gone = sorted((a, b), key=_older_first)
    if keep.registered_at < gone.registered_at:
        older = (
            f"it was registered first ({ago(keep.registered_at, now)}; "
            f"{gone.label} {ago(gone.registered_at, now)})"
        )
    else:
        older = "it has the lower MRN, so it was registered first"
    why = f"Keep {keep.label}: both hold about as much, and {older}."
    return MergeSuggestion(keep, gone, why)
