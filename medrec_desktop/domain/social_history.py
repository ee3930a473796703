"""Social history: ONE versioned item per patient, edited over the years (issue 9). Saving an
active one makes any other active one inactive (the latest active wins; see
``services/chart_kinds.py``), and :func:`current_social_history` picks it for the summary.

Tobacco uses the CDC smoking-status values; pack-years are computed from packs per day and
years smoked when both are given, or typed. Alcohol is screened with AUDIT-C (three
questions scored 0-4): positive at 4 or more for men, 3 or more for women (and, erring on
the side of asking more, for anyone whose sex is not recorded as male).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from medrec_desktop.domain.clinical import ItemInfo, ItemInput, ItemStatus, label
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.item_fields import (
    Typed,
    optional_choice,
    optional_number,
    optional_text,
    optional_whole,
    shown_number,
)

SOCIAL_STATUSES = frozenset({ItemStatus.ACTIVE, ItemStatus.INACTIVE})
SHORT_MAX = 200
PACK_YEARS_MAX = 300.0


class SmokingStatus(StrEnum):
    """CDC smoking-status values (the US Core / Meaningful Use value set)."""

    CURRENT_EVERY_DAY = "current-every-day"
    CURRENT_SOME_DAY = "current-some-day"
    FORMER = "former"
    NEVER = "never"
    CURRENT_UNKNOWN = "current-status-unknown"
    UNKNOWN_IF_EVER = "unknown-if-ever"
    HEAVY = "heavy"
    LIGHT = "light"

    @property
    def label(self) -> str:
        return _SMOKING_LABELS[self]


_SMOKING_LABELS = {
    SmokingStatus.CURRENT_EVERY_DAY: "Current every day smoker",
    SmokingStatus.CURRENT_SOME_DAY: "Current some day smoker",
    SmokingStatus.FORMER: "Former smoker",
    SmokingStatus.NEVER: "Never smoker",
    SmokingStatus.CURRENT_UNKNOWN: "Smoker, current status unknown",
    SmokingStatus.UNKNOWN_IF_EVER: "Unknown if ever smoked",
    SmokingStatus.HEAVY: "Heavy tobacco smoker",
    SmokingStatus.LIGHT: "Light tobacco smoker",
}


class LivingSituation(StrEnum):
    ALONE = "alone"
    PARTNER = "partner"
    FAMILY = "family"
    OTHERS = "others"
    ASSISTED = "assisted-living"
    NURSING = "nursing-facility"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LIVING_LABELS[self]


_LIVING_LABELS = {
    LivingSituation.ALONE: "Lives alone",
    LivingSituation.PARTNER: "With spouse or partner",
    LivingSituation.FAMILY: "With family",
    LivingSituation.OTHERS: "With others",
    LivingSituation.ASSISTED: "Assisted living",
    LivingSituation.NURSING: "Nursing facility",
    LivingSituation.OTHER: "Other",
}


class Housing(StrEnum):
    STABLE = "stable"
    UNSTABLE = "unstable"
    HOMELESS = "homeless"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Answer(StrEnum):
    """A screening question's answer; a blank field (None) means it was not asked."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# The three AUDIT-C questions and their answers, scored 0-4 in this order.
AUDIT_C_QUESTIONS = (
    (
        "How often do you have a drink containing alcohol?",
        (
            "Never",
            "Monthly or less",
            "2-4 times a month",
            "2-3 times a week",
            "4 or more times a week",
        ),
    ),
    (
        "How many standard drinks containing alcohol do you have on a typical day?",
        ("1 or 2", "3 or 4", "5 or 6", "7 to 9", "10 or more"),
    ),
    (
        "How often do you have six or more drinks on one occasion?",
        ("Never", "Less than monthly", "Monthly", "Weekly", "Daily or almost daily"),
    ),
)
AUDIT_C_FIELDS = ("audit_c_frequency", "audit_c_typical", "audit_c_six_or_more")


@dataclass(frozen=True)
class SocialHistoryData:
    smoking_status: SmokingStatus | None = field(default=None, metadata=label("Tobacco"))
    packs_per_day: float | None = field(default=None, metadata=label("Packs per day"))
    years_smoked: float | None = field(default=None, metadata=label("Years smoked"))
    pack_years: float | None = field(default=None, metadata=label("Pack-years"))
    audit_c_frequency: int | None = field(default=None, metadata=label("AUDIT-C: how often"))
    audit_c_typical: int | None = field(default=None, metadata=label("AUDIT-C: typical day"))
    audit_c_six_or_more: int | None = field(default=None, metadata=label("AUDIT-C: six or more"))
    audit_c_score: int | None = field(default=None, metadata=label("AUDIT-C score"))
    other_substances: str | None = field(default=None, metadata=label("Other substances"))
    occupation: str | None = field(default=None, metadata=label("Occupation"))
    living_situation: LivingSituation | None = field(
        default=None, metadata=label("Living situation")
    )
    living_notes: str | None = field(default=None, metadata=label("Living situation notes"))
    housing: Housing | None = field(default=None, metadata=label("Housing"))
    food_insecurity: Answer | None = field(default=None, metadata=label("Food insecurity"))
    transport_problems: Answer | None = field(
        default=None, metadata=label("Transportation problems")
    )
    feels_safe: Answer | None = field(default=None, metadata=label("Feels safe at home"))


@dataclass(frozen=True, kw_only=True)
class SocialHistoryInput(ItemInput[SocialHistoryData]):
    """The social history form as typed; AUDIT-C answers as their scores (0-4)."""

    smoking_status: SmokingStatus | str | None = None
    packs_per_day: Typed = ""
    years_smoked: Typed = ""
    pack_years: Typed = ""
    audit_c_frequency: Typed = ""
    audit_c_typical: Typed = ""
    audit_c_six_or_more: Typed = ""
    other_substances: str = ""
    occupation: str = ""
    living_situation: LivingSituation | str | None = None
    living_notes: str = ""
    housing: Housing | str | None = None
    food_insecurity: Answer | str | None = None
    transport_problems: Answer | str | None = None
    feels_safe: Answer | str | None = None

    def validated(self, today: dt.date) -> SocialHistoryData:
        if self.status not in SOCIAL_STATUSES:
            raise ValidationError("A social history is current or inactive.", field="status")
        smoking = optional_choice(
            SmokingStatus, self.smoking_status, field="smoking_status", what="a smoking status"
        )
        ppd, years, pack_years = self._tobacco(smoking)
        answers = self._audit_c()
        return SocialHistoryData(
            smoking_status=smoking,
            packs_per_day=ppd,
            years_smoked=years,
            pack_years=pack_years,
            audit_c_frequency=answers[0],
            audit_c_typical=answers[1],
            audit_c_six_or_more=answers[2],
            audit_c_score=audit_c_score(answers),
            other_substances=optional_text(
                self.other_substances, field="other_substances", what="other substances"
            ),
            occupation=optional_text(
                self.occupation, field="occupation", what="occupation", limit=SHORT_MAX
            ),
            living_situation=optional_choice(
                LivingSituation,
                self.living_situation,
                field="living_situation",
                what="a living situation",
            ),
            living_notes=optional_text(
                self.living_notes, field="living_notes", what="living situation notes"
            ),
            housing=optional_choice(Housing, self.housing, field="housing", what="the housing"),
            food_insecurity=optional_choice(
                Answer, self.food_insecurity, field="food_insecurity", what="an answer"
            ),
            transport_problems=optional_choice(
                Answer, self.transport_problems, field="transport_problems", what="an answer"
            ),
            feels_safe=optional_choice(
                Answer, self.feels_safe, field="feels_safe", what="an answer"
            ),
        )

    def _tobacco(
        self, smoking: SmokingStatus | None
    ) -> tuple[float | None, float | None, float | None]:
        ppd = optional_number(
            self.packs_per_day, field="packs_per_day", what="packs per day", low=0, high=10
        )
        years = optional_number(
            self.years_smoked, field="years_smoked", what="years smoked", low=0, high=100
        )
        typed = optional_number(
            self.pack_years, field="pack_years", what="pack-years", low=0, high=PACK_YEARS_MAX
        )
        pack_years = typed
        if ppd is not None and years is not None:
            pack_years = round(ppd * years, 1)
            if pack_years > PACK_YEARS_MAX:
                raise ValidationError(
                    f"Packs per day times years smoked is over {PACK_YEARS_MAX:.0f} "
                    "pack-years; check both.",
                    field="years_smoked",
                )
            if typed is not None and abs(typed - pack_years) >= 0.05:
                raise ValidationError(
                    "The pack-years do not match packs per day times years smoked: clear the "
                    "pack-years (they are computed) or correct the other two.",
                    field="pack_years",
                )
        smoked = any(v for v in (ppd, years, pack_years))
        if smoking is SmokingStatus.NEVER and smoked:
            raise ValidationError(
                "A never smoker has no packs, years or pack-years: clear them or change the "
                "smoking status.",
                field="smoking_status",
            )
        return ppd, years, pack_years

    def _audit_c(self) -> tuple[int | None, int | None, int | None]:
        answers = tuple(
            optional_whole(getattr(self, name), field=name, what="AUDIT-C answer", low=0, high=4)
            for name in AUDIT_C_FIELDS
        )
        first, second, third = answers
        if first == 0:
            # "Never" drinks: the other two questions are skipped (or scored 0).
            for name, value in zip(AUDIT_C_FIELDS[1:], answers[1:], strict=True):
                if value:
                    raise ValidationError(
                        'The patient never drinks ("never" to the first AUDIT-C question), '
                        "so the other two answers score 0.",
                        field=name,
                    )
            return 0, second, third
        if any(a is not None for a in answers):
            for name, value in zip(AUDIT_C_FIELDS, answers, strict=True):
                if value is None:
                    raise ValidationError(
                        "Answer all three AUDIT-C questions (or none).", field=name
                    )
        return first, second, third

    @classmethod
    def editing(cls, item: ItemInfo[SocialHistoryData]) -> SocialHistoryInput:
        data = item.data
        return cls(
            status=item.status,
            sensitivity=item.sensitivity,
            smoking_status=data.smoking_status,
            packs_per_day=shown_number(data.packs_per_day, 6),
            years_smoked=shown_number(data.years_smoked, 6),
            pack_years=shown_number(data.pack_years, 6),
            audit_c_frequency=shown_number(data.audit_c_frequency),
            audit_c_typical=shown_number(data.audit_c_typical),
            audit_c_six_or_more=shown_number(data.audit_c_six_or_more),
            other_substances=data.other_substances or "",
            occupation=data.occupation or "",
            living_situation=data.living_situation,
            living_notes=data.living_notes or "",
            housing=data.housing,
            food_insecurity=data.food_insecurity,
            transport_problems=data.transport_problems,
            feels_safe=data.feels_safe,
        )


def audit_c_score(answers: tuple[int | None, int | None, int | None]) -> int | None:
    """The sum of the three answers; None when not screened. "Never" to the first question
    scores 0 whatever was left blank after it."""
    if answers[0] == 0:
        return 0
    if any(a is None for a in answers):
        return None
    return sum(a for a in answers if a is not None)


def audit_c_positive(score: int | None, sex: str) -> bool | None:
    """Positive screen: 4 or more for men, 3 or more otherwise; None when not screened."""
    if score is None:
        return None
    return score >= (4 if sex == "male" else 3)


def current_social_history(
    items: Iterable[ItemInfo[SocialHistoryData]],
) -> ItemInfo[SocialHistoryData] | None:
    """The latest active social history (pass ``inst.social_history.list(...).items``)."""
    active = [i for i in items if i.status is ItemStatus.ACTIVE]
    return max(active, key=lambda i: (i.changed_at, i.id), default=None)
