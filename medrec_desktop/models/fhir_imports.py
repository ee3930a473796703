"""The log of FHIR Bundles imported (issue 14, schema 0019): one row per import kept (a dry
run leaves none), so a second import of the same file is noticed. Append-only: triggers
refuse UPDATE and DELETE (schema 0019)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from medrec_desktop.models.base import Base
from medrec_desktop.models.chart_more import UtcText


class FhirImportLog(Base):
    """A Bundle imported into a record: the SHA-256 of the file as given, the sender as typed
    or found in the Bundle, when, by whom and how many items it recorded."""

    __tablename__ = "fhir_import_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    bundle_sha256: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[dt.datetime] = mapped_column(UtcText)
    imported_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    item_count: Mapped[int] = mapped_column(Integer)
