"""Coding reports (issue 13): PLACEHOLDER until the reports land (same session)."""

from __future__ import annotations

from medrec_desktop.services.base import Service
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.context import ServiceContext


class CodingReportService(Service):
    def __init__(self, *, ctx: ServiceContext, codes: CodeSets) -> None:
        super().__init__(ctx=ctx)
        self._codes = codes
