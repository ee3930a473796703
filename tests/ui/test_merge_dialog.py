"""The merge dialog, driven like a records specialist at the keyboard: find the other record
by name, compare, see which one to keep and why, swap, give the reason, merge. Enter never
merges."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QDialog, QPushButton, QWidget

from medrec_desktop.domain.dto import PatientInfo
from medrec_desktop.domain.enums import ChangeKind, Role
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.ui.patients.merge_dialog import MergeDialog
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner
from tests.conftest import Clinic
from tests.ui.conftest import holder

REASON = "Same person: registered twice at front desk"


@pytest.fixture
def clinic_with_new_duplicate(populated: Clinic) -> Clinic:
    """John Smith has been a patient for a month; the front desk registered "Jo Smith" a few
    minutes ago instead of finding him."""
    populated.clock.advance(days=30)
    populated.inst.patients.register(
        populated.sessions[Role.FRONT_DESK],
        PatientInput("Smith", "Jo", dt.date(1975, 6, 1), "male", "503-555-7001"),
        duplicates_reviewed=True,
        reason="registered twice at the front desk",
    )
    populated.clock.advance(minutes=3)
    return populated


def find(c: Clinic, text: str) -> PatientInfo:
    return c.inst.patients.search(c.sessions[Role.RECORDS], text)[0]


@pytest.fixture
def services(clinic_with_new_duplicate: Clinic) -> ServicesHolder:
    return holder(clinic_with_new_duplicate.inst)


@pytest.fixture
def open_dialog(
    qtbot,  # type: ignore[no-untyped-def]
    clinic_with_new_duplicate: Clinic,
    services: ServicesHolder,
    runner: OpRunner,
) -> Iterator[Callable[[PatientInfo], MergeDialog]]:
    def make(current: PatientInfo) -> MergeDialog:
        dialog = MergeDialog(
            services=services,
            runner=runner,
            session=clinic_with_new_duplicate.sessions[Role.RECORDS],
            keep=current,
        )
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)  # keyboard focus needs the active window
        return dialog

    yield make
    runner.wait_for_done()


def results(dialog: MergeDialog) -> list[str]:
    return [dialog.model.patient(r).display_name for r in range(dialog.model.rowCount())]


def focus(qtbot, widget: QWidget) -> None:  # type: ignore[no-untyped-def]
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)


def compare_by_keyboard(qtbot, dialog: MergeDialog) -> None:  # type: ignore[no-untyped-def]
    """Type the name, go down to John Smith, press Enter: the comparison and the suggestion."""
    qtbot.waitUntil(lambda: bool(results(dialog)))  # the family name it opened with
    focus(qtbot, dialog.search_box)
    dialog.search_box.selectAll()
    qtbot.keyClicks(dialog.search_box, "jo smi")
    qtbot.waitUntil(lambda: results(dialog) == ["Núñez Smith, José Luis", "Smith, John"])
    qtbot.keyClick(dialog.search_box, Qt.Key.Key_Down)
    assert dialog.results.hasFocus()
    qtbot.keyClick(dialog.results, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.results, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.keep is not None)


def test_the_other_record_is_found_by_name_and_chosen_by_keyboard(
    qtbot,  # type: ignore[no-untyped-def]
    clinic_with_new_duplicate: Clinic,
    open_dialog: Callable[[PatientInfo], MergeDialog],
) -> None:
    jo = find(clinic_with_new_duplicate, "555-7001")
    john = find(clinic_with_new_duplicate, "555-7000")
    assert jo.given_names == "Jo"
    dialog = open_dialog(jo)
    # It opens on the record's family name: everyone else called Smith, never itself.
    assert dialog.search_box.text() == "Smith" and dialog.search_box.hasFocus()
    qtbot.waitUntil(lambda: results(dialog) == ["Núñez Smith, José Luis", "Smith, John"])
    compare_by_keyboard(qtbot, dialog)
    assert dialog.keep is not None and dialog.gone is not None
    assert (dialog.keep.patient.id, dialog.gone.patient.id) == (john.id, jo.id)
    assert dialog.suggestion_label.text() == (
        f"Suggested: Keep Smith, John (MRN {john.mrn}): it was registered 30 days ago, "
        f"Smith, Jo (MRN {jo.mrn}) only 3 minutes ago, so that one is most likely the duplicate."
    )
    table = dialog.table
    assert table.isVisible()
    assert [table.horizontalHeaderItem(c).text() for c in range(2)] == [
        "Keep",
        "Merge into it (this record)",
    ]
    assert [table.item(4, c).text() for c in range(2)] == [john.mrn, jo.mrn]
    assert table.item(1, 1).font().bold()  # the same birth date stands out
    assert not table.item(0, 1).font().bold()
    assert dialog.reason.hasFocus()  # next: say why
    assert dialog.merge_button.text() == (
        f"&Merge Smith, Jo (MRN {jo.mrn}) into Smith, John (MRN {john.mrn})"
    )


def test_the_mouse_picks_a_record_too(
    qtbot,  # type: ignore[no-untyped-def]
    clinic_with_new_duplicate: Clinic,
    open_dialog: Callable[[PatientInfo], MergeDialog],
) -> None:
    john = find(clinic_with_new_duplicate, "555-7000")
    dialog = open_dialog(john)
    qtbot.waitUntil(lambda: "Smith, Jo" in results(dialog))
    row = results(dialog).index("Smith, Jo")
    rect = dialog.results.visualRect(dialog.model.index(row, 0))
    # A double click is a press, a release, then the double-click event (as a real mouse sends).
    qtbot.mouseClick(dialog.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(dialog.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: dialog.gone is not None)
    assert dialog.gone is not None and dialog.gone.patient.given_names == "Jo"
    suggested = dialog.suggestion_label.text()
    assert suggested.startswith(f"Suggested: Keep Smith, John (MRN {john.mrn})")


def test_the_user_may_keep_the_other_record_instead(
    qtbot,  # type: ignore[no-untyped-def]
    clinic_with_new_duplicate: Clinic,
    open_dialog: Callable[[PatientInfo], MergeDialog],
) -> None:
    jo = find(clinic_with_new_duplicate, "555-7001")
    john = find(clinic_with_new_duplicate, "555-7000")
    dialog = open_dialog(jo)
    compare_by_keyboard(qtbot, dialog)
    focus(qtbot, dialog.swap_button)
    qtbot.keyClick(dialog.swap_button, Qt.Key.Key_Space)
    assert dialog.keep is not None and dialog.keep.patient.id == jo.id
    assert dialog.merge_button.text() == (
        f"&Merge Smith, John (MRN {john.mrn}) into Smith, Jo (MRN {jo.mrn})"
    )
    assert dialog.suggestion_label.text().endswith(
        f"You chose to keep Smith, Jo (MRN {jo.mrn}) instead."
    )
    assert dialog.table.horizontalHeaderItem(0).text() == "Keep (this record)"
    assert dialog.table.item(4, 0).text() == jo.mrn
    qtbot.mouseClick(dialog.swap_button, Qt.MouseButton.LeftButton)  # and back
    assert dialog.keep.patient.id == john.id
    assert "You chose" not in dialog.suggestion_label.text()


def test_merge_waits_for_a_reason(
    qtbot,  # type: ignore[no-untyped-def]
    clinic_with_new_duplicate: Clinic,
    open_dialog: Callable[[PatientInfo], MergeDialog],
) -> None:
    dialog = open_dialog(find(clinic_with_new_duplicate, "555-7001"))
    assert not dialog.merge_button.isEnabled()  # nothing compared yet
    qtbot.keyClicks(dialog.reason, REASON)  # typing the reason first is fine
    assert not dialog.merge_button.isEnabled()
    compare_by_keyboard(qtbot, dialog)
    assert dialog.merge_button.isEnabled()
    dialog.reason.clear()
    assert not dialog.merge_button.isEnabled()
    assert dialog.merge_button.toolTip() == "Give the reason for the merge first."
    qtbot.keyClicks(dialog.reason, "   ")
    assert not dialog.merge_button.isEnabled()
    qtbot.keyClicks(dialog.reason, "Same person")
    assert dialog.merge_button.isEnabled()


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter])
def test_enter_never_merges(
    qtbot,  # type: ignore[no-untyped-def]
    clinic_with_new_duplicate: Clinic,
    open_dialog: Callable[[PatientInfo], MergeDialog],
    runner: OpRunner,
    key: Qt.Key,
) -> None:
    c = clinic_with_new_duplicate
    jo = find(c, "555-7001")
    dialog = open_dialog(jo)
    compare_by_keyboard(qtbot, dialog)
    qtbot.keyClicks(dialog.reason, REASON)
    assert dialog.merge_button.isEnabled()  # everything is ready: only Enter is pressed
    widgets = [
        dialog.search_box,
        dialog.results,
        dialog.compare_button,
        dialog.table,
        dialog.swap_button,
        dialog.reason,
        dialog.merge_button,
        dialog.cancel_button,
    ]
    for widget in widgets:
        focus(qtbot, widget)
        qtbot.keyClick(widget, key)
        runner.wait_for_done()
        QCoreApplication.processEvents()  # deliver whatever Enter may have started
        assert dialog.isVisible(), widget.accessibleName() or widget
        assert c.inst.patients.record(c.sessions[Role.RECORDS], jo.id).merged_into is None
    buttons = dialog.findChildren(QPushButton)
    assert buttons and not any(b.isDefault() or b.autoDefault() for b in buttons)
    events = c.inst.audit.events(c.admin, AuditFilter())
    assert not [e for e in events if e.entry_point == "PatientService.merge"]


def test_clicking_merge_merges_and_hands_over_the_kept_record(
    qtbot,  # type: ignore[no-untyped-def]
    clinic_with_new_duplicate: Clinic,
    open_dialog: Callable[[PatientInfo], MergeDialog],
    services: ServicesHolder,
) -> None:
    c = clinic_with_new_duplicate
    jo, john = find(c, "555-7001"), find(c, "555-7000")
    dialog = open_dialog(jo)  # opened from the new record: the established one is kept
    compare_by_keyboard(qtbot, dialog)
    qtbot.keyClicks(dialog.reason, REASON)
    changed: list[int] = []
    services.changed.connect(
        lambda pid, kinds: changed.append(pid) if ChangeKind.MERGE in kinds else None
    )
    with qtbot.waitSignal(dialog.merged) as kept:
        qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    assert kept.args[0].id == john.id
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert sorted(changed) == sorted([john.id, jo.id])
    records = c.sessions[Role.RECORDS]
    assert c.inst.patients.record(records, jo.id).merged_into == john.id
    assert c.inst.patients.history(records, john.id)[-1].summary.endswith(f"Reason: {REASON}")
    [event] = [
        e
        for e in c.inst.audit.events(c.admin, AuditFilter())
        if e.entry_point == "PatientService.merge"
    ]
    assert (event.outcome, event.reason) == ("success", REASON)


def test_a_refused_merge_says_why_and_keeps_the_reason(
    qtbot,  # type: ignore[no-untyped-def]
    clinic_with_new_duplicate: Clinic,
    open_dialog: Callable[[PatientInfo], MergeDialog],
) -> None:
    c = clinic_with_new_duplicate
    jo, john = find(c, "555-7001"), find(c, "555-7000")
    dialog = open_dialog(jo)
    compare_by_keyboard(qtbot, dialog)
    qtbot.keyClicks(dialog.reason, REASON)
    # Meanwhile, at another workstation, someone else merges the same two records.
    c.inst.patients.merge(c.admin, john.id, jo.id, reason="Seen at the desk")
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.message.text()))
    assert dialog.message.text() == "⚠ One of these records was already merged into another."
    assert dialog.isVisible()
    assert dialog.reason.text() == REASON
    assert dialog.merge_button.isEnabled()
