"""Pictures of the encounter coding screen (issue 13): an encounter being coded with its live
findings (an Excludes1 error and warnings, unsaved), and a coded encounter whose Excludes1
error was overridden with a written reason.

    python -m medrec_desktop.ui.coding_work.encounter_coding_screenshots /tmp/shots

renders them on a small demo clinic of its own; ``make screenshots`` calls
:func:`render_demo_encounter_coding_screenshots` on the big one.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from medrec_desktop.domain.clinical import ItemId
from medrec_desktop.domain.coding_work import (
    CodedDiagnosis,
    CodedProcedure,
    CodingInput,
    ProcedureSystem,
    finding_key,
)
from medrec_desktop.domain.dto import PatientInfo, UserSession
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.coding_work.coding_dialogs import HistoryDialog, OverrideDialog
from medrec_desktop.ui.coding_work.encounter_coding import EncounterCodingPage
from medrec_desktop.ui.screenshot_demo import print_paths, quick_demo
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner

SIZE = (1366, 768)


def _wait(app: QApplication, runner: OpRunner, until: Callable[[], bool]) -> None:
    from medrec_desktop.ui.screenshots import settle

    settle(app, runner, lambda: until() and runner.in_flight == 0, timeout=30)


def _at(days_ago: int, hour: int, minute: int) -> dt.datetime:
    day = dt.date.today() - dt.timedelta(days=days_ago)
    return dt.datetime(day.year, day.month, day.day, hour, minute).astimezone()


def _over(page: QWidget, dialog: QWidget) -> QPixmap:
    """The page dimmed with the dialog drawn over it, as the user sees them together."""
    shot = page.grab()
    top = dialog.grab()
    painter = QPainter(shot)
    painter.fillRect(shot.rect(), QColor(0, 0, 0, 40))
    at = QPoint((shot.width() - top.width()) // 2, (shot.height() - top.height()) // 3)
    painter.setPen(QPen(QColor("#7a7a7a"), 1))
    painter.drawRect(at.x() - 1, at.y() - 1, top.width() + 1, top.height() + 1)
    painter.drawPixmap(at, top)
    painter.end()
    return shot


def stage_visits(
    inst: Installation, provider: UserSession, patient: PatientInfo, password: str
) -> tuple[int, int]:
    """Two signed visits of a patient with diabetes on the problem list: one to code now,
    one coded with an overridden error. Returns their ids (to code, coded)."""
    pid = patient.id
    listed = {p.data.icd10cm for p in inst.problems.list(provider, pid).items}
    for description, code in (
        ("Type 2 diabetes mellitus", "E11.9"),
        ("Essential hypertension", "I10"),
        ("Long-term use of oral hypoglycemic", "Z79.84"),
    ):
        if code not in listed:
            inst.problems.add(
                provider, pid, ProblemInput(description=description, icd10cm=code, chronic=True)
            )
    ids = []
    for days, reason, assessment in (
        (
            3,
            "Diabetes follow-up; influenza vaccine",
            "1. Type 2 diabetes, HbA1c 7.4 %. Endocrinology letter of 10/02 also documents "
            "type 1 diabetes (LADA) under review.\n2. Essential hypertension, controlled.",
        ),
        (
            17,
            "Diabetes and blood pressure check",
            "1. Diabetes: type 2 per this clinic, type 1 per the endocrinology letter of "
            "10/02 (latent autoimmune diabetes); both documented, review pending.\n"
            "2. Hypertension, at goal.",
        ),
    ):
        added = inst.encounters.add(
            provider,
            pid,
            EncounterInput(
                starts_at=_at(days, 10, 15),
                encounter_type=EncounterType.OFFICE,
                location="Maple Street, room 3",
                reason_for_visit=reason,
                subjective="Home sugars 120-160 fasting. Takes metformin twice daily. No lows.",
                objective="BP 132/80, pulse 76. Feet: monofilament intact, pulses present.",
                assessment=assessment,
                plan="Continue metformin 1000 mg twice daily. Influenza vaccine given, left "
                "deltoid. HbA1c in 3 months.",
            ),
        )
        inst.encounters.sign(provider, added.id, password=password, expected_version=1)
        ids.append(int(added.id))
    inst.encounters.add_addendum(
        provider,
        ItemId(ids[0]),
        reason="Late entry",
        text="Vaccine lot 4471A, expiry 06/2027; no reaction after 15 minutes.",
    )
    return ids[0], ids[1]


def code_with_override(services: ServicesHolder, coder: UserSession, encounter_id: int) -> None:
    work = services.coding_work
    saved = work.save(
        coder,
        encounter_id,
        CodingInput(
            diagnoses=(
                CodedDiagnosis("E11.9", "", None),
                CodedDiagnosis("E10.9", ""),
                CodedDiagnosis("I10", ""),
                CodedDiagnosis("Z79.84", ""),
            ),
            procedures=(
                CodedProcedure(ProcedureSystem.HCPCS, "G0008", "", pointers=(1,)),
                CodedProcedure(
                    ProcedureSystem.CPT, "99214", "", modifiers=("25",), pointers=(1, 3)
                ),
            ),
        ),
        expected_version=None,
    )
    errors = [f for f in saved.findings if f.severity.value == "error"]
    assert saved.version is not None
    work.mark_coded(
        coder,
        encounter_id,
        expected_version=saved.version,
        overrides={
            finding_key(f.rule_id, f.codes): "Both documented: endocrinology letter of 10/02 "
            "(LADA) and this visit's assessment; provider query answered 11/18."
            for f in errors
        },
    )


def render_encounter_coding_screenshots(
    out: Path,
    app: QApplication,
    runner: OpRunner,
    *,
    services: ServicesHolder,
    coder: UserSession,
    provider: UserSession,
    patient: PatientInfo,
    password: str,
) -> list[Path]:
    """coding-encounter-findings, -override, -coded and -history .png in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    to_code, coded = stage_visits(services.inst, provider, patient, password)
    code_with_override(services, coder, coded)
    page = EncounterCodingPage(services=services, runner=runner, session=lambda: coder)
    page.setWindowTitle("Encounter coding")
    page.resize(*SIZE)
    page.show()
    shots: list[Path] = []
    try:
        page.open_encounter(to_code)
        _wait(app, runner, lambda: page.view is not None and page.problems is not None)
        problems = {p.data.icd10cm: int(p.id) for p in page.problems.items} if page.problems else {}
        page.add_diagnosis("E11.9", "", problems.get("E11.9"))
        page.add_diagnosis("E10.9", "Type 1 diabetes mellitus without complications")
        page.add_diagnosis("I10", "", problems.get("I10"))
        page._chosen("hcpcs", "G0008", "Administration of influenza virus vaccine")
        _wait(app, runner, lambda: page.findings_view.model.rowCount() > 0)
        page.findings_view.table.selectRow(0)
        page.findings_view.table.setFocus()
        _wait(app, runner, lambda: True)
        shots.append(out / "coding-encounter-findings.png")
        page.grab().save(str(shots[-1]))

        # Mark coded with the Excludes1 error standing: its reason is asked first.
        page.mark_coded()
        _wait(app, runner, lambda: isinstance(page.dialog, OverrideDialog))
        dialog = page.dialog
        assert isinstance(dialog, OverrideDialog)
        for edit in dialog.reasons.values():
            edit.setText("Both documented: endocrinology letter of 10/02 (LADA) and this visit")
        shots.append(out / "coding-encounter-override.png")
        _over(page, dialog).save(str(shots[-1]))
        dialog.reject()

        page.discard_changes()
        page.open_encounter(coded)
        _wait(
            app,
            runner,
            lambda: page.view is not None and page.view.context.encounter_id == coded,
        )
        _wait(app, runner, lambda: page.findings_view.overrides.isVisible())
        shots.append(out / "coding-encounter-coded.png")
        page.grab().save(str(shots[-1]))

        page.show_history()
        _wait(app, runner, lambda: isinstance(page.dialog, HistoryDialog))
        history = page.dialog
        assert isinstance(history, HistoryDialog)
        history.view.list.setCurrentRow(0)
        shots.append(out / "coding-encounter-history.png")
        _wait(app, runner, lambda: True)
        history.grab().save(str(shots[-1]))
        history.accept()
    finally:
        page.close()
        page.deleteLater()
        app.processEvents()
    return shots


def render_demo_encounter_coding_screenshots(
    out: Path, app: QApplication, inst: Installation, runner: OpRunner, code_sets: CodeSets
) -> list[Path]:
    """The pictures above on the demo clinic (``python -m medrec_desktop.ui.screenshots``)."""
    from medrec_desktop.services.demo import DEMO_USERS
    from medrec_desktop.ui.screenshots import PASSWORD

    coder = inst.auth.login(DEMO_USERS[Role.CODER][0], PASSWORD)
    provider = inst.auth.login(DEMO_USERS[Role.PROVIDER][0], PASSWORD)
    patients = inst.patients.list_all(provider, limit=40)
    return render_encounter_coding_screenshots(
        out,
        app,
        runner,
        services=ServicesHolder(inst=inst, code_sets=code_sets),
        coder=coder,
        provider=provider,
        patient=patients[7],
        password=PASSWORD,
    )


def main(argv: list[str]) -> int:
    """Only this screen's pictures, on a small demo clinic made for them."""
    with quick_demo(argv, patients=40, charts=10) as d:
        shots = render_demo_encounter_coding_screenshots(
            d.out, d.app, d.inst, d.runner, d.code_sets
        )
    return print_paths(shots)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
