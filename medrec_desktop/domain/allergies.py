"""Allergies and intolerances, and the explicit "no known allergies" statement (issue 9)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from medrec_desktop.domain.clinical import ItemInfo, ItemInput, ItemStatus, label
from medrec_desktop.domain.dates import parse_date
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.partial_dates import PartialDate, parse_optional

ALLERGY_STATUSES = frozenset({ItemStatus.ACTIVE, ItemStatus.INACTIVE, ItemStatus.RESOLVED})
STATEMENT_STATUSES = frozenset({ItemStatus.ACTIVE, ItemStatus.INACTIVE})
SUBSTANCE_MAX = 200
TEXT_MAX = 1000


class AllergyCategory(StrEnum):
    DRUG = "drug"
    FOOD = "food"
    ENVIRONMENT = "environment"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Severity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def _text(value: str, *, field: str, what: str, limit: int = TEXT_MAX) -> str | None:
    text = value.strip()
    if len(text) > limit:
        raise ValidationError(
            f"The {what} is {len(text)} characters long; keep it to {limit}.", field=field
        )
    return text or None


@dataclass(frozen=True)
class AllergyData:
    substance: str = field(metadata=label("Substance"))
    category: AllergyCategory = field(metadata=label("Category"))
    reaction: str | None = field(default=None, metadata=label("Reaction"))
    severity: Severity = field(default=Severity.UNKNOWN, metadata=label("Severity"))
    onset: PartialDate | None = field(default=None, metadata=label("Onset"))


@dataclass(frozen=True, kw_only=True)
class AllergyInput(ItemInput[AllergyData]):
    """The allergy form as typed."""

    substance: str
    category: AllergyCategory | str
    reaction: str = ""
    severity: Severity | str = Severity.UNKNOWN
    onset: str = ""

    def validated(self, today: dt.date) -> AllergyData:
        substance = _text(self.substance, field="substance", what="substance", limit=SUBSTANCE_MAX)
        if substance is None:
            raise ValidationError("Name the substance (a drug, food or other).", field="substance")
        try:
            category = AllergyCategory(self.category)
        except ValueError:
            raise ValidationError(
                "Choose a category: drug, food, environment or other.", field="category"
            ) from None
        try:
            severity = Severity(self.severity)
        except ValueError:
            raise ValidationError(
                "Choose a severity: mild, moderate, severe or unknown.", field="severity"
            ) from None
        if self.status not in ALLERGY_STATUSES:
            raise ValidationError("An allergy is active, inactive or resolved.", field="status")
        return AllergyData(
            substance=substance,
            category=category,
            reaction=_text(self.reaction, field="reaction", what="reaction"),
            severity=severity,
            onset=parse_optional(self.onset, today=today, field="onset"),
        )

    @classmethod
    def editing(cls, item: ItemInfo[AllergyData]) -> AllergyInput:
        data = item.data
        return cls(
            status=item.status,
            sensitivity=item.sensitivity,
            substance=data.substance,
            category=data.category,
            reaction=data.reaction or "",
            severity=data.severity,
            onset=data.onset.display if data.onset else "",
        )


@dataclass(frozen=True)
class AllergyStatementData:
    """ "No known allergies", as stated on ``stated_on`` (by the patient, a carer, a record)."""

    stated_on: dt.date = field(metadata=label("Stated on"))
    note: str | None = field(default=None, metadata=label("Note"))


@dataclass(frozen=True, kw_only=True)
class AllergyStatementInput(ItemInput[AllergyStatementData]):
    """Blank ``stated_on`` means today."""

    stated_on: str = ""
    note: str = ""

    def validated(self, today: dt.date) -> AllergyStatementData:
        if self.status not in STATEMENT_STATUSES:
            raise ValidationError("The statement is active or inactive.", field="status")
        stated = parse_date(self.stated_on, field="stated_on") if self.stated_on.strip() else today
        if stated > today:
            raise ValidationError("The statement cannot be dated in the future.", field="stated_on")
        return AllergyStatementData(
            stated_on=stated, note=_text(self.note, field="note", what="note")
        )
