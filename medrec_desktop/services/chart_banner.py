"""What the patient banner shows (DESIGN §9, issue 9): who the chart is about, their
allergies or the dated "no known allergies", a sensitivity flag and the first insurance.

One audited read per banner refresh, so the banner never holds a session of its own and
never assembles clinical facts from several calls that could disagree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import func, select, union_all

from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
from medrec_desktop.domain.dto import PatientId, PatientInfo
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import NotFoundError
from medrec_desktop.models import ITEM_MODELS, Allergy, AllergyStatement, Coverage, Patient
from medrec_desktop.services import patient_rows
from medrec_desktop.services.base import Op, Service, audited


class AllergyState(StrEnum):
    LISTED = "listed"  # active allergies the user may see (and maybe withheld ones)
    NONE_KNOWN = "none-known"  # an active "no known allergies" statement
    NOT_RECORDED = "not-recorded"  # nobody recorded either
    NOT_SHOWN = "not-shown"  # the role may not read clinical data


@dataclass(frozen=True)
class ChartBanner:
    """The banner of one chart. ``withheld`` counts labelled items per label that this user
    may not see (never their content); ``sensitive_on_file`` says labelled items exist
    (shown to roles that may see them)."""

    patient: PatientInfo
    allergy_state: AllergyState
    allergies: tuple[str, ...] = ()  # active substances, in the order recorded
    allergies_withheld: int = 0  # active labelled allergies this user may not see
    no_known_allergies_on: dt.date | None = None
    withheld: dict[Sensitivity, int] = field(default_factory=dict)
    sensitive_on_file: bool = False
    insurance: str | None = None  # the first coverage's payer

    @property
    def allergy_text(self) -> str:
        """ "Penicillin, Peanuts", "No known allergies (recorded 03/14/2026)"..."""
        if self.allergy_state is AllergyState.LISTED:
            shown = list(self.allergies)
            if self.allergies_withheld:
                shown.append(f"{self.allergies_withheld} withheld")
            return ", ".join(shown)
        if self.allergy_state is AllergyState.NONE_KNOWN and self.no_known_allergies_on:
            return f"No known allergies (recorded {self.no_known_allergies_on:%m/%d/%Y})"
        if self.allergy_state is AllergyState.NOT_SHOWN:
            return "Not shown for your role"
        return "Allergies not recorded"

    @property
    def withheld_count(self) -> int:
        return sum(self.withheld.values())


class ChartBannerService(Service):
    @audited(Action.VIEW, DataCategory.DEMOGRAPHICS, patient="patient_id")
    def banner(self, op: Op, patient_id: PatientId) -> ChartBanner:
        patient = op.db.get(Patient, patient_id)
        if patient is None:
            raise NotFoundError("That patient does not exist.")
        banner = read_banner(op, patient)
        op.event.detail = banner_detail(banner)
        return banner


def banner_detail(banner: ChartBanner) -> str:
    if banner.allergy_state is AllergyState.NOT_SHOWN:
        return "banner: demographics"
    return "banner: demographics, allergies"


def read_banner(
    op: Op, patient: Patient, may_see_labelled: Callable[[], bool] | None = None
) -> ChartBanner:
    """The banner inside an audited body (also the chart's opening, which reads it in the
    same transaction as the record and the summary, and asks once whether the user may see
    labelled items: ``may_see_labelled``)."""
    patient_id = patient.id
    payer = op.db.execute(
        select(Coverage.payer)
        .where(Coverage.patient_id == patient_id)
        .order_by(Coverage.priority, Coverage.id)
        .limit(1)
    ).scalar()
    info = patient_rows.info(patient)
    if not op.can(Action.VIEW, DataCategory.CLINICAL, patient_id):
        return ChartBanner(info, AllergyState.NOT_SHOWN, insurance=payer)
    sees_labelled = (
        may_see_labelled()
        if may_see_labelled is not None
        else op.can(Action.VIEW, DataCategory.SENSITIVE, patient_id)
    )
    # Every kind's labelled items counted in one statement (a chart opens often).
    counts = union_all(
        *(
            select(model.sensitivity.label("label"), func.count().label("n"))
            .where(
                model.patient_id == patient_id,
                model.sensitivity.is_not(None),
                model.status != ItemStatus.ENTERED_IN_ERROR,
            )
            .group_by(model.sensitivity)
            for model in ITEM_MODELS.values()
        )
    )
    labelled: Counter[Sensitivity] = Counter()
    for label, n in op.db.execute(counts):
        if label is not None:
            labelled[Sensitivity(label)] += n
    allergies = op.db.execute(
        select(Allergy.substance, Allergy.sensitivity)
        .where(Allergy.patient_id == patient_id, Allergy.status == ItemStatus.ACTIVE)
        .order_by(Allergy.id)
    ).all()
    substances = tuple(s for s, label in allergies if sees_labelled or label is None)
    state = AllergyState.LISTED if allergies else AllergyState.NOT_RECORDED
    stated: dt.date | None = None
    if not allergies:
        stated = op.db.execute(
            select(AllergyStatement.stated_on)
            .where(
                AllergyStatement.patient_id == patient_id,
                AllergyStatement.status == ItemStatus.ACTIVE,
            )
            .order_by(AllergyStatement.id.desc())
            .limit(1)
        ).scalar()
        if stated is not None:
            state = AllergyState.NONE_KNOWN
    return ChartBanner(
        info,
        state,
        allergies=substances,
        allergies_withheld=len(allergies) - len(substances),
        no_known_allergies_on=stated,
        withheld={} if sees_labelled else dict(labelled),
        sensitive_on_file=bool(labelled),
        insurance=payer,
    )
