"""Registering someone who looks like an existing patient: nothing typed is dropped, and a
second record of the same person needs a stated reason that is recorded."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.enums import Role
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.patients.compare import DuplicatesDialog
from tests.conftest import Clinic

W = Callable[[Role], MainWindow]
WAIT = 10_000


def fill_like_okafor(qtbot: QtBot, w: MainWindow) -> None:
    w.register_patient()
    form = w.new_patient
    qtbot.keyClicks(form.inputs["family_name"], "Okafor")
    qtbot.keyClicks(form.inputs["given_names"], "Chidi")
    qtbot.keyClicks(form.inputs["birth_date"], "07/01/1990")
    form.set_text("sex", "male")
    qtbot.keyClicks(form.inputs["mobile_phone"], "503-555-0199")
    qtbot.keyClicks(form.inputs["email"], "chidi@example.org")


def answer_with(act: Callable[[DuplicatesDialog], None]) -> list[DuplicatesDialog]:
    seen: list[DuplicatesDialog] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, DuplicatesDialog):
            QTimer.singleShot(20, answer)
            return
        seen.append(dialog)
        act(dialog)

    QTimer.singleShot(0, answer)
    return seen


def test_enter_opens_the_existing_chart_and_offers_what_was_typed(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    w = make_window(Role.FRONT_DESK)
    fill_like_okafor(qtbot, w)
    seen = answer_with(lambda d: qtbot.keyClick(d, Qt.Key.Key_Return))
    w.new_patient.save()
    qtbot.waitUntil(lambda: w.chart.offer.isVisible(), timeout=WAIT)
    assert seen and w.patients_area.currentWidget() is w.chart
    assert w.chart.form.text("email") == ""  # nothing applied behind the user's back
    w.chart.apply_offer_button.click()
    form = w.chart.form
    assert form.text("email") == "chidi@example.org"
    assert "503" in form.text("mobile_phone")
    assert form.has_unsaved_changes() and "E-mail" in form.message.text()
    desk = populated.sessions[Role.FRONT_DESK]
    assert len(populated.inst.patients.list_all(desk)) == 3  # still one Okafor
    # Leaving now would ask: the applied details are the user's unsaved work.
    w.chart.close_button.click()
    from medrec_desktop.ui.widgets.unsaved import LeavePrompt

    qtbot.waitUntil(lambda: any(p.isVisible() for p in w.findChildren(LeavePrompt)), timeout=WAIT)


def test_creating_anyway_needs_a_reason_and_records_it(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    w = make_window(Role.FRONT_DESK)
    fill_like_okafor(qtbot, w)

    def create_with_reason(d: DuplicatesDialog) -> None:
        assert not d.create_button.isEnabled()  # no reason yet
        assert "reason" in d.create_button.toolTip() or "why" in d.create_button.toolTip()
        qtbot.keyClicks(d.reason_edit, "Different person: twin brother, different SSN")
        assert d.create_button.isEnabled()
        qtbot.keyClick(d.reason_edit, Qt.Key.Key_Return)  # Enter here creates, not "open"

    seen = answer_with(create_with_reason)
    with qtbot.waitSignal(w.new_patient.saved, timeout=WAIT) as saved:
        w.new_patient.save()
    assert seen
    created = saved.args[0]
    events = populated.inst.audit.events(populated.admin, AuditFilter(patient_id=created.id))
    registered = [e for e in events if e.entry_point == "PatientService.register"]
    assert registered and registered[0].reason is not None
    assert "twin brother" in registered[0].reason
    assert "twin" not in (registered[0].detail or "")  # details hold ids, not typed words


def test_the_service_refuses_a_reviewed_duplicate_without_a_reason(populated: Clinic) -> None:
    import datetime as dt

    import pytest

    from medrec_desktop.domain.errors import ValidationError
    from medrec_desktop.services.patients import PatientInput

    desk = populated.sessions[Role.FRONT_DESK]
    again = PatientInput("Okafor", "Chidi", dt.date(1990, 7, 1), "male")
    with pytest.raises(ValidationError) as refused:
        populated.inst.patients.register(desk, again, duplicates_reviewed=True, reason="  ")
    assert "different person" in refused.value.message
    assert len(populated.inst.patients.list_all(desk)) == 3
