"""The patient search page driven from the keyboard: the cursor stays in the box while
Up/Down/PageUp/PageDown move the selection, Enter opens the row seen selected; recent patients
most recent first; similar spellings marked and counted; phones in one form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from medrec_desktop.domain.enums import Role
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.patients.search_page import PatientSearchPage
from medrec_desktop.ui.patients.table_model import PatientRole, PatientTableModel
from tests.conftest import Clinic

W = Callable[..., MainWindow]
MORE = [
    PatientInput("Smithson", "Alma", dt.date(1961, 1, 1), "female"),
    PatientInput("Smithwick", "Bea", dt.date(1962, 2, 2), "female", "5035550123"),
    PatientInput("Smyth", "Cora", dt.date(1963, 3, 3), "female"),
]


def _type(  # type: ignore[no-untyped-def]
    qtbot, page: PatientSearchPage, text: str, rows: int, first: str | None = None
) -> None:
    """Type ``text`` into an emptied box and wait for its results (``first``: the name in
    the first row, where the list before had as many rows)."""
    page.search_box.clear()
    qtbot.keyClicks(page.search_box, text)
    qtbot.waitUntil(
        lambda: (
            page.model.rowCount() == rows
            and page.status.text() != "Searching…"
            and (first is None or page.proxy.index(0, 0).data() == first)
        ),
        timeout=10_000,
    )


def _selected(page: PatientSearchPage) -> str:
    (index,) = page.table.selectionModel().selectedRows()
    return str(page.proxy.data(index.siblingAtColumn(PatientTableModel.COL_NAME)))


def _register_more(clinic: Clinic) -> None:
    for p in MORE:
        clinic.inst.patients.register(clinic.sessions[Role.RECORDS], p, duplicates_reviewed=True)


def test_arrows_move_the_selection_while_typing_goes_on(
    qtbot,
    populated: Clinic,
    make_window: W,  # type: ignore[no-untyped-def]
) -> None:
    _register_more(populated)
    w = make_window(Role.NURSE)
    page = w.search_page
    qtbot.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    _type(qtbot, page, "smith", 5)
    order = [str(page.proxy.index(r, 0).data()) for r in range(5)]
    assert order[0] == _selected(page)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    assert _selected(page) == order[1] and page.search_box.hasFocus()
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Up)
    assert _selected(page) == order[1]
    qtbot.keyClick(page.search_box, Qt.Key.Key_PageDown)
    assert _selected(page) == order[4]  # the page holds every row: the last one
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    assert _selected(page) == order[4]  # and no further
    qtbot.keyClick(page.search_box, Qt.Key.Key_PageUp)
    assert _selected(page) == order[0]
    qtbot.keyClick(page.search_box, Qt.Key.Key_Up)
    assert _selected(page) == order[0]
    # The box still takes typing and keeps its text; Down then Enter opens the second row.
    assert page.search_box.text() == "smith" and page.search_box.hasFocus()
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    wanted = page.proxy.data(page.table.selectionModel().selectedRows()[0], PatientRole)
    assert wanted.display_name == order[1]
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.chart.patient is not None, timeout=10_000)
    assert w.chart.patient.id == wanted.id  # type: ignore[union-attr]


def test_the_selected_row_looks_selected_without_focus(
    qtbot,
    make_window: W,  # type: ignore[no-untyped-def]
) -> None:
    w = make_window(Role.NURSE)
    page = w.search_page
    qtbot.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    _type(qtbot, page, "smi jo", 2)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    assert not page.table.hasFocus()
    palette = page.table.palette()
    highlight = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight)
    assert palette.color(QPalette.ColorGroup.Inactive, QPalette.ColorRole.Highlight) == highlight
    # What is drawn: the selected row's background (right end of the stretched name column,
    # past its text) is the highlight, the other row's is not.
    image = page.table.viewport().grab().toImage()
    x = page.table.columnViewportPosition(0) + page.table.columnWidth(0) - 4

    def colour(row: int) -> QColor:
        y = page.table.rowViewportPosition(row) + page.table.rowHeight(row) // 2
        return image.pixelColor(x, y)

    assert colour(1) == highlight
    assert colour(0) != highlight


def test_recent_patients_are_most_recent_first(
    qtbot,
    populated: Clinic,
    make_window: W,  # type: ignore[no-untyped-def]
) -> None:
    nurse = populated.sessions[Role.NURSE]
    everyone = {p.family_name: p for p in populated.inst.patients.list_all(nurse)}
    for family in ("Smith", "Okafor", "Núñez Smith"):  # not alphabetical
        populated.inst.patients.get(nurse, everyone[family].id)
    w = make_window(Role.NURSE)
    page = w.search_page
    page.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=10_000)
    shown = [page.proxy.data(page.proxy.index(r, 0), PatientRole) for r in range(3)]
    assert [p.family_name for p in shown] == ["Núñez Smith", "Okafor", "Smith"]
    assert page.heading.text() == "Recent patients"
    # A header click still sorts; the next list of recent patients is in recent order again.
    page.table.sortByColumn(PatientTableModel.COL_NAME, Qt.SortOrder.DescendingOrder)
    assert [str(page.proxy.index(r, 0).data()) for r in range(3)] == sorted(
        (str(page.proxy.index(r, 0).data()) for r in range(3)), key=str.casefold, reverse=True
    )
    populated.inst.patients.get(nurse, everyone["Okafor"].id)  # opened again, elsewhere
    _type(qtbot, page, "okafor", 1)
    page.search_box.clear()
    qtbot.waitUntil(lambda: page.heading.text() == "Recent patients", timeout=10_000)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=10_000)
    shown = [page.proxy.data(page.proxy.index(r, 0), PatientRole) for r in range(3)]
    assert [p.family_name for p in shown] == ["Okafor", "Núñez Smith", "Smith"]


def test_similar_spellings_are_marked_and_counted(
    qtbot,
    populated: Clinic,
    make_window: W,  # type: ignore[no-untyped-def]
) -> None:
    _register_more(populated)
    w = make_window(Role.FRONT_DESK)
    page = w.search_page
    qtbot.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    _type(qtbot, page, "smithwick", 1)
    assert page.status.text() == "1 patient(s). Enter opens the selected one."
    _type(qtbot, page, "smyth", 3)
    # Smyth spelt so; the Smiths only sound alike and come after, marked.
    shown = [str(page.proxy.index(r, 0).data()) for r in range(3)]
    assert shown == ["Smyth, Cora", "≈ Núñez Smith, José Luis", "≈ Smith, John"]
    assert page.status.text() == (
        "1 exact, 2 with similar names (≈). Enter opens the selected one."
    )
    tip = page.proxy.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "Similar spelling" in tip
    assert "similar spelling" in page.proxy.index(1, 0).data(Qt.ItemDataRole.AccessibleTextRole)
    _type(qtbot, page, "smyht cora", 1)
    assert str(page.proxy.index(0, 0).data()) == "≈ Smyth, Cora"
    assert page.status.text() == (
        "No exact match; 1 patient with similar names (≈). Enter opens the selected one."
    )
    # The phone as typed at registration (5035550123) is shown in the one stored form.
    _type(qtbot, page, "5550123", 1, first="Smithwick, Bea")
    assert page.proxy.index(0, PatientTableModel.COL_PHONE).data() == "(503) 555-0123"


def test_the_date_of_birth_field_takes_dates_as_typed(
    qtbot,
    make_window: W,  # type: ignore[no-untyped-def]
) -> None:
    w = make_window(Role.FRONT_DESK)
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = w.new_patient
    qtbot.keyClicks(form.inputs["family_name"], "Rivera")
    qtbot.keyClicks(form.inputs["given_names"], "Ana")
    qtbot.keyClicks(form.inputs["birth_date"], "14.03.1980")  # day first: not read
    form.set_text("sex", "female")
    qtbot.keyClicks(form.inputs["phone"], "5035550100")
    form.save()
    assert "03/14/1980" in form.errors["birth_date"].text()  # the forms that work
    assert form.text("birth_date") == "14.03.1980"  # what was typed is kept
    form.inputs["birth_date"].clear()
    qtbot.keyClicks(form.inputs["birth_date"], "10271935")
    with qtbot.waitSignal(form.saved, timeout=10_000) as saved:
        qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert saved.args[0].birth_date == dt.date(1935, 10, 27)
    assert saved.args[0].phone == "(503) 555-0100"
