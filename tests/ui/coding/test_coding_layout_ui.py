"""Readable code lists and panes that stay where the coder put them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QSplitter, QTableView
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.enums import Role
from medrec_desktop.ui.coding import CodingPanel
from medrec_desktop.ui.coding.models import SECONDARY_ROLE, ClaimModel, ResultsModel
from tests.ui.coding.conftest import MakePanel

WRAP = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
#: a right-femur code: the side is the last word of a long title
RIGHT_FEMUR = "S72.001"


def search(qtbot: QtBot, panel: CodingPanel, query: str, first: str) -> None:
    panel.search_edit.setText(query)
    m = panel.results_model
    qtbot.waitUntil(lambda: m.rowCount() > 0 and m.hit(0).code == first, timeout=10_000)


def select(qtbot: QtBot, panel: CodingPanel, query: str, code: str) -> None:
    search(qtbot, panel, query, code)
    panel.results.setCurrentIndex(panel.results_model.index(0, 0))
    qtbot.waitUntil(
        lambda: panel.detail.detail is not None and panel.detail.detail.code == code,
        timeout=10_000,
    )
    qtbot.waitUntil(lambda: not panel.busy, timeout=10_000)


def wrapped_height(view: QTableView, column: int, text: str) -> int:
    """Height of ``text`` wrapped in the column, less the delegate's padding either side."""
    width = view.columnWidth(column) - 2 * 3 - 1
    fm = QFontMetrics(view.font())
    return fm.boundingRect(QRect(0, 0, width, 100_000), WRAP, text).height()


def drag(splitter: QSplitter, handle: int, dx: int, dy: int = 0) -> None:
    """Drag a splitter handle with the mouse, as a user does."""
    h = splitter.handle(handle)
    start = h.rect().center()
    QTest.mousePress(h, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(h, start + QPoint(dx // 2, dy // 2))
    QTest.mouseMove(h, start + QPoint(dx, dy))
    QTest.mouseRelease(
        h, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(dx, dy)
    )


def test_a_long_title_wraps_whole_and_its_row_fits_it(qtbot: QtBot, panel: CodingPanel) -> None:
    panel.splitter.setSizes([300, 600, 450])  # a narrow results pane: titles must wrap
    search(qtbot, panel, RIGHT_FEMUR, RIGHT_FEMUR)
    view, m = panel.results, panel.results_model
    qtbot.waitUntil(lambda: not panel.busy, timeout=10_000)
    row = 0
    title = m.hit(row).title
    assert title.endswith("right femur")
    fm = QFontMetrics(view.font())
    line = fm.height()
    needed = wrapped_height(view, ResultsModel.COL_TITLE, title)
    assert needed > line, "the title should not fit on one line in a 300 px pane"
    second = QFontMetrics(view.font()).height()  # the hierarchy line (smaller font)
    assert view.rowHeight(row) >= needed + 0.8 * second
    # the full text on hover, in every column of the row
    for col in range(m.columnCount()):
        tip = m.index(row, col).data(Qt.ItemDataRole.ToolTipRole)
        assert tip.splitlines()[0] == f"{RIGHT_FEMUR}  {title}"
    assert m.index(row, ResultsModel.COL_TITLE).data(SECONDARY_ROLE)
    # a wider pane: the same title needs fewer lines, and the row follows
    tall = view.rowHeight(row)
    panel.splitter.setSizes([700, 300, 350])
    qtbot.waitUntil(lambda: view.rowHeight(row) < tall, timeout=5_000)
    assert view.rowHeight(row) >= wrapped_height(view, ResultsModel.COL_TITLE, title)


def test_claim_titles_wrap_and_show_whole_on_hover(qtbot: QtBot, panel: CodingPanel) -> None:
    panel.splitter.setSizes([450, 500, 300])
    title = "Fracture of unspecified part of neck of right femur, initial encounter for closed"
    title += " fracture"
    panel.add_to_claim("S72.001A", title)
    view, m = panel.claim.table, panel.claim.model
    qtbot.waitUntil(
        lambda: view.rowHeight(0) >= wrapped_height(view, ClaimModel.COL_TITLE, title),
        timeout=5_000,
    )
    assert wrapped_height(view, ClaimModel.COL_TITLE, title) > QFontMetrics(view.font()).height()
    for col in range(m.columnCount()):
        assert m.index(0, col).data(Qt.ItemDataRole.ToolTipRole) == f"S72.001A  {title}"


def test_seventh_character_meanings_show_whole(qtbot: QtBot, panel: CodingPanel) -> None:
    select(qtbot, panel, RIGHT_FEMUR, RIGHT_FEMUR)
    combo = panel.detail.seventh_combo
    tips = [combo.itemData(i, Qt.ItemDataRole.ToolTipRole) for i in range(combo.count())]
    assert tips == [combo.itemText(i) for i in range(combo.count())]
    assert combo.toolTip() == combo.currentText()
    longest = max(QFontMetrics(combo.font()).horizontalAdvance(t) for t in tips)
    assert combo.view().minimumWidth() >= longest
    assert panel.detail.title.toolTip().startswith(RIGHT_FEMUR)


def test_selecting_codes_does_not_move_the_panes(qtbot: QtBot, panel: CodingPanel) -> None:
    before = panel.splitter.sizes()
    vertical = panel.vsplitter.sizes()
    # long 7th-character meanings, then long notes, then a long title on the claim
    select(qtbot, panel, "S72.3", "S72.3")
    select(qtbot, panel, RIGHT_FEMUR, RIGHT_FEMUR)
    assert panel.detail.seventh_box.isVisible()
    assert panel.splitter.sizes() == before
    select(qtbot, panel, "E11.65", "E11.65")
    assert "Excludes1" in panel.detail.notes.toPlainText()
    assert panel.splitter.sizes() == before
    panel.detail.add_button.click()
    panel.add_to_claim("S72.001A", panel.detail.title.text() * 3)
    qtbot.waitUntil(lambda: not panel.busy, timeout=10_000)
    assert panel.splitter.sizes() == before
    assert panel.vsplitter.sizes() == vertical


def test_pane_sizes_come_back_in_the_next_session(
    qtbot: QtBot, make_panel: MakePanel, ui_store: CodeSetStore, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "workstation.ini"), QSettings.Format.IniFormat)
    first = make_panel(ui_store, role=Role.CODER, settings=settings)
    default = first.splitter.sizes()
    drag(first.splitter, 1, -120)  # narrower results
    drag(first.splitter, 2, 60)  # wider detail
    drag(first.vsplitter, 1, 0, -50)  # taller findings
    chosen, chosen_v = first.splitter.sizes(), first.vsplitter.sizes()
    assert chosen != default and chosen[0] < default[0]
    first.close()

    again = make_panel(ui_store, role=Role.CODER, settings=settings)
    assert again.splitter.sizes() == chosen
    assert again.vsplitter.sizes() == chosen_v
    # and a fresh workstation starts from the defaults
    fresh = QSettings(str(tmp_path / "other.ini"), QSettings.Format.IniFormat)
    assert make_panel(ui_store, role=Role.CODER, settings=fresh).splitter.sizes() == default
