"""Chronic-condition review (issue 13): PLACEHOLDER until the review rules land (same session)."""

from __future__ import annotations

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.chronic_review import ReviewResult
from medrec_desktop.domain.coding_work import CodingData
from medrec_desktop.services.base import Op


def review(op: Op, store: CodeSetStore, context: object, coding: CodingData | None) -> ReviewResult:
    return ReviewResult(suggestions=())
