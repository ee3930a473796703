"""Pictures of the scanner inbox (``make screenshots``): the inbox with the demo clinic's
scans (some waiting longer than the clinic allows, the chosen one shown beside the list),
the filing dialog with the patient suggested from the scan, the split dialog with the
stack's two documents marked, and the "not ours" dialog. The scans are the demo's
(``services/demo_inbox.py``: synthetic PDFs and a TIFF received through the inbox's own
``receive`` as the scanner folder's watcher hands them over)."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.inbox import InboxEntry
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.inbox.page import InboxPage
from medrec_desktop.ui.main_window import MainWindow
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner

SIZE = (1366, 768)


def render_inbox_screenshots(
    out: Path, app: QApplication, inst: Installation, runner: OpRunner
) -> list[Path]:
    from medrec_desktop.services.demo import DEMO_USERS
    from medrec_desktop.ui.screenshots import PASSWORD, grab, settle

    records = inst.auth.login(DEMO_USERS[Role.RECORDS][0], PASSWORD)
    # Workstation preferences for this window only, never beside the pictures.
    prefs = Path(tempfile.mkdtemp(prefix="medrec-inbox-shots-"))
    window = MainWindow(
        paths=inst.paths,
        services=ServicesHolder(inst=inst, code_sets=CodeSets()),
        runner=runner,
        session=records,
        settings=QSettings(str(prefs / "inbox-shots.ini"), QSettings.Format.IniFormat),
        idle_minutes=15,
    )
    window.resize(*SIZE)
    window.show()
    window.show_area("Inbox")
    page = window.areas["Inbox"]
    assert isinstance(page, InboxPage)
    settle(app, runner, lambda: page.model.rowCount() >= 4 and window.inbox_summary is not None)

    def choose(pick: Callable[[InboxEntry], bool]) -> None:
        row = next(r for r in range(page.proxy.rowCount()) if pick(page.entry_at(r)))
        page.table.selectRow(row)
        settle(app, runner, lambda: page.preview.loaded and page.preview_file is not None)

    oldest = min(page.model.rows(), key=lambda e: e.arrived_at)
    # Pictures and suggestions for every row first (the shot shows them all).
    page.focus_list()
    settle(
        app,
        runner,
        lambda: (
            page.preview.loaded
            and len(page.model.thumbs) + len(page.model.no_thumb) >= page.model.rowCount()
            and len(page.model.suggestions) + len(page.extras.no_suggestion)
            >= page.model.rowCount()
        ),
    )
    # A scan with a patient suggested from its text; an older one above it stays amber.
    choose(lambda e: bool(page.model.suggestions.get(e.id)) and e.id != oldest.id)
    settle(app, runner, lambda: page.preview.thumbnails_drawn == page.preview.pages.count)
    shots = [grab(window, out, "inbox.png", app, runner)]

    page.file_current()
    dialog = page.file_dialog
    assert dialog is not None
    settle(app, runner, lambda: dialog.preview.loaded and bool(dialog.picker.suggestions))
    dialog.activateWindow()
    settle(app, runner)
    shots.append(grab(dialog, out, "inbox-file.png", app, runner))
    dialog.picker.pick_selected()  # the suggestion: Enter in the patient box
    # As read off the faxed letter beside the form (its page 2).
    dialog.preview.go_to(1)
    dialog.fields.set_date(dt.date.today() - dt.timedelta(days=4))
    dialog.fields.author.setText("Riverside Family Practice")
    dialog.fields.description.setPlainText(
        "Back to our care after pneumonia; chest X-ray in 6 weeks"
    )
    settle(app, runner)
    dialog.fields.author.setFocus()
    shots.append(grab(dialog, out, "inbox-file-filled.png", app, runner))
    dialog.reject()
    settle(app, runner)

    choose(lambda e: e.page_count == 5)  # the stack of two patients' documents
    page.split_current()
    split = page.split_dialog
    assert split is not None
    split.toggle(4)
    split.thumbs.setCurrentRow(3)
    settle(app, runner, lambda: split.thumbnails_drawn == split.pages.count)
    shots.append(grab(split, out, "inbox-split.png", app, runner))
    split.reject()

    # The fax for another practice: the oldest of all.
    choose(lambda e: e.id == oldest.id)
    page.not_ours_current()
    reject = page.not_ours_dialog
    assert reject is not None
    reject.presets[0].setChecked(True)
    reject.details.setText("addressed to Lakeside Pediatrics")
    shots.append(grab(reject, out, "inbox-not-ours.png", app, runner))
    reject.reject()
    settle(app, runner)
    window.session = None
    window.close()
    return shots
