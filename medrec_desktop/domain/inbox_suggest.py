"""Who a scan without a cover sheet may be about: clues read from its file name and from the
text layer of its first pages, and how well each patient found through them fits. No Qt, no
database: ``services.inbox_suggestions`` looks the clues up with the patient search and
hands the patients found back to :func:`rank`.

What counts as a clue:

- **MRN**: a number *labeled* as one ("MRN: 100234", "M.R.N. 100234", "Med Rec #: 100234",
  "Medical Record Number", "Patient ID", "Pt ID", "Chart #"), in the text or the file name
  ("MRN100234_referral.pdf"). An unlabeled number never is: fax and scanner file names are
  full of timestamps and page counters.
- **Date of birth**: a date labeled as one ("DOB 04/12/1961", "D.O.B.", "Date of birth: April
  12, 1961", "Birth date (MM/DD/YYYY): 1961-04-12", "Born"). Any other date (a fax stamp, a
  date of service, a date in the file name) is a *plain date*: it counts only for a patient
  a name or an MRN already points at, when it is that patient's date of birth, and the
  evidence says so.
- **Name**: after a label in the text ("Patient: Rivera, Ana", "Patient name: RIVERA, ANA M",
  "Name: Ana M Rivera", "RE: Ana Rivera", "Last name: … First name: …"); in the file name,
  runs of words that are not the usual words of scan names ("Rivera_Ana_referral.pdf",
  "ana-rivera 2026-11-02.pdf"; "SCAN_20261102_093012.pdf" gives none). Initials, titles and
  suffixes are left out: the search wants every word to be one of the patient's names.

How strongly (``rank``): an MRN that is the patient's is the strongest clue; a name with the
date of birth is strong; a name alone or a date of birth alone is weak; a labeled date of
birth that is not the patient's counts against them.

Clues and evidence are PHI: shown to records specialists only, never logged, never put in an
exception message.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from medrec_desktop.domain.dates import EARLIEST_YEAR, parse_date
from medrec_desktop.domain.dto import PatientInfo
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.inbox import Candidate

# Points (a candidate's score is their sum, kept within 1-100).
MRN_POINTS = 75  # beats a name with the date of birth, even when the text's date disagrees
NAME_POINTS = 30  # every word of the name is one of the patient's
PARTIAL_NAME_POINTS = 18  # the words start the patient's names ("Ana" for "Anabel")
ALIKE_NAME_POINTS = 12  # spelt alike (a sound-alike or a typo: scanned text has typos)
BIRTH_POINTS = 20  # a labeled date of birth that is the patient's
NAME_AND_BIRTH_BONUS = 10  # the two together say much more than each alone
PLAIN_DATE_POINTS = 10  # an unlabeled date that is the patient's date of birth
OTHER_BIRTH_PENALTY = 10  # the text gives a date of birth, and not this patient's

# Bounds, so a long lab report cannot turn into hundreds of lookups.
MAX_MRNS = 5
MAX_NAMES = 6
MAX_DATES = 30
MAX_NAME_WORDS = 4


@dataclass(frozen=True)
class Place:
    """Where a clue was read: a page of the text layer, or (``page`` None) the file name."""

    page: int | None = None

    def __str__(self) -> str:
        return "in the file name" if self.page is None else f"in the text on page {self.page}"


FILE_NAME = Place()


@dataclass(frozen=True)
class MrnClue:
    number: str  # the digits as written (leading zeros kept)
    place: Place

    @property
    def key(self) -> str:
        """The number without leading zeros (how "MRN 100234" and "00100234" agree)."""
        return self.number.lstrip("0") or "0"


@dataclass(frozen=True)
class DateClue:
    date: dt.date
    labeled: bool  # labeled as a date of birth
    place: Place


@dataclass(frozen=True)
class NameClue:
    """A name as written (``shown``) and its words folded as the patient index folds them
    (initials, titles and suffixes left out)."""

    shown: str
    words: tuple[str, ...]
    place: Place
    # The two words most likely to be the registered given and family names, searched too
    # when the whole name finds nobody (a middle name the registry does not hold).
    pair: tuple[str, str] | None = None

    def lookups(self) -> list[str]:
        """What to type into the patient search for this name, most specific first."""
        found = [" ".join(self.words)]
        if self.pair is not None:
            found.append(" ".join(self.pair))
        return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Clues:
    mrns: tuple[MrnClue, ...] = ()
    names: tuple[NameClue, ...] = ()
    dates: tuple[DateClue, ...] = ()

    @property
    def birth_dates(self) -> tuple[DateClue, ...]:
        return tuple(d for d in self.dates if d.labeled)

    @property
    def empty(self) -> bool:
        return not (self.mrns or self.names or self.birth_dates)


Clue = MrnClue | NameClue | DateClue
_C = TypeVar("_C", MrnClue, NameClue, DateClue)


@dataclass(frozen=True)
class Hit:
    """A patient the search found for one clue. ``alike``: found only by a similar spelling;
    ``merged``: the MRN is that of a record merged into this patient's."""

    patient: PatientInfo
    clue: Clue
    alike: bool = False
    merged: bool = False


# --------------------------------------------------------------------------- folding


def fold(text: str) -> str:
    """Lower case without accents, as the patient index folds names."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def name_words(text: str) -> list[str]:
    """Folded words, split as the patient index splits them ("O'Brien" is "o", "brien")."""
    return re.findall(r"[^\W_]+", fold(text))


# --------------------------------------------------------------------------- dates

_MONTH = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_MONTHS = {
    m: n
    for n, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_DATE = re.compile(
    r"(?<![\w/.])(?<!\d-)(?:"
    r"(?P<us>\d{1,2}([/-])\d{1,2}\2(?:\d{4}|\d{2}))"
    r"|(?P<iso>\d{4}-\d{1,2}-\d{1,2})"
    r"|(?P<mon1>" + _MONTH + r")\.?\s+(?P<day1>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year1>\d{4})"
    r"|(?P<day2>\d{1,2})(?:st|nd|rd|th)?[\s\-]+(?P<mon2>" + _MONTH + r")\.?[\s,\-]+"
    r"(?P<year2>\d{4})"
    r")(?![\w/]|[.\-]\d)",
    re.IGNORECASE,
)
# Eight digits, only in file names (YYYYMMDD or MMDDYYYY: scanners stamp the first).
_COMPACT_DATE = re.compile(r"(?<!\d)\d{8}(?!\d)")
# A birth-date label just before a date, on the same line: "DOB", "D.O.B.", "Date of birth",
# "Birth date", "Birthdate", "Born (on)", with an optional "/Age" or "(MM/DD/YYYY)".
_BIRTH_LABEL = re.compile(
    r"(?:(?<![a-z])d\.?\s?o\.?\s?b(?![a-z])\.?|date\s+of\s+birth|birth\s*date|(?<![a-z])born(?:\s+on)?)"
    r"(?:\s*/\s*age)?(?:\s*\([^)\n]{0,16}\))?[\s_:#.\-]{0,4}$",
    re.IGNORECASE,
)


def _labeled_birth(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    return bool(_BIRTH_LABEL.search(text[max(line_start, start - 60) : start]))


def _word_date(month: str, day: str, year: str) -> dt.date | None:
    try:
        return dt.date(int(year), _MONTHS[month[:3].lower()], int(day))
    except ValueError:
        return None


def _dates(text: str, place: Place, today: dt.date, *, compact: bool) -> list[DateClue]:
    found: list[DateClue] = []
    for m in _DATE.finditer(text):
        day: dt.date | None
        if m["us"] or m["iso"]:
            try:
                day = parse_date(m["us"] or m["iso"], today=today)
            except ValidationError:
                day = None
        elif m["mon1"]:
            day = _word_date(m["mon1"], m["day1"], m["year1"])
        else:
            day = _word_date(m["mon2"], m["day2"], m["year2"])
        if day is not None:
            found.append(_date_clue(day, _labeled_birth(text, m.start()), place, today))
    if compact:
        for m in _COMPACT_DATE.finditer(text):
            try:
                day = parse_date(m[0], today=today)
            except ValidationError:
                continue
            found.append(_date_clue(day, _labeled_birth(text, m.start()), place, today))
    return found


def _date_clue(day: dt.date, labeled: bool, place: Place, today: dt.date) -> DateClue:
    # A "date of birth" in the future or before the registry's earliest year is a misread:
    # kept as a plain date (it can still only match a real date of birth).
    born = labeled and EARLIEST_YEAR <= day.year and day <= today
    return DateClue(day, born, place)


# --------------------------------------------------------------------------- MRNs

_MRN = re.compile(
    r"(?<![a-z])(?:m\.?\s?r\.?\s?n(?![a-z])\.?|med(?:ical)?\.?[\s_]*rec(?:ord)?s?\.?"
    r"(?:[\s_]*(?:#|no(?![a-z])\.?|number|num(?![a-z])\.?))?"
    r"|(?:patient|pt\.?)[\s_]*(?:id(?![a-z])|#|no(?![a-z])\.?|number)"
    r"|chart[\s_]*(?:#|no(?![a-z])\.?|number))"
    r"[\s_:#.\-]{0,4}(?P<number>\d+(?:-\d+)*)(?![\d/])",
    re.IGNORECASE,
)


def _mrns(text: str, place: Place) -> list[MrnClue]:
    found = []
    for m in _MRN.finditer(text):
        number = m["number"].replace("-", "")
        if 3 <= len(number) <= 12:
            found.append(MrnClue(number, place))
    return found


# --------------------------------------------------------------------------- names

_NAME_LABEL = re.compile(
    r"(?<![\w'’])(?:patient'?s?[ \t]+(?:full[ \t]+)?name|pt\.?[ \t]*name|name[ \t]+of[ \t]+patient"
    r"|patient|pt|client[ \t]+name|member[ \t]+name|name|re|regarding)[ \t]*[:#][ \t]*",
    re.IGNORECASE,
)
# Where a name written after its label ends: a wide gap, a separator, a digit, or the next
# label on the same line ("Patient: Rivera, Ana  DOB 04/12/1961").
_VALUE_END = re.compile(
    r"[ \t]{2,}|\t|[|;(\[\d/]|(?<![\w'’])(?:dob|d\.o\.b|date|birth|born|sex|gender|age|mrn"
    r"|m\.r\.n|med|id|acct|account|phone|tel|dos|address|addr|ins|insurance|ssn|provider"
    r"|physician|dr|referr\w*|ordering|pcp|room|rm|encounter|visit|collected|received"
    r"|reported|chart)\b",
    re.IGNORECASE,
)
_NAME_TOKEN = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*\.?")
_TITLES = {"mr", "mrs", "ms", "miss", "mx"}
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "md", "do", "rn", "np", "pa", "phd", "esq"}
# Words that end a name read after a label (the label was followed by something else).
_NOT_NAMES = {
    "patient",
    "name",
    "unknown",
    "information",
    "signature",
    "the",
    "of",
    "and",
    "for",
    "to",
    "from",
    "with",
    "at",
    "in",
    "on",
    "is",
    "was",
    "your",
    "our",
    "this",
    "dear",
    "page",
    "fax",
    "lab",
    "labs",
    "report",
    "results",
    "result",
    "referral",
    "request",
    "records",
    "test",
    "consult",
    "follow",
}


def _field_start(text: str, pos: int) -> bool:
    """Whether a label at ``pos`` starts a field: at the start of a line, after a wide gap
    or a separator, or after a value ending in a digit ("MRN: 100234 Name: …") — not inside
    prose or another label ("Physician name:", "Emergency contact name:")."""
    before = text[text.rfind("\n", 0, pos) + 1 : pos]
    if not before.strip():
        return True
    if before.endswith(("  ", "\t")):
        return True
    last = before.rstrip()[-1:]
    return last in ("|", ";", ":") or last.isdigit()


def _name_from(value: str, place: Place, *, text_layer: bool) -> NameClue | None:
    """The name at the start of ``value`` ("RIVERA, ANA M", "Ana M. Rivera"), if any."""
    cut = _VALUE_END.search(value)
    value = value[: cut.start()] if cut else value
    lowercase_value = value == value.lower()
    kept: list[str] = []
    start = end = -1
    comma_at: int | None = None
    for m in re.finditer(r",|[^\s,]+", value):
        token = m[0]
        if token == ",":
            if comma_at is not None or not kept:
                break
            comma_at = len(kept)
            continue
        if not _NAME_TOKEN.fullmatch(token):
            break
        bare = token.rstrip(".")
        low = fold(bare)
        if low in _NOT_NAMES:
            break
        if text_layer and not lowercase_value and not bare[0].isupper():
            break  # prose after the name ("RE: Ana Rivera seen today")
        if start < 0:
            start = m.start()
        end = m.end()
        if low in _TITLES or low in _SUFFIXES or len(bare) == 1:
            continue  # kept in what is shown, not searched
        kept.append(bare)
        if len(kept) > MAX_NAME_WORDS:
            return None  # a sentence, not a name
    if len(kept) < 2:
        return None  # one word finds half the clinic
    words = tuple(w for k in kept for w in name_words(k))
    pair: tuple[str, str] | None = None
    if comma_at is not None and 0 < comma_at < len(kept) and len(kept) > 2:
        pair = (fold(kept[0]), fold(kept[comma_at]))  # family, first given name
    elif comma_at is None and len(kept) > 2:
        pair = (fold(kept[0]), fold(kept[-1]))  # first given name, family
    if pair is not None and not all(re.fullmatch(r"[^\W_]+", w) for w in pair):
        pair = None  # "O'Brien": the whole-name lookup covers it
    return NameClue(" ".join(value[start:end].split()), words, place, pair)


_LAST_FIRST = re.compile(
    r"last[ \t]*name[ \t]*[:#][ \t]*(?P<last>[^\W\d_][\w'’\-]*)"
    r"|first[ \t]*name[ \t]*[:#][ \t]*(?P<first>[^\W\d_][\w'’\-]*)",
    re.IGNORECASE,
)


def _text_names(text: str, place: Place) -> list[NameClue]:
    found = []
    for m in _NAME_LABEL.finditer(text):
        if not _field_start(text, m.start()):
            continue
        line_end = text.find("\n", m.end())
        value = text[m.end() : line_end if line_end >= 0 else len(text)]
        if not value.strip() and line_end >= 0:
            # A form laid out as a table extracts its label and its value on separate lines
            # ("Patient:" then "RIVERA, ANA"): the value is the next line.
            next_end = text.find("\n", line_end + 1)
            value = text[line_end + 1 : next_end if next_end >= 0 else len(text)]
        clue = _name_from(value, place, text_layer=True)
        if clue is not None:
            found.append(clue)
    # A form with separate fields: "Last name: Rivera   First name: Ana".
    last = first = None
    for m in _LAST_FIRST.finditer(text):
        last = last or m["last"]
        first = first or m["first"]
    if last and first:
        clue = _name_from(f"{last}, {first}", place, text_layer=True)
        if clue is not None:
            found.append(clue)
    return found


# Words of scan file names that are not names: what the document is, where it came from,
# what made it. A name is what is left between them.
_SCAN_WORDS = set(
    """
    scan scans scanned scanner fax faxed faxes img image images doc docs document documents
    page pages pdf tif tiff jpg jpeg png referral referrals ref letter letters lab labs
    result results report reports consult consultation note notes consent consents
    authorization auth release roi insurance card cards front back copy outside imaging xray
    mri ct us echo ekg ecg records record request requests form forms from to for and the of
    re new final signed misc other correspondence cardiology radiology dermatology orthopedics
    ortho neurology oncology hospital clinic medical center health labcorp quest discharge
    summary history physical hp op er ed dob mrn pt patient name ricoh canon xerox epson
    konica minolta kyocera fujitsu scansnap lexmark mfp copier untitled file attachment
    incoming inbound received outbound sent copy of rx prescription order orders progress
    visit encounter op path pathology cbc cmp lipid panel ultrasound attachment email
    """.split()
)
_FILE_SEPARATORS = re.compile(r"[\s_.,+()\[\]{}#&=~-]+")
_FILE_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_CAMEL = re.compile(r"^([A-Z][a-z]{2,})([A-Z][a-z]{2,})$")


def _file_names(stem: str) -> list[NameClue]:
    """Runs of name-like words in a file name ("Rivera_Ana_referral" -> "Rivera Ana")."""
    runs: list[list[str]] = [[]]
    for token in _FILE_SEPARATORS.split(stem):
        camel = _CAMEL.match(token)
        parts = [camel[1], camel[2]] if camel else [token]
        for part in parts:
            if not part:
                continue
            if not _FILE_WORD.fullmatch(part) or fold(part) in _SCAN_WORDS:
                runs.append([])  # a number, a date, a scan word: the run ends
            elif len(part) > 1:
                runs[-1].append(part)  # an initial neither ends a run nor is searched
    found = []
    for run in runs:
        if len(run) < 2:
            continue
        if len(run) <= MAX_NAME_WORDS:
            found.append(_file_clue(run))
        # Longer or not, each neighbouring pair may be the name ("Valley Rivera Ana").
        if len(run) > 2:
            found += [_file_clue(run[i : i + 2]) for i in range(len(run) - 1)]
    return found


def _file_clue(words: list[str]) -> NameClue:
    return NameClue(" ".join(words), tuple(w for k in words for w in name_words(k)), FILE_NAME)


# --------------------------------------------------------------------------- clues


def _without_extension(file_name: str) -> str:
    base = re.split(r"[\\/]", file_name)[-1]
    stem, dot, ext = base.rpartition(".")
    return stem if dot and stem and len(ext) <= 5 and ext.isalnum() else base


def find_clues(file_name: str, pages: Sequence[str], *, today: dt.date) -> Clues:
    """Every clue in a scan's file name and the text of its first ``pages`` (page 1 first),
    each value once (where it was first seen), within the module's bounds."""
    # Underscores join words in file names ("dob_1961-04-12"): read them as spaces.
    stem = _without_extension(file_name).replace("_", " ")
    mrns = _mrns(stem, FILE_NAME)
    dates = _dates(stem, FILE_NAME, today, compact=True)
    # The file name's dates and MRN are not name words: blank them out before reading names.
    blanked = _DATE.sub(" ", _MRN.sub(" ", stem))
    names = _file_names(blanked)
    for n, text in enumerate(pages, 1):
        place = Place(n)
        mrns += _mrns(text, place)
        dates += _dates(text, place, today, compact=False)
        names += _text_names(text, place)
    return Clues(
        mrns=tuple(_first_each(mrns, lambda c: c.key))[:MAX_MRNS],
        # Names from the text come before the file name's guesses (they were labeled).
        names=tuple(
            _first_each(
                sorted(names, key=lambda c: c.place.page is None),
                lambda c: tuple(sorted(c.words)),
            )
        )[:MAX_NAMES],
        # A labeled date of birth first, so a plain date seen earlier does not hide it.
        dates=tuple(
            _first_each(sorted(dates, key=lambda c: not c.labeled), lambda c: (c.date, c.labeled))
        )[:MAX_DATES],
    )


def _first_each(clues: Iterable[_C], key: Callable[[_C], Hashable]) -> list[_C]:
    seen: set[Hashable] = set()
    out = []
    for clue in clues:
        k = key(clue)
        if k not in seen:
            seen.add(k)
            out.append(clue)
    return out


# --------------------------------------------------------------------------- ranking


class NameFit(Enum):
    SAME = NAME_POINTS
    PARTIAL = PARTIAL_NAME_POINTS
    ALIKE = ALIKE_NAME_POINTS


def name_fit(hit: Hit) -> NameFit:
    """How a name clue fits the patient the search found for it."""
    assert isinstance(hit.clue, NameClue)
    if hit.alike:
        return NameFit.ALIKE
    theirs = set(name_words(f"{hit.patient.given_names} {hit.patient.family_name}"))
    return NameFit.SAME if set(hit.clue.words) <= theirs else NameFit.PARTIAL


def _shown_date(day: dt.date) -> str:
    return day.strftime("%m/%d/%Y")


def _candidate(clues: Clues, hits: list[Hit]) -> Candidate:
    patient = hits[0].patient
    score = 0
    evidence: list[str] = []
    mrn = next((h for h in hits if isinstance(h.clue, MrnClue)), None)
    if mrn is not None:
        assert isinstance(mrn.clue, MrnClue)
        score += MRN_POINTS
        merged = " (the MRN of a record merged into this one)" if mrn.merged else ""
        evidence.append(f"MRN {mrn.clue.number} {mrn.clue.place}{merged}")
    named = [h for h in hits if isinstance(h.clue, NameClue)]
    best = max(named, key=lambda h: name_fit(h).value, default=None)
    if best is not None:
        assert isinstance(best.clue, NameClue)
        fit = name_fit(best)
        score += fit.value
        how = {
            NameFit.SAME: "",
            NameFit.PARTIAL: " (part of this patient's names)",
            NameFit.ALIKE: " (spelled alike)",
        }[fit]
        evidence.append(f"name “{best.clue.shown}” {best.clue.place}{how}")
    births = clues.birth_dates
    born = next((d for d in births if d.date == patient.birth_date), None)
    if born is not None:
        score += BIRTH_POINTS + (NAME_AND_BIRTH_BONUS if best is not None else 0)
        evidence.append(f"date of birth {_shown_date(born.date)} {born.place}")
    elif births:
        other = births[0]
        score -= OTHER_BIRTH_PENALTY
        evidence.append(
            f"date of birth {_shown_date(other.date)} {other.place} is not this patient's"
        )
    elif mrn is not None or best is not None:
        plain = next(
            (d for d in clues.dates if not d.labeled and d.date == patient.birth_date), None
        )
        if plain is not None:
            score += PLAIN_DATE_POINTS
            evidence.append(
                f"date {_shown_date(plain.date)} {plain.place} is this patient's date of birth"
            )
    return Candidate(
        patient_id=int(patient.id),
        name=patient.display_name,
        birth_date=patient.birth_date,
        mrn=patient.mrn,
        score=max(1, min(100, score)),
        evidence=tuple(evidence),
    )


def rank(clues: Clues, hits: Iterable[Hit], *, limit: int) -> list[Candidate]:
    """The patients the clues found, best first (then by name), each once with all the
    evidence for them, at most ``limit``."""
    by_patient: dict[int, list[Hit]] = {}
    for hit in hits:
        by_patient.setdefault(int(hit.patient.id), []).append(hit)
    ranked = sorted(
        (_candidate(clues, group) for group in by_patient.values()),
        key=lambda c: (-c.score, c.name.casefold(), c.patient_id),
    )
    return ranked[:limit]
