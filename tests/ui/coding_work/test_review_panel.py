"""The chronic-condition review panel (issue 13) on a real clinic and code sets, driven by
keyboard: a suggestion taken (its code offered to the diagnoses, then gone once among the
codes being edited) and one dismissed with a reason (saved on the encounter's coding, listed
under "Dismissed"); a dismissal against a coding saved meanwhile is explained, then made."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.coding_work import CodedDiagnosis, CodingInput
from medrec_desktop.domain.encounters import EncounterInput
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.coding_work import EncounterCodingService
from medrec_desktop.ui.coding_work.review_panel import ReviewPanel
from medrec_desktop.ui.tasks import OpRunner
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.integration.chart_samples import PROVIDER_ID, new_patient
from tests.ui.chart.conftest import WAIT, focused, key, tab_to, type_text
from tests.ui.coding.conftest import ui_store, ui_store_file  # noqa: F401 - fixtures
from tests.ui.conftest import holder


@dataclass
class Staged:
    panel: ReviewPanel
    encounter_id: int
    clinic: Clinic
    coding_work: EncounterCodingService
    added: list[tuple[str, str]]
    dismissals: list[None]


def _stage(c: Clinic) -> int:
    """A patient with hypertension on the problem list and metformin without a diabetes
    code, and a signed visit to code."""
    provider = c.sessions[Role.PROVIDER]
    pid = new_patient(c)
    c.inst.problems.add(
        provider, pid, ProblemInput(description="Hypertension", icd10cm="I10", chronic=True)
    )
    c.inst.medications.add(
        provider,
        pid,
        MedicationInput(name="Metformin", strength="500 mg", route="oral", frequency="daily"),
    )
    made = c.inst.encounters.add(
        provider,
        pid,
        EncounterInput(
            starts_at=dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC),
            provider_id=PROVIDER_ID,
            reason_for_visit="Blood pressure check",
            assessment="Hypertension, controlled.",
        ),
    )
    c.inst.encounters.sign(provider, made.id, password=ROLE_PASSWORD, expected_version=1)
    return int(made.id)


@pytest.fixture
def staged(
    qtbot: QtBot,
    local_clinic: Clinic,
    ui_store: CodeSetStore,  # noqa: F811 - the fixture imported above
    runner: OpRunner,
) -> Iterator[Staged]:
    eid = _stage(local_clinic)
    services = holder(local_clinic.inst, CodeSets(store=ui_store))
    panel = ReviewPanel(
        services=services, runner=runner, session=lambda: local_clinic.sessions[Role.CODER]
    )
    qtbot.addWidget(panel)
    panel.resize(420, 640)
    panel.show()
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    done = Staged(panel, eid, local_clinic, services.coding_work, [], [])
    panel.add_code.connect(lambda code, title: done.added.append((code, title)))
    panel.dismissed.connect(lambda: done.dismissals.append(None))
    panel.show_encounter(eid)
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=WAIT)
    yield done
    runner.wait_for_done()


def test_a_suggestion_taken_and_one_dismissed_by_keyboard(qtbot: QtBot, staged: Staged) -> None:
    panel = staged.panel
    assert [s.code for s in panel.shown] == ["I10", "E11.9"]
    assert "2 suggestions to review" in panel.status.text()
    panel.list.setFocus()
    # The arrows move through the suggestions; the evidence follows the current one.
    key(qtbot, Qt.Key.Key_Down)
    assert panel.current() is not None and panel.current().code == "E11.9"  # type: ignore[union-attr]
    assert "Medication: Metformin 500 mg, oral daily" in panel.detail.text()
    key(qtbot, Qt.Key.Key_Up)
    assert "Problem list: Hypertension (I10), chronic" in panel.detail.text()

    # A takes it: the code is offered to the diagnoses being edited...
    key(qtbot, Qt.Key.Key_A)
    assert staged.added == [("I10", "Essential (primary) hypertension")]
    # ...and once among them, the suggestion leaves the list.
    panel.set_codes(["I10"])
    assert [s.code for s in panel.shown] == ["E11.9"]
    assert "1 already among the diagnoses being edited" in panel.status.text()
    assert focused() is panel.list

    # D dismisses the other, with a reason typed in the dialog.
    key(qtbot, Qt.Key.Key_D)
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible(), timeout=WAIT)
    dialog = panel.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.reason, timeout=WAIT)
    tab_to(qtbot, dialog.dismiss_button)
    key(qtbot, Qt.Key.Key_Space)  # no reason yet: refused in plain words, nothing saved
    assert "Say why" in dialog.reason_error.text() and not staged.dismissals
    assert focused() is dialog.reason
    type_text(qtbot, "Metformin is for prediabetes (provider queried)")
    tab_to(qtbot, dialog.dismiss_button)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: staged.dismissals == [None], timeout=WAIT)
    qtbot.waitUntil(lambda: panel.dismissed_toggle.isVisible(), timeout=WAIT)
    assert panel.shown == [] and panel.dialog is None
    assert panel.dismissed_toggle.text() == "Dismissed (1)"

    # Saved on the encounter's coding, with its reason...
    coder = staged.clinic.sessions[Role.CODER]
    view = staged.coding_work.get(coder, staged.encounter_id)
    assert view.coding is not None
    [saved] = view.coding.data.dismissals
    assert (saved.key, saved.code, saved.reason) == (
        "evidence:diabetes",
        "E11.9",
        "Metformin is for prediabetes (provider queried)",
    )
    # ...and listed under "Dismissed", opened from the keyboard.
    tab_to(qtbot, panel.dismissed_toggle)
    key(qtbot, Qt.Key.Key_Space)
    assert panel.dismissed_list.isVisible()
    assert panel.dismissed_list.item(0).text() == (
        "E11.9 Type 2 diabetes mellitus without complications\n"
        "Dismissed: Metformin is for prediabetes (provider queried)"
    )


def test_a_dismissal_after_the_coding_changed_is_explained_then_made(
    qtbot: QtBot, staged: Staged
) -> None:
    panel = staged.panel
    assert panel.version is None
    # Another screen saves the codes after the panel read the review.
    coder = staged.clinic.sessions[Role.CODER]
    staged.coding_work.save(
        coder,
        staged.encounter_id,
        CodingInput(diagnoses=(CodedDiagnosis("I10", ""),)),
        expected_version=None,
    )
    panel.list.setFocus()
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_D)
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible(), timeout=WAIT)
    dialog = panel.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.reason, timeout=WAIT)
    type_text(qtbot, "Not addressed today")
    tab_to(qtbot, dialog.dismiss_button)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "meanwhile" in dialog.error.text(), timeout=WAIT)
    assert "nothing was dismissed" in dialog.error.text()
    assert dialog.reason.text() == "Not addressed today" and not staged.dismissals
    qtbot.waitUntil(lambda: panel.version == 1, timeout=WAIT)
    # Pressed again, against the version now read, it is saved.
    tab_to(qtbot, dialog.dismiss_button)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: staged.dismissals == [None], timeout=WAIT)
    qtbot.waitUntil(lambda: panel.dismissed_toggle.text() == "Dismissed (1)", timeout=WAIT)
