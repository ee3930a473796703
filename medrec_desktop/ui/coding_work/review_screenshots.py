"""The chronic-condition review panel's picture (issue 13): a patient with years of record
(diabetes and hypertension on the problem list, metformin, an anticoagulant for atrial
fibrillation, an HbA1c of 8.1 %, coded visits this year and last) and a signed visit coded
with hypertension only; one suggestion dismissed with its reason.

    render_review_screenshots(out, inst, runner, code_sets) -> [out/coding-review.png]

Or alone, on a small demo clinic of its own:
``python -m medrec_desktop.ui.coding_work.review_screenshots OUT_DIR``.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QApplication

from medrec_desktop.domain.coding_work import CodedDiagnosis, CodingInput
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.panels import HBA1C
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.results import LabTestInput
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.coding_work import EncounterCodingService
from medrec_desktop.services.demo import DEMO_USERS
from medrec_desktop.services.installation import Installation
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.ui.coding_work.review_panel import ReviewPanel
from medrec_desktop.ui.screenshot_demo import print_paths, quick_demo
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner

SIZE = (460, 768)
PASSWORD = "demo password 2026"


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=dt.UTC)


def stage_review_patient(
    inst: Installation, code_sets: CodeSets, password: str = PASSWORD
) -> tuple[int, UserSession]:
    """The patient and the visit to review; returns the visit's id and the coder's session."""
    login = inst.auth.login
    provider = login(DEMO_USERS[Role.PROVIDER][0], password)
    records = login(DEMO_USERS[Role.RECORDS][0], password)
    coder = login(DEMO_USERS[Role.CODER][0], password)
    pid = inst.patients.register(
        records,
        PatientInput("Halvorsen", "Margaret", dt.date(1951, 8, 23), "female", "503-555-0187"),
        duplicates_reviewed=True,
        reason="demo: a long-time patient",
    ).id
    today = dt.date.today()
    dos = today - dt.timedelta(days=2)
    problems = inst.problems
    for data in (
        ProblemInput(
            description="Type 2 diabetes mellitus", icd10cm="E11.9", onset="2013", chronic=True
        ),
        ProblemInput(description="Essential hypertension", icd10cm="I10", onset="2011"),
        ProblemInput(
            description="Paroxysmal atrial fibrillation", icd10cm="I48.0", onset="2021",
            chronic=True,
        ),
        ProblemInput(description="Hypothyroidism", icd10cm="E03.9", onset="2016", chronic=True),
    ):  # fmt: skip
        problems.add(provider, pid, data)
    for name, strength, dose, unit, frequency, indication in (
        ("Metformin", "1000 mg", "1", "tablet", "twice daily", ""),
        ("Apixaban", "5 mg", "1", "tablet", "twice daily", "atrial fibrillation"),
        ("Lisinopril", "20 mg", "1", "tablet", "once daily", "hypertension"),
        ("Levothyroxine", "75 mcg", "1", "tablet", "once daily", ""),
    ):
        inst.medications.add(
            provider,
            pid,
            MedicationInput(
                name=name,
                strength=strength,
                dose=dose,
                dose_unit=unit,
                route="oral",
                frequency=frequency,
                indication=indication,
                start="2019",
            ),
        )
    inst.lab_tests.add(
        provider,
        pid,
        LabTestInput(
            name=HBA1C.name,
            loinc=HBA1C.loinc or "",
            collected_at=_noon(dos - dt.timedelta(days=9)),
            results=tuple(replace(r, value="8.1") for r in HBA1C.rows()),
        ),
    )
    svc = EncounterCodingService(ctx=inst.ctx, codes=code_sets)

    def visit(day: dt.date, assessment: str, plan: str) -> int:
        made = inst.encounters.add(
            provider,
            pid,
            EncounterInput(
                starts_at=_noon(day),
                encounter_type=EncounterType.OFFICE,
                provider_id=provider.user_id,
                reason_for_visit="Chronic conditions follow-up",
                assessment=assessment,
                plan=plan,
            ),
        )
        inst.encounters.sign(provider, made.id, password=password, expected_version=1)
        return int(made.id)

    def coded(eid: int, *codes: str) -> None:
        saved = svc.save(
            coder,
            eid,
            CodingInput(diagnoses=tuple(CodedDiagnosis(c, "") for c in codes)),
            expected_version=None,
        )
        svc.mark_coded(coder, eid, expected_version=saved.version or 1)

    coded(
        visit(
            dt.date(dos.year - 1, 5, 12),
            "Heart failure with preserved EF, euvolemic. Diabetes fair.",
            "Continue current regimen.",
        ),
        "I50.30", "E11.9", "I10",
    )  # fmt: skip
    coded(
        visit(dos - dt.timedelta(days=75), "Diabetes, A1c rising. Hypertension.", "Labs."),
        "E11.65", "I10", "E78.5",
    )  # fmt: skip
    eid = visit(
        dos,
        "Hypertension, at goal. Type 2 diabetes, A1c 8.1%, on metformin. "
        "Atrial fibrillation, rate controlled, on apixaban.",
        "Continue lisinopril. Increase metformin. Recheck A1c in 3 months.",
    )
    saved = svc.save(
        coder, eid, CodingInput(diagnoses=(CodedDiagnosis("I10", ""),)), expected_version=None
    )
    svc.dismiss(
        coder,
        eid,
        expected_version=saved.version,
        key="problem_list:E03",
        code="E03.9",
        reason="Not addressed at this visit (no thyroid assessment or plan)",
    )
    return eid, coder


def render_review_screenshots(
    out: Path, inst: Installation, runner: OpRunner, code_sets: CodeSets
) -> list[Path]:
    from medrec_desktop.ui.screenshots import grab, settle

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    eid, coder = stage_review_patient(inst, code_sets)
    panel = ReviewPanel(
        services=ServicesHolder(inst=inst, code_sets=code_sets),
        runner=runner,
        session=lambda: coder,
    )
    panel.setWindowTitle("Chronic-condition review")
    panel.resize(*SIZE)
    panel.show()
    panel.show_encounter(eid)
    settle(app, runner, lambda: panel.list.count() > 0)
    panel.set_codes(["I10"])
    shown = panel.shown
    diabetes = next((n for n, s in enumerate(shown) if s.code.startswith("E11")), 0)
    panel.list.setCurrentRow(diabetes)
    panel.dismissed_toggle.setChecked(True)
    panel.list.setFocus()
    shots = [grab(panel, out, "coding-review.png", app, runner)]
    panel.close()
    return shots


def main(argv: list[str]) -> int:
    with quick_demo(argv, patients=5, seed=3) as d:
        shots = render_review_screenshots(d.out, d.inst, d.runner, d.code_sets)
    return print_paths(shots)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
