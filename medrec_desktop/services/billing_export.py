"""Billing hand-off (issue 13): PLACEHOLDER until the export lands (same session)."""

from __future__ import annotations

from medrec_desktop.services.base import Service


class BillingExportService(Service):
    pass
