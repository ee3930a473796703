"""The chart's clinical item kinds (issue 9): problems, allergies and the "no known
allergies" statement. Columns are named like the fields of each kind's content dataclass
(``domain.problems``, ``domain.allergies``); partial dates are stored as ISO text of the
precision typed ("1998", "1998-03", "1998-03-14")."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from medrec_desktop.models.base import Base
from medrec_desktop.models.clinical import ClinicalItem


class Problem(ClinicalItem, Base):
    __tablename__ = "problem"
    __item_type__ = "problem"

    description: Mapped[str] = mapped_column(Text)
    icd10cm: Mapped[str | None] = mapped_column(String(16), nullable=True)
    onset: Mapped[str | None] = mapped_column(String(10), nullable=True)
    resolution: Mapped[str | None] = mapped_column(String(10), nullable=True)
    chronic: Mapped[bool] = mapped_column(Boolean)


class Allergy(ClinicalItem, Base):
    """An allergy or intolerance."""

    __tablename__ = "allergy"
    __item_type__ = "allergy"

    substance: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16))
    reaction: Mapped[str | None] = mapped_column(Text, nullable=True)
    severity: Mapped[str] = mapped_column(String(16))
    onset: Mapped[str | None] = mapped_column(String(10), nullable=True)


class AllergyStatement(ClinicalItem, Base):
    """ "No known allergies", said on a date: an explicit statement, unlike an empty list
    (which only means nobody asked). Made inactive when an active allergy is recorded."""

    __tablename__ = "allergy_statement"
    __item_type__ = "allergy-statement"

    stated_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
