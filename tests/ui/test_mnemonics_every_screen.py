"""Alt+letter is unique on every screen, and every Tab stop can show focus: each screen of
every area and every dialog is visited for real and its visible controls (menu bar included)
are collected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog, QPushButton, QTabWidget, QWidget, QWizard
from pytestqt.qtbot import QtBot

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.domain.enums import Role
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.ui.chart.list_page import ItemListPage
from medrec_desktop.ui.coding_work.area import CodingWorkArea
from medrec_desktop.ui.encounters.page import EncountersPage
from medrec_desktop.ui.inbox.patient_picker import PatientChoice
from medrec_desktop.ui.main_window import LazyArea, MainWindow
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.widgets.mnemonics import mnemonic, mnemonic_clashes, orphan_mnemonics
from tests.conftest import Clinic
from tests.ui.coding.conftest import ui_store, ui_store_file  # noqa: F401 - fixtures
from tests.ui.conftest import holder

WAIT = 15_000
Screens = Iterator[tuple[str, QWidget]]
CHANGED_AT = dt.datetime(2026, 11, 30, 14, 2, tzinfo=dt.UTC)


def check(name: str, window: QWidget, problems: list[str]) -> None:
    for letter, owners in sorted(mnemonic_clashes(window).items()):
        problems.append(f"{name}: Alt+{letter.upper()} is claimed by {', '.join(owners)}")
    for text in orphan_mnemonics(window):
        problems.append(f"{name}: label “{text}” shows a mnemonic but has no buddy")
    # Every Tab stop shows focus: a flat push button draws no focus frame in the system style.
    for button in window.findChildren(QPushButton):
        if (
            button.isVisibleTo(window)
            and button.isFlat()
            and button.focusPolicy() & Qt.FocusPolicy.TabFocus
        ):
            problems.append(f"{name}: flat button “{button.text()}” is a Tab stop without focus")


@pytest.fixture
def window_for(
    qtbot: QtBot,
    populated: Clinic,
    ui_store: CodeSetStore,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    runner: OpRunner,
) -> Iterator[Callable[[Role], MainWindow]]:
    made: list[MainWindow] = []
    services = holder(populated.inst, CodeSets(store=ui_store))
    signed_note(populated)  # its read-only view and addendum buttons are a screen too

    def make(role: Role) -> MainWindow:
        w = MainWindow(
            paths=populated.paths,
            services=services,
            runner=runner,
            session=populated.sessions[role],
            settings=QSettings(str(tmp_path / f"{role.value}.ini"), QSettings.Format.IniFormat),
            idle_minutes=15,
        )
        qtbot.addWidget(w)
        w.resize(1366, 768)
        w.show()
        made.append(w)
        return w

    yield make
    for w in made:
        w.session = None
        w.close()
    runner.wait_for_done()


def main_window_screens(qtbot: QtBot, w: MainWindow) -> Screens:
    """Every page of every area this role sees, with each tab of a tabbed page."""
    for name in list(w.areas):
        w.show_area(name)
        area = w.areas[name]
        content = area.ensure() if isinstance(area, LazyArea) else area
        if content is w.patients_area:
            w.find_patient()
            yield "Patients › search", w
            if w.new_action.isEnabled():
                w.register_patient()
                yield "Patients › new patient", w
            w.find_patient()
            w.search_page.search_box.setText("okafor")
            qtbot.waitUntil(lambda: w.search_page.model.rowCount() == 1, timeout=WAIT)
            w.open_patient(w.search_page.model.patient(0))
            qtbot.waitUntil(lambda: w.chart.form.text("family_name") != "", timeout=WAIT)
            for i in range(w.chart.tabs.count()):
                if not w.chart.tabs.isTabVisible(i):
                    continue  # a role without clinical access has no summary or lists
                w.chart.tabs.setCurrentIndex(i)
                tab = f"Patients › chart › {w.chart.tabs.tabText(i)}"
                yield tab, w
                page = w.chart.tabs.widget(i)
                # The four histories share one tab, a list on each of its own tabs.
                inner = page if isinstance(page, QTabWidget) else None
                for j in range(inner.count() if inner is not None else 1):
                    shown = page
                    name = tab
                    if inner is not None:
                        inner.setCurrentIndex(j)
                        shown = inner.widget(j)
                        name = f"{tab} › {inner.tabText(j)}"
                        yield name, w
                    if isinstance(shown, ItemListPage):
                        yield from list_views(name, shown, w)
                    if isinstance(shown, EncountersPage):
                        yield from encounter_views(qtbot, name, shown, w)
            w.chart.tabs.setCurrentIndex(0)
            w.find_patient()
            continue
        if isinstance(content, CodingWorkArea):
            yield from coding_work_views(qtbot, name, content, w)
            continue
        tabs = content if isinstance(content, QTabWidget) else None
        if tabs is None:
            yield name, w
            continue
        for i in range(tabs.count()):
            tabs.setCurrentIndex(i)
            yield f"{name} › {tabs.tabText(i)}", w


def coding_work_views(qtbot: QtBot, name: str, area: CodingWorkArea, w: MainWindow) -> Screens:
    """The worklist, then an encounter open on the coding page with each side panel (the
    chronic-condition review, the queries) in turn: one screen, so one set of letters; then
    the coding reports, which take the worklist's place under the same menus."""
    yield name, w
    worklist = area.worklist
    qtbot.waitUntil(lambda: worklist.model.rowCount() >= 1, timeout=WAIT)
    area.open_encounter(worklist.model.row_at(0).encounter_id)
    page = area.page
    qtbot.waitUntil(lambda: page.view is not None, timeout=WAIT)
    for i in range(page.side.count()):
        page.side.setCurrentIndex(i)
        yield f"{name} › encounter › {page.side.tabText(i)}", w
    area.show_worklist()
    area.show_reports()
    yield f"{name} › reports", w
    area.show_worklist()


def list_views(tab: str, page: ItemListPage, w: MainWindow) -> Screens:
    """A list's form, history and conflict view, which replace the list in place."""
    if page.add_button.isEnabled():
        page.add()
        # With the bar a form shows when another workstation saved its item (issue 15).
        page.form.elsewhere.show_change(CHANGED_AT, "Test Provider")
        yield f"{tab} › form", w
        page.form.discard_changes()
    for view in (page.history, page.conflict):
        page.stack.setCurrentWidget(view)
        yield f"{tab} › {type(view).__name__}", w
    page.show_list()


def encounter_views(qtbot: QtBot, tab: str, page: EncountersPage, w: MainWindow) -> Screens:
    """A new note's form, a signed note (read only, with its addendum and amendment
    buttons), and the history, request history and conflict views."""
    qtbot.waitUntil(lambda: page.model.rowCount() >= 1, timeout=WAIT)
    if page.add_button.isEnabled():
        page.add()
        page.form.elsewhere.show_change(CHANGED_AT, "Test Provider")
        yield f"{tab} › new note", w
        page.form.discard_changes()
    page.open_encounter(page.model.row_at(0).id)
    qtbot.waitUntil(lambda: page.form.detail is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.form, timeout=WAIT)
    yield f"{tab} › signed note", w
    for view in (page.history, page.request_history, page.conflict):
        page.stack.setCurrentWidget(view)
        yield f"{tab} › {type(view).__name__}", w
    page.show_list()


def signed_note(clinic: Clinic) -> tuple[int, int]:
    """A signed visit of Okafor's with a pending amendment request about it (ids)."""
    from medrec_desktop.domain.amendments import AmendmentInput
    from medrec_desktop.domain.encounters import EncounterInput
    from tests.conftest import ROLE_PASSWORD

    provider = clinic.sessions[Role.PROVIDER]
    okafor = clinic.inst.patients.search(provider, "okafor")[0]
    made = clinic.inst.encounters.add(
        provider,
        okafor.id,
        EncounterInput(starts_at=dt.datetime(2026, 11, 2, 9, 0), reason_for_visit="Check-up"),
    )
    clinic.inst.encounters.sign(
        provider, made.id, password=ROLE_PASSWORD, expected_version=made.version
    )
    request = clinic.inst.amendments.add(
        clinic.sessions[Role.RECORDS],
        okafor.id,
        AmendmentInput(encounter_id=made.id, requested_change="Another walking distance."),
    )
    return int(made.id), int(request.id)


@pytest.mark.parametrize("role", [Role.RECORDS, Role.ADMIN, Role.CODER, Role.NURSE, Role.PROVIDER])
def test_every_screen_of_the_main_window_has_unique_mnemonics(
    qtbot: QtBot, window_for: Callable[[Role], MainWindow], role: Role
) -> None:
    w = window_for(role)
    problems: list[str] = []
    visited = []
    for name, window in main_window_screens(qtbot, w):
        visited.append(name)
        check(f"{role.label}: {name}", window, problems)
    w.lock(idle=False)
    check(f"{role.label}: lock screen", w, problems)
    assert len(visited) >= 4
    if role is Role.RECORDS:
        # The four histories' forms are visited too, under their shared tab.
        assert any(name.endswith("› Social › form") for name in visited)
    if role in (Role.RECORDS, Role.PROVIDER):
        assert any(name.endswith("Encounters › new note") for name in visited)
        assert any(name.endswith("Encounters › signed note") for name in visited)
        assert "Today" in visited
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", [Role.RECORDS, Role.PROVIDER])
def test_every_menu_has_unique_mnemonics(
    window_for: Callable[[Role], MainWindow], role: Role
) -> None:
    """Inside an open menu its items' letters must differ (Patients › Import FHIR Bundle…
    took I beside Find, New patient, Emergency, Release and Accounting)."""
    w = window_for(role)
    problems = []
    for title in w.menuBar().actions():
        menu = title.menu()
        assert menu is not None
        letters: dict[str, list[str]] = {}
        for act in menu.actions():
            letter = mnemonic(act.text())
            if letter is not None and act.isVisible():
                letters.setdefault(letter, []).append(act.text())
        problems += [f"{title.text()}: {v}" for v in letters.values() if len(v) > 1]
    assert "&Import FHIR Bundle…" in [a.text() for a in w.menuBar().actions()[1].menu().actions()]
    assert not problems, problems


def dialogs(qtbot: QtBot, populated: Clinic, runner: OpRunner, tmp_path: Path) -> Screens:
    from medrec_desktop.services.patients import PatientInput
    from medrec_desktop.ui.admin.restore_dialog import RestoreDialog
    from medrec_desktop.ui.admin.user_dialogs import AddUserDialog, ResetPasswordDialog
    from medrec_desktop.ui.break_glass import BreakGlassDialog
    from medrec_desktop.ui.change_password import ChangePasswordDialog
    from medrec_desktop.ui.login_dialog import LoginDialog
    from medrec_desktop.ui.patients.compare import DuplicatesDialog, new_column

    nurse = populated.sessions[Role.NURSE]
    okafor = populated.inst.patients.search(nurse, "okafor")[0]
    yield "login", LoginDialog(paths=populated.paths, runner=runner, installation=populated.inst)
    yield "change password", ChangePasswordDialog(inst=populated.inst, session=nurse, runner=runner)
    yield "add user", AddUserDialog()
    yield "reset password", ResetPasswordDialog("nurse", "Test Nurse")
    yield (
        "emergency access",
        BreakGlassDialog(inst=populated.inst, runner=runner, session=nurse, patient=okafor),
    )
    yield (
        "restore",
        RestoreDialog(tmp_path / "x.medrec-backup", populated.paths, "admin", ask_passphrase=True),
    )
    from medrec_desktop.ui.admin.server_move_dialog import ServerMoveDialog

    move = ServerMoveDialog(
        services=holder(populated.inst), runner=runner, session=lambda: populated.admin
    )
    yield "move to a clinic server", move
    move.pages.setCurrentIndex(1)
    yield "move to a clinic server › moving", move
    move.pages.setCurrentIndex(2)
    yield "move to a clinic server › moved", move
    from medrec_desktop.ui.patients.merge_dialog import MergeDialog

    yield (
        "merge",
        MergeDialog(
            services=holder(populated.inst),
            runner=runner,
            session=populated.sessions[Role.RECORDS],
            keep=okafor,
        ),
    )
    yield from encounter_dialogs(populated)
    from medrec_desktop.ui.chart.template_dialog import TemplatesDialog

    templates = TemplatesDialog(
        services=holder(populated.inst), runner=runner, session=lambda: nurse
    )
    yield "panel templates", templates
    templates.start_new()
    yield "panel templates › new", templates
    like = PatientInput("Okafor", "Chidi", okafor.birth_date, "male")
    found = populated.inst.patients.find_duplicates(nurse, like)
    yield (
        "possible duplicates",
        DuplicatesDialog(
            new_column("Okafor, Chidi", f"{okafor.birth_date:%m/%d/%Y}", "Male", ""), found
        ),
    )

    # Issue 12: the documents' attach form and viewer, on a real one-page PDF.
    import hashlib
    import io

    from reportlab.pdfgen import canvas

    from medrec_desktop.services.documents import DocumentFile
    from medrec_desktop.ui.documents.attach_dialog import AttachDialog
    from medrec_desktop.ui.documents.viewer import DocumentViewer

    out = io.BytesIO()
    letter = canvas.Canvas(out)
    letter.drawString(72, 720, "Referral letter")
    letter.showPage()
    letter.save()
    pdf = out.getvalue()
    yield (
        "attach a document",
        AttachDialog(
            services=holder(populated.inst),
            runner=runner,
            session=populated.sessions[Role.RECORDS],
            patient_id=okafor.id,
            file_name="referral.pdf",
            content=pdf,
        ),
    )
    shown = DocumentFile(pdf, "application/pdf", 1, hashlib.sha256(pdf).hexdigest(), None)
    yield "document viewer", DocumentViewer("Referral", shown, print_file=lambda _d, _f: None)
    from medrec_desktop.ui.documents.cover_sheet_dialog import CoverSheetDialog
    from medrec_desktop.ui.documents.refile_dialog import RefileDialog

    records = populated.sessions[Role.RECORDS]
    cover = CoverSheetDialog(
        services=holder(populated.inst), runner=runner, session=records, patient_id=okafor.id
    )
    # Other shows the "Kind of document" row too.
    cover.doc_type.setCurrentIndex(cover.doc_type.count() - 1)
    yield "cover sheet", cover
    moving = RefileDialog(
        "Referral of 07/01/2026",
        lambda _c, _r: None,
        services=holder(populated.inst),
        runner=runner,
        session=records,
    )
    yield "move a document", moving
    moving.picker.pick(PatientChoice.of_patient(okafor))
    yield "move a document › patient chosen", moving
    yield from inbox_dialogs(populated, runner, pdf)
    yield from fhir_import_dialogs(qtbot, populated, runner, tmp_path)


def fhir_import_dialogs(
    qtbot: QtBot, populated: Clinic, runner: OpRunner, tmp_path: Path
) -> Screens:
    """The FHIR import before a file is chosen, then its preview beside a likely match (an
    "Add to" choice, "new patient" and its reason), then the same file imported before."""
    import datetime as dt

    from medrec_desktop.services.patients import PatientInput
    from medrec_desktop.ui.fhir_import.dialog import FhirImportDialog
    from tests.support.fhir_bundles import record_bundle, to_bytes

    records = populated.sessions[Role.RECORDS]
    baxter = populated.inst.patients.register(
        records, PatientInput("Baxter", "Amy V.", dt.date(1987, 2, 20), "female")
    )
    path = tmp_path / "record.json"
    path.write_bytes(to_bytes(record_bundle()))
    dialog = FhirImportDialog(
        None, services=holder(populated.inst), runner=runner, session=lambda: records
    )
    yield "import FHIR Bundle", dialog
    dialog.ask_path = lambda: path
    dialog.choose_file()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=WAIT)
    assert len(dialog.choice_buttons()) == 2
    yield "import FHIR Bundle › preview", dialog
    # The same file once more: the warning and "Import again anyway".
    populated.inst.fhir_import.commit(records, path.read_bytes(), patient_id=baxter.id)
    dialog.choose_file()
    qtbot.waitUntil(
        lambda: dialog.preview is not None and bool(dialog.preview.earlier), timeout=WAIT
    )
    assert not dialog.again.isHidden()
    yield "import FHIR Bundle › imported before", dialog


def inbox_dialogs(populated: Clinic, runner: OpRunner, pdf: bytes) -> Screens:
    """The scanner inbox's filing, not-ours and split dialogs, on a scan received for real."""
    from medrec_desktop.ui.documents.pages import page_source
    from medrec_desktop.ui.inbox.file_dialog import FileScanDialog
    from medrec_desktop.ui.inbox.not_ours_dialog import NotOursDialog
    from medrec_desktop.ui.inbox.split_dialog import SplitDialog
    from tests.integration.test_documents import pdf_bytes

    records = populated.sessions[Role.RECORDS]
    got = populated.inst.inbox.receive(records, "scan.pdf", pdf, 1)
    entry = populated.inst.inbox.get(records, got.inbox_id)
    filing = FileScanDialog(
        services=holder(populated.inst), runner=runner, session=records, entry=entry
    )
    yield "file a scan", filing
    okafor = populated.inst.patients.search(records, "okafor")[0]
    filing.picker.pick(PatientChoice.of_patient(okafor))
    yield "file a scan › patient chosen", filing
    yield "not ours", NotOursDialog("scan.pdf", print)
    yield (
        "split a scan",
        SplitDialog("scan.pdf", page_source(pdf_bytes(3), "application/pdf"), print),
    )


def encounter_dialogs(populated: Clinic) -> Screens:
    from medrec_desktop.ui.encounters.addendum_dialog import AddendumDialog
    from medrec_desktop.ui.encounters.amendment_dialogs import (
        AmendmentRequestDialog,
        DecisionDialog,
    )
    from medrec_desktop.ui.encounters.sign_dialog import SignDialog

    note, request_id = signed_note(populated)
    records = populated.sessions[Role.RECORDS]
    request = populated.inst.amendments.get(records, request_id)  # type: ignore[arg-type]
    yield "sign a note", SignDialog("11/02/2026 office visit", "Test Provider", print)
    yield "addendum", AddendumDialog("11/02/2026 office visit", lambda _r, _t: None)
    notes = [(note, "11/02/2026 office visit")]
    yield "amendment request", AmendmentRequestDialog(notes, print, chosen=note)
    yield (
        "amendment decision",
        DecisionDialog(request, notes[0][1], accept=print, deny=print, disagree=print),
    )
    denied = populated.inst.amendments.deny(
        records,
        request.id,
        reason="Accurate as written.",
        disagreement=None,
        expected_version=request.version,
    )
    yield (
        "amendment disagreement",
        DecisionDialog(denied, notes[0][1], accept=print, deny=print, disagree=print),
    )


def test_every_dialog_has_unique_mnemonics(
    qtbot: QtBot, populated: Clinic, runner: OpRunner, tmp_path: Path
) -> None:
    problems: list[str] = []
    names = []
    for name, dialog in dialogs(qtbot, populated, runner, tmp_path):
        qtbot.addWidget(dialog)
        dialog.show()
        names.append(name)
        check(name, dialog, problems)
        assert isinstance(dialog, QDialog)
        dialog.done(0)
    assert len(names) == 30
    assert not problems, "\n".join(problems)


def test_every_wizard_page_has_unique_mnemonics(
    qtbot: QtBot, tmp_path: Path, runner: OpRunner
) -> None:
    from medrec_desktop.ui.wizard import SetupWizard

    wizard = SetupWizard(paths=DataPaths(tmp_path / "c"), runner=runner, detect_keyring=False)
    qtbot.addWidget(wizard)
    wizard.show()
    problems: list[str] = []
    wizard.clinic_page.name.setText("Maple")
    check("wizard › clinic", wizard, problems)
    wizard.next()
    wizard.admin_page.full_name.setText("Ada Admin")
    wizard.admin_page.password.setText("correct horse battery")
    wizard.admin_page.password2.setText("correct horse battery")
    check("wizard › administrator", wizard, problems)
    wizard.next()
    check("wizard › location", wizard, problems)
    wizard.next()
    assert wizard.currentPage() is wizard.key_page
    check("wizard › key", wizard, problems)
    # The recovery page creates the clinic on entry: its controls are checked as shown with
    # the wizard's own buttons, without creating anything.
    page = wizard.recovery_page
    wizard.key_page.hide()
    page.show()
    check("wizard › recovery", wizard, problems)
    assert wizard.button(QWizard.WizardButton.FinishButton) is not None
    assert not problems, "\n".join(problems)
