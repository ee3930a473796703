"""Encounters and amendment requests declared on the generic clinical item service (issue
10), with the checks their saves need: a signed note refuses every change (before the
database's triggers would), the provider is one of the clinic's providers, the problems
addressed are this patient's, a label given to an unsigned note passes to what was recorded
in it, and a decided amendment request is no longer edited nor marked entered in error.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from medrec_desktop.domain.amendments import AmendmentData, AmendmentDecision, AmendmentInput
from medrec_desktop.domain.clinical import ItemInfo, ItemStatus, Sensitivity
from medrec_desktop.domain.encounters import AHEAD, EncounterData, EncounterInput
from medrec_desktop.domain.enums import Action, ChangeKind, DataCategory, Role
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.procedures import ProcedureData
from medrec_desktop.domain.results import LabTestData
from medrec_desktop.domain.vitals import VitalsData
from medrec_desktop.models import (
    AmendmentRequest,
    ClinicalItem,
    Encounter,
    LabTest,
    Problem,
    Procedure,
    User,
    Vitals,
)
from medrec_desktop.services.base import Op
from medrec_desktop.services.clinical_items import ClinicalItemKind
from medrec_desktop.services.encounter_links import patients_encounter
from medrec_desktop.services.side_effects import may_change, side_effect

SIGNED_NOTE = (
    "This note is signed and locked: it can no longer be changed or marked entered in "
    "error. Add an addendum instead."
)
NO_SUCH_PROVIDER = "Choose the provider from the clinic's providers."
NO_SUCH_PROBLEM = "Choose the problems addressed from this patient's problem list."
PROBLEM_IN_ERROR = (
    "One of the problems chosen was entered in error; choose another or leave it out."
)
LABELLED_LIKE_ENCOUNTER = "Labelled like the encounter it was recorded in."
DECIDED_STAYS = (
    "This request has been decided; it stays in the record with its decision, as the "
    "patient's right to amend requires. Record a new request if this one was wrong."
)
DECIDED = (
    "This request has been decided and can no longer be edited; its history keeps it as "
    "it was. A statement of disagreement received later is recorded on its own."
)


def _check_encounter(
    op: Op,
    patient_id: int,
    _status: ItemStatus,
    data: EncounterData,
    row: ClinicalItem | None,
    _sensitivity: Sensitivity | None,
) -> None:
    stored = row if isinstance(row, Encounter) else None
    if stored is not None and stored.signed_at is not None:
        raise ValidationError(SIGNED_NOTE)
    if data.starts_at > op.ctx.now() + AHEAD:
        raise ValidationError(
            "A visit can be entered at most a day ahead; check the date and time.",
            field="starts_at",
        )
    _check_provider(op, data.provider_id, kept=stored.provider_id if stored else None)
    kept = set(json.loads(stored.problems_addressed)) if stored is not None else set()
    _check_problems(op, patient_id, [p for p in data.problems_addressed if p not in kept])


def _check_provider(op: Op, provider_id: int, *, kept: int | None) -> None:
    """An active user with the provider role; the provider already named stays named even
    if their account was disabled since (the visit was theirs)."""
    if kept == provider_id:
        return
    user = op.db.get(User, provider_id)
    if user is None or not user.active or user.role != Role.PROVIDER:
        raise ValidationError(NO_SUCH_PROVIDER, field="provider_id")


def _check_problems(op: Op, patient_id: int, wanted: list[int]) -> None:
    if not wanted:
        return
    found = {
        p.id: p for p in op.db.execute(select(Problem).where(Problem.id.in_(wanted))).scalars()
    }
    sees_labels = op.can(Action.VIEW, DataCategory.SENSITIVE, patient_id)
    for problem_id in wanted:
        problem = found.get(problem_id)
        if (
            problem is None
            or problem.patient_id != patient_id
            or (problem.sensitivity and not sees_labels)
        ):
            raise ValidationError(NO_SUCH_PROBLEM, field="problems_addressed")
        if problem.status == ItemStatus.ENTERED_IN_ERROR:
            raise ValidationError(PROBLEM_IN_ERROR, field="problems_addressed")


def _label_recorded_entries(op: Op, saved: ItemInfo[Any]) -> None:
    """An unsigned note given a label passes it to the vitals, tests and procedures recorded
    in it (each a version of its own saying why): their link tells what the visit was
    about. A signed note changes only by addendum, so its label cannot change."""
    if saved.sensitivity is None or saved.data.signed_at is not None:
        return
    recorded: tuple[tuple[type[ClinicalItem], type[Any], Any], ...] = (
        (Vitals, VitalsData, Vitals.encounter_id),
        (LabTest, LabTestData, LabTest.encounter_id),
        (Procedure, ProcedureData, Procedure.encounter_id),
    )
    for model, data, column in recorded:
        linked = op.db.execute(
            select(model)
            .where(model.patient_id == saved.patient_id, column == saved.id)
            .order_by(model.id)
        ).scalars()
        for item in linked:
            if item.sensitivity != saved.sensitivity and may_change(op, item):
                item.sensitivity = saved.sensitivity
                side_effect(op, item, data, LABELLED_LIKE_ENCOUNTER)


def _refuse_signed(op: Op, row: ClinicalItem) -> None:
    if isinstance(row, Encounter) and row.signed_at is not None:
        raise ValidationError(SIGNED_NOTE)


def _check_request(
    op: Op,
    patient_id: int,
    _status: ItemStatus,
    data: AmendmentData,
    row: ClinicalItem | None,
    sensitivity: Sensitivity | None,
) -> None:
    """A decided request is kept as decided; the note it concerns is this patient's, and a
    request about a labelled note carries the same label (it repeats what the note says)."""
    stored = row if isinstance(row, AmendmentRequest) else None
    if stored is not None and stored.decision != AmendmentDecision.PENDING:
        raise ValidationError(DECIDED)
    if data.encounter_id is None:
        return
    kept = stored is not None and stored.encounter_id == data.encounter_id
    encounter = patients_encounter(op, patient_id, data.encounter_id, kept=kept)
    if encounter.sensitivity is not None and sensitivity != encounter.sensitivity:
        label = Sensitivity(encounter.sensitivity).label
        raise ValidationError(
            f"The note this request concerns carries the {label} label: give the request "
            "the same label.",
            field="sensitivity",
        )


def _refuse_decided(op: Op, row: ClinicalItem) -> None:
    """A decided request is part of the record (the decision, the addendum citing it, the
    statement of disagreement): it is never withdrawn as entered in error."""
    if isinstance(row, AmendmentRequest) and row.decision != AmendmentDecision.PENDING:
        raise ValidationError(DECIDED_STAYS)


ENCOUNTERS: ClinicalItemKind[EncounterData, EncounterInput] = ClinicalItemKind(
    model=Encounter,
    data=EncounterData,
    input=EncounterInput,
    noun="encounter",
    change=ChangeKind.ENCOUNTERS,
    before_save=_check_encounter,
    after_save=_label_recorded_entries,
    before_entered_in_error=_refuse_signed,
)
AMENDMENT_REQUESTS: ClinicalItemKind[AmendmentData, AmendmentInput] = ClinicalItemKind(
    model=AmendmentRequest,
    data=AmendmentData,
    input=AmendmentInput,
    noun="amendment request",
    change=ChangeKind.AMENDMENTS,
    before_save=_check_request,
    before_entered_in_error=_refuse_decided,
)
