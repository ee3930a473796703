"""Coder queries to providers (issue 13), in the style of the AHIMA/ACDIS "Guidelines for
Achieving a Compliant Query Practice": a question grounded in the record's clinical
indicators, multiple-choice options that always include "other" and "unable to determine",
never a leading question and never a word about payment.

A query is versioned like every clinical item (``models.CoderQuery``): asked, then answered
or withdrawn, each a version; the provider's answer becomes part of the encounter's record.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum

from medrec_desktop.domain.clinical import label
from medrec_desktop.domain.errors import ValidationError

QUESTION_MAX = 2000
INDICATORS_MAX = 4000
OPTION_MAX = 200
ANSWER_NOTE_MAX = 2000
MAX_OPTIONS = 8
OTHER = "Other (please specify)"
UNABLE = "Unable to determine"
#: the two answers every query offers, last, whatever the template
ALWAYS = (OTHER, UNABLE)
# A compliant query never mentions what a diagnosis would be paid (AHIMA/ACDIS 2022).
_FINANCIAL = re.compile(
    r"\b(reimburse\w*|payments?|paid|pay(s|ing|able|er|ers)?|DRGs?|HCCs?|risk[- ]adjust\w*|"
    r"revenue|money|dollars?|RAF|case mix|CC/MCC|MCCs?)\b|\$",
    re.IGNORECASE,
)


class QueryTemplate(StrEnum):
    CLARIFY = "clarify"
    SPECIFICITY = "specificity"
    CONFLICT = "conflict"
    VALIDATION = "validation"
    POA = "poa"

    @property
    def label(self) -> str:
        return TEMPLATES[self].name


@dataclass(frozen=True)
class TemplateText:
    name: str
    #: the question as first offered; the coder completes the bracketed parts
    question: str
    #: the clinically reasonable options offered to start with (the coder edits them);
    #: "other" and "unable to determine" are added to every query whatever is typed here
    options: tuple[str, ...]


TEMPLATES: dict[QueryTemplate, TemplateText] = {
    QueryTemplate.CLARIFY: TemplateText(
        "Clarify a diagnosis",
        "The record documents [finding] with the clinical indicators listed below. Based on "
        "your clinical judgment, can you clarify the condition being evaluated or treated?",
        ("[condition]", "[alternative condition]", "No further diagnosis can be provided"),
    ),
    QueryTemplate.SPECIFICITY: TemplateText(
        "Specificity",
        "The record documents [diagnosis]. Based on your clinical judgment and the indicators "
        "below, can the type, acuity, stage or laterality be further specified?",
        ("[more specific diagnosis]", "[another specific diagnosis]"),
    ),
    QueryTemplate.CONFLICT: TemplateText(
        "Conflicting documentation",
        "The record contains conflicting documentation: [first statement] and [second "
        "statement]. Please clarify which best reflects the patient's condition.",
        ("[first statement]", "[second statement]", "Both conditions are present"),
    ),
    QueryTemplate.VALIDATION: TemplateText(
        "Clinical validation",
        "[Diagnosis] is documented in the record. The clinical indicators found are listed "
        "below. Please confirm whether the diagnosis is clinically supported.",
        ("The diagnosis is confirmed", "The diagnosis was ruled out"),
    ),
    QueryTemplate.POA: TemplateText(
        "Present on admission",
        "[Condition] is documented. Was it present at the time of the encounter (present on "
        "admission)?",
        ("Yes, present at the time", "No, developed after", "Clinically undetermined"),
    ),
}


class QueryState(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True)
class QueryData:
    encounter_id: int = field(metadata=label("Encounter"))
    provider_id: int = field(metadata=label("Sent to"))
    template: QueryTemplate = field(metadata=label("Kind of query"))
    question: str = field(metadata=label("Question"))
    indicators: str | None = field(metadata=label("Clinical indicators"))
    options: tuple[str, ...] = field(metadata=label("Options"))
    state: QueryState = field(metadata=label("State"))
    asked_by: int = field(metadata=label("Asked by"))
    asked_at: dt.datetime = field(metadata=label("Asked at"))
    answer: str | None = field(default=None, metadata=label("Answer"))
    answer_note: str | None = field(default=None, metadata=label("Provider's note"))
    answered_at: dt.datetime | None = field(default=None, metadata=label("Answered at"))
    withdraw_reason: str | None = field(default=None, metadata=label("Withdrawn because"))


@dataclass(frozen=True)
class QueryInput:
    template: QueryTemplate | str
    question: str
    options: tuple[str, ...]
    indicators: str = ""

    def validated(self) -> tuple[QueryTemplate, str, str | None, tuple[str, ...]]:
        try:
            template = QueryTemplate(self.template)
        except ValueError:
            raise ValidationError("Choose the kind of query.", field="template") from None
        question = " ".join(self.question.split())
        if not question:
            raise ValidationError("Write the question to the provider.", field="question")
        if len(question) > QUESTION_MAX:
            raise ValidationError(
                f"The question is {len(question)} characters long; keep it to {QUESTION_MAX}.",
                field="question",
            )
        if "[" in question or "]" in question:
            raise ValidationError(
                "Replace the bracketed parts of the question with what the record says.",
                field="question",
            )
        indicators = self.indicators.strip()
        if len(indicators) > INDICATORS_MAX:
            raise ValidationError(
                f"The clinical indicators are {len(indicators)} characters long; keep them to "
                f"{INDICATORS_MAX}.",
                field="indicators",
            )
        for text, name in ((question, "question"), (indicators, "indicators")):
            if _FINANCIAL.search(text):
                raise ValidationError(
                    "A query may not mention payment, reimbursement, DRGs or HCCs: ask about "
                    "the clinical picture only.",
                    field=name,
                )
        options: list[str] = []
        for raw in self.options:
            option = " ".join(raw.split())
            if not option or option.casefold() in {a.casefold() for a in ALWAYS}:
                continue
            if "[" in option or "]" in option:
                raise ValidationError(
                    "Replace the bracketed parts of the options, or remove those options.",
                    field="options",
                )
            if len(option) > OPTION_MAX:
                raise ValidationError(
                    f"An option is {len(option)} characters long; keep each to {OPTION_MAX}.",
                    field="options",
                )
            if _FINANCIAL.search(option):
                raise ValidationError(
                    "An option may not mention payment, reimbursement, DRGs or HCCs.",
                    field="options",
                )
            if option.casefold() in {o.casefold() for o in options}:
                raise ValidationError("Two options say the same thing.", field="options")
            options.append(option)
        if not options:
            raise ValidationError(
                "Offer at least one clinically reasonable answer besides other and unable to "
                "determine.",
                field="options",
            )
        if len(options) > MAX_OPTIONS:
            raise ValidationError(
                f"Offer at most {MAX_OPTIONS} options besides other and unable to determine.",
                field="options",
            )
        return template, question, indicators or None, (*options, *ALWAYS)


def checked_answer(options: tuple[str, ...], answer: str, note: str) -> tuple[str, str | None]:
    """The provider's choice (one of the options) and note; "other" needs the note."""
    if answer not in options:
        raise ValidationError("Choose one of the answers offered.", field="answer")
    text = note.strip()
    if len(text) > ANSWER_NOTE_MAX:
        raise ValidationError(
            f"The note is {len(text)} characters long; keep it to {ANSWER_NOTE_MAX}.",
            field="answer_note",
        )
    if answer == OTHER and not text:
        raise ValidationError("Say what the other answer is.", field="answer_note")
    return answer, text or None


@dataclass(frozen=True)
class QueryRow:
    """One query as a list shows it."""

    id: int
    version: int
    encounter_id: int
    patient_id: int
    mrn: str
    patient_name: str
    encounter_starts_at: dt.datetime
    provider: str
    asked_by: str
    template: QueryTemplate
    question: str
    indicators: str | None
    options: tuple[str, ...]
    state: QueryState
    asked_at: dt.datetime
    answer: str | None
    answer_note: str | None
    answered_at: dt.datetime | None
    withdraw_reason: str | None

    @property
    def turnaround(self) -> dt.timedelta | None:
        return self.answered_at - self.asked_at if self.answered_at is not None else None


def turnaround_text(delta: dt.timedelta | None) -> str:
    """ "3 h", "2 d 4 h", "" when not answered."""
    if delta is None:
        return ""
    hours = int(delta.total_seconds() // 3600)
    if hours < 1:
        return f"{max(1, int(delta.total_seconds() // 60))} min"
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} d {hours % 24} h"
