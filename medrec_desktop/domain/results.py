"""Test results (issue 10): a test (one analyte or a panel) and the results it gave.

A :class:`ResultData` is one analyte's result: numeric (with its unit and reference range),
text ("Yellow") or coded (a SNOMED CT answer such as "Negative"). Its :attr:`~ResultData.flag`
is computed from the range and the optional critical limits, never typed, so it cannot
disagree with the value; a text or coded result is flagged abnormal only when the user says
so (or a template's answer list does). Each flag has a symbol (the HL7 interpretation codes
L, H, LL, HH, A) for screens that must not rely on colour alone.

A :class:`LabTestData` holds every result of the test as it stood; a corrected value is a new
version of the test, so the old value stays in its history.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from enum import StrEnum

from medrec_desktop.domain.clinical import ItemInfo, ItemInput, ItemStatus, label
from medrec_desktop.domain.dates import EARLIEST_YEAR
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.item_fields import Typed, optional_text, required_text

SNOMED = "http://snomed.info/sct"
LAB_TEST_STATUSES = frozenset({ItemStatus.ACTIVE, ItemStatus.INACTIVE})
LAB_TEST_STATUS_LABELS = {
    ItemStatus.ACTIVE: "Counted",
    ItemStatus.INACTIVE: "Not counted",
    ItemStatus.ENTERED_IN_ERROR: "Entered in error",
}
MAX_RESULTS = 100
NUMBER_LIMIT = 1e9  # no analyte is measured in billions of its unit: a slip of the keyboard
_LOINC = re.compile(r"^\d{1,7}-\d$")


class ValueKind(StrEnum):
    NUMERIC = "numeric"
    TEXT = "text"
    CODED = "coded"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Flag(StrEnum):
    """A result's interpretation, computed (see :attr:`ResultData.flag`)."""

    CRITICAL_LOW = "critical-low"
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL_HIGH = "critical-high"
    ABNORMAL = "abnormal"
    NONE = "none"  # no range to judge by

    @property
    def symbol(self) -> str:
        """The HL7 interpretation code ("H", "LL"...); empty for normal or unjudged."""
        return _SYMBOLS[self]

    @property
    def mark(self) -> str:
        """What a screen writes beside the value: the symbol with an arrow ("H ↑"), or
        "‼" for a critical value; empty when there is nothing to say."""
        return _MARKS[self]

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def abnormal(self) -> bool:
        return self not in (Flag.NORMAL, Flag.NONE)

    @property
    def critical(self) -> bool:
        return self in (Flag.CRITICAL_LOW, Flag.CRITICAL_HIGH)


_SYMBOLS = {
    Flag.CRITICAL_LOW: "LL",
    Flag.LOW: "L",
    Flag.NORMAL: "",
    Flag.HIGH: "H",
    Flag.CRITICAL_HIGH: "HH",
    Flag.ABNORMAL: "A",
    Flag.NONE: "",
}
_MARKS = {
    Flag.CRITICAL_LOW: "LL ‼",
    Flag.LOW: "L ↓",
    Flag.NORMAL: "",
    Flag.HIGH: "H ↑",
    Flag.CRITICAL_HIGH: "HH ‼",
    Flag.ABNORMAL: "A",
    Flag.NONE: "",
}
_LABELS = {
    Flag.CRITICAL_LOW: "Critically low",
    Flag.LOW: "Low",
    Flag.NORMAL: "Normal",
    Flag.HIGH: "High",
    Flag.CRITICAL_HIGH: "Critically high",
    Flag.ABNORMAL: "Abnormal",
    Flag.NONE: "No reference range",
}


def number_text(value: float) -> str:
    """140.0 -> "140", 1.010 -> "1.01", 0.0005 -> "0.0005" (six places at most)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _places(value: float | None) -> int:
    if value is None:
        return 0
    text = number_text(value)
    return len(text) - text.index(".") - 1 if "." in text else 0


def analyte_key(loinc: str | None, analyte: str) -> str:
    """What makes two results the same analyte over time: its LOINC code, else its name
    (case and spacing aside). The grid's rows and the trends are keyed by it."""
    if loinc:
        return f"loinc:{loinc}"
    return "name:" + " ".join(analyte.split()).casefold()


def loinc_check_digit(number: str) -> int:
    """LOINC's mod-10 check digit of the part before the hyphen (the Luhn algorithm)."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10


def loinc_valid(code: str) -> bool:
    if not _LOINC.match(code):
        return False
    number, check = code.split("-")
    return loinc_check_digit(number) == int(check)


def clean_loinc(typed: str, *, field: str, where: str = "") -> str | None:
    """A LOINC code as typed ("2823-3"), checked by its check digit; blank -> None."""
    code = typed.strip()
    if not code:
        return None
    if not _LOINC.match(code):
        raise ValidationError(
            f"{where}type the LOINC code as digits, a hyphen and one check digit, for "
            "example 2823-3.",
            field=field,
        )
    if not loinc_valid(code):
        raise ValidationError(
            f"{where}that LOINC code does not check out (its last digit is a check digit); "
            "copy it again from the lab report.",
            field=field,
        )
    return code


@dataclass(frozen=True)
class CodedValue:
    """An answer from a code system (SNOMED CT by default): "260385009" "Negative"."""

    code: str
    display: str
    system: str = SNOMED


@dataclass(frozen=True)
class ResultData:
    """One analyte's result. ``numeric``, ``text`` or ``coded`` holds the value, as ``kind``
    says; ``low``/``high`` are the reference range (either may be open), ``reference_text``
    a range said in words ("Negative", "<200 desirable"); ``critical_low``/``critical_high``
    the limits beyond which the value is critical. ``abnormal`` is the user's (or the
    template's) judgement of a value the range cannot judge: text, coded, or a number with
    only a range in words."""

    analyte: str
    kind: ValueKind = ValueKind.NUMERIC
    numeric: float | None = None
    text: str | None = None
    coded: CodedValue | None = None
    unit: str | None = None
    low: float | None = None
    high: float | None = None
    reference_text: str | None = None
    critical_low: float | None = None
    critical_high: float | None = None
    abnormal: bool = False
    loinc: str | None = None

    @property
    def key(self) -> str:
        return analyte_key(self.loinc, self.analyte)

    @property
    def flag(self) -> Flag:
        value = self.numeric
        if self.kind is ValueKind.NUMERIC and value is not None:
            if self.critical_low is not None and value < self.critical_low:
                return Flag.CRITICAL_LOW
            if self.critical_high is not None and value > self.critical_high:
                return Flag.CRITICAL_HIGH
            if self.low is not None and value < self.low:
                return Flag.LOW
            if self.high is not None and value > self.high:
                return Flag.HIGH
            if self.low is not None or self.high is not None:
                return Flag.NORMAL
        if self.abnormal:
            return Flag.ABNORMAL
        return Flag.NORMAL if self.has_reference else Flag.NONE

    @property
    def has_reference(self) -> bool:
        return self.low is not None or self.high is not None or bool(self.reference_text)

    @property
    def value_text(self) -> str:
        """The value as read: "5.8", "Yellow", "Negative". A number shows at least the
        decimals of its range, as labs print it (creatinine 1.0 beside 0.6–1.3, not 1)."""
        if self.kind is ValueKind.NUMERIC and self.numeric is not None:
            places = max(_places(v) for v in (self.numeric, self.low, self.high))
            return f"{self.numeric:.{places}f}"
        if self.kind is ValueKind.CODED and self.coded is not None:
            return self.coded.display
        return self.text or ""

    @property
    def range_text(self) -> str:
        """ "3.5–5.1", "≥ 40", "≤ 99", or the range in words; blank without one."""
        return range_text(self.low, self.high, self.reference_text)

    @property
    def critical_text(self) -> str:
        """ "critical below 2.8 or above 6.2" (blank without critical limits)."""
        parts = []
        if self.critical_low is not None:
            parts.append(f"below {number_text(self.critical_low)}")
        if self.critical_high is not None:
            parts.append(f"above {number_text(self.critical_high)}")
        return "critical " + " or ".join(parts) if parts else ""

    def __str__(self) -> str:
        """ "Potassium 5.8 mmol/L (H)": one result in a history or a line of text."""
        unit = f" {self.unit}" if self.unit and self.kind is ValueKind.NUMERIC else ""
        symbol = self.flag.symbol
        return f"{self.analyte} {self.value_text}{unit}" + (f" ({symbol})" if symbol else "")


def range_text(low: float | None, high: float | None, words: str | None = None) -> str:
    if low is not None and high is not None:
        return f"{number_text(low)}–{number_text(high)}"
    if low is not None:
        return f"≥ {number_text(low)}"
    if high is not None:
        return f"≤ {number_text(high)}"
    return words or ""


@dataclass(frozen=True)
class LabTestData:
    """A test as reported: what, from which specimen, when collected and resulted (UTC), who
    ordered it, which lab performed it, and its results in the order reported."""

    name: str = field(metadata=label("Test"))
    loinc: str | None = field(metadata=label("LOINC code"))
    specimen: str | None = field(metadata=label("Specimen"))
    collected_at: dt.datetime = field(metadata=label("Collected"))
    resulted_at: dt.datetime | None = field(metadata=label("Resulted"))
    ordering_provider: str | None = field(metadata=label("Ordered by"))
    performing_lab: str | None = field(metadata=label("Performing lab"))
    results: tuple[ResultData, ...] = field(metadata=label("Results"))
    notes: str | None = field(metadata=label("Notes"))
    encounter_id: int | None = field(default=None, metadata=label("Encounter"))

    @property
    def abnormal_count(self) -> int:
        return sum(1 for r in self.results if r.flag.abnormal)

    @property
    def critical_count(self) -> int:
        return sum(1 for r in self.results if r.flag.critical)


# ---------------------------------------------------------------------- reading the form


def _number(value: Typed) -> float | None:
    """A typed number ("5.8", "1,200"); None when blank; ValueError when it is not one."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("a yes/no value is not a number")
    text = str(value).strip().replace(",", "")
    if not text:
        return None
    number = float(text)
    if not math.isfinite(number) or abs(number) > NUMBER_LIMIT:
        raise ValueError("out of range")
    return number


def reads_as_number(value: Typed) -> bool:
    try:
        return _number(value) is not None
    except ValueError:
        return False


@dataclass(frozen=True)
class ResultInput:
    """One row of results as typed. ``kind`` blank means "a number if it reads as one,
    else text" (a row typed freely); a template's rows say their kind. For a coded row,
    ``value`` is the answer's display and ``code`` its code (picked from the template's
    answers); a coded row without a code is kept as text."""

    analyte: str = ""
    value: Typed = ""
    unit: str = ""
    low: Typed = ""
    high: Typed = ""
    reference_text: str = ""
    critical_low: Typed = ""
    critical_high: Typed = ""
    loinc: str = ""
    kind: ValueKind | str = ""
    code: str = ""
    abnormal: bool = False

    @property
    def blank(self) -> bool:
        """Nothing typed as a value: a panel's analyte not resulted, left out on save."""
        return not str(self.value if self.value is not None else "").strip()

    def validated(self, position: int) -> ResultData:
        """``position`` (1-based) names the row in messages: "Result 3 (Potassium): ..."."""
        name = " ".join(self.analyte.split())
        where = f"Result {position} ({name}): " if name else f"Result {position}: "
        if not name:
            raise ValidationError(f"{where}name what was measured.", field="results")
        if len(name) > 100:
            raise ValidationError(f"{where}keep the name to 100 characters.", field="results")
        kind = self._kind(where)
        typed = str(self.value if self.value is not None else "").strip()
        numeric: float | None = None
        text: str | None = None
        coded: CodedValue | None = None
        if kind is ValueKind.NUMERIC:
            numeric = _read(self.value, where, "the value")
        elif kind is ValueKind.CODED and self.code.strip():
            coded = CodedValue(self.code.strip(), typed)
        else:
            kind = ValueKind.TEXT
            if len(typed) > 200:
                raise ValidationError(
                    f"{where}the value is {len(typed)} characters long; keep it to 200 "
                    "(longer comments go in the notes).",
                    field="results",
                )
            text = typed
        low, high, critical_low, critical_high = reference_numbers(self, where)
        return ResultData(
            analyte=name,
            kind=kind,
            numeric=numeric,
            text=text,
            coded=coded,
            unit=_short(self.unit, where, "unit", 30),
            low=low,
            high=high,
            reference_text=_short(self.reference_text, where, "range in words", 100),
            critical_low=critical_low,
            critical_high=critical_high,
            abnormal=bool(self.abnormal),
            loinc=clean_loinc(self.loinc, field="results", where=where),
        )

    def _kind(self, where: str) -> ValueKind:
        if isinstance(self.kind, ValueKind):
            return self.kind
        if not self.kind:
            return ValueKind.NUMERIC if reads_as_number(self.value) else ValueKind.TEXT
        try:
            return ValueKind(self.kind)
        except ValueError:
            raise ValidationError(
                f"{where}a result is a number, text or a coded answer.", field="results"
            ) from None

    def flag(self) -> Flag | None:
        """The flag the row would get if saved now (the form shows it as the user types);
        None while the row cannot be read (a value that is not a number yet)."""
        if self.blank:
            return None
        try:
            return self.validated(1).flag
        except ValidationError:
            return None

    @classmethod
    def of(cls, result: ResultData) -> ResultInput:
        """A saved result back as a row of the form."""
        return cls(
            analyte=result.analyte,
            value=result.value_text,
            unit=result.unit or "",
            low=_shown(result.low),
            high=_shown(result.high),
            reference_text=result.reference_text or "",
            critical_low=_shown(result.critical_low),
            critical_high=_shown(result.critical_high),
            loinc=result.loinc or "",
            kind=result.kind,
            code=result.coded.code if result.coded is not None else "",
            abnormal=result.abnormal,
        )


def _shown(value: float | None) -> str:
    return "" if value is None else number_text(value)


def _read(value: Typed, where: str, what: str) -> float:
    number = _optional(value, where, what, "results")
    if number is None:
        raise ValidationError(f"{where}type {what}.", field="results")
    return number


def _optional(value: Typed, where: str, what: str, field: str) -> float | None:
    try:
        return _number(value)
    except ValueError:
        raise ValidationError(f"{where}type {what} as a number.", field=field) from None


def _short(value: str, where: str, what: str, limit: int) -> str | None:
    text = " ".join(value.split())
    if len(text) > limit:
        raise ValidationError(
            f"{where}the {what} is {len(text)} characters long; keep it to {limit}.",
            field="results",
        )
    return text or None


def reference_numbers(
    row: ResultInput, where: str, field: str = "results"
) -> tuple[float | None, float | None, float | None, float | None]:
    """The row's range and critical limits, read and checked against each other."""
    low = _optional(row.low, where, "the reference low", field)
    high = _optional(row.high, where, "the reference high", field)
    critical_low = _optional(row.critical_low, where, "the critical low", field)
    critical_high = _optional(row.critical_high, where, "the critical high", field)
    if low is not None and high is not None and low > high:
        raise ValidationError(
            f"{where}the reference low is above the reference high; check the order.",
            field=field,
        )
    if critical_low is not None and low is not None and critical_low > low:
        raise ValidationError(
            f"{where}the critical low must not be above the reference low.", field=field
        )
    if critical_high is not None and high is not None and critical_high < high:
        raise ValidationError(
            f"{where}the critical high must not be below the reference high.", field=field
        )
    return low, high, critical_low, critical_high


def _moment(value: dt.datetime | str | None, *, field: str, what: str) -> dt.datetime | None:
    """A typed moment (naive = local time) in UTC; text that did not read as one is refused
    with the expected shape."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        raise ValidationError(
            f"Type when the {what} as MM/DD/YYYY HH:MM (24-hour clock).", field=field
        )
    utc = value.astimezone(dt.UTC).replace(microsecond=0)
    if utc.year < EARLIEST_YEAR:
        raise ValidationError(f"That is before {EARLIEST_YEAR}; check the year.", field=field)
    return utc


@dataclass(frozen=True, kw_only=True)
class LabTestInput(ItemInput[LabTestData]):
    """The test form as typed. Times naive mean local time; text that did not read as a
    date and time is passed as text (and refused with the expected shape). Rows with no
    value (a panel's analytes not resulted) are left out."""

    name: str = ""
    loinc: str = ""
    specimen: str = ""
    collected_at: dt.datetime | str | None = None
    resulted_at: dt.datetime | str | None = None
    ordering_provider: str = ""
    performing_lab: str = ""
    results: tuple[ResultInput, ...] = ()
    notes: str = ""
    encounter_id: int | str | None = None

    def validated(self, today: dt.date) -> LabTestData:
        if self.status not in LAB_TEST_STATUSES:
            raise ValidationError("A test is counted or not counted.", field="status")
        name = required_text(
            self.name, field="name", what="test name", missing="Name the test.", limit=200
        )
        collected = _moment(self.collected_at, field="collected_at", what="specimen was collected")
        if collected is None:
            raise ValidationError("Enter when the specimen was collected.", field="collected_at")
        if collected.date() > today:
            raise ValidationError(
                "The specimen cannot be collected in the future.", field="collected_at"
            )
        resulted = _moment(self.resulted_at, field="resulted_at", what="test was resulted")
        if resulted is not None and resulted < collected:
            raise ValidationError(
                "The result cannot come before the specimen was collected; check both times.",
                field="resulted_at",
            )
        if resulted is not None and resulted.date() > today:
            raise ValidationError("The result time cannot be in the future.", field="resulted_at")
        if len(self.results) > MAX_RESULTS:
            raise ValidationError(
                f"A test holds {MAX_RESULTS} results at most; enter the rest as another test.",
                field="results",
            )
        results = tuple(
            row.validated(n) for n, row in enumerate(self.results, start=1) if not row.blank
        )
        if not results:
            raise ValidationError("Enter at least one result's value.", field="results")
        return LabTestData(
            name=name,
            loinc=clean_loinc(self.loinc, field="loinc"),
            specimen=optional_text(self.specimen, field="specimen", what="specimen", limit=100),
            collected_at=collected,
            resulted_at=resulted,
            ordering_provider=optional_text(
                self.ordering_provider, field="ordering_provider", what="name", limit=200
            ),
            performing_lab=optional_text(
                self.performing_lab, field="performing_lab", what="lab's name", limit=200
            ),
            results=results,
            notes=optional_text(self.notes, field="notes", what="notes", limit=4000),
            encounter_id=_encounter(self.encounter_id),
        )

    @classmethod
    def editing(cls, item: ItemInfo[LabTestData]) -> LabTestInput:
        d = item.data
        return cls(
            status=item.status,
            sensitivity=item.sensitivity,
            name=d.name,
            loinc=d.loinc or "",
            specimen=d.specimen or "",
            collected_at=d.collected_at,
            resulted_at=d.resulted_at,
            ordering_provider=d.ordering_provider or "",
            performing_lab=d.performing_lab or "",
            results=tuple(ResultInput.of(r) for r in d.results),
            notes=d.notes or "",
            encounter_id=d.encounter_id,
        )


def _encounter(value: int | str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationError("Choose the encounter from the list.", field="encounter_id") from None


# ---------------------------------------------------------------------- reading stored results


_KINDS = {k.value: k for k in ValueKind}


def results_from_json(text: str) -> tuple[ResultData, ...]:
    """A test's ``results`` column read straight into DTOs: the grid reads thousands of
    results at once, where the generic codec's type-hint walk would cost more than the
    query. Keys missing from older rows take the field's default, as the codec does.
    (Each key read once, the kind found by dictionary: this runs for every result of a
    patient's ten years.)"""
    found = []
    number = float
    for d in json.loads(text):
        get = d.get
        coded = get("coded")
        value, low, high = get("numeric"), get("low"), get("high")
        critical_low, critical_high = get("critical_low"), get("critical_high")
        found.append(
            ResultData(
                analyte=d["analyte"],
                kind=_KINDS[get("kind", "numeric")],
                numeric=None if value is None else number(value),
                text=get("text"),
                coded=None
                if coded is None
                else CodedValue(coded["code"], coded["display"], coded.get("system", SNOMED)),
                unit=get("unit"),
                low=None if low is None else number(low),
                high=None if high is None else number(high),
                reference_text=get("reference_text"),
                critical_low=None if critical_low is None else number(critical_low),
                critical_high=None if critical_high is None else number(critical_high),
                abnormal=bool(get("abnormal", False)),
                loinc=get("loinc"),
            )
        )
    return tuple(found)
