"""The desktop shell driven like a user would: keyboard, search, registration, lock, roles."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from medrec_desktop.domain.enums import Role
from medrec_desktop.ui.login_dialog import LoginDialog
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.patients.compare import DuplicatesDialog
from medrec_desktop.ui.patients.table_model import PatientTableModel
from tests.conftest import ADMIN_PASSWORD, PASSPHRASE, ROLE_PASSWORD, Clinic

W = Callable[[Role], MainWindow]


def test_login_dialog_explains_failure_and_keeps_the_user_name(  # type: ignore[no-untyped-def]
    qtbot, local_clinic: Clinic, runner
) -> None:
    local_clinic.inst.close()
    dialog = LoginDialog(paths=local_clinic.paths, runner=runner)
    qtbot.addWidget(dialog)
    assert dialog.show_passphrase  # no keyring slot on this machine: the passphrase is asked
    qtbot.keyClicks(dialog.user_edit, "admin")
    qtbot.keyClicks(dialog.password_edit, "not it")
    qtbot.keyClicks(dialog.passphrase_edit, PASSPHRASE)
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: "Sign-in failed" in dialog.message.text(), timeout=10_000)
    assert dialog.user_edit.text() == "admin" and dialog.password_edit.text() == ""
    qtbot.keyClicks(dialog.password_edit, ADMIN_PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.sign_in_button.click()
    assert dialog.session is not None and dialog.session.role is Role.ADMIN
    local_clinic.inst = dialog.installation  # type: ignore[assignment]


def test_keyboard_search_and_open(qtbot, make_window: W) -> None:  # type: ignore[no-untyped-def]
    w = make_window(Role.NURSE)
    qtbot.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert w.search_page.search_box.hasFocus()
    qtbot.keyClicks(w.search_page.search_box, "smi jo")
    qtbot.waitUntil(lambda: w.search_page.model.rowCount() == 2, timeout=10_000)
    names = {w.search_page.model.patient(r).given_names for r in range(2)}
    assert names == {"José Luis", "John"}
    qtbot.keyClick(w.search_page.search_box, Qt.Key.Key_Down)
    assert w.search_page.search_box.hasFocus()  # Down moved the selection, not the focus
    qtbot.keyClick(w.search_page.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.banner.isVisible() and w.chart.patient is not None, timeout=10_000)
    assert w.chart.patient.family_name in w.banner.name.text()  # type: ignore[union-attr]
    # Accent- and case-insensitive, and by date of birth.
    w.find_patient()
    w.search_page.search_box.setText("NUNEZ 03/14/1980")
    qtbot.waitUntil(lambda: w.search_page.model.rowCount() == 1, timeout=10_000)
    assert not w.banner.isVisible()  # no chart open: no banner


def test_registration_validates_inline_and_keeps_text(qtbot, make_window: W) -> None:  # type: ignore[no-untyped-def]
    w = make_window(Role.FRONT_DESK)
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = w.new_patient
    assert w.patients_area.currentWidget() is form
    qtbot.keyClicks(form.inputs["family_name"], "Rivera")
    qtbot.keyClicks(form.inputs["given_names"], "Ana")
    qtbot.keyClicks(form.inputs["birth_date"], "02/30/1985")
    form.set_text("sex", "female")
    qtbot.keyClicks(form.inputs["phone"], "555-12")
    form.save()
    assert "not a real date" in form.errors["birth_date"].text()
    assert form.text("birth_date") == "02/30/1985" and form.text("family_name") == "Rivera"
    form.inputs["birth_date"].clear()
    qtbot.keyClicks(form.inputs["birth_date"], "1985-02-03")
    qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: form.errors["phone"].isVisible(), timeout=10_000)
    assert "10 digits" in form.errors["phone"].text()
    form.inputs["phone"].setText("503-555-0100")
    with qtbot.waitSignal(form.saved, timeout=10_000) as saved:
        form.save()
    assert saved.args[0].family_name == "Rivera"
    qtbot.waitUntil(lambda: w.chart.patient is not None, timeout=10_000)
    assert w.patients_area.currentWidget() is w.chart


def test_duplicates_are_compared_before_anything_is_saved(
    qtbot, make_window: W, populated: Clinic
) -> None:  # type: ignore[no-untyped-def]
    w = make_window(Role.FRONT_DESK)
    w.register_patient()
    form = w.new_patient
    form.set_text("family_name", "Nunez-Smith")
    form.set_text("given_names", "Jose L")
    form.set_text("birth_date", "03/14/1980")
    form.set_text("sex", "male")
    seen: list[DuplicatesDialog] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, DuplicatesDialog):
            QTimer.singleShot(20, answer)
            return
        seen.append(dialog)
        assert dialog.table.columnCount() == 2
        assert "Núñez Smith, José Luis" in dialog.table.item(0, 1).text()
        dialog.open_button.click()

    QTimer.singleShot(0, answer)
    with qtbot.waitSignal(form.open_existing, timeout=10_000) as opened:
        form.save()
    assert seen and opened.args[0].given_names == "José Luis"
    desk = populated.sessions[Role.FRONT_DESK]
    assert len(populated.inst.patients.list_all(desk)) == 3  # nothing was written


def test_lock_hides_patient_data_and_keeps_unsaved_input(qtbot, make_window: W) -> None:  # type: ignore[no-untyped-def]
    w = make_window(Role.RECORDS)
    w.register_patient()
    w.new_patient.set_text("family_name", "Half-typed")
    qtbot.keyClick(w, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert w.locked and w.root.currentWidget() is w.lock_screen
    assert not w.workspace.isVisible() and not w.new_patient.isVisible()
    assert w._session_getter() is None  # pages refuse to load anything while locked
    qtbot.keyClicks(w.lock_screen.password_edit, "wrong password")
    qtbot.keyClick(w.lock_screen.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "password is not right" in w.lock_screen.message.text(), timeout=10_000)
    assert "user name" not in w.lock_screen.message.text()  # there is no such field here
    assert w.locked
    qtbot.keyClicks(w.lock_screen.password_edit, ROLE_PASSWORD)
    qtbot.keyClick(w.lock_screen.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not w.locked, timeout=10_000)
    assert w.new_patient.isVisible() and w.new_patient.text("family_name") == "Half-typed"


def test_idle_timeout_locks_by_itself(qtbot, make_window: W) -> None:  # type: ignore[no-untyped-def]
    w = make_window(Role.NURSE)
    w.idle.set_minutes(0.001)  # 60 ms: the same timer a clinic sets to 15 minutes
    qtbot.waitUntil(lambda: w.locked, timeout=5_000)
    assert "without activity" in w.lock_screen.who.text()


def test_areas_follow_the_role(qtbot, make_window: W) -> None:  # type: ignore[no-untyped-def]
    admin = make_window(Role.ADMIN)
    assert list(admin.areas) == ["Patients", "Coding reports", "Coding", "Administration"]
    nurse = make_window(Role.NURSE)
    assert "Administration" not in nurse.areas
    nurse.register_patient()  # nurses may register (front-desk duty at small clinics)
    assert nurse.patients_area.currentWidget() is nurse.new_patient


def test_sign_out_clears_every_patient_widget(qtbot, make_window: W) -> None:  # type: ignore[no-untyped-def]
    w = make_window(Role.NURSE)
    w.search_page.search_box.setText("okafor")
    qtbot.waitUntil(lambda: w.search_page.model.rowCount() == 1, timeout=10_000)
    w.open_patient(w.search_page.model.patient(0))
    qtbot.waitUntil(lambda: w.chart.patient is not None and w.banner.isVisible(), timeout=10_000)
    with qtbot.waitSignal(w.signed_out):
        w.sign_out()
    assert w.search_page.model.rowCount() == 0 and w.chart.patient is None
    assert not w.banner.isVisible() and w.chart.form.text("family_name") == ""


def test_patient_model(qtmodeltester, populated: Clinic) -> None:  # type: ignore[no-untyped-def]
    model = PatientTableModel()
    model.set_rows(populated.inst.patients.list_all(populated.sessions[Role.NURSE]))
    qtmodeltester.check(model)


def test_admin_restore_swaps_the_database_and_asks_to_sign_in_again(  # type: ignore[no-untyped-def]
    qtbot, make_window: W, populated: Clinic, tmp_path
) -> None:
    from medrec_desktop.services.installation import Installation, Unlock

    w = make_window(Role.ADMIN)
    backup = populated.inst.backup(populated.admin, tmp_path / "b.medrec-backup")
    # A restore refuses while the file is open anywhere else: the window's installation
    # closes first, as the Administration page does.
    populated.inst.close()
    restored = Installation.restore(
        populated.paths,
        backup,
        Unlock(passphrase=PASSPHRASE),
        username="admin",
        password=ADMIN_PASSWORD,
    )
    with qtbot.waitSignal(w.signed_out):
        w.replace_installation(restored)
    # One holder serves every screen: nothing kept the closed installation.
    assert w.inst is restored and w.services.inst is restored
    populated.inst = restored
