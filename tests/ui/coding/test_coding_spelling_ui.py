"""A misspelled search in the coding panel: the results are those of the corrected words and
the status line says which words were searched."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.coding.types import SearchResults
from medrec_desktop.ui.coding import CodingPanel


def titles(panel: CodingPanel) -> list[str]:
    m = panel.results_model
    return [m.hit(r).title.lower() for r in range(m.rowCount())]


def test_a_misspelling_shows_the_corrected_results_and_says_so(
    qtbot: QtBot, panel: CodingPanel
) -> None:
    qtbot.keyClicks(panel.search_edit, "pnuemonia")
    qtbot.waitUntil(lambda: "Showing results for" in panel.status.text(), timeout=10_000)
    assert "“pneumonia”" in panel.status.text()
    assert "no codes match “pnuemonia”" in panel.status.text()
    assert titles(panel) and any("pneumonia" in t for t in titles(panel)[:5])


def test_a_correct_query_says_nothing_about_spelling(qtbot: QtBot, panel: CodingPanel) -> None:
    qtbot.keyClicks(panel.search_edit, "pneumonia")
    qtbot.waitUntil(lambda: "codes for “pneumonia”" in panel.status.text(), timeout=10_000)
    assert "Showing results for" not in panel.status.text()


def test_notes_on_how_the_query_was_read_follow_the_count(
    panel: CodingPanel, ui_store: CodeSetStore
) -> None:
    results = ui_store.find("asthma", limit=10)
    read = SearchResults(results.hits, understood=("asthma: read as a diagnosis",))
    panel._show_results("asthma", read)
    assert "codes for “asthma”. asthma: read as a diagnosis." in panel.status.text()
