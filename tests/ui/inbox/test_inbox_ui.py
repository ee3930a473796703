"""The scanner inbox on a real clinic: scans received through the service are listed with
their first page and arrival, those waiting longer than the clinic's days are amber and say
so; a scan is filed to a patient entirely by keyboard (the same bytes in the chart); "not
ours" needs a reason; a scan dealt with elsewhere says so and the list refreshes; roles
without the inbox have no Inbox area; the count shows in the areas list and status bar."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from reportlab.pdfgen import canvas

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.inbox import InboxStatus
from medrec_desktop.ui.inbox.file_dialog import FileScanDialog
from medrec_desktop.ui.inbox.model import OLD_BACKGROUND, InboxModel
from medrec_desktop.ui.inbox.not_ours_dialog import NotOursDialog
from medrec_desktop.ui.inbox.page import InboxPage
from medrec_desktop.ui.inbox.split_dialog import SplitDialog
from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import Clinic
from tests.integration.test_documents import pdf_bytes

WAIT = 15_000
ALT = Qt.KeyboardModifier.AltModifier
Make = Callable[..., MainWindow]


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def key(qtbot: QtBot, k: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(focused(), k, mod)


def receive(c: Clinic, name: str, pages: int = 1, words: str = "Referral letter") -> int:
    got = c.inst.inbox.receive(
        c.sessions[Role.NURSE], name, pdf_bytes(pages, words), int(c.clock.now.timestamp())
    )
    return got.inbox_id


def inbox_of(qtbot: QtBot, w: MainWindow, rows: int) -> InboxPage:
    """The Inbox area, its list loaded with ``rows`` scans and the cursor in it."""
    w.show_area("Inbox")
    page = w.areas["Inbox"]
    assert isinstance(page, InboxPage)
    qtbot.waitUntil(lambda: page.model.rowCount() == rows, timeout=WAIT)
    page.focus_list()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.table, timeout=WAIT)
    return page


def nav_text(w: MainWindow, area: str) -> str:
    item = w.nav.item(list(w.areas).index(area))
    assert item is not None
    return item.text()


def test_waiting_scans_are_listed_and_old_ones_highlighted_with_words(
    qtbot: QtBot, make_window: Make, populated: Clinic
) -> None:
    receive(populated, "Scan_0812.pdf", pages=3)
    receive(populated, "fax-0001.pdf")
    populated.clock.advance(days=4)
    receive(populated, "today.pdf", pages=2)
    w = make_window(Role.RECORDS)
    page = inbox_of(qtbot, w, 3)
    rows = page.rows()
    assert [r[0].split("\n")[0] for r in rows] == ["Scan_0812.pdf", "fax-0001.pdf", "today.pdf"]
    assert [r[0].split("\n")[1].split(" · ")[0] for r in rows] == ["3 pages", "1 page", "2 pages"]
    # Four days against the clinic's three: amber, and said in words (never colour alone).
    for r in (0, 1):
        assert rows[r][1].endswith("\n⚠ waiting 4 days")
        brush = page.proxy.index(r, InboxModel.COL_ARRIVED).data(Qt.ItemDataRole.BackgroundRole)
        assert isinstance(brush, QBrush) and brush.color() == OLD_BACKGROUND
    assert rows[2][1].startswith("Today ") and "waiting" not in rows[2][1]
    assert page.proxy.index(2, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert "2 waiting over 3 days" in page.counts.text()
    qtbot.waitUntil(lambda: w.inbox_summary is not None, timeout=WAIT)
    assert nav_text(w, "Inbox") == "Inbox (3) ⚠"
    assert w.status_inbox.text() == "Inbox: 3 waiting (2 over 3 days)"
    assert w.status_inbox.isVisible()

    # The first row is chosen and shown; every row on screen gets its first page drawn.
    qtbot.waitUntil(lambda: page.preview.loaded, timeout=WAIT)
    assert page.preview.where.text() == "Page 1 of 3"
    qtbot.waitUntil(lambda: len(page.model.thumbs) == 3, timeout=WAIT)
    key(qtbot, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: page.preview.loaded and page.preview_id == page.entry_at(1).id)
    assert page.preview.where.text() == "Page 1 of 1"

    # Delete removes nothing: it says what to do instead.
    key(qtbot, Qt.Key.Key_Delete)
    assert "removes nothing" in page.message.message
    assert populated.inst.inbox.count(populated.sessions[Role.RECORDS]) == 3

    # A clinic that allows five days: nothing is old any more.
    populated.inst.inbox.set_highlight_days(populated.admin, 5)
    populated.inst.inbox.receive(populated.sessions[Role.NURSE], "x.pdf", pdf_bytes(1), 99)
    w.services.notify_inbox_changed()  # as the scanner folder's watcher does
    qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=WAIT)
    assert page.model.old_count() == 0
    qtbot.waitUntil(lambda: nav_text(w, "Inbox") == "Inbox (4)", timeout=WAIT)
    assert w.status_inbox.text() == "Inbox: 4 waiting"


def test_a_scan_is_filed_by_keyboard_to_the_patient_typed(
    qtbot: QtBot, make_window: Make, populated: Clinic
) -> None:
    content_id = receive(populated, "valley-lab.pdf", pages=2, words="Outside lab")
    records = populated.sessions[Role.RECORDS]
    content = populated.inst.inbox.open_file(records, content_id).content
    w = make_window(Role.RECORDS)
    page = inbox_of(qtbot, w, 1)
    key(qtbot, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: page.file_dialog is not None, timeout=WAIT)
    dialog = page.file_dialog
    assert isinstance(dialog, FileScanDialog)
    dialog.activateWindow()  # the offscreen platform has no window manager to do it
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.picker.search_box, timeout=WAIT)

    # Enter right after typing: the patient comes from the results for what was typed.
    qtbot.keyClicks(focused(), "okafor")
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.picker.chosen is not None, timeout=WAIT)
    assert dialog.picker.chosen is not None and dialog.picker.chosen.name == "Okafor, Chidi"
    assert focused() is dialog.fields.doc_type
    key(qtbot, Qt.Key.Key_Down)  # Referral -> Outside lab report
    key(qtbot, Qt.Key.Key_M, ALT)
    qtbot.keyClicks(focused(), "Valley Lab")

    # Filing without the document's date: said beside the date, the typing kept.
    key(qtbot, Qt.Key.Key_Return)
    date_message = dialog.errors.label_for("document_date")
    assert date_message is not None
    qtbot.waitUntil(lambda: date_message.isVisible(), timeout=WAIT)
    assert "date on the document" in date_message.message
    assert focused() is dialog.fields.document_date
    assert dialog.fields.author.text() == "Valley Lab"
    qtbot.keyClicks(focused(), "11202026")
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.file_dialog is None, timeout=WAIT)
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=WAIT)
    assert page.message.message.startswith("Filed “valley-lab.pdf” to Okafor, Chidi")

    okafor = populated.inst.patients.search(records, "okafor")[0]
    filed = populated.inst.documents.list(records, okafor.id).items
    assert [(d.data.type_text, d.data.author, d.data.document_date) for d in filed] == [
        ("Outside lab report", "Valley Lab", dt.date(2026, 11, 20))
    ]
    assert filed[0].data.sha256 == hashlib.sha256(content).hexdigest()
    assert populated.inst.inbox.get(records, content_id).status is InboxStatus.FILED
    qtbot.waitUntil(lambda: w.status_inbox.text() == "Inbox: nothing waiting", timeout=WAIT)
    assert nav_text(w, "Inbox") == "Inbox (0)"


def lab_report(name: str, born: dt.date, mrn: str) -> bytes:
    """An outside lab report whose text names its patient (what suggestions read)."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.drawString(72, 720, "Valley Reference Laboratory")
    pdf.drawString(72, 700, f"Patient: {name}")
    pdf.drawString(72, 684, f"DOB: {born:%m/%d/%Y}    MRN: {mrn}")
    pdf.drawString(72, 660, "Cholesterol, total 212 mg/dL")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_the_suggested_patient_is_shown_with_why_and_taken_with_one_key(
    qtbot: QtBot, make_window: Make, populated: Clinic
) -> None:
    records = populated.sessions[Role.RECORDS]
    okafor = populated.inst.patients.search(records, "okafor")[0]
    scan = lab_report("OKAFOR, Chidi", okafor.birth_date, okafor.mrn)
    populated.inst.inbox.receive(populated.sessions[Role.NURSE], "CRL_results.pdf", scan, 7)
    w = make_window(Role.RECORDS)
    page = inbox_of(qtbot, w, 1)
    qtbot.waitUntil(lambda: page.rows()[0][2] != "", timeout=WAIT)
    suggested = page.rows()[0][2]
    assert suggested.startswith(f"★ Okafor, Chidi · MRN {okafor.mrn}\n")
    assert f"MRN {okafor.mrn}" in suggested.split("\n")[1]  # the evidence under it

    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.file_dialog is not None, timeout=WAIT)
    dialog = page.file_dialog
    assert dialog is not None
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.picker.search_box, timeout=WAIT)
    picker = dialog.picker
    assert [c.patient_id for c in picker.model.rows()][:1] == [okafor.id]
    assert picker.model.index(0, 3).data().startswith("Suggested: ")
    assert "★ Suggested from the scan" in picker.status.text()
    key(qtbot, Qt.Key.Key_Return)  # one key takes the suggestion
    assert picker.chosen is not None and picker.chosen.patient_id == okafor.id
    assert focused() is dialog.fields.doc_type
    assert "Okafor, Chidi" in picker.chosen_label.text()
    # Enter on a focused Cancel cancels: it never files the scan.
    dialog.cancel_button.setFocus()
    qtbot.waitUntil(lambda: focused() is dialog.cancel_button, timeout=WAIT)
    key(qtbot, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert populated.inst.inbox.count(records) == 1


def test_not_ours_needs_a_reason_and_closed_scans_say_what_became_of_them(
    qtbot: QtBot, make_window: Make, populated: Clinic
) -> None:
    ident = receive(populated, "FAX_5550104410.pdf")
    records = populated.sessions[Role.RECORDS]
    w = make_window(Role.RECORDS)
    page = inbox_of(qtbot, w, 1)
    key(qtbot, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: page.not_ours_dialog is not None, timeout=WAIT)
    dialog = page.not_ours_dialog
    assert isinstance(dialog, NotOursDialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.presets[0], timeout=WAIT)
    # Alt+letter "clicks" a button after a moment (Qt animates the press): wait for it.
    key(qtbot, Qt.Key.Key_M, ALT)  # Mark, no reason given
    refused = "Choose why this scan is not ours, or type the reason."
    qtbot.waitUntil(lambda: dialog.error.message == refused, timeout=WAIT)
    assert populated.inst.inbox.get(records, ident).status is InboxStatus.UNFILED
    key(qtbot, Qt.Key.Key_O, ALT)  # Other reason, then nothing typed
    qtbot.waitUntil(dialog.other.isChecked, timeout=WAIT)
    key(qtbot, Qt.Key.Key_M, ALT)
    qtbot.waitUntil(lambda: dialog.error.message == "Type the reason below.", timeout=WAIT)
    assert focused() is dialog.details
    key(qtbot, Qt.Key.Key_B, ALT)  # Blank or unreadable page
    qtbot.waitUntil(dialog.presets[1].isChecked, timeout=WAIT)
    key(qtbot, Qt.Key.Key_E, ALT)
    qtbot.keyClicks(focused(), "only the cover came through")
    key(qtbot, Qt.Key.Key_M, ALT)
    qtbot.waitUntil(lambda: page.not_ours_dialog is None, timeout=WAIT)
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=WAIT)
    done = populated.inst.inbox.get(records, ident)
    assert (done.status, done.close_reason) == (
        InboxStatus.NOT_OURS,
        "Blank or unreadable page: only the cover came through",
    )

    # Closed scans, on request, with what became of them, by whom and when.
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.table, timeout=WAIT)
    key(qtbot, Qt.Key.Key_C, ALT)
    qtbot.waitUntil(page.show_closed.isChecked, timeout=WAIT)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
    status = page.rows()[0][-1]
    assert status.startswith(
        "Not ours: Blank or unreadable page: only the cover came through"
        f" · {records.username}, Today "
    )
    assert not page.file_button.isEnabled() and not page.not_ours_button.isEnabled()


def test_a_scan_dealt_with_elsewhere_says_so_and_the_inbox_refreshes(
    qtbot: QtBot, make_window: Make, populated: Clinic
) -> None:
    ident = receive(populated, "referral.pdf")
    w = make_window(Role.RECORDS)
    page = inbox_of(qtbot, w, 1)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.file_dialog is not None, timeout=WAIT)
    dialog = page.file_dialog
    assert dialog is not None
    # Another records specialist, on another workstation, marks it not ours meanwhile.
    populated.inst.inbox.reject(
        populated.sessions[Role.RECORDS], ident, "Fax for another practice", expected_version=1
    )
    dialog.picker.search_box.setText("smith")
    dialog.picker.run_search()
    qtbot.waitUntil(lambda: dialog.picker.model.rowCount() >= 1, timeout=WAIT)
    dialog.picker.pick_selected()
    dialog.fields.document_date.setText("11/02/2026")
    dialog.file()
    qtbot.waitUntil(lambda: dialog.message.message != "" and "Filing" not in dialog.message.message)
    assert dialog.message.message.startswith("Someone else dealt with this scan")
    assert "(not ours)" in dialog.message.message
    assert not dialog.file_button.isEnabled() and dialog.cancel_button.text() == "Close"
    assert dialog.fields.document_date.text() == "11/02/2026"  # nothing typed is lost
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=WAIT)
    dialog.reject()


def test_roles_without_the_inbox_have_no_inbox_area(
    qtbot: QtBot, make_window: Make, populated: Clinic
) -> None:
    receive(populated, "referral.pdf")
    for role in (Role.NURSE, Role.PROVIDER, Role.CODER, Role.FRONT_DESK, Role.ADMIN):
        w = make_window(role)
        assert "Inbox" not in w.areas, role
        assert w.inbox_page is None
        assert not w.status_inbox.isVisible()
    w = make_window(Role.RECORDS)
    assert "Inbox" in w.areas


def test_a_scan_is_split_by_keyboard_and_each_part_waits_on_its_own(
    qtbot: QtBot, make_window: Make, populated: Clinic
) -> None:
    ident = receive(populated, "SCAN_0007.pdf", pages=5, words="Stack")
    records = populated.sessions[Role.RECORDS]
    w = make_window(Role.RECORDS)
    page = inbox_of(qtbot, w, 1)
    key(qtbot, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: page.split_dialog is not None, timeout=WAIT)
    dialog = page.split_dialog
    assert isinstance(dialog, SplitDialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.thumbs, timeout=WAIT)
    assert not dialog.split_button.isEnabled()  # one part: nothing to split yet
    for _ in range(2):
        key(qtbot, Qt.Key.Key_Right)
    key(qtbot, Qt.Key.Key_S)  # page 3 starts part 2
    for _ in range(2):
        key(qtbot, Qt.Key.Key_Right)
    key(qtbot, Qt.Key.Key_Space)  # page 5 starts part 3
    assert dialog.parts_label.text() == "Part 1: pages 1-2 · Part 2: pages 3-4 · Part 3: page 5"
    assert dialog.thumbs.item(2).text() == "Page 3\n✂ Part 2 starts"
    key(qtbot, Qt.Key.Key_Space)  # page 5 unmarked again
    assert dialog.parts_label.text() == "Part 1: pages 1-2 · Part 2: pages 3-5"
    assert dialog.split_button.text() == "&Split into 2 parts"
    key(qtbot, Qt.Key.Key_S, ALT)
    qtbot.waitUntil(lambda: page.split_dialog is None, timeout=WAIT)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT)
    parts = [page.entry_at(r) for r in range(2)]
    assert [(e.page_count, e.pages_of_parent, e.parent_id) for e in parts] == [
        (2, "1-2", ident),
        (3, "3-5", ident),
    ]
    assert page.rows()[0][0].split("\n")[2] == "Pages 1-2 of a split scan"
    assert page.message.message.startswith("Split “SCAN_0007.pdf” into 2 parts")
    assert populated.inst.inbox.get(records, ident).status is InboxStatus.SPLIT
    # The first part is chosen, ready to be filed.
    assert page.current_entry() == parts[0]
    qtbot.waitUntil(lambda: nav_text(w, "Inbox") == "Inbox (2)", timeout=WAIT)

    page.show_closed.setChecked(True)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=WAIT)
    closed = [r for r in page.rows() if r[-1].startswith("Split into")]
    assert closed and closed[0][-1].startswith(f"Split into 2 parts · {records.username}, ")
