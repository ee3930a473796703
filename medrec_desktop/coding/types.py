"""Value objects the coding API returns: frozen, Qt-free, PHI-free."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class CodeSystem(StrEnum):
    ICD10CM = "icd10cm"
    ICD10PCS = "icd10pcs"
    HCPCS = "hcpcs"
    CPT = "cpt"


class Setting(StrEnum):
    """Where the care was given: it decides which edits apply (Guidelines sections II-IV).

    Office/outpatient is a clinic's default: first-listed diagnosis rules (section IV), no
    inpatient-only Medicare Code Editor edits. Inpatient: principal diagnosis rules and the
    whole MCE."""

    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


#: ``progress(done, total)``; the UI turns it into a progress bar.
ProgressCallback = Callable[[int, int], None]

NO_TITLE_FY2027 = "title not available: import the FY2027 or a later release for it"


class CancelFlag:
    """Set from any thread to stop an import; nothing of the file is kept."""

    def __init__(self) -> None:
        self._set = False

    def cancel(self) -> None:
        self._set = True

    @property
    def cancelled(self) -> bool:
        return self._set


@dataclass(frozen=True)
class SearchHit:
    code: str  # display form (E11.65 for ICD-10-CM, plain otherwise)
    title: str
    billable: bool
    system: CodeSystem
    #: ancestors from the chapter down, as (code, title) pairs: the hierarchy shown in the list
    path: tuple[tuple[str, str], ...] = ()
    matched: str = ""  # the inclusion term or synonym that matched, when not the title
    score: float = 0.0


@dataclass(frozen=True)
class SearchResults:
    """One search: the hits best first and how the query was understood."""

    hits: tuple[SearchHit, ...]
    #: the query as searched after spelling correction ("" when nothing was corrected); the
    #: panel says "Showing results for ..."
    corrected: str = ""
    #: plain-words notes on how the query was read, e.g. a procedure name recognised as an
    #: ICD-10-PCS table ("tonsillectomy: Resection of Tonsils (0CT)")
    understood: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    """One code as stored in one release (normalised code, no dot)."""

    id: int
    release_id: int
    system: str
    code: str
    title: str | None
    billable: bool
    terms: str


@dataclass(frozen=True)
class Release:
    id: int
    system: CodeSystem
    name: str
    source: str
    valid_from: dt.date
    valid_to: dt.date | None
    code_count: int
    billable_count: int


@dataclass(frozen=True)
class Note:
    kind: str  # includes, inclusion, excludes1, excludes2, code_first, use_additional, ...
    text: str
    source: str  # the code, section or chapter it is written under


@dataclass(frozen=True)
class Validity:
    valid: bool | None  # None: no release covers the date
    reason: str


@dataclass(frozen=True)
class SeventhCharacter:
    char: str
    meaning: str
    code: str  # full code with placeholder X padding, display form


@dataclass(frozen=True)
class HccCategory:
    model: str
    payment_year: int
    category: str
    label: str


@dataclass(frozen=True)
class CodeDetail:
    code: str
    system: CodeSystem
    title: str
    billable: bool
    hierarchy: tuple[tuple[str, str], ...]
    notes: tuple[Note, ...]
    seventh: tuple[SeventhCharacter, ...]
    validity: Validity
    hcc: tuple[HccCategory, ...]
    release: str


@dataclass(frozen=True)
class Finding:
    severity: Severity
    rule_id: str
    message: str
    rule: str  # the rule text that fired
    codes: tuple[str, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, object]:
        return {
            "severity": self.severity.value,
            "rule_id": self.rule_id,
            "message": self.message,
            "rule": self.rule,
            "codes": list(self.codes),
        }
