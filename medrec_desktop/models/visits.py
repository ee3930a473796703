"""What was measured, what was done and the visit that ties them together (issue 10, schema
0011): encounters with their SOAP note, addenda and amendment requests, test results and
their templates, treatments and procedures.

Versioned kinds (``ClinicalItem``) have columns named like the fields of their content
dataclass (``domain.encounters``, ``domain.results``, ``domain.procedures``). Lists of
values inside one item (a test's results, the problems an encounter addressed) are JSON text
(``domain.item_codec``). Vitals, tests and procedures point at the encounter they were taken
or done in; once its note is signed, triggers refuse changes to all of them (schema 0012).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from medrec_desktop.models.base import Base
from medrec_desktop.models.chart_more import UtcText
from medrec_desktop.models.clinical import ClinicalItem
from medrec_desktop.models.registry import patient_owned


class Encounter(ClinicalItem, Base):
    """A visit (office, telehealth, procedure, phone, lab only) and its SOAP note.

    ``signed_by``/``signed_at`` are set only by signing; from then on its content is refused
    any change (schemas 0012, 0013: only its label and the stamps of the save that sets it
    change, and a merge moves it), and later text goes in addenda.
    """

    __tablename__ = "encounter"
    __item_type__ = "encounter"

    starts_at: Mapped[dt.datetime] = mapped_column(UtcText, index=True)
    encounter_type: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    location: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reason_for_visit: Mapped[str] = mapped_column(Text)
    subjective: Mapped[str | None] = mapped_column(Text, nullable=True)
    objective: Mapped[str | None] = mapped_column(Text, nullable=True)
    assessment: Mapped[str | None] = mapped_column(Text, nullable=True)
    plan: Mapped[str | None] = mapped_column(Text, nullable=True)
    # JSON list of problem ids (this patient's; checked by the service).
    problems_addressed: Mapped[str] = mapped_column(Text)
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    signed_at: Mapped[dt.datetime | None] = mapped_column(UtcText, nullable=True)

    # The coding worklist reads signed encounters by date of service (schema 0016); its page
    # and counts read these indexes only (schema 0017), never the notes. "id" after the date:
    # the index then yields the list's order (date, then id) itself.
    __table_args__ = (
        Index("ix_encounter_signed_starts", "signed_at", "starts_at"),
        Index(
            "ix_encounter_worklist",
            "starts_at",
            "id",
            "signed_at",
            "status",
            "sensitivity",
            "provider_id",
            "encounter_type",
            "patient_id",
        ),
        Index(
            "ix_encounter_provider_worklist",
            "provider_id",
            "starts_at",
            "id",
            "signed_at",
            "status",
            "sensitivity",
            "encounter_type",
            "patient_id",
        ),
    )


@patient_owned
class EncounterAddendum(Base):
    """Text added to a signed note: who, when, why. Append-only (triggers, schema 0012):
    shown under the note in the order written. An addendum made by accepting an amendment
    request cites it."""

    __tablename__ = "encounter_addendum"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    written_at: Mapped[dt.datetime] = mapped_column(UtcText)
    reason: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    amendment_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("amendment_request.id"), nullable=True
    )


class AmendmentRequest(ClinicalItem, Base):
    """A patient's request to amend their record (HIPAA right to amend) and its decision,
    versioned like every item: the request, then the decision, each a version."""

    __tablename__ = "amendment_request"
    __item_type__ = "amendment-request"

    received_on: Mapped[dt.date] = mapped_column(Date)
    encounter_id: Mapped[int | None] = mapped_column(ForeignKey("encounter.id"), nullable=True)
    concerns: Mapped[str | None] = mapped_column(Text, nullable=True)
    requested_change: Mapped[str] = mapped_column(Text)
    patient_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decision: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    decided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    denial_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    disagreement: Mapped[str | None] = mapped_column(Text, nullable=True)


class LabTest(ClinicalItem, Base):
    """A test (one analyte or a panel) and its results, as JSON text: a version of the test
    holds every result as it stood, so a corrected value keeps the old one in the history."""

    __tablename__ = "lab_test"
    __item_type__ = "lab-test"

    name: Mapped[str] = mapped_column(String(200))
    loinc: Mapped[str | None] = mapped_column(String(10), nullable=True)
    specimen: Mapped[str | None] = mapped_column(String(100), nullable=True)
    collected_at: Mapped[dt.datetime] = mapped_column(UtcText)
    resulted_at: Mapped[dt.datetime | None] = mapped_column(UtcText, nullable=True)
    ordering_provider: Mapped[str | None] = mapped_column(String(200), nullable=True)
    performing_lab: Mapped[str | None] = mapped_column(String(200), nullable=True)
    results: Mapped[str] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    encounter_id: Mapped[int | None] = mapped_column(
        ForeignKey("encounter.id"), nullable=True, index=True
    )

    __table_args__ = (Index("ix_lab_test_patient_collected", "patient_id", "collected_at"),)


class Procedure(ClinicalItem, Base):
    """A treatment or procedure done: free text with an optional ICD-10-PCS, HCPCS or (where
    licensed) CPT code."""

    __tablename__ = "procedure"
    __item_type__ = "procedure"

    description: Mapped[str] = mapped_column(Text)
    code_system: Mapped[str | None] = mapped_column(String(8), nullable=True)
    code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    performed_at: Mapped[dt.datetime] = mapped_column(UtcText)
    performed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    body_site: Mapped[str | None] = mapped_column(String(200), nullable=True)
    laterality: Mapped[str | None] = mapped_column(String(16), nullable=True)
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)
    complications: Mapped[str | None] = mapped_column(Text, nullable=True)
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problem.id"), nullable=True)
    encounter_id: Mapped[int | None] = mapped_column(
        ForeignKey("encounter.id"), nullable=True, index=True
    )
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)


class ResultTemplate(Base):
    """A clinic's own panel template (the bundled ones live in ``domain.panels``): its
    analytes with LOINC codes, units and reference ranges as JSON text. Retired, never
    deleted: tests entered from it keep their own copy of what it said."""

    __tablename__ = "result_template"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    loinc: Mapped[str | None] = mapped_column(String(10), nullable=True)
    specimen: Mapped[str | None] = mapped_column(String(100), nullable=True)
    analytes: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[str] = mapped_column(String(32))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
