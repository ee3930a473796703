"""Picking scans up in the running application, on a real clinic and a real folder: a nurse
signed in has the scanner folder watched (a PDF dropped in it lands in the inbox and leaves
the folder; the inbox is told); a Word file is left in the folder with why in the status bar,
its name never in the logs; a folder that vanishes is said once and watched again when it is
back; roles that do not pick scans up, locking and signing out stop the watching."""

from __future__ import annotations

import io
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot
from reportlab.pdfgen import canvas

from medrec_desktop.domain.enums import Role
from medrec_desktop.ui.inbox_runner import InboxRunner
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner
from tests.conftest import ROLE_PASSWORD, Clinic
from tests.ui.conftest import holder

WAIT = 20_000


def scan_pdf(pages: int = 2) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for n in range(pages):
        pdf.drawString(72, 720, f"Outside lab report, page {n + 1}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


@pytest.fixture
def scans(local_clinic: Clinic, tmp_path: Path) -> Path:
    """The clinic's scanner folder, set by its administrator."""
    folder = tmp_path / "scanner"
    folder.mkdir()
    local_clinic.inst.inbox.set_folder(local_clinic.admin, str(folder))
    return folder


class Shown:
    """A window with a status bar and a runner on it, as the main window has."""

    def __init__(self, qtbot: QtBot, services: ServicesHolder, runner: OpRunner) -> None:
        self.window = QMainWindow()
        qtbot.addWidget(self.window)
        self.window.show()
        self.runner = InboxRunner(
            services=services,
            runner=runner,
            status_bar=self.window.statusBar(),
            settle_seconds=0.0,  # a file written whole before the test drops it in
            rescan_seconds=0.5,
            parent=self.window,
        )
        self.notices: list[str] = []
        self.reports = 0
        self.runner.notice.connect(self.notices.append)
        self.runner.reported.connect(self._count)

    def _count(self, _report: object) -> None:
        self.reports += 1


@pytest.fixture
def shown(qtbot: QtBot, local_clinic: Clinic, runner: OpRunner) -> Iterator[Shown]:
    made = Shown(qtbot, holder(local_clinic.inst), runner)
    yield made
    made.runner.stop()  # before the clinic's database closes


def drop(folder: Path, name: str, content: bytes) -> Path:
    """Write a file whole beside the folder, then move it in (as scanner software does)."""
    staging = folder.parent / f"staging-{name}"
    staging.write_bytes(content)
    return Path(shutil.move(staging, folder / name))


def test_a_scan_dropped_in_the_folder_lands_in_the_inbox(
    qtbot: QtBot, local_clinic: Clinic, scans: Path, shown: Shown
) -> None:
    records = local_clinic.sessions[Role.RECORDS]
    with qtbot.waitSignal(shown.runner.reported, timeout=WAIT):  # the pass at start
        shown.runner.start(local_clinic.sessions[Role.NURSE])
    assert shown.runner.folder == scans
    services = shown.runner._services
    with qtbot.waitSignal(services.inbox_changed, timeout=WAIT):
        dropped = drop(scans, "valley-lab-okafor.pdf", scan_pdf())
    qtbot.waitUntil(lambda: not dropped.exists(), timeout=WAIT)
    assert local_clinic.inst.inbox.count(records) == 1
    assert "1 scan picked up into the inbox." in shown.notices
    assert shown.window.statusBar().currentMessage() == "1 scan picked up into the inbox."


def test_a_file_the_clinic_cannot_keep_stays_and_is_explained_without_logging_its_name(
    qtbot: QtBot,
    local_clinic: Clinic,
    scans: Path,
    shown: Shown,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    word = b"PK\x03\x04" + bytes(40) + b"word/document.xml"
    with qtbot.waitSignal(shown.runner.reported, timeout=WAIT):
        shown.runner.start(local_clinic.sessions[Role.PROVIDER])
    drop(scans, "okafor-referral.docx", word)
    qtbot.waitUntil(
        lambda: any("left in the scanner folder" in n for n in shown.notices), timeout=WAIT
    )
    notice = next(n for n in shown.notices if "left in the scanner folder" in n)
    assert notice.startswith("1 file left in the scanner folder, not taken: “okafor-referral")
    assert "Word" in notice
    assert (scans / "okafor-referral.docx").read_bytes() == word  # left as it was
    seen = len(shown.notices)
    reports = shown.reports
    qtbot.waitUntil(lambda: shown.reports >= reports + 2, timeout=WAIT)  # rescans
    assert len(shown.notices) == seen  # said once, not at every rescan
    assert local_clinic.inst.inbox.count(local_clinic.sessions[Role.RECORDS]) == 0
    assert not [r for r in caplog.records if "okafor" in r.getMessage()]


def test_a_vanished_folder_is_said_once_and_watched_again_when_back(
    qtbot: QtBot, local_clinic: Clinic, scans: Path, shown: Shown, tmp_path: Path
) -> None:
    gone = f"Scanner folder not reachable: {scans}"
    with qtbot.waitSignal(shown.runner.reported, timeout=WAIT):
        shown.runner.start(local_clinic.sessions[Role.NURSE])
    away = tmp_path / "share-unmounted"
    scans.rename(away)
    qtbot.waitUntil(lambda: gone in shown.notices, timeout=WAIT)
    label = shown.runner.unreachable_label
    assert label.isVisible() and label.text() == gone
    reports = shown.reports
    qtbot.waitUntil(lambda: shown.reports >= reports + 2, timeout=WAIT)  # quiet retries
    assert shown.notices.count(gone) == 1

    away.rename(scans)
    dropped = drop(scans, "fax-0042.pdf", scan_pdf(1))
    qtbot.waitUntil(lambda: not dropped.exists(), timeout=WAIT)
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=WAIT)
    assert "Scanner folder reachable again: picking scans up." in shown.notices
    assert local_clinic.inst.inbox.count(local_clinic.sessions[Role.RECORDS]) == 1


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.ADMIN])
def test_roles_that_do_not_pick_scans_up_never_watch(
    qtbot: QtBot, local_clinic: Clinic, scans: Path, shown: Shown, runner: OpRunner, role: Role
) -> None:
    session = local_clinic.admin if role is Role.ADMIN else local_clinic.sessions[role]
    shown.runner.start(session)
    qtbot.waitUntil(lambda: runner.in_flight == 0, timeout=WAIT)
    dropped = drop(scans, "scan.pdf", scan_pdf(1))
    assert shown.runner.folder is None and dropped.exists()


def test_no_folder_set_no_watching(
    qtbot: QtBot, local_clinic: Clinic, shown: Shown, runner: OpRunner
) -> None:
    shown.runner.start(local_clinic.sessions[Role.RECORDS])
    qtbot.waitUntil(lambda: runner.in_flight == 0, timeout=WAIT)
    assert shown.runner.folder is None


def test_the_main_window_watches_while_signed_in_and_unlocked(
    qtbot: QtBot, make_window: object, populated: Clinic, tmp_path: Path
) -> None:
    folder = tmp_path / "scanner"
    folder.mkdir()
    populated.inst.inbox.set_folder(populated.admin, str(folder))
    w: MainWindow = make_window(Role.NURSE)  # type: ignore[operator]
    qtbot.waitUntil(lambda: w.inbox_runner.folder == folder, timeout=WAIT)
    w.lock(idle=False)
    assert w.inbox_runner.folder is None
    qtbot.keyClicks(w.lock_screen.password_edit, ROLE_PASSWORD)
    qtbot.keyClick(w.lock_screen.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not w.locked, timeout=WAIT)
    qtbot.waitUntil(lambda: w.inbox_runner.folder == folder, timeout=WAIT)
    w.sign_out(force=True)
    assert w.inbox_runner.folder is None
    desk: MainWindow = make_window(Role.FRONT_DESK)  # type: ignore[operator]
    qtbot.waitUntil(lambda: desk.runner.in_flight == 0, timeout=WAIT)
    assert desk.inbox_runner.folder is None
