"""The chart's other clinical item kinds (issue 9, schema 0008): medications, immunizations,
vitals and the histories. Columns are named like the fields of each kind's content dataclass
(``domain.medications``, ``domain.immunizations``, ``domain.vitals``, ``domain.histories``,
``domain.social_history``); partial dates are ISO text of the precision typed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Dialect, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from medrec_desktop.models.base import Base
from medrec_desktop.models.clinical import ClinicalItem

_UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_UTC_LENGTH = len("2025-01-31T08:00:00.000000Z")


class UtcText(TypeDecorator[dt.datetime]):
    """A UTC instant as fixed-width ISO text (like every other time in the schema): sorts as
    text, and reads back tz-aware on SQLCipher and PostgreSQL alike."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError("a stored instant must be a tz-aware datetime")
        return value.astimezone(dt.UTC).strftime(_UTC_FORMAT)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if len(value) == _UTC_LENGTH and value[-1] == "Z":
            # The stored form: ``fromisoformat`` reads it about 50 times faster than
            # ``strptime``, which counts when thousands of rows are read (a results grid).
            return dt.datetime.fromisoformat(value)
        return dt.datetime.strptime(value, _UTC_FORMAT).replace(tzinfo=dt.UTC)


class Medication(ClinicalItem, Base):
    __tablename__ = "medication"
    __item_type__ = "medication"

    name: Mapped[str] = mapped_column(String(200))
    strength: Mapped[str | None] = mapped_column(String(100), nullable=True)
    dose: Mapped[float | None] = mapped_column(Float, nullable=True)
    dose_unit: Mapped[str | None] = mapped_column(String(16), nullable=True)
    route: Mapped[str | None] = mapped_column(String(24), nullable=True)
    frequency: Mapped[str | None] = mapped_column(String(100), nullable=True)
    instructions: Mapped[str | None] = mapped_column(Text, nullable=True)
    start: Mapped[str | None] = mapped_column(String(10), nullable=True)
    stop: Mapped[str | None] = mapped_column(String(10), nullable=True)
    indication: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The problem it treats (same patient: checked by the service; a merge moves both).
    indication_problem_id: Mapped[int | None] = mapped_column(
        ForeignKey("problem.id"), nullable=True
    )
    prescriber: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Immunization(ClinicalItem, Base):
    __tablename__ = "immunization"
    __item_type__ = "immunization"

    vaccine: Mapped[str] = mapped_column(String(200))
    cvx: Mapped[str | None] = mapped_column(String(3), nullable=True)
    administration: Mapped[str] = mapped_column(String(16))
    given_on: Mapped[str | None] = mapped_column(String(10), nullable=True)
    dose_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lot_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    site: Mapped[str | None] = mapped_column(String(24), nullable=True)
    route: Mapped[str | None] = mapped_column(String(16), nullable=True)
    given_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source: Mapped[str | None] = mapped_column(String(200), nullable=True)
    refusal_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class Vitals(ClinicalItem, Base):
    """One set of vital signs, stored metric (cm, kg, °C) with the units it was typed in."""

    __tablename__ = "vitals"
    __item_type__ = "vitals"

    taken_at: Mapped[dt.datetime] = mapped_column(UtcText, index=True)
    units: Mapped[str] = mapped_column(String(8))
    systolic: Mapped[int | None] = mapped_column(Integer, nullable=True)
    diastolic: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pulse: Mapped[int | None] = mapped_column(Integer, nullable=True)
    respirations: Mapped[int | None] = mapped_column(Integer, nullable=True)
    temperature_c: Mapped[float | None] = mapped_column(Float, nullable=True)
    spo2: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height_cm: Mapped[float | None] = mapped_column(Float, nullable=True)
    weight_kg: Mapped[float | None] = mapped_column(Float, nullable=True)
    bmi: Mapped[float | None] = mapped_column(Float, nullable=True)
    pain: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The encounter they were taken in (issue 10, schema 0011): locked with its signed note.
    encounter_id: Mapped[int | None] = mapped_column(
        ForeignKey("encounter.id"), nullable=True, index=True
    )


class MedicalHistory(ClinicalItem, Base):
    __tablename__ = "medical_history"
    __item_type__ = "medical-history"

    condition: Mapped[str] = mapped_column(Text)
    icd10cm: Mapped[str | None] = mapped_column(String(16), nullable=True)
    onset: Mapped[str | None] = mapped_column(String(10), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)


class SurgicalHistory(ClinicalItem, Base):
    __tablename__ = "surgical_history"
    __item_type__ = "surgical-history"

    procedure: Mapped[str] = mapped_column(Text)
    performed: Mapped[str | None] = mapped_column(String(10), nullable=True)
    site: Mapped[str | None] = mapped_column(String(200), nullable=True)
    laterality: Mapped[str | None] = mapped_column(String(16), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)


class FamilyHistory(ClinicalItem, Base):
    __tablename__ = "family_history"
    __item_type__ = "family-history"

    relative: Mapped[str] = mapped_column(String(24))
    condition: Mapped[str] = mapped_column(Text)
    icd10cm: Mapped[str | None] = mapped_column(String(16), nullable=True)
    age_at_onset: Mapped[int | None] = mapped_column(Integer, nullable=True)
    deceased: Mapped[bool] = mapped_column(Boolean)
    age_at_death: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)


class SocialHistory(ClinicalItem, Base):
    """One per patient in use (the latest active wins), versioned like every item."""

    __tablename__ = "social_history"
    __item_type__ = "social-history"

    smoking_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    packs_per_day: Mapped[float | None] = mapped_column(Float, nullable=True)
    years_smoked: Mapped[float | None] = mapped_column(Float, nullable=True)
    pack_years: Mapped[float | None] = mapped_column(Float, nullable=True)
    audit_c_frequency: Mapped[int | None] = mapped_column(Integer, nullable=True)
    audit_c_typical: Mapped[int | None] = mapped_column(Integer, nullable=True)
    audit_c_six_or_more: Mapped[int | None] = mapped_column(Integer, nullable=True)
    audit_c_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    other_substances: Mapped[str | None] = mapped_column(Text, nullable=True)
    occupation: Mapped[str | None] = mapped_column(String(200), nullable=True)
    living_situation: Mapped[str | None] = mapped_column(String(24), nullable=True)
    living_notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    housing: Mapped[str | None] = mapped_column(String(16), nullable=True)
    food_insecurity: Mapped[str | None] = mapped_column(String(8), nullable=True)
    transport_problems: Mapped[str | None] = mapped_column(String(8), nullable=True)
    feels_safe: Mapped[str | None] = mapped_column(String(8), nullable=True)
