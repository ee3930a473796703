"""Every new kind's list model passes pytest-qt's model checks with real saved items, and a
vitals list sorts newest first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.histories import (
    FamilyHistoryInput,
    MedicalHistoryInput,
    SurgicalHistoryInput,
)
from medrec_desktop.domain.immunizations import ImmunizationInput
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.social_history import SocialHistoryInput
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.ui.chart.item_model import ItemsModel
from medrec_desktop.ui.chart.kinds import KIND_VIEWS
from tests.conftest import Clinic


def test_each_kind_model_passes_the_model_checks(qtmodeltester: Any, populated: Clinic) -> None:
    records = populated.sessions[Role.RECORDS]
    pid = populated.inst.patients.search(records, "okafor")[0].id
    inst = populated.inst
    local = dt.datetime(2026, 11, 20, 9, 30)
    inst.medications.add(
        records, pid, MedicationInput(name="Metformin", dose="1", dose_unit="tablet")
    )
    inst.immunizations.add(records, pid, ImmunizationInput(cvx="115", given_on="03/14/2024"))
    for hours, pulse in ((0, "72"), (30, "130")):
        inst.vitals.add(
            records, pid, VitalsInput(taken_at=local + dt.timedelta(hours=hours), pulse=pulse)
        )
    inst.medical_history.add(records, pid, MedicalHistoryInput(condition="Asthma"))
    inst.surgical_history.add(records, pid, SurgicalHistoryInput(procedure="Appendectomy"))
    inst.family_history.add(
        records, pid, FamilyHistoryInput(relative="mother", condition="Diabetes")
    )
    inst.social_history.add(records, pid, SocialHistoryInput(smoking_status="never"))
    for kind in KIND_VIEWS:
        found = kind.service(inst).list(records, pid).items
        if kind.arrange is not None:
            found = kind.arrange(found, False, dt.date(2026, 11, 26))
        model = ItemsModel(kind)
        model.set_rows(found)
        qtmodeltester.check(model)
        assert model.rowCount() == len(found)
        if kind.key == "vitals":
            # Newest first, an unusual pulse marked with a symbol, not colour alone.
            assert [model.display(r, 2) for r in model.rows()] == ["130 ⚠", "72"]
