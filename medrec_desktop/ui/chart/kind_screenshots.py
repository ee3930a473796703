"""Pictures of the medications list, the vitals form with a warning and a refused value, and
the social history form (``make screenshots``, after the chart's other shots)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.dto import PatientInfo, UserSession
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.tasks import OpRunner


def render_kind_screenshots(
    window: MainWindow,
    out: Path,
    app: QApplication,
    runner: OpRunner,
    *,
    inst: Installation,
    session: UserSession,
    patient: PatientInfo,
) -> list[Path]:
    from medrec_desktop.ui.screenshots import grab, settle

    shots: list[Path] = []
    problems = {p.data.description: p.id for p in inst.problems.list(session, patient.id).items}
    diabetes = next((i for d, i in problems.items() if "diabetes" in d.lower()), None)
    for data in (
        MedicationInput(
            name="Metformin",
            strength="500 mg",
            dose="1",
            dose_unit="tablet",
            route="oral",
            frequency="twice daily",
            start="2012",
            indication="Type 2 diabetes",
            indication_problem_id=diabetes,
            prescriber="Dr. Rivera",
        ),
        MedicationInput(
            name="Lisinopril",
            strength="10 mg",
            dose="1",
            dose_unit="tablet",
            route="oral",
            frequency="once daily",
            start="03/2015",
            indication="Hypertension",
        ),
        MedicationInput(
            name="Fluticasone nasal spray",
            strength="50 mcg/spray",
            dose="2",
            dose_unit="puff",
            route="intranasal",
            frequency="once daily",
            start="04/2019",
            indication="Seasonal allergic rhinitis",
        ),
        MedicationInput(
            name="Amoxicillin",
            strength="500 mg",
            dose="1",
            dose_unit="capsule",
            route="oral",
            frequency="three times daily",
            start="01/10/2024",
            stop="01/20/2024",
            status=ItemStatus.RESOLVED,
        ),
    ):
        inst.medications.add(session, patient.id, data)
    chart = window.chart
    page = chart.lists["medications"]
    chart.open_list(page)
    # The demo patient may already have medications of their own: at least ours are there.
    settle(app, runner, lambda: page.model.rowCount() >= 3)
    current = page.model.rowCount()
    page.show_inactive.setChecked(True)
    settle(app, runner, lambda: page.model.rowCount() > current)
    shots.append(grab(window, out, "chart-medications.png", app, runner))
    page.show_inactive.setChecked(False)

    vitals = chart.lists["vitals"]
    chart.open_list(vitals)
    vitals.add()
    form = vitals.form
    for name, value in (
        ("systolic", "186"),
        ("diastolic", "112"),
        ("pulse", "88"),
        ("respirations", "16"),
        ("temperature", "36.9"),
        ("spo2", "101"),
        ("height", "172"),
        ("weight", "81.4"),
        ("pain", "2"),
    ):
        form.inputs[name].set_value(value)
    form.save()
    settle(app, runner, lambda: form.errors["spo2"].isVisible())
    shots.append(grab(window, out, "chart-vitals-refused.png", app, runner))
    form.discard_changes()

    social = chart.lists["social_history"]
    chart.open_list(social)
    social.add()
    form = social.form
    for name, value in (
        ("smoking_status", "former"),
        ("packs_per_day", "1"),
        ("years_smoked", "22"),
        ("audit_c_frequency", "3"),
        ("audit_c_typical", "1"),
        ("audit_c_six_or_more", "1"),
        ("occupation", "School bus driver"),
        ("living_situation", "partner"),
        ("housing", "stable"),
        ("food_insecurity", "no"),
        ("transport_problems", "no"),
        ("feels_safe", "yes"),
    ):
        form.inputs[name].set_value(value)
    settle(app, runner, lambda: form.inputs["audit_c_score"].computed is not None)
    shots.append(grab(window, out, "chart-social-history.png", app, runner))
    form.discard_changes()
    return shots
