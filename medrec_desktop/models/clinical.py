"""The versioned clinical item mixin and the version table every item kind shares (DESIGN §6).

A kind's model is ``class Problem(ClinicalItem, Base)`` with ``__item_type__ = "problem"``
and its content columns named like its content dataclass's fields. Defining it registers the
model as patient-owned (merge moves it) and under its item type.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from medrec_desktop.models.base import Base
from medrec_desktop.models.registry import patient_owned

# Item type -> model, filled as kinds are defined.
ITEM_MODELS: dict[str, type[ClinicalItem]] = {}


class ClinicalItem:
    """Columns every clinical item has. ``version`` is the optimistic lock: SQLAlchemy adds
    ``AND version = <read>`` to every UPDATE and bumps it, so a save based on an older read
    changes no row and is refused, on SQLCipher and PostgreSQL alike."""

    __item_type__: ClassVar[str]

    # sort_order: the common columns come first in each kind's table.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True, sort_order=-1)
    version: Mapped[int] = mapped_column(Integer, sort_order=-1)
    status: Mapped[str] = mapped_column(String(24), sort_order=-1)
    sensitivity: Mapped[str | None] = mapped_column(String(32), nullable=True, sort_order=-1)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"), sort_order=-1)
    created_at: Mapped[str] = mapped_column(String(32), sort_order=-1)
    changed_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"), sort_order=-1)
    changed_at: Mapped[str] = mapped_column(String(32), sort_order=-1)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True, sort_order=-1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)  # maps the class (DeclarativeBase) first
        item_type = cls.__dict__.get("__item_type__")
        if item_type is None:
            raise TypeError(f"{cls.__name__} must name its __item_type__")
        if item_type in ITEM_MODELS:
            raise TypeError(f"item type {item_type!r} is defined twice")
        ITEM_MODELS[item_type] = cls
        patient_owned(cls)  # type: ignore[type-var]


class ClinicalItemVersion(Base):
    """Every saved state of every clinical item. Database triggers refuse UPDATE and DELETE
    (schema 0007) and an INSERT over a stored version, SQLite's REPLACE (schema 0013): history
    cannot be rewritten, not even by our own code.

    There is deliberately no patient column: a merge moves items to another patient without
    touching their history. ``data_json`` is the item's DTO exactly as it was saved.
    """

    __tablename__ = "clinical_item_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_type: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    data_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24))
    sensitivity: Mapped[str | None] = mapped_column(String(32), nullable=True)
    changed_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    changed_at: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (UniqueConstraint("item_type", "item_id", "version"),)
