"""A day at the desk, keyboard first: where the cursor goes, what Tab reaches, what each role
is offered, and the small things (one view event per chart, the lock screen's words)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.enums import Role
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import ROLE_PASSWORD, Clinic

W = Callable[[Role], MainWindow]
WAIT = 10_000


def open_chart(qtbot: QtBot, w: MainWindow, query: str) -> None:
    w.search_page.search_box.setText(query)
    qtbot.waitUntil(lambda: w.search_page.model.rowCount() >= 1, timeout=WAIT)
    w.open_patient(w.search_page.model.patient(0))
    qtbot.waitUntil(lambda: w.chart.form.text("family_name") != "", timeout=WAIT)


def tab_chain(qtbot: QtBot, w: MainWindow, start: QWidget, presses: int = 80) -> list[QWidget]:
    """The widgets that real Tab presses visit, from ``start``."""
    start.setFocus()
    seen: list[QWidget] = []
    for _ in range(presses):
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        now = QApplication.focusWidget()
        if now is not None:
            seen.append(now)
    return seen


def test_after_sign_in_the_cursor_is_in_the_patient_search_box(
    qtbot: QtBot, make_window: W
) -> None:
    w = make_window(Role.FRONT_DESK)
    qtbot.waitUntil(w.search_page.search_box.hasFocus, timeout=WAIT)
    qtbot.keyClicks(QApplication.focusWidget(), "okafor")  # typing goes straight in
    assert w.search_page.search_box.text() == "okafor"
    # And after a sign-out and the next user's sign-in.
    with qtbot.waitSignal(w.signed_out, timeout=WAIT):
        w.sign_out()
    w.start_session(w.services.inst.auth.login("nurse", ROLE_PASSWORD))
    qtbot.waitUntil(w.search_page.search_box.hasFocus, timeout=WAIT)


def test_tab_never_reaches_the_lock_button_and_every_stop_shows_focus(
    qtbot: QtBot, make_window: W
) -> None:
    w = make_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    visited = tab_chain(qtbot, w, w.chart.close_button)
    assert w.lock_button not in visited
    assert w.lock_button.focusPolicy() == Qt.FocusPolicy.NoFocus
    # A flat button draws no focus frame: none may be a Tab stop.
    assert not [b.text() for b in visited if isinstance(b, QPushButton) and b.isFlat()]
    # Space where the Lock button would have been does not lock anything.
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    assert not w.locked
    # Ctrl+L still locks.
    qtbot.keyClick(w, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert w.locked


def test_ctrl_f_goes_to_the_search_of_the_area_in_view(qtbot: QtBot, make_window: W) -> None:
    from medrec_desktop.ui.admin.audit_page import AuditLogPage

    w = make_window(Role.ADMIN)
    w.show_area("Administration")
    qtbot.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    audit = next(iter(w.findChildren(AuditLogPage)))
    qtbot.waitUntil(audit.patient.hasFocus, timeout=WAIT)
    assert w.current_area() == "Administration"
    w.show_area("Patients")
    qtbot.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(w.search_page.search_box.hasFocus, timeout=WAIT)


def test_roles_see_what_they_may_do_before_they_try(qtbot: QtBot, make_window: W) -> None:
    coder = make_window(Role.CODER)
    assert not coder.new_action.isEnabled()
    assert "cannot register" in coder.new_action.toolTip()
    assert not coder.search_page.new_button.isEnabled()
    assert "cannot register" in coder.search_page.new_button.toolTip()
    qtbot.keyClick(coder, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert coder.patients_area.currentWidget() is coder.search_page
    assert not coder.emergency_action.isEnabled()
    open_chart(qtbot, coder, "okafor")
    form = coder.chart.form
    # Read-only before typing, not refused at Save.
    assert form.read_only_reason and "Coder" in form.save_state.text()
    assert form.inputs["family_name"].isReadOnly()  # type: ignore[union-attr]
    assert not form.inputs["sex"].isEnabled()
    assert form.save_button.isHidden()
    assert not coder.chart.merge_button.isEnabled()
    assert "cannot merge" in coder.chart.merge_button.toolTip()
    qtbot.keyClicks(form.inputs["family_name"], "changed")
    assert form.text("family_name") == "Okafor" and not form.has_unsaved_changes()

    desk = make_window(Role.FRONT_DESK)
    assert desk.new_action.isEnabled() and desk.search_page.new_button.isEnabled()
    open_chart(qtbot, desk, "okafor")
    assert not desk.chart.form.read_only_reason
    assert not desk.chart.form.inputs["family_name"].isReadOnly()  # type: ignore[union-attr]


def test_no_patient_banner_outside_patient_screens(qtbot: QtBot, make_window: W) -> None:
    w = make_window(Role.ADMIN)
    open_chart(qtbot, w, "okafor")
    qtbot.waitUntil(w.banner.isVisible, timeout=WAIT)
    w.show_area("Administration")
    assert not w.banner.isVisible()
    w.show_area("Patients")
    assert w.banner.isVisible() and "Okafor" in w.banner.name.text()
    w.find_patient()
    assert not w.banner.isVisible()


def test_each_chart_open_writes_one_view_event(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    w = make_window(Role.RECORDS)
    before = populated.inst.audit.events(populated.admin, AuditFilter())
    open_chart(qtbot, w, "okafor")
    assert w.chart.patient is not None
    pid = w.chart.patient.id
    # Everything the first screen shows has arrived, and nothing else is still reading.
    qtbot.waitUntil(lambda: w.banner.data is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: w.chart.summary.summary is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: w.runner.in_flight == 0, timeout=WAIT)
    assert w.banner.data.patient.id == pid  # type: ignore[union-attr]
    events = populated.inst.audit.events(populated.admin, AuditFilter())
    new = [e for e in events if e.seq > max(x.seq for x in before)]
    # Record, history, banner and summary: one read, one event (the lists read when shown).
    views = [e for e in new if e.action == "view" and e.patient_id == pid]
    assert [e.entry_point for e in views] == ["ChartSummaryService.open"], [
        (e.entry_point, e.action) for e in new
    ]
    assert views[0].category == "clinical"  # the summary was part of it
    # The chart opened shows its history from the same read.
    assert w.chart.history.count() >= 1
    # And the recent-patients list still knows the chart was opened.
    recent = populated.inst.patients.recent(populated.sessions[Role.RECORDS])
    assert recent[0].id == pid

    # Closed and opened again: one more event, the banner filled from it again.
    w.find_patient()
    qtbot.waitUntil(lambda: w.runner.in_flight == 0, timeout=WAIT)
    seen = max(e.seq for e in populated.inst.audit.events(populated.admin, AuditFilter()))
    open_chart(qtbot, w, "okafor")
    qtbot.waitUntil(lambda: w.banner.data is not None and w.banner.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: w.runner.in_flight == 0, timeout=WAIT)
    again = [
        e.entry_point
        for e in populated.inst.audit.events(populated.admin, AuditFilter())
        if e.seq > seen and e.action == "view" and e.patient_id == pid
    ]
    assert again == ["ChartSummaryService.open"]


def test_dob_message_goes_when_the_date_is_fixed(qtbot: QtBot, make_window: W) -> None:
    w = make_window(Role.FRONT_DESK)
    w.register_patient()
    form = w.new_patient
    qtbot.keyClicks(form.inputs["family_name"], "Rivera")
    qtbot.keyClicks(form.inputs["given_names"], "Ana")
    qtbot.keyClicks(form.inputs["birth_date"], "02/30/1985")
    form.save()
    assert "Date of birth" in form.message.text()
    field = form.inputs["birth_date"]
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "02/03/1985")
    qtbot.keyClick(field, Qt.Key.Key_Tab)  # leaving the field checks it again
    assert not form.errors["birth_date"].isVisible()
    assert form.message.text() == ""


def test_field_hints_do_not_look_like_saved_data(make_window: W) -> None:
    w = make_window(Role.FRONT_DESK)
    hints = {
        k: f.placeholderText()
        for k, f in w.new_patient.inputs.items()
        if hasattr(f, "placeholderText")
    }
    for key in ("state", "postal_code", "phone", "mobile_phone", "email"):
        hint = hints[key]
        assert not any(ch.isdigit() for ch in hint), (key, hint)
        assert hint == "" or hint[0].islower(), (key, hint)  # words, not a value


def test_enter_while_a_search_is_still_running_opens_from_its_results(
    qtbot: QtBot, make_window: W
) -> None:
    """The list on screen belongs to older text: Enter waits for the new results instead of
    opening the wrong chart."""
    import threading

    from medrec_desktop.ui.tasks import Op

    w = make_window(Role.RECORDS)
    page = w.search_page
    qtbot.keyClicks(page.search_box, "smith")
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT)
    assert page.model.patient(0).given_names == "José Luis"  # the row Enter would open now
    release = threading.Event()
    # The database lane is busy (a slow save elsewhere): the next search waits behind it.
    Op(w, lambda: release.wait(10), runner=w.runner).run()
    qtbot.keyClicks(page.search_box, " john")
    qtbot.waitUntil(lambda: not page._debounce.isActive(), timeout=WAIT)
    opened: list[str] = []
    page.patient_opened.connect(lambda p: opened.append(p.given_names))
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    assert opened == []  # not the stale row
    release.set()
    qtbot.waitUntil(lambda: opened != [], timeout=WAIT)
    assert opened == ["John"]


def test_a_chart_item_change_does_not_reread_the_demographics(
    qtbot: QtBot, make_window: W, populated: Clinic
) -> None:
    """Saving a problem refreshes the problem list and summary, not the patient record: no
    extra view event, no re-read of the record's versions, per item saved."""
    from medrec_desktop.domain.enums import ChangeKind

    w = make_window(Role.RECORDS)
    open_chart(qtbot, w, "okafor")
    assert w.chart.patient is not None
    pid = w.chart.patient.id
    qtbot.waitUntil(lambda: w.runner.in_flight == 0, timeout=WAIT)

    def record_reads() -> int:
        events = populated.inst.audit.events(populated.admin, AuditFilter(patient_id=pid))
        return sum(e.entry_point == "PatientService.open_chart" for e in events)

    before = record_reads()
    w.services.notify_changed(pid, {ChangeKind.PROBLEMS})
    qtbot.waitUntil(lambda: w.runner.in_flight == 0, timeout=WAIT)
    assert record_reads() == before
    # A change to the record itself still shows the newest version.
    w.services.notify_changed(pid, {ChangeKind.DEMOGRAPHICS})
    qtbot.waitUntil(lambda: record_reads() == before + 1, timeout=WAIT)
