"""Pictures of the encounters (``make screenshots``, after the chart's other shots): the list
of a patient's visits, an unsigned note with its SOAP sections, a signed note with an
addendum, the sign and amendment dialogs, and the clinic's Today list with a provider's
unsigned notes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QDialog

from medrec_desktop.domain.amendments import AmendmentInput
from medrec_desktop.domain.clinical import ItemId
from medrec_desktop.domain.dto import PatientInfo, UserSession
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.encounters.amendment_dialogs import DecisionDialog
from medrec_desktop.ui.encounters.sign_dialog import SignDialog
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner

SIZE = (1366, 768)


def _at(days_ago: int, hour: int, minute: int) -> dt.datetime:
    """A local moment ``days_ago`` days back (what a form would have been typed with)."""
    day = dt.date.today() - dt.timedelta(days=days_ago)
    return dt.datetime(day.year, day.month, day.day, hour, minute)


TODAY = (
    (8, 30, EncounterType.OFFICE, "Annual physical", True),
    (10, 0, EncounterType.PHONE, "Medication refill question", True),
    (11, 15, EncounterType.LAB_ONLY, "Fasting lipid panel", False),
    (13, 45, EncounterType.TELEHEALTH, "Anxiety follow-up", False),
    (15, 30, EncounterType.PROCEDURE, "Skin tag removal, left neck", False),
)


def stage_day(
    inst: Installation, provider: UserSession, others: list[PatientInfo], password: str
) -> None:
    """Other patients' visits today, some signed already: the clinic's day."""
    for patient, (hour, minute, kind, reason, sign) in zip(others, TODAY, strict=False):
        added = inst.encounters.add(
            provider,
            patient.id,
            EncounterInput(
                starts_at=_at(0, hour, minute), encounter_type=kind, reason_for_visit=reason
            ),
        )
        if sign:
            inst.encounters.sign(
                provider, added.id, password=password, expected_version=added.version
            )


def stage_encounters(
    inst: Installation,
    provider: UserSession,
    records: UserSession,
    patient: PatientInfo,
    password: str,
) -> tuple[ItemId, ItemId, ItemId]:
    """A signed visit with linked vitals and an addendum, an amendment request about it,
    today's unsigned visit and an older unsigned one (for the provider's list). Returns the
    ids of the signed note, today's note and the request."""
    pid = patient.id
    problems = {p.data.description: p.id for p in inst.problems.list(provider, pid).items}
    for description, code in (("Essential hypertension", "I10"), ("Type 2 diabetes", "E11.9")):
        if description not in problems:
            added = inst.problems.add(
                provider, pid, ProblemInput(description=description, icd10cm=code, chronic=True)
            )
            problems[description] = added.id
    hypertension, diabetes = problems["Essential hypertension"], problems["Type 2 diabetes"]
    past = inst.encounters.add(
        provider,
        pid,
        EncounterInput(
            starts_at=_at(21, 10, 30),
            encounter_type=EncounterType.OFFICE,
            location="Maple Street, room 2",
            reason_for_visit="Blood pressure and diabetes follow-up",
            subjective=(
                "Feels well. Takes lisinopril every morning; misses a dose about once a week. "
                "Home readings 135-150/85-95. No chest pain, headaches or vision changes.\n"
                "Walks 20 minutes most days; trying to cut down on salt."
            ),
            objective=(
                "BP 148/92 seated, repeat 144/90. Pulse 78, regular. BMI 29.4.\n"
                "Heart: regular rhythm, no murmur. Lungs clear. Feet: sensation intact to "
                "monofilament, pulses present."
            ),
            assessment=(
                "1. Essential hypertension, above goal on lisinopril 10 mg.\n"
                "2. Type 2 diabetes, last HbA1c 7.1 % (3 months ago)."
            ),
            plan=(
                "Increase lisinopril to 20 mg daily. Basic metabolic panel in 2 weeks.\n"
                "HbA1c today. Continue walking; dietitian referral offered and accepted.\n"
                "Return in 6 weeks with home BP log."
            ),
            problems_addressed=(hypertension, diabetes),
        ),
    )
    inst.vitals.add(
        provider,
        pid,
        VitalsInput(
            taken_at=_at(21, 10, 35),
            systolic="148",
            diastolic="92",
            pulse="78",
            weight="86.2",
            height="171",
            encounter_id=past.id,
        ),
    )
    signed = inst.encounters.sign(
        provider, past.id, password=password, expected_version=past.version
    )
    inst.encounters.add_addendum(
        provider,
        signed.id,
        reason="HbA1c result received after the note was signed",
        text="HbA1c 7.4 % (up from 7.1 %). Discussed by phone: add metformin 500 mg with "
        "supper; recheck HbA1c in 3 months.",
    )
    request = inst.amendments.add(
        records,
        pid,
        AmendmentInput(
            received_on=f"{dt.date.today() - dt.timedelta(days=3):%m/%d/%Y}",
            encounter_id=signed.id,
            requested_change="The note says I walk 20 minutes most days; I walk 40 minutes "
            "every day.",
            patient_reason="My insurer's wellness program reads this note.",
        ),
    )
    inst.encounters.add(
        provider,
        pid,
        EncounterInput(
            starts_at=_at(9, 15, 0),
            encounter_type=EncounterType.TELEHEALTH,
            reason_for_visit="Home blood pressure log review",
            subjective="Readings 128-138/80-88 on lisinopril 20 mg. No dizziness.",
        ),
    )
    today = inst.encounters.add(
        provider,
        pid,
        EncounterInput(
            starts_at=_at(0, 9, 15),
            encounter_type=EncounterType.OFFICE,
            location="Maple Street, room 4",
            reason_for_visit="Cough for two weeks",
            subjective=(
                "Dry cough for two weeks after a cold; worse at night. No fever, no shortness "
                "of breath. Non-smoker. Started lisinopril dose increase 3 weeks ago."
            ),
            objective="Temp 36.8 °C, SpO2 98 %. Lungs clear, no wheeze. Throat mildly red.",
            assessment="Cough, likely post-viral; lisinopril cough possible.",
            plan="",
            problems_addressed=(hypertension,),
        ),
    )
    return signed.id, today.id, request.id


def render_encounter_screenshots(
    out: Path,
    app: QApplication,
    runner: OpRunner,
    *,
    services: ServicesHolder,
    settings: QSettings,
    provider: UserSession,
    records: UserSession,
    patient: PatientInfo,
    others: list[PatientInfo],
    password: str,
) -> list[Path]:
    from medrec_desktop.ui.screenshots import grab, settle

    inst = services.inst
    signed_id, today_id, request_id = stage_encounters(inst, provider, records, patient, password)
    stage_day(inst, provider, others, password)
    shots: list[Path] = []
    window = MainWindow(
        paths=inst.paths,
        services=services,
        runner=runner,
        session=provider,
        settings=settings,
        idle_minutes=15,
    )
    window.resize(*SIZE)
    window.show()
    window.open_patient(patient)
    settle(app, runner, lambda: window.chart.form.text("family_name") != "")
    page = window.chart.encounters
    window.chart.show_list("encounters")
    settle(app, runner, lambda: page.model.rowCount() >= 3)
    shots.append(grab(window, out, "encounters-list.png", app, runner))

    page.open_encounter(today_id)
    settle(app, runner, lambda: page.form.detail is not None)
    form = page.form
    form.inputs["plan"].set_value(
        "Trial off lisinopril is not advised; switch to losartan 50 mg daily.\n"
        "Honey and warm fluids at night. Return if fever or breathlessness."
    )
    settle(app, runner, lambda: form.problems.list.count() >= 2)
    shots.append(grab(window, out, "encounter-soap.png", app, runner))

    form.sign()
    settle(app, runner, lambda: isinstance(page.dialog, SignDialog))
    sign = page.dialog
    assert isinstance(sign, SignDialog)
    sign.password.setText("not my password")
    sign.sign_button.click()
    settle(app, runner, lambda: sign.error.isVisible())
    shots.append(grab(sign, out, "encounter-sign-refused.png", app, runner))
    sign.reject()
    form.discard_changes()

    page.open_encounter(signed_id)
    settle(
        app,
        runner,
        lambda: (
            form.detail is not None
            and form.detail.item.id == signed_id
            and form.addenda.isVisible()
        ),
    )
    shots.append(grab(window, out, "encounter-signed-addendum.png", app, runner))

    page.show_list()
    section = page.amendments
    row = section.model.find(request_id)
    section._select(row)
    section.decide()
    settle(app, runner, lambda: isinstance(section.dialog, DecisionDialog))
    dialog = section.dialog
    assert isinstance(dialog, DecisionDialog)
    dialog.accept_choice.setChecked(True)
    dialog.change.setPlainText(
        "Exercise corrected at the patient's request: walks 40 minutes every day (not 20 "
        "minutes most days)."
    )
    shots.append(grab(dialog, out, "amendment-dialog.png", app, runner))
    QDialog.reject(dialog)

    window.show_area("Today")
    today_page = window.areas["Today"]
    settle(app, runner, lambda: today_page.isVisible())
    settle(app, runner)
    shots.append(grab(window, out, "today.png", app, runner))
    window.session = None
    window.close()
    return shots


def render_demo_encounter_screenshots(
    out: Path, app: QApplication, inst: Installation, runner: OpRunner
) -> list[Path]:
    """The pictures above on the demo clinic (``python -m medrec_desktop.ui.screenshots``)."""
    import tempfile

    from medrec_desktop.domain.enums import Role
    from medrec_desktop.services.coding import CodeSets
    from medrec_desktop.services.demo import DEMO_USERS
    from medrec_desktop.ui.screenshots import PASSWORD

    provider = inst.auth.login(DEMO_USERS[Role.PROVIDER][0], PASSWORD)
    records = inst.auth.login(DEMO_USERS[Role.RECORDS][0], PASSWORD)
    patients = inst.patients.list_all(provider, limit=40)
    # Workstation preferences for these windows only, never beside the pictures.
    prefs = Path(tempfile.mkdtemp(prefix="medrec-encounter-shots-"))
    return render_encounter_screenshots(
        out,
        app,
        runner,
        services=ServicesHolder(inst=inst, code_sets=CodeSets()),
        settings=QSettings(str(prefs / "encounter-shots.ini"), QSettings.Format.IniFormat),
        provider=provider,
        records=records,
        patient=patients[3],
        others=list(patients[20:25]),
        password=PASSWORD,
    )
