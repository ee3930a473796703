"""Labelled items: roles without access to sensitive data see "1 item withheld (label)" and
never the content, in the lists, the summary and the banner; they are not offered labels."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QListWidget
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.allergies import AllergyInput
from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.ui.main_window import MainWindow
from tests.conftest import Clinic
from tests.ui.chart.conftest import WAIT, Window, key, open_chart, settle

SECRET_PROBLEM = "Major depressive disorder, recurrent"
SECRET_ALLERGY = "Naltrexone"


def label(clinic: Clinic) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    okafor = clinic.inst.patients.search(provider, "okafor")[0]
    clinic.inst.problems.add(
        provider,
        okafor.id,
        ProblemInput(
            description=SECRET_PROBLEM, icd10cm="F33.9", sensitivity=Sensitivity.BEHAVIORAL_HEALTH
        ),
    )
    clinic.inst.problems.add(provider, okafor.id, ProblemInput(description="Asthma"))
    clinic.inst.allergies.add(
        provider,
        okafor.id,
        AllergyInput(
            substance=SECRET_ALLERGY, category="drug", sensitivity=Sensitivity.SUBSTANCE_USE
        ),
    )


def everything_shown(w: MainWindow) -> str:
    """Every text the window holds: labels, lists, fields and table cells."""
    texts: list[str] = [x.text() for x in w.findChildren(QLabel)]
    texts += [x.text() for x in w.findChildren(QLineEdit)]
    for lst in w.findChildren(QListWidget):
        texts += [lst.item(i).text() for i in range(lst.count())]
    for view in w.findChildren(QAbstractItemView):
        model = view.model()
        if model is None:
            continue
        root = QModelIndex()
        for r in range(model.rowCount(root)):
            list_model = isinstance(model, QAbstractListModel)  # one column, and private
            for c in range(1 if list_model else model.columnCount(root)):
                texts.append(str(model.index(r, c).data() or ""))
                texts.append(str(model.index(r, c).data(Qt.ItemDataRole.ToolTipRole) or ""))
    return "\n".join(texts)


@pytest.mark.parametrize("role", [Role.NURSE, Role.CODER])
def test_roles_without_access_see_how_many_are_withheld_and_nothing_else(
    qtbot: QtBot, chart_window: Window, populated: Clinic, role: Role
) -> None:
    label(populated)
    w = chart_window(role)
    open_chart(qtbot, w, "okafor")
    problems, allergies = w.chart.lists["problems"], w.chart.lists["allergies"]
    summary = w.chart.summary.sections
    qtbot.waitUntil(lambda: summary[0].texts() == ["Asthma"], timeout=WAIT)
    assert summary[0].notes.text() == "⊘ 1 item withheld (behavioral health)"
    assert summary[1].notes.text() == "⊘ 1 item withheld (substance use disorder)"
    qtbot.waitUntil(lambda: w.banner.data is not None, timeout=WAIT)
    assert w.banner.flags.text() == "⊘ 2 sensitive items withheld"
    assert w.banner.allergies.text() == "⚠ Allergies: 1 withheld"
    for page, note in (
        (problems, "⊘ 1 item withheld (behavioral health)"),
        (allergies, "⊘ 1 item withheld (substance use disorder)"),
    ):
        w.chart.open_list(page)
        settle(qtbot, w)
        assert page.withheld.isVisible() and page.withheld.text() == note
    assert [r.data.description for r in problems.model.rows()] == ["Asthma"]
    assert allergies.model.rowCount() == 0
    shown = everything_shown(w)
    for secret in (SECRET_PROBLEM, "F33.9", SECRET_ALLERGY, "Naltrexone"):
        assert secret not in shown
    if role is Role.NURSE:
        # Nothing visible to the nurse contradicts "no known allergies"; the service still
        # refuses it, in its own words.
        assert allergies.statement_button is not None and allergies.statement_button.isVisible()
        allergies.table.setFocus()
        key(qtbot, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(
            lambda: "active allergies on record" in allergies.message.message, timeout=WAIT
        )
        # A new problem offers no sensitivity label to a nurse.
        w.chart.open_list(problems)
        key(qtbot, Qt.Key.Key_Insert)
        combo = problems.form.inputs["sensitivity"].combo
        assert combo is not None and combo.count() == 1 and not combo.isEnabled()
    else:
        assert not problems.add_button.isEnabled()  # coders read the chart, never change it


def test_a_role_with_access_sees_the_items_and_the_flag_says_they_are_on_file(
    qtbot: QtBot, chart_window: Window, populated: Clinic
) -> None:
    label(populated)
    w = chart_window(Role.PROVIDER)
    open_chart(qtbot, w, "okafor")
    summary = w.chart.summary.sections
    qtbot.waitUntil(lambda: len(summary[0].texts()) == 2, timeout=WAIT)
    assert summary[0].texts()[0].startswith(SECRET_PROBLEM)
    assert not summary[0].notes.isVisible()
    qtbot.waitUntil(lambda: w.banner.data is not None, timeout=WAIT)
    assert w.banner.flags.text() == "⊘ Sensitive items on file"
    assert w.banner.allergies.text() == f"⚠ Allergies: {SECRET_ALLERGY}"
    page = w.chart.lists["problems"]
    w.chart.open_list(page)
    key(qtbot, Qt.Key.Key_Insert)
    combo = page.form.inputs["sensitivity"].combo
    assert combo is not None and combo.count() == 1 + len(Sensitivity) and combo.isEnabled()
