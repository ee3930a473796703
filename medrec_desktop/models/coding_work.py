"""The coder's work on an encounter (issue 13, schema 0016): its coding (one per encounter,
versioned), the queries sent to its provider, and the disclosures a billing hand-off records.

``encounter_coding`` and ``coder_query`` are clinical items: their columns are named like the
fields of ``domain.coding_work.CodingData`` and ``domain.coder_queries.QueryData``; lists
inside one item (diagnoses, procedures, options) are JSON text. ``disclosure`` and
``disclosure_patient`` are append-only: triggers refuse UPDATE and DELETE (schema 0016).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from medrec_desktop.models.base import Base
from medrec_desktop.models.chart_more import UtcText
from medrec_desktop.models.clinical import ClinicalItem


class EncounterCoding(ClinicalItem, Base):
    __tablename__ = "encounter_coding"
    __item_type__ = "encounter-coding"

    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id"), unique=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    setting: Mapped[str] = mapped_column(String(16))
    diagnoses: Mapped[str] = mapped_column(Text)
    procedures: Mapped[str] = mapped_column(Text)
    overrides: Mapped[str] = mapped_column(Text)
    dismissals: Mapped[str] = mapped_column(Text)
    error_count: Mapped[int] = mapped_column(Integer)
    warning_count: Mapped[int] = mapped_column(Integer)
    coded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    coded_at: Mapped[dt.datetime | None] = mapped_column(UtcText, nullable=True)
    return_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    # What the worklist reads of each encounter's coding, without the codes (schema 0017).
    __table_args__ = (
        Index(
            "ix_encounter_coding_worklist",
            "encounter_id",
            "state",
            "error_count",
            "coded_by",
            "coded_at",
            "version",
        ),
    )


class CoderQuery(ClinicalItem, Base):
    __tablename__ = "coder_query"
    __item_type__ = "coder-query"

    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    template: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text)
    indicators: Mapped[str | None] = mapped_column(Text, nullable=True)
    options: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    asked_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    asked_at: Mapped[dt.datetime] = mapped_column(UtcText)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answer_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcText, nullable=True)
    withdraw_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        Index("ix_coder_query_provider_state", "provider_id", "state"),
        # the worklist's open queries per encounter, from the index alone (schema 0017)
        Index("ix_coder_query_encounter_state", "encounter_id", "state"),
    )


class Disclosure(Base):
    """One release of PHI outside the clinic: to whom, for what purpose, what, by whom,
    when. Append-only; the patients it covers are ``disclosure_patient`` rows."""

    __tablename__ = "disclosure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    disclosed_at: Mapped[dt.datetime] = mapped_column(UtcText, index=True)
    disclosed_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recipient: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    patient_count: Mapped[int] = mapped_column(Integer)
    # Release of information (schema 0018); None on the billing exports made before it.
    requester: Mapped[str | None] = mapped_column(String(200))
    #: how it left: csv, json, pdf, fhir, ndjson, print
    medium: Mapped[str | None] = mapped_column(String(16))
    #: the record sections it carried, comma-separated keys (``RecordSection``)
    sections: Mapped[str | None] = mapped_column(Text)
    period_since: Mapped[dt.date | None] = mapped_column(Date)
    period_until: Mapped[dt.date | None] = mapped_column(Date)
    #: the scanned authorization on file (a ``document`` id; checked by the service)
    authorization_document_id: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    encrypted: Mapped[bool | None] = mapped_column(Boolean)


class DisclosurePatient(Base):
    """A patient whose information a disclosure carried, and what of it (``detail``)."""

    __tablename__ = "disclosure_patient"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosure.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    detail: Mapped[str] = mapped_column(Text)
