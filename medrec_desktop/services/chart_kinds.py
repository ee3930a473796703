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
from medrec_desktop.domain.clinical import ItemInfo, ItemStatus, Sensitivity
from medrec_desktop.domain.enums import Action, ChangeKind, DataCategory
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.histories import (
    FamilyHistoryData,
    FamilyHistoryInput,
    MedicalHistoryData,
    MedicalHistoryInput,
    SurgicalHistoryData,
    SurgicalHistoryInput,
)
from medrec_desktop.domain.immunizations import ImmunizationData, ImmunizationInput
from medrec_desktop.domain.medications import MedicationData, MedicationInput
from medrec_desktop.domain.problems import ProblemData, ProblemInput
from medrec_desktop.domain.procedures import ProcedureData, ProcedureInput
from medrec_desktop.domain.social_history import SocialHistoryData, SocialHistoryInput
from medrec_desktop.domain.vitals import VitalsData, VitalsInput
from medrec_desktop.models import (
    Allergy,
    AllergyStatement,
    ClinicalItem,
    FamilyHistory,
    Immunization,
    MedicalHistory,
    Medication,
    Problem,
    Procedure,
    SocialHistory,
    SurgicalHistory,
    Vitals,
)
from medrec_desktop.services.base import Op
from medrec_desktop.services.clinical_items import (
    BeforeSave,
    ClinicalItemKind,
    ClinicalItemService,
)
from medrec_desktop.services.encounter_kinds import AMENDMENT_REQUESTS, ENCOUNTERS
from medrec_desktop.services.encounter_links import (
    check_encounter_link,
    linked_before_save,
    refuse_locked_entry,
)
from medrec_desktop.services.result_kinds import LAB_TESTS
from medrec_desktop.services.side_effects import may_change, side_effect

# What the UI and CLI annotate with (they never import the models).
ProblemService = ClinicalItemService[ProblemData, ProblemInput]
AllergyService = ClinicalItemService[AllergyData, AllergyInput]
AllergyStatementService = ClinicalItemService[AllergyStatementData, AllergyStatementInput]
MedicationService = ClinicalItemService[MedicationData, MedicationInput]
ImmunizationService = ClinicalItemService[ImmunizationData, ImmunizationInput]
VitalsService = ClinicalItemService[VitalsData, VitalsInput]
MedicalHistoryService = ClinicalItemService[MedicalHistoryData, MedicalHistoryInput]
SurgicalHistoryService = ClinicalItemService[SurgicalHistoryData, SurgicalHistoryInput]
FamilyHistoryService = ClinicalItemService[FamilyHistoryData, FamilyHistoryInput]
SocialHistoryService = ClinicalItemService[SocialHistoryData, SocialHistoryInput]
ProcedureService = ClinicalItemService[ProcedureData, ProcedureInput]

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
        if not may_change(op, statement):
            continue
        statement.status = ItemStatus.INACTIVE
        side_effect(op, statement, AllergyStatementData, CONTRADICTED)


def _refuse_with_active_allergies(
    op: Op,
    patient_id: int,
    status: ItemStatus,
    _data: Any,
    _row: ClinicalItem | None,
    _sensitivity: Sensitivity | None,
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
    after_save=lambda op, saved: _label_linked_medications(op, saved),
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


# ---------------------------------------------------------------------- issue 9, schema 0008

SUPERSEDED = "Replaced by a newer social history."
LABELLED_LIKE_PROBLEM = "Labelled like the problem it treats."
NO_SUCH_PROBLEM = "Choose the problem from this patient's problem list."


def _problem_link(field: str, noun: str) -> BeforeSave:
    """The check of an item's link to the problem it treats (a medication's indication, a
    procedure's problem), held in content field ``field``."""

    def check(
        op: Op,
        patient_id: int,
        _status: ItemStatus,
        data: Any,
        row: ClinicalItem | None,
        sensitivity: Sensitivity | None,
    ) -> None:
        _check_problem_link(op, patient_id, data, row, sensitivity, field=field, noun=noun)

    return check


def _check_problem_link(
    op: Op,
    patient_id: int,
    data: Any,
    row: ClinicalItem | None,
    sensitivity: Sensitivity | None,
    *,
    field: str,
    noun: str,
) -> None:
    """The problem an item treats is one of this patient's, and not entered in error.
    A labelled problem the user may not see is refused like a missing one (it would show
    its existence), unless the item already pointed at it; and an item treating a labelled
    problem carries the same label (its link would tell the problem to everyone who sees
    that kind of item)."""
    wanted = getattr(data, field)
    if wanted is None:
        return
    problem = op.db.get(Problem, wanted)
    if problem is None or problem.patient_id != patient_id:
        raise ValidationError(NO_SUCH_PROBLEM, field=field)
    kept = row is not None and getattr(row, field, None) == wanted
    # The label first: an unseen labelled problem must look the same whatever its state.
    if (
        problem.sensitivity
        and not kept
        and not op.can(Action.VIEW, DataCategory.SENSITIVE, patient_id)
    ):
        raise ValidationError(NO_SUCH_PROBLEM, field=field)
    if problem.status == ItemStatus.ENTERED_IN_ERROR and not kept:
        raise ValidationError(
            "That problem was entered in error; choose another or clear the link.",
            field=field,
        )
    if problem.sensitivity is not None and sensitivity != problem.sensitivity:
        label = Sensitivity(problem.sensitivity).label
        raise ValidationError(
            f"The problem this treats carries the {label} label: give the {noun} the "
            "same label, or clear the problem link.",
            field="sensitivity",
        )


def _label_linked_medications(op: Op, saved: ItemInfo[Any]) -> None:
    """A problem given a label passes it to the medications and procedures that treat it
    (their link names the problem)."""
    if saved.sensitivity is None:
        return
    linking: tuple[tuple[type[ClinicalItem], type[Any], Any], ...] = (
        (Medication, MedicationData, Medication.indication_problem_id),
        (Procedure, ProcedureData, Procedure.problem_id),
    )
    for model, data, column in linking:
        linked = op.db.execute(
            select(model).where(model.patient_id == saved.patient_id, column == saved.id)
        ).scalars()
        for item in linked:
            if item.sensitivity != saved.sensitivity and may_change(op, item):
                item.sensitivity = saved.sensitivity
                side_effect(op, item, data, LABELLED_LIKE_PROBLEM)


def _supersede_social_history(op: Op, saved: ItemInfo[Any]) -> None:
    """One social history per patient in use: the one just saved active replaces any other
    active one, which becomes inactive in a version of its own saying why."""
    if saved.status is not ItemStatus.ACTIVE:
        return
    others = op.db.execute(
        select(SocialHistory).where(
            SocialHistory.patient_id == saved.patient_id,
            SocialHistory.status == ItemStatus.ACTIVE,
            SocialHistory.id != saved.id,
        )
    ).scalars()
    for other in others:
        if not may_change(op, other):
            continue  # left as it is: a labelled item changes only by those who may
        other.status = ItemStatus.INACTIVE
        side_effect(op, other, SocialHistoryData, SUPERSEDED)


MEDICATIONS = ClinicalItemKind(
    model=Medication,
    data=MedicationData,
    input=MedicationInput,
    noun="medication",
    change=ChangeKind.MEDICATIONS,
    before_save=_problem_link("indication_problem_id", "medication"),
)
IMMUNIZATIONS = ClinicalItemKind(
    model=Immunization,
    data=ImmunizationData,
    input=ImmunizationInput,
    noun="immunization",
    change=ChangeKind.IMMUNIZATIONS,
)
VITALS = ClinicalItemKind(
    model=Vitals,
    data=VitalsData,
    input=VitalsInput,
    noun="set of vitals",
    change=ChangeKind.VITALS,
    # Taken in an encounter: locked with its signed note (issue 10).
    before_save=linked_before_save,
    before_entered_in_error=refuse_locked_entry,
)
MEDICAL_HISTORY = ClinicalItemKind(
    model=MedicalHistory,
    data=MedicalHistoryData,
    input=MedicalHistoryInput,
    noun="past condition",
    change=ChangeKind.MEDICAL_HISTORY,
)
SURGICAL_HISTORY = ClinicalItemKind(
    model=SurgicalHistory,
    data=SurgicalHistoryData,
    input=SurgicalHistoryInput,
    noun="past surgery",
    change=ChangeKind.SURGICAL_HISTORY,
)
FAMILY_HISTORY = ClinicalItemKind(
    model=FamilyHistory,
    data=FamilyHistoryData,
    input=FamilyHistoryInput,
    noun="family history entry",
    change=ChangeKind.FAMILY_HISTORY,
)
SOCIAL_HISTORY = ClinicalItemKind(
    model=SocialHistory,
    data=SocialHistoryData,
    input=SocialHistoryInput,
    noun="social history",
    change=ChangeKind.SOCIAL_HISTORY,
    after_save=_supersede_social_history,
)

# ---------------------------------------------------------------------- issue 10

_procedure_problem = _problem_link("problem_id", "procedure")


def _check_procedure(
    op: Op,
    patient_id: int,
    status: ItemStatus,
    data: Any,
    row: ClinicalItem | None,
    sensitivity: Sensitivity | None,
) -> None:
    """The problem it treated is this patient's; so is the encounter it was done in."""
    _procedure_problem(op, patient_id, status, data, row, sensitivity)
    check_encounter_link(op, patient_id, data, row, sensitivity)


PROCEDURES = ClinicalItemKind(
    model=Procedure,
    data=ProcedureData,
    input=ProcedureInput,
    noun="procedure",
    change=ChangeKind.PROCEDURES,
    before_save=_check_procedure,
    before_entered_in_error=refuse_locked_entry,
)

KINDS: tuple[ClinicalItemKind[Any, Any], ...] = (
    PROBLEMS,
    ALLERGIES,
    ALLERGY_STATEMENTS,
    MEDICATIONS,
    IMMUNIZATIONS,
    VITALS,
    MEDICAL_HISTORY,
    SURGICAL_HISTORY,
    FAMILY_HISTORY,
    SOCIAL_HISTORY,
    # issue 10 (services/encounter_kinds.py)
    ENCOUNTERS,
    AMENDMENT_REQUESTS,
    LAB_TESTS,
    PROCEDURES,
)
