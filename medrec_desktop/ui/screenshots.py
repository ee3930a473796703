"""`make screenshots`: render every screen from a synthetic demo clinic into docs/screenshots/.

    python -m medrec_desktop.ui.screenshots docs/screenshots

Runs offscreen; the demo clinic lives in a temporary folder that is deleted afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The demo clinic keeps West Coast hours: its pictures show them in its own local time,
# whatever the machine rendering them is set to.
os.environ["TZ"] = os.environ.get("MEDREC_SCREENSHOT_TZ", "America/Los_Angeles")
time.tzset()

from PySide6.QtCore import QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from medrec_desktop.domain.dto import PatientInfo  # noqa: E402
from medrec_desktop.domain.enums import Role  # noqa: E402
from medrec_desktop.domain.errors import ValidationError  # noqa: E402
from medrec_desktop.paths import DataPaths  # noqa: E402
from medrec_desktop.services.coding import CodeSets  # noqa: E402
from medrec_desktop.services.demo import DEMO_USERS, create_demo_clinic  # noqa: E402
from medrec_desktop.services.installation import Installation, NewAdmin  # noqa: E402
from medrec_desktop.services.patient_input import PatientInput  # noqa: E402
from medrec_desktop.ui.change_password import ChangePasswordDialog  # noqa: E402
from medrec_desktop.ui.login_dialog import LoginDialog  # noqa: E402
from medrec_desktop.ui.main_window import MainWindow  # noqa: E402
from medrec_desktop.ui.patients.compare import DuplicatesDialog, new_column  # noqa: E402
from medrec_desktop.ui.patients.merge_dialog import MergeDialog  # noqa: E402
from medrec_desktop.ui.services_holder import ServicesHolder  # noqa: E402
from medrec_desktop.ui.tasks import OpRunner  # noqa: E402
from medrec_desktop.ui.widgets.unsaved import LeavePrompt  # noqa: E402
from medrec_desktop.ui.wizard import SetupWizard  # noqa: E402

SIZE = (1366, 768)
PASSWORD = "demo password 2026"
PASSPHRASE = "demo workstation passphrase"
TEMPORARY = "temporary pass 2026"


def settle(
    app: QApplication,
    runner: OpRunner,
    until: Callable[[], bool] | None = None,
    timeout: float = 15,
) -> None:
    """Let queued work and repaints finish (optionally until a condition holds)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        runner.wait_for_done(50)
        app.processEvents()
        if until is None and runner.in_flight == 0:
            app.processEvents()
            return
        if until is not None and until():
            app.processEvents()
            return
    raise RuntimeError("the screen did not reach the expected state in time")


def grab(widget: QWidget, out: Path, name: str, app: QApplication, runner: OpRunner) -> Path:
    settle(app, runner)
    path = out / name
    widget.grab().save(str(path))
    return path


def render_shell(
    out: Path, app: QApplication, work: Path, runner: OpRunner, code_sets: CodeSets | None = None
) -> tuple[list[Path], Installation]:
    shots: list[Path] = []
    # The wizard, first page filled in as a clinic would.
    wizard = SetupWizard(paths=DataPaths(work / "new-clinic"), runner=runner, detect_keyring=False)
    wizard.resize(760, 540)
    wizard.show()
    wizard.clinic_page.name.setText("Maple Street Family Clinic")
    wizard.clinic_page.address.setText("1200 Maple Street, Portland, OR 97205")
    wizard.clinic_page.phone.setText("(503) 555-0100")
    wizard.clinic_page.demo.setChecked(True)
    shots.append(grab(wizard, out, "wizard.png", app, runner))
    wizard.close()

    paths = DataPaths(work / "demo")
    inst, _ = Installation.create(
        paths,
        admin=NewAdmin("admin", "Dana Admin", PASSWORD),
        passphrase=PASSPHRASE,
        clinic={"clinic_name": "Maple Street Family Clinic"},
    )
    admin = inst.auth.login("admin", PASSWORD)
    create_demo_clinic(
        inst.users,
        inst.demo,
        admin,
        inst.auth.login,
        patients=400,
        seed=11,
        password=PASSWORD,
        codes=code_sets,  # the coders' last two weeks (services/demo_coding.py)
    )

    login = LoginDialog(paths=paths, runner=runner, clinic_name="Maple Street Family Clinic")
    login.user_edit.setText("nina")
    login.show()
    shots.append(grab(login, out, "login.png", app, runner))
    login.close()

    # Signing in with a temporary password leads straight here.
    desk = DEMO_USERS[Role.FRONT_DESK][0]
    inst.users.reset_password(admin, desk, TEMPORARY)
    change = ChangePasswordDialog(
        inst=inst, session=inst.auth.login(desk, TEMPORARY), runner=runner
    )
    change.current.setText(TEMPORARY)
    change.show()
    shots.append(grab(change, out, "change-password.png", app, runner))
    change.close()

    nurse = inst.auth.login(DEMO_USERS[Role.NURSE][0], PASSWORD)
    settings = QSettings(str(work / "ui.ini"), QSettings.Format.IniFormat)
    services = ServicesHolder(inst=inst, code_sets=CodeSets())
    window = MainWindow(
        paths=paths,
        services=services,
        runner=runner,
        session=nurse,
        settings=settings,
        idle_minutes=15,
    )
    window.resize(*SIZE)
    window.show()
    # Recent patients come from what this user opened: open a few first.
    for p in inst.patients.list_all(nurse, limit=40)[::9]:
        inst.patients.get(nurse, p.id)
    window.find_patient()
    settle(app, runner, lambda: window.search_page.model.rowCount() > 0)
    shots.append(grab(window, out, "main-window.png", app, runner))

    window.search_page.search_box.setText("mar")
    settle(app, runner, lambda: window.search_page.heading.text() == "Search results")
    shots.append(grab(window, out, "patient-search.png", app, runner))

    window.open_patient(window.search_page.model.patient(0))
    settle(app, runner, lambda: window.chart.form.text("family_name") != "")
    shots.append(grab(window, out, "patient-chart.png", app, runner))

    window.register_patient()
    form = window.new_patient
    form.set_text("family_name", "Rivera")
    form.set_text("given_names", "Ana Sofía")
    form.set_text("birth_date", "02/30/1985")
    form.set_text("sex", "female")
    form.set_text("phone", "503-555-01")
    form.set_text("preferred_language", "Spanish")
    form.save()
    form._check_one("phone")
    shots.append(grab(window, out, "registration-validation.png", app, runner))

    existing = window.search_page.model.patient(0)
    dialog = DuplicatesDialog(
        new_column(
            f"{existing.family_name}, {existing.given_names.split()[0]}",
            f"{existing.birth_date:%m/%d/%Y}",
            existing.sex.capitalize(),
            existing.phone or "",
        ),
        inst.patients.find_duplicates(nurse, _like(existing)),
        window,
    )
    dialog.show()
    shots.append(grab(dialog, out, "duplicates.png", app, runner))
    dialog.close()

    # Leaving a chart with an unsaved edit: Save / Discard / Cancel.
    window.new_patient.discard_changes()  # the half-typed registration above
    window.find_patient()
    window.search_page.search_box.setText("mar")
    settle(app, runner, lambda: window.search_page.heading.text() == "Search results")
    window.open_patient(window.search_page.model.patient(1))
    settle(app, runner, lambda: window.chart.form.text("family_name") != "")
    window.chart.form.set_text("mobile_phone", "(503) 555-0123")
    window.chart.form.set_text("email", "new.address@example.org")
    window.find_patient()
    settle(app, runner, lambda: bool([p for p in window.findChildren(LeavePrompt)]))
    prompt = next(p for p in window.findChildren(LeavePrompt))
    shots.append(grab(window, out, "unsaved-chart.png", app, runner))
    shots.append(grab(prompt, out, "unsaved-changes.png", app, runner))
    prompt.discard_button.click()
    settle(app, runner)

    # Merging: the other record found by name, the suggestion and its reason.
    records = inst.auth.login(DEMO_USERS[Role.RECORDS][0], PASSWORD)
    chosen = inst.patients.list_all(records, limit=60)[42]
    twin = inst.patients.register(
        records,
        PatientInput(
            chosen.family_name,
            chosen.given_names.split()[0],
            chosen.birth_date,
            chosen.sex,
            chosen.phone,
        ),
        duplicates_reviewed=True,
        reason="demo: a record registered twice",
    )
    merge = MergeDialog(services=services, runner=runner, session=records, keep=twin)
    merge.resize(900, 620)
    merge.show()
    merge.search_box.setText(chosen.family_name)
    merge.run_search()
    settle(app, runner, lambda: merge.model.rowCount() > 0)
    merge.pick(chosen)
    settle(app, runner, lambda: merge.suggestion_label.text() != "")
    merge.reason.setText("Same person: registered twice at the front desk")
    shots.append(grab(merge, out, "merge.png", app, runner))
    merge.close()

    window.lock(idle=True)
    shots.append(grab(window, out, "lock-screen.png", app, runner))
    window.session = None
    window.close()
    return shots, inst


def _like(p: PatientInfo) -> PatientInput:
    return PatientInput(p.family_name, p.given_names.split()[0], p.birth_date, p.sex, p.phone)


def render_chart_screenshots(
    out: Path, app: QApplication, inst: Installation, runner: OpRunner
) -> list[Path]:
    """The chart's lists, a refused value, a history with differences, the conflict view and
    a withheld item, on a demo patient given a believable problem list."""
    from medrec_desktop.domain.allergies import AllergyInput
    from medrec_desktop.domain.change_notices import ChangedItem, ChangeNotice
    from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
    from medrec_desktop.domain.enums import ChangeKind
    from medrec_desktop.domain.problems import ProblemInput

    shots: list[Path] = []
    provider = inst.auth.login(DEMO_USERS[Role.PROVIDER][0], PASSWORD)
    records = inst.auth.login(DEMO_USERS[Role.RECORDS][0], PASSWORD)
    # An adult of an age the problems typed below fit (diabetes since 2012, results over
    # the years), with the shortest problem list of their own (the demo gives most one).
    today = dt.date.today()
    adults = [
        p
        for p in inst.patients.list_all(provider, limit=300)
        if 45 <= (today - p.birth_date).days // 365 <= 75
    ]
    patient = min(
        adults[:40],
        key=lambda p: len(
            inst.problems.list(
                provider, p.id, include_inactive=True, include_entered_in_error=True
            ).items
        ),
    )
    problems, allergies = inst.problems, inst.allergies
    for data in (
        ProblemInput(
            description="Type 2 diabetes, diet controlled",
            icd10cm="E11.9",
            onset="2012",
            chronic=True,
        ),
        ProblemInput(description="Hypertension", icd10cm="I10", onset="2015", chronic=True),
        ProblemInput(description="Seasonal allergic rhinitis", icd10cm="J30.2", onset="04/2009"),
        ProblemInput(
            description="Left ankle sprain",
            icd10cm="S93.402A",
            onset="06/2023",
            resolution="08/2023",
            status=ItemStatus.RESOLVED,
        ),
        ProblemInput(
            description="Generalized anxiety disorder",
            icd10cm="F41.1",
            onset="2019",
            sensitivity=Sensitivity.BEHAVIORAL_HEALTH,
        ),
    ):
        problems.add(provider, patient.id, data)
    allergies.add(
        records,
        patient.id,
        AllergyInput(
            substance="Penicillin", category="drug", reaction="Hives", severity="moderate"
        ),
    )
    hypertension = next(
        p for p in problems.list(records, patient.id).items if p.data.description == "Hypertension"
    )
    changed = problems.update(
        records,
        hypertension.id,
        ProblemInput(
            description="Essential hypertension", icd10cm="I10", onset="03/2015", chronic=True
        ),
        expected_version=1,
        reason="Onset month from the referral letter",
    )
    # Workstation preferences for these windows only, never beside the pictures.
    prefs = Path(tempfile.mkdtemp(prefix="medrec-chart-shots-"))
    settings = QSettings(str(prefs / "chart-shots.ini"), QSettings.Format.IniFormat)
    services = ServicesHolder(inst=inst, code_sets=CodeSets())

    def chart_for(session: object) -> MainWindow:
        w = MainWindow(
            paths=inst.paths,
            services=services,
            runner=runner,
            session=session,  # type: ignore[arg-type]
            settings=settings,
            idle_minutes=15,
        )
        w.resize(*SIZE)
        w.show()
        w.open_patient(patient)
        settle(app, runner, lambda: w.chart.form.text("family_name") != "")
        return w

    # The summary of a patient the demo gave years of data (problems and medications,
    # besides the vitals and shots every demo patient has).
    def richness(p: PatientInfo) -> int:
        return len(inst.problems.list(provider, p.id).items) + len(
            inst.medications.list(provider, p.id).items
        )

    rich = max(inst.patients.list_all(provider, limit=60), key=richness)
    summary_window = MainWindow(
        paths=inst.paths,
        services=services,
        runner=runner,
        session=provider,
        settings=settings,
        idle_minutes=15,
    )
    summary_window.resize(*SIZE)
    summary_window.show()
    summary_window.open_patient(rich)
    settle(app, runner, lambda: summary_window.chart.form.text("family_name") != "")
    settle(app, runner, lambda: len(summary_window.chart.summary.sections[0].texts()) >= 1)
    shots.append(grab(summary_window, out, "chart-summary.png", app, runner))
    # Each list of that chart, as the records staff see it.
    for key in (
        "allergies",
        "immunizations",
        "vitals",
        "procedures",
        "medical_history",
        "family_history",
    ):
        listing = summary_window.chart.lists[key]
        summary_window.chart.open_list(listing)
        settle(app, runner)
        shots.append(grab(summary_window, out, f"chart-list-{key}.png", app, runner))
    from medrec_desktop.ui.chart.trend_screenshots import render_trend_screenshots

    shots += render_trend_screenshots(summary_window, out, app, runner)
    summary_window.session = None
    summary_window.close()

    window = chart_for(provider)
    settle(app, runner, lambda: len(window.chart.summary.sections[0].texts()) >= 4)
    page = window.chart.lists["problems"]
    window.chart.open_list(page)
    settle(app, runner, lambda: page.model.rowCount() == 4)
    shots.append(grab(window, out, "chart-problems.png", app, runner))

    page.add()
    form = page.form
    form.inputs["description"].set_value("Chronic kidney disease, stage 3a")
    form.inputs["icd10cm"].set_value("N18.31")
    form.inputs["onset"].set_value("13/2021")
    form.inputs["chronic"].set_value(True)
    form.save()
    settle(app, runner, lambda: form.errors["onset"].isVisible())
    shots.append(grab(window, out, "chart-problem-refused.png", app, runner))
    form.discard_changes()

    page._select(page.model.find(changed.id))
    page.show_history()
    settle(app, runner, lambda: page.stack.currentWidget() is page.history)
    shots.append(grab(window, out, "chart-history.png", app, runner))
    page.show_list()

    # Two people on one problem: this form's save comes second.
    page._select(page.model.find(changed.id))
    page.edit()
    form.inputs["description"].set_value("Essential hypertension, well controlled")
    form.inputs["onset"].set_value("2014")
    nurse = inst.auth.login(DEMO_USERS[Role.NURSE][0], PASSWORD)
    problems.update(
        nurse,
        changed.id,
        ProblemInput(
            description="Essential hypertension",
            icd10cm="I10",
            onset="03/2015",
            chronic=True,
            status=ItemStatus.INACTIVE,
        ),
        expected_version=changed.version,
        reason="Off medication since the spring",
    )
    # On a clinic server the nurse's save arrives as a change notice (issue 15, live
    # refresh) and the form says so before this save; the notice is handed over as the
    # holder hands a real one.
    services.remote_changed.emit(
        ChangeNotice(
            sender="0" * 16,
            at=dt.datetime.now(dt.UTC),
            patients={patient.id: frozenset({ChangeKind.PROBLEMS})},
            items=(ChangedItem("problem", changed.id, changed.version + 1, patient.id),),
        )
    )
    settle(app, runner, lambda: form.elsewhere.isVisible())
    shots.append(grab(window, out, "chart-changed-elsewhere.png", app, runner))
    form.keep_editing()
    form.save()
    settle(app, runner, lambda: page.stack.currentWidget() is page.conflict)
    page.conflict.use_mine["description"].setChecked(True)
    shots.append(grab(window, out, "chart-conflict.png", app, runner))
    form.keep_theirs()
    from medrec_desktop.ui.chart.kind_screenshots import render_kind_screenshots

    shots += render_kind_screenshots(
        window, out, app, runner, inst=inst, session=provider, patient=patient
    )
    from medrec_desktop.ui.chart.result_screenshots import render_result_screenshots

    shots += render_result_screenshots(
        window, out, app, runner, inst=inst, session=provider, patient=patient
    )
    from medrec_desktop.ui.documents.screenshots import render_document_screenshots

    shots += render_document_screenshots(
        window, out, app, runner, inst=inst, session=provider, patient=patient
    )
    window.session = None
    window.close()

    # The nurse's view of the same chart: the labelled problem is only counted.
    window = chart_for(nurse)
    page = window.chart.lists["problems"]
    window.chart.open_list(page)
    settle(app, runner, lambda: page.withheld.isVisible() and window.banner.data is not None)
    shots.append(grab(window, out, "chart-withheld.png", app, runner))
    window.session = None
    window.close()
    return shots


def render_coding_work(
    out: Path, app: QApplication, inst: Installation, runner: OpRunner, code_sets: CodeSets
) -> list[Path]:
    """The coders' day on the coded demo clinic (issue 13): the worklist, a query and its
    answer, coding an encounter (findings, override, coded, history), the chronic-condition
    review, the billing export and a claim summary."""
    from medrec_desktop.ui.coding_work.billing_screenshots import render_billing_screenshots
    from medrec_desktop.ui.coding_work.encounter_coding_screenshots import (
        render_demo_encounter_coding_screenshots,
    )
    from medrec_desktop.ui.coding_work.review_screenshots import render_review_screenshots
    from medrec_desktop.ui.coding_work.screenshots import render_coding_work_screenshots

    shots = render_coding_work_screenshots(out, app, inst, runner, PASSWORD)
    shots += render_demo_encounter_coding_screenshots(out, app, inst, runner, code_sets)
    shots += render_review_screenshots(out, inst, runner, code_sets)
    shots += render_billing_screenshots(out, app, inst, runner, password=PASSWORD)
    return shots


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    shots: list[Path] = []
    runner = OpRunner()
    with tempfile.TemporaryDirectory(prefix="medrec-shots-") as tmp:
        work = Path(tmp)
        code_sets = CodeSets()
        shell, inst = render_shell(out, app, work, runner, code_sets)
        shots += shell
        try:
            shots += render_chart_screenshots(out, app, inst, runner)
            from medrec_desktop.ui.encounters.screenshots import (
                render_demo_encounter_screenshots,
            )

            shots += render_demo_encounter_screenshots(out, app, inst, runner)
            from medrec_desktop.ui.inbox.screenshots import render_inbox_screenshots

            shots += render_inbox_screenshots(out, app, inst, runner)
            from medrec_desktop.ui.admin.screenshots import (
                render_admin_screenshots,
                stage_examples,
            )

            admin = inst.auth.login("admin", PASSWORD)
            stage_examples(inst, admin)
            shots += render_admin_screenshots(out, inst, admin, runner)
            from medrec_desktop.ui.join_screenshots import render_join_screenshots

            shots += render_join_screenshots(out, app, runner, work)  # issue 15
            from medrec_desktop.ui.coding.screenshots import render_coding_screenshots

            shots += render_coding_screenshots(out, inst, admin, code_sets)
            from medrec_desktop.ui.coding_work.report_screenshots import (
                render_report_screenshots,
            )

            shots += render_report_screenshots(
                out,
                app,
                runner,
                services=ServicesHolder(inst=inst, code_sets=code_sets),
                session=inst.auth.login(DEMO_USERS[Role.CODER][0], PASSWORD),
            )
            shots += render_coding_work(out, app, inst, runner, code_sets)
            from medrec_desktop.ui.release.screenshots import render_release_screenshots

            shots += render_release_screenshots(out, app, inst, runner, code_sets)
            from medrec_desktop.ui.fhir_import.screenshots import (
                render_fhir_import_screenshots,
            )

            shots += render_fhir_import_screenshots(out, app, inst, runner, code_sets)
        finally:
            runner.shutdown()
            inst.close()
            code_sets.close()
    for path in shots:
        print(path)
    QTimer.singleShot(0, app.quit)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except ValidationError as err:  # pragma: no cover - a broken demo is a bug to fix
        print(f"screenshots: {err.message}", file=sys.stderr)
        sys.exit(1)
