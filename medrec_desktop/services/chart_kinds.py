"""The chart's item kinds, declared on the generic clinical item service (issue 9).

A new kind is a model (``models/chart.py``), a content dataclass and an input
(``domain/``), a migration, and one declaration here plus its line in ``Installation``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from medrec_desktop.domain.allergies import (
    AllergyData,
    AllergyInput,
    AllergyStatementData,
    AllergyStatementInput,
)
from medrec_desktop.domain.clinical import ItemInfo, ItemStatus
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.problems import ProblemData, ProblemInput
from medrec_desktop.models import Allergy, AllergyStatement, ClinicalItem, Problem
from medrec_desktop.services import versioning
from medrec_desktop.services.base import Op
from medrec_desktop.services.clinical_items import ClinicalItemKind, ClinicalItemService

# What the UI and CLI annotate with (they never import the models).
ProblemService = ClinicalItemService[ProblemData, ProblemInput]
AllergyService = ClinicalItemService[AllergyData, AllergyInput]
AllergyStatementService = ClinicalItemService[AllergyStatementData, AllergyStatementInput]

CONTRADICTED = "An active allergy was recorded."


def _contradict_statements(op: Op, saved: ItemInfo[Any]) -> None:
    """An active allergy makes "no known allergies" untrue: each active statement becomes
    inactive, as a version of its own saying why."""
    if saved.status is not ItemStatus.ACTIVE:
        return
    stated = op.db.execute(
        select(AllergyStatement).where(
            AllergyStatement.patient_id == saved.patient_id,
            AllergyStatement.status == ItemStatus.ACTIVE,
        )
    ).scalars()
    for statement in stated:
        statement.status = ItemStatus.INACTIVE
        versioning.save(op, statement, AllergyStatementData, reason=CONTRADICTED)


def _refuse_with_active_allergies(
    op: Op, patient_id: int, status: ItemStatus, _data: Any, _row: ClinicalItem | None
) -> None:
    if status is not ItemStatus.ACTIVE:
        return
    active = op.db.execute(
        select(
            exists().where(Allergy.patient_id == patient_id, Allergy.status == ItemStatus.ACTIVE)
        )
    ).scalar()
    if active:
        raise ValidationError(
            'This patient has active allergies on record, so "no known allergies" would '
            "contradict them. Mark those allergies inactive or entered in error first.",
            field="status",
        )


PROBLEMS = ClinicalItemKind(
    model=Problem,
    data=ProblemData,
    input=ProblemInput,
    noun="problem",
    change=ChangeKind.PROBLEMS,
)
ALLERGIES = ClinicalItemKind(
    model=Allergy,
    data=AllergyData,
    input=AllergyInput,
    noun="allergy",
    change=ChangeKind.ALLERGIES,
    after_save=_contradict_statements,
)
ALLERGY_STATEMENTS = ClinicalItemKind(
    model=AllergyStatement,
    data=AllergyStatementData,
    input=AllergyStatementInput,
    noun="allergy statement",
    change=ChangeKind.ALLERGIES,
    before_save=_refuse_with_active_allergies,
)

KINDS: tuple[ClinicalItemKind[Any, Any], ...] = (PROBLEMS, ALLERGIES, ALLERGY_STATEMENTS)
