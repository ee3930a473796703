"""The administrators' bulk FHIR export page (issue 14, item 6), driven by keyboard against a
real clinic: the folder holds NDJSON files whose SHA-256s match the manifest and the
disclosure is recorded; Cancel in the middle leaves the folder empty and records nothing;
refused input is explained at its field; only administrators have the page."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import select

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.fhir_export import MANIFEST
from medrec_desktop.models import Disclosure, DisclosurePatient
from medrec_desktop.services.demo import create_demo_clinic
from medrec_desktop.ui.admin.bulk_export_page import BulkExportPage
from medrec_desktop.ui.main_window import LazyArea, MainWindow
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.widgets.status import Severity
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.ui.admin.conftest import WAIT

PATIENTS = 5
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def small_clinic(local_clinic: Clinic) -> Clinic:
    create_demo_clinic(
        local_clinic.inst.users,
        local_clinic.inst.demo,
        local_clinic.admin,
        local_clinic.inst.auth.login,
        patients=PATIENTS,
        seed=7,
        password=ROLE_PASSWORD,
    )
    return local_clinic


def alt(qtbot: Any, key: Qt.Key) -> None:
    focus = QApplication.focusWidget()
    assert focus is not None
    qtbot.keyClick(focus, key, ALT)


def typed(qtbot: Any, text: str) -> None:
    focus = QApplication.focusWidget()
    assert focus is not None
    qtbot.keyClicks(focus, text)


def fill_by_keyboard(qtbot: Any, page: BulkExportPage, folder: Path) -> None:
    """Browse (the chooser gives ``folder``), recipient, purpose kept, every section."""
    page.ask_folder = lambda: folder
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=WAIT)  # keyboard focus needs it
    page.recipient.setFocus()
    alt(qtbot, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: page.folder.text() == str(folder), timeout=WAIT)
    alt(qtbot, Qt.Key.Key_T)
    assert page.recipient.hasFocus()
    typed(qtbot, "Cedar Health (new records system)")
    alt(qtbot, Qt.Key.Key_W)
    typed(qtbot, "migration to the new system")
    alt(qtbot, Qt.Key.Key_A)  # Select all sections
    qtbot.waitUntil(lambda: len(page.scope.sections()) == 12, timeout=WAIT)


def disclosures(clinic: Clinic) -> list[tuple[int, str, int, str | None]]:
    with clinic.inst.ctx.store.unit_of_work() as db:
        return [
            (d.id, d.medium, d.patient_count, d.sha256)
            for d in db.execute(select(Disclosure)).scalars()
        ]


def test_an_administrator_exports_every_patient_by_keyboard(
    qtbot: Any, make_page: Any, small_clinic: Clinic, tmp_path: Path
) -> None:
    page: BulkExportPage = make_page(BulkExportPage)
    folder = tmp_path / "export"
    folder.mkdir()
    fill_by_keyboard(qtbot, page, folder)
    alt(qtbot, Qt.Key.Key_E)
    qtbot.waitUntil(lambda: page.result is not None and not page.running, timeout=60_000)
    qtbot.waitUntil(lambda: page.pending == 0, timeout=WAIT)

    done = page.result
    assert done is not None and done.patients == PATIENTS
    assert page.outcome.severity is Severity.OK
    assert page.outcome.message.startswith(f"Exported {PATIENTS} patients:")
    assert str(folder) in page.outcome.message
    assert f"disclosure {done.disclosure_id}" in page.outcome.message
    assert done.manifest_sha256 in page.details.text() and page.details.isVisible()
    assert page.progress.value() == PATIENTS == page.progress.maximum()
    assert page.count.text() == f"Patient {PATIENTS} of {PATIENTS}" and page.count.isVisible()

    # The folder: the manifest and the NDJSON files it lists, each as its SHA-256 says.
    manifest_bytes = (folder / MANIFEST).read_bytes()
    assert hashlib.sha256(manifest_bytes).hexdigest() == done.manifest_sha256
    manifest = json.loads(manifest_bytes)
    listed = {e["url"]: e["sha256"] for e in manifest["output"]}
    assert "Patient.ndjson" in listed
    assert sorted(p.name for p in folder.iterdir()) == sorted([*listed, MANIFEST])
    for name, sha in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha
    assert manifest["extension"]["recipient"] == "Cedar Health (new records system)"
    assert manifest["extension"]["purpose"] == "operations"

    # Recorded: one disclosure of every patient, with the manifest's SHA-256.
    assert disclosures(small_clinic) == [
        (done.disclosure_id, "ndjson", PATIENTS, done.manifest_sha256)
    ]
    # The form is usable again; a second export into the same folder is refused there.
    assert page.export_button.isEnabled() and page.export_button.hasFocus()
    alt(qtbot, Qt.Key.Key_E)
    message = page.errors.label_for("folder")
    assert message is not None
    qtbot.waitUntil(lambda: message.severity is Severity.ERROR, timeout=WAIT)  # animated
    assert "is not empty" in message.message and page.folder.hasFocus()


def test_cancel_in_the_middle_keeps_nothing_and_records_nothing(
    qtbot: Any, make_page: Any, small_clinic: Clinic, runner: OpRunner, tmp_path: Path
) -> None:
    page: BulkExportPage = make_page(BulkExportPage)
    folder = tmp_path / "export"
    folder.mkdir()
    fill_by_keyboard(qtbot, page, folder)
    # Hold the export after its second patient (inside its progress report, on its worker
    # thread) until Cancel has been pressed: the cancel lands in the middle, whatever the
    # machine's speed.
    pressed = threading.Event()
    written: list[str] = []

    def hold(progress: Any) -> None:
        if progress.done == 2:
            written.extend(sorted(p.name for p in folder.iterdir()))
            pressed.wait(WAIT / 1000)

    runner._progressed.connect(hold, Qt.ConnectionType.DirectConnection)
    try:
        alt(qtbot, Qt.Key.Key_E)
        qtbot.waitUntil(lambda: page.progress.value() == 2, timeout=60_000)
        assert page.cancel_button.hasFocus()  # Space cancels
        assert page.count.text() == f"Patient 2 of {PATIENTS}"
        assert page.outcome.message.startswith("Exporting one patient at a time")
        qtbot.keyClick(page.cancel_button, Qt.Key.Key_Space)
        assert not page.cancel_button.isEnabled()
    finally:
        pressed.set()
    qtbot.waitUntil(lambda: not page.running, timeout=60_000)
    qtbot.waitUntil(lambda: page.pending == 0, timeout=WAIT)
    runner._progressed.disconnect(hold)

    assert "Patient.ndjson" in written  # two patients had been written...
    assert list(folder.iterdir()) == []  # ...and were removed
    assert page.result is None
    assert page.outcome.severity is Severity.ERROR
    assert page.outcome.message == (
        "The export was cancelled. Nothing was kept: the folder is empty and no disclosure "
        "was recorded."
    )
    assert disclosures(small_clinic) == []
    with small_clinic.inst.ctx.store.unit_of_work() as db:
        assert db.execute(select(DisclosurePatient)).first() is None
    assert page.export_button.isEnabled()


def test_refused_input_is_explained_at_its_field_and_kept(
    qtbot: Any, make_page: Any, small_clinic: Clinic, tmp_path: Path
) -> None:
    page: BulkExportPage = make_page(BulkExportPage)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=WAIT)
    page.export()  # nothing filled in: the recipient first
    recipient = page.errors.label_for("recipient")
    assert recipient is not None and recipient.message == "Say who receives the record."
    assert page.recipient.hasFocus()
    qtbot.keyClicks(page.recipient, "Archive")
    page.export()
    sections = page.errors.label_for("sections")
    assert sections is not None and "at least one section" in sections.message
    page.scope.set_sections(page.scope.sections() or tuple(page.scope.boxes)[:1])
    missing = tmp_path / "not-made-yet"
    page.folder.setText(str(missing))
    page.export()
    folder = page.errors.label_for("folder")
    assert folder is not None and folder.message.startswith(f"{missing} does not exist")
    assert page.folder.hasFocus() and page.folder.text() == str(missing)
    assert page.recipient.text() == "Archive" and not page.running
    assert disclosures(small_clinic) == []


@pytest.mark.parametrize(
    "role", [Role.FRONT_DESK, Role.NURSE, Role.PROVIDER, Role.RECORDS, Role.CODER]
)
def test_only_administrators_have_the_page(
    make_window: Callable[..., MainWindow], role: Role
) -> None:
    w = make_window(role)
    assert "Administration" not in w.areas
    assert w.findChildren(BulkExportPage) == []


def test_the_administrator_finds_it_in_administration(
    make_window: Callable[..., MainWindow],
) -> None:
    w = make_window(Role.ADMIN)
    w.show_area("Administration")
    area = w.areas["Administration"]
    content: QWidget = area.ensure() if isinstance(area, LazyArea) else area
    [page] = content.findChildren(BulkExportPage)
    assert page.export_button.isEnabled() and not page.scope.labelled.isEnabled()
