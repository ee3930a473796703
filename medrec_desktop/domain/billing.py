"""The billing hand-off (issue 13): a coded encounter as the billing office needs it for a
claim (who, when, where, by whom, the diagnoses lettered A to L as on a professional claim,
each procedure line with its modifiers, units and the letters of the diagnoses it points to),
and what an export of coded encounters for a date range holds.

A diagnosis pointer is stored as the diagnosis' 1-based position (``CodedProcedure``); the
claim shows it as a letter: 1 is A, 12 is L (the CMS-1500's boxes 21 and 24E). Diagnoses
after the twelfth have no letter (nothing can point to them) and are shown by position.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from medrec_desktop.domain.coding_work import POINTABLE_DIAGNOSES, CareSetting, ProcedureSystem
from medrec_desktop.domain.errors import ValidationError

#: the purpose every billing export is recorded under in the accounting of disclosures
PAYMENT = "payment"
DEFAULT_RECIPIENT = "Billing office"
RECIPIENT_MAX = 200
#: how many days one export may span (a year and a day: a fiscal year with a leap day)
MAX_RANGE_DAYS = 366


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"

    @property
    def label(self) -> str:
        return "CSV (spreadsheet)" if self is ExportFormat.CSV else "JSON"

    @property
    def suffix(self) -> str:
        return f".{self.value}"


def pointer_letter(position: int) -> str:
    """1 -> "A" ... 12 -> "L"; positions past the claim's twelve have no letter ("")."""
    if 1 <= position <= POINTABLE_DIAGNOSES:
        return chr(ord("A") + position - 1)
    return ""


@dataclass(frozen=True)
class ClaimPatient:
    patient_id: int
    mrn: str
    family_name: str
    given_names: str
    birth_date: dt.date
    sex: str

    @property
    def name(self) -> str:
        return f"{self.family_name}, {self.given_names}"


@dataclass(frozen=True)
class ClaimCoverage:
    """Insurance as registered (priority 1 is primary)."""

    priority: int
    payer: str
    member_id: str
    plan: str | None = None
    group_number: str | None = None
    subscriber_name: str | None = None
    subscriber_relationship: str = "self"

    @property
    def label(self) -> str:
        parts = [self.payer]
        if self.plan:
            parts.append(self.plan)
        parts.append(f"member {self.member_id}")
        if self.group_number:
            parts.append(f"group {self.group_number}")
        if self.subscriber_relationship != "self":
            who = self.subscriber_name or "subscriber"
            parts.append(f"subscriber {who} ({self.subscriber_relationship})")
        return ", ".join(parts)


@dataclass(frozen=True)
class ClaimDiagnosis:
    position: int  # 1-based, the order coded (the first listed is the reason for the visit)
    code: str  # display form (E11.65)
    title: str

    @property
    def letter(self) -> str:
        return pointer_letter(self.position)

    @property
    def tag(self) -> str:
        """The letter, or the position for a diagnosis past the twelfth."""
        return self.letter or str(self.position)


@dataclass(frozen=True)
class ClaimLine:
    line: int  # 1-based
    system: ProcedureSystem
    code: str
    title: str
    modifiers: tuple[str, ...] = ()
    units: int = 1
    #: the letters of the diagnoses this line was done for, the first the primary
    pointers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClaimSummary:
    """One coded encounter, claim-ready. ``place`` is the visit's recorded location."""

    clinic_name: str
    encounter_id: int
    patient: ClaimPatient
    coverages: tuple[ClaimCoverage, ...]
    date_of_service: dt.date
    visit_type: str  # "Office visit"
    place: str | None
    setting: CareSetting
    provider_id: int
    provider: str
    diagnoses: tuple[ClaimDiagnosis, ...]
    lines: tuple[ClaimLine, ...]
    coded_by: str | None = None
    coded_at: dt.datetime | None = None  # UTC
    #: error findings the coder overrode with a written reason (the billing office may ask)
    overrides: int = 0

    @property
    def primary(self) -> ClaimCoverage | None:
        return min(self.coverages, key=lambda c: c.priority) if self.coverages else None


_W = 21  # the width of the labels in the text ("Coverage 2 insurance: ")


def claim_text(summary: ClaimSummary) -> str:
    """The summary as plain text (dates month first, as every screen shows them)."""
    s, p = summary, summary.patient
    out = [
        s.clinic_name or "Claim summary",
        "Claim summary (coded encounter)",
        "",
        f"{'Patient:':<{_W}}{p.name}",
        f"{'Date of birth:':<{_W}}{p.birth_date:%m/%d/%Y}   Sex: {p.sex}   MRN: {p.mrn}",
    ]
    if s.coverages:
        for c in sorted(s.coverages, key=lambda c: c.priority):
            which = "Primary" if c.priority == 1 else f"Coverage {c.priority}"
            out.append(f"{which + ' insurance:':<{_W}}{c.label}")
    else:
        out.append(f"{'Insurance:':<{_W}}none recorded")
    out += [
        f"{'Date of service:':<{_W}}{s.date_of_service:%m/%d/%Y}",
        f"{'Visit:':<{_W}}{s.visit_type}, {s.setting.label}" + (f", {s.place}" if s.place else ""),
        f"{'Provider:':<{_W}}{s.provider}",
        "",
        "Diagnoses (ICD-10-CM), in order:",
    ]
    out += [f"  {d.tag:>2}. {d.code:<9} {d.title}" for d in s.diagnoses]
    out.append("")
    if s.lines:
        out.append("Procedures:")
        for ln in s.lines:
            extra = []
            if ln.modifiers:
                extra.append("modifiers " + " ".join(ln.modifiers))
            extra.append(f"units {ln.units}")
            if ln.pointers:
                extra.append("diagnoses " + "".join(ln.pointers))
            out.append(
                f"  {ln.line:>2}. {ln.system.label:<10} {ln.code:<8} {ln.title}"
                + (f"  [{'; '.join(extra)}]" if ln.system.takes_modifiers else "")
            )
    else:
        out.append("Procedures: none coded")
    if s.coded_by:
        when = f" on {s.coded_at.astimezone():%m/%d/%Y}" if s.coded_at else ""
        out += ["", f"Coded by {s.coded_by}{when}."]
    if s.overrides:
        n = s.overrides
        out.append(f"{n} coding error{'s' if n != 1 else ''} overridden with a written reason.")
    return "\n".join(out)


@dataclass(frozen=True)
class BillingPreview:
    """What an export of the range would hold, before anything is written or recorded."""

    since: dt.date
    until: dt.date
    encounters: int
    lines: int
    patients: int
    #: coded encounters with a sensitivity label the role may not see: left out, counted
    withheld: int = 0

    @property
    def label(self) -> str:
        """ "42 encounters, 97 lines, 38 patients" (what the export dialog says)."""
        return (
            f"{_n(self.encounters, 'encounter')}, {_n(self.lines, 'line')}, "
            f"{_n(self.patients, 'patient')}"
        )

    @property
    def withheld_note(self) -> str:
        if not self.withheld:
            return ""
        return (
            f"{_n(self.withheld, 'labelled encounter')} your role may not see "
            f"{'is' if self.withheld == 1 else 'are'} left out."
        )


@dataclass(frozen=True)
class BillingExport:
    """A written export: the file's bytes (UTF-8) and what it holds; recorded as disclosure
    ``disclosure_id`` for payment."""

    content: bytes
    fmt: ExportFormat
    preview: BillingPreview
    disclosure_id: int
    recipient: str

    @property
    def suggested_name(self) -> str:
        """Says what and when, never who: file names travel further than files."""
        return suggested_name(self.preview.since, self.preview.until, self.fmt)


def suggested_name(since: dt.date, until: dt.date, fmt: ExportFormat | str) -> str:
    """The file name offered for an export: what and when, never who."""
    return f"coded-encounters-{since:%Y%m%d}-{until:%Y%m%d}{ExportFormat(fmt).suffix}"


def check_range(since: dt.date, until: dt.date) -> None:
    if until < since:
        raise ValidationError(
            "The last date of service is before the first; swap them.", field="until"
        )
    if (until - since).days >= MAX_RANGE_DAYS:
        raise ValidationError(
            f"Export at most {MAX_RANGE_DAYS} days of dates of service at a time.",
            field="until",
        )


def clean_recipient(text: str) -> str:
    who = " ".join(text.split())
    if not who:
        raise ValidationError(
            "Name who receives the export (for example “Billing office”): it is recorded "
            "as a disclosure.",
            field="recipient",
        )
    if len(who) > RECIPIENT_MAX:
        raise ValidationError(
            f"The recipient is {len(who)} characters long; keep it to {RECIPIENT_MAX}.",
            field="recipient",
        )
    return who


def check_format(fmt: ExportFormat | str) -> ExportFormat:
    try:
        return ExportFormat(fmt)
    except ValueError:
        raise ValidationError("Choose the file format: CSV or JSON.", field="fmt") from None


def _n(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"
