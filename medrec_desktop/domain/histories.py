"""Medical, surgical and family history (issue 9). Conditions and procedures are kept as
typed; an ICD-10-CM code is optional (its shape checked here, its existence by the coding
service when picked). Social history has a module of its own (``domain/social_history.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from medrec_desktop.domain.clinical import ItemInfo, ItemInput, ItemStatus, label
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.item_fields import (
    Typed,
    choice,
    optional_choice,
    optional_text,
    optional_whole,
    required_text,
)
from medrec_desktop.domain.partial_dates import PartialDate, parse_optional
from medrec_desktop.domain.problems import icd10cm_shape

HISTORY_STATUSES = frozenset({ItemStatus.ACTIVE, ItemStatus.INACTIVE, ItemStatus.RESOLVED})
# Surgical and family history are facts of the past: "inactive" keeps one off the summary.
FACT_STATUSES = frozenset({ItemStatus.ACTIVE, ItemStatus.INACTIVE})
CONDITION_MAX = 500
SITE_MAX = 200
AGE_MAX = 120


def _date(text: str, today: dt.date, field: str) -> PartialDate | None:
    return parse_optional(text, today=today, field=field)


# ---------------------------------------------------------------------- medical history


@dataclass(frozen=True)
class MedicalHistoryData:
    condition: str = field(metadata=label("Condition"))
    icd10cm: str | None = field(default=None, metadata=label("ICD-10-CM code"))
    onset: PartialDate | None = field(default=None, metadata=label("Onset"))
    notes: str | None = field(default=None, metadata=label("Notes"))


@dataclass(frozen=True, kw_only=True)
class MedicalHistoryInput(ItemInput[MedicalHistoryData]):
    condition: str
    icd10cm: str = ""
    onset: str = ""
    notes: str = ""

    def validated(self, today: dt.date) -> MedicalHistoryData:
        if self.status not in HISTORY_STATUSES:
            raise ValidationError(
                "A past condition is active, inactive or resolved.", field="status"
            )
        return MedicalHistoryData(
            condition=required_text(
                self.condition,
                field="condition",
                what="condition",
                missing="Name the condition.",
                limit=CONDITION_MAX,
            ),
            icd10cm=icd10cm_shape(self.icd10cm),
            onset=_date(self.onset, today, "onset"),
            notes=optional_text(self.notes, field="notes", what="notes"),
        )

    @classmethod
    def editing(cls, item: ItemInfo[MedicalHistoryData]) -> MedicalHistoryInput:
        data = item.data
        return cls(
            status=item.status,
            sensitivity=item.sensitivity,
            condition=data.condition,
            icd10cm=data.icd10cm or "",
            onset=data.onset.display if data.onset else "",
            notes=data.notes or "",
        )


# ---------------------------------------------------------------------- surgical history


class Laterality(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"
    NOT_APPLICABLE = "not-applicable"

    @property
    def label(self) -> str:
        return "Not applicable" if self is Laterality.NOT_APPLICABLE else self.value.capitalize()


@dataclass(frozen=True)
class SurgicalHistoryData:
    procedure: str = field(metadata=label("Procedure"))
    performed: PartialDate | None = field(default=None, metadata=label("Date"))
    site: str | None = field(default=None, metadata=label("Site"))
    laterality: Laterality | None = field(default=None, metadata=label("Side"))
    notes: str | None = field(default=None, metadata=label("Notes"))


@dataclass(frozen=True, kw_only=True)
class SurgicalHistoryInput(ItemInput[SurgicalHistoryData]):
    procedure: str
    performed: str = ""
    site: str = ""
    laterality: Laterality | str | None = None
    notes: str = ""

    def validated(self, today: dt.date) -> SurgicalHistoryData:
        if self.status not in FACT_STATUSES:
            raise ValidationError("A past surgery is active or inactive.", field="status")
        return SurgicalHistoryData(
            procedure=required_text(
                self.procedure,
                field="procedure",
                what="procedure",
                missing="Name the procedure.",
                limit=CONDITION_MAX,
            ),
            performed=_date(self.performed, today, "performed"),
            site=optional_text(self.site, field="site", what="site", limit=SITE_MAX),
            laterality=optional_choice(
                Laterality, self.laterality, field="laterality", what="a side"
            ),
            notes=optional_text(self.notes, field="notes", what="notes"),
        )

    @classmethod
    def editing(cls, item: ItemInfo[SurgicalHistoryData]) -> SurgicalHistoryInput:
        data = item.data
        return cls(
            status=item.status,
            sensitivity=item.sensitivity,
            procedure=data.procedure,
            performed=data.performed.display if data.performed else "",
            site=data.site or "",
            laterality=data.laterality,
            notes=data.notes or "",
        )


# ---------------------------------------------------------------------- family history


class Relative(StrEnum):
    MOTHER = "mother"
    FATHER = "father"
    SISTER = "sister"
    BROTHER = "brother"
    DAUGHTER = "daughter"
    SON = "son"
    MATERNAL_GRANDMOTHER = "maternal-grandmother"
    MATERNAL_GRANDFATHER = "maternal-grandfather"
    PATERNAL_GRANDMOTHER = "paternal-grandmother"
    PATERNAL_GRANDFATHER = "paternal-grandfather"
    AUNT = "aunt"
    UNCLE = "uncle"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").capitalize()


@dataclass(frozen=True)
class FamilyHistoryData:
    relative: Relative = field(metadata=label("Relative"))
    condition: str = field(metadata=label("Condition"))
    icd10cm: str | None = field(default=None, metadata=label("ICD-10-CM code"))
    age_at_onset: int | None = field(default=None, metadata=label("Age at onset"))
    deceased: bool = field(default=False, metadata=label("Deceased"))
    age_at_death: int | None = field(default=None, metadata=label("Age at death"))
    notes: str | None = field(default=None, metadata=label("Notes"))


@dataclass(frozen=True, kw_only=True)
class FamilyHistoryInput(ItemInput[FamilyHistoryData]):
    relative: Relative | str
    condition: str
    icd10cm: str = ""
    age_at_onset: Typed = ""
    deceased: bool = False
    age_at_death: Typed = ""
    notes: str = ""

    def validated(self, today: dt.date) -> FamilyHistoryData:
        if self.status not in FACT_STATUSES:
            raise ValidationError("A family history entry is active or inactive.", field="status")
        relative = choice(Relative, self.relative, field="relative", what="the relative")
        onset = optional_whole(
            self.age_at_onset,
            field="age_at_onset",
            what="age at onset",
            low=0,
            high=AGE_MAX,
            unit=" years",
        )
        death = optional_whole(
            self.age_at_death,
            field="age_at_death",
            what="age at death",
            low=0,
            high=AGE_MAX,
            unit=" years",
        )
        if death is not None and not self.deceased:
            raise ValidationError(
                "An age at death is recorded only for a relative who has died: tick "
                '"Deceased" or clear the age.',
                field="age_at_death",
            )
        if death is not None and onset is not None and death < onset:
            raise ValidationError(
                "The age at death cannot be lower than the age at onset.", field="age_at_death"
            )
        return FamilyHistoryData(
            relative=relative,
            condition=required_text(
                self.condition,
                field="condition",
                what="condition",
                missing="Name the condition.",
                limit=CONDITION_MAX,
            ),
            icd10cm=icd10cm_shape(self.icd10cm),
            age_at_onset=onset,
            deceased=self.deceased,
            age_at_death=death,
            notes=optional_text(self.notes, field="notes", what="notes"),
        )

    @classmethod
    def editing(cls, item: ItemInfo[FamilyHistoryData]) -> FamilyHistoryInput:
        data = item.data
        return cls(
            status=item.status,
            sensitivity=item.sensitivity,
            relative=data.relative,
            condition=data.condition,
            icd10cm=data.icd10cm or "",
            age_at_onset="" if data.age_at_onset is None else str(data.age_at_onset),
            deceased=data.deceased,
            age_at_death="" if data.age_at_death is None else str(data.age_at_death),
            notes=data.notes or "",
        )
