"""Chronic-condition review (issue 13): what the record says that this encounter's codes do
not, each suggestion with its evidence (the rules live in ``services.chronic_review``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SuggestionKind(StrEnum):
    #: an active chronic problem on the problem list without a code on this encounter
    PROBLEM_LIST = "problem_list"
    #: a chronic diagnosis coded in the last 12 months and absent now
    CODED_BEFORE = "coded_before"
    #: an HCC category captured last year and not yet this year
    HCC_GAP = "hcc_gap"
    #: words in this encounter's note, results or medications pointing to an uncoded condition
    EVIDENCE = "evidence"

    @property
    def label(self) -> str:
        return {
            "problem_list": "On the problem list",
            "coded_before": "Coded in the last 12 months",
            "hcc_gap": "HCC captured last year",
            "evidence": "Evidence in this encounter",
        }[self.value]


@dataclass(frozen=True)
class ReviewSuggestion:
    #: stable across readings (kind and code or category): what a dismissal names
    key: str
    kind: SuggestionKind
    #: the code the one-step action adds ("" when the record names no specific code)
    code: str
    title: str
    #: one line: why this is suggested
    reason: str
    #: the evidence, one line each ("Metformin 500 mg twice daily (medication list)")
    evidence: tuple[str, ...] = ()
    hcc: str | None = None


@dataclass(frozen=True)
class ReviewResult:
    suggestions: tuple[ReviewSuggestion, ...]
    #: suggestions set aside on this encounter, with the reason given
    dismissed: tuple[tuple[ReviewSuggestion, str], ...] = ()
