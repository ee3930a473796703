"""Documents and the scanner inbox (issue 12), for administrators: the folder the clinic's
scanner or fax software writes into, after how many days a scan still waiting is highlighted,
and the largest file a document may be.

The folder is checked on this workstation before it is saved (a full path, there, a folder,
readable and writable: scans are deleted from it once stored), because a folder mistyped or a
share not connected would otherwise only show as scans that never arrive. The check runs on a
worker, not the screen's thread: a share that does not answer can take a long time to say so.
"""

from __future__ import annotations

import ntpath
import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QWidget,
)

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.inbox import MAX_HIGHLIGHT_DAYS
from medrec_desktop.services.documents import MAX_MB_CEILING
from medrec_desktop.ui.admin.base import AdminPage, SessionGetter
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Lane, OpRunner
from medrec_desktop.ui.widgets.fielderrors import FieldErrors
from medrec_desktop.ui.widgets.unsaved import ChangeTracker, saved_stamp, track

FOLDER_FIELD = "inbox_folder"
DAYS_FIELD = "inbox_highlight_days"
MB_FIELD = "document_max_mb"

#: how the page asks for a folder (parent, where to start) -> the folder or None; tests put
#: their own in (the system's dialog is modal and belongs to the platform)
FolderChooser = Callable[[QWidget, str], str | None]


@dataclass(frozen=True)
class DocumentSettings:
    """What the page shows and saves."""

    folder: str | None
    highlight_days: int
    max_file_mb: int


def folder_problem(text: str) -> str | None:
    """Why ``text`` cannot be the scanner folder on this workstation, or None (blank is
    fine: no folder, no pick-up)."""
    folder = text.strip()
    if not folder:
        return None
    if not (os.path.isabs(folder) or posixpath.isabs(folder) or ntpath.isabs(folder)):
        return "Give the scanner folder's full path (for example /srv/scans or \\\\server\\scans)."
    path = Path(folder)
    if not path.exists():
        return "That folder does not exist on this computer (is the share connected?)"
    if not path.is_dir():
        return "That is a file, not a folder: choose the folder the scanner writes into."
    if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        return (
            "This computer may not read and write in that folder (scans are removed from it"
            " once stored). Ask whoever manages the folder or share for read and write access."
        )
    return None


def choose_folder(parent: QWidget, start: str) -> str | None:
    chosen = QFileDialog.getExistingDirectory(parent, "Scanner folder", start)
    return chosen or None


class DocumentSettingsPage(AdminPage):
    title = "Documents and scanner inbox"
    intro = (
        "These settings apply to every workstation that uses this database. Scans are picked"
        " up on the workstations of nurses, providers and records specialists while they are"
        " signed in."
    )
    #: DocumentSettings, after a save
    saved = Signal(object)

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: SessionGetter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(services=services, runner=runner, session=session, parent=parent)
        self.errors = FieldErrors(self.status)
        self.choose_folder: FolderChooser = choose_folder
        self.shown: DocumentSettings | None = None

        self.folder = QLineEdit()
        self.folder.setAccessibleName("Scanner folder")
        self.folder.setPlaceholderText("none: scans are not picked up")
        self.folder.setToolTip(
            "The folder (on this computer or a share) the scanner or fax software saves into"
        )
        self.browse_button = QPushButton("&Browse…")
        self.browse_button.setToolTip("Choose the scanner folder")
        self.browse_button.clicked.connect(self.browse)
        folder_row = QWidget()
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse_button)
        self.highlight_days = QSpinBox()
        self.highlight_days.setRange(1, MAX_HIGHLIGHT_DAYS)
        self.highlight_days.setSuffix(" days")
        self.highlight_days.setAccessibleName("Highlight scans waiting more than days")
        self.highlight_days.setToolTip("Scans waiting longer than this stand out in the inbox")
        self.max_mb = QSpinBox()
        self.max_mb.setRange(1, MAX_MB_CEILING)
        self.max_mb.setSuffix(" MB")
        self.max_mb.setAccessibleName("Largest file in MB")
        self.max_mb.setToolTip(
            "Larger files are refused when attached or picked up (they stay in the folder)"
        )

        inbox = QGroupBox("Scanner inbox")
        form = self._form(inbox)
        self.errors.add_row(form, "Scanner f&older", folder_row, FOLDER_FIELD)
        label = form.labelForField(folder_row)
        if isinstance(label, QLabel):
            label.setBuddy(self.folder)  # Alt+O lands in the path, not on the row
        form.addRow("", QLabel("Leave it blank to stop picking scans up."))
        self.errors.add_row(
            form, "Highlight scans &waiting more than", self.highlight_days, DAYS_FIELD
        )
        documents = QGroupBox("Documents")
        form = self._form(documents)
        self.errors.add_row(form, "&Largest file", self.max_mb, MB_FIELD)
        form.addRow("", QLabel("Applies to files attached in a chart and to scans picked up."))
        self.layout_.addWidget(inbox)
        self.layout_.addWidget(documents)
        self._align_labels(inbox, documents)

        self.save_button = QPushButton("&Save")
        self.save_button.setToolTip("Save the settings (Ctrl+S)")
        self.save_button.clicked.connect(lambda: self.save())
        self.revert_button = QPushButton("Re&vert")
        self.revert_button.setToolTip("Discard unsaved changes")
        self.revert_button.clicked.connect(self.discard_changes)
        save = QAction("Save settings", self)
        save.setShortcut(QKeySequence.StandardKey.Save)
        save.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.triggered.connect(lambda: self.save())
        self.addAction(save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.revert_button)
        buttons.addStretch(1)
        self.layout_.addLayout(buttons)
        self.layout_.addWidget(self.status)
        self.layout_.addStretch(1)
        order: list[QWidget] = [
            self.folder,
            self.browse_button,
            self.highlight_days,
            self.max_mb,
            self.save_button,
            self.revert_button,
        ]
        for first, second in zip(order, order[1:], strict=False):
            self.setTabOrder(first, second)
        self.tracker = ChangeTracker(self)
        track(self)  # a guarded form: leaving the screen asks about its changes
        self.tracker.watch([self.folder, self.highlight_days, self.max_mb])
        self.tracker.dirty_changed.connect(self._dirty_changed)
        self.revert_button.setEnabled(False)

    @staticmethod
    def _align_labels(*boxes: QGroupBox) -> None:
        labels = [w for box in boxes for w in box.findChildren(QLabel) if w.buddy() is not None]
        width = max(label.sizeHint().width() for label in labels)
        for label in labels:
            label.setMinimumWidth(width)

    @staticmethod
    def _form(box: QGroupBox) -> QFormLayout:
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        box.setMaximumWidth(760)
        return form

    # ------------------------------------------------------------------ loading

    def refresh(self) -> None:
        """Show the stored settings (not over the user's edits)."""
        if not self.tracker.is_dirty():
            self._load()

    def _load(self) -> None:
        self.errors.clear()
        inst = self.inst

        def work(s: UserSession) -> DocumentSettings:
            inbox = inst.inbox.settings(s)
            mb = inst.documents.max_file_mb(s)
            return DocumentSettings(inbox.folder, inbox.highlight_days, mb)

        self.run(work, self._show)

    def _show(self, values: DocumentSettings) -> None:
        self.shown = values
        with self.tracker.loading():
            self.folder.setText(values.folder or "")
            self.highlight_days.setValue(values.highlight_days)
            self.max_mb.setValue(values.max_file_mb)

    def browse(self) -> None:
        start = self.folder.text().strip()
        chosen = self.choose_folder(self, start if start and Path(start).is_dir() else "")
        if chosen:
            self.folder.setText(str(Path(chosen)))
            self.errors.clear()
        self.folder.setFocus()

    # ------------------------------------------------------------------ unsaved changes

    def _dirty_changed(self, dirty: bool) -> None:
        self.revert_button.setEnabled(dirty)
        if dirty:
            self.status.info("Unsaved changes.")
        elif self.status.message == "Unsaved changes.":
            self.status.clear_message()

    def has_unsaved_changes(self) -> bool:
        return self.tracker.is_dirty()

    def unsaved_summary(self) -> str:
        return f"{self.title} — changed: " + ", ".join(self.tracker.changed()) + "."

    def save_then(self, done: Callable[[], None]) -> None:
        self.save(then=done)

    def discard_changes(self) -> None:
        self._load()

    def reveal(self) -> None:
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QTabWidget):
            parent = parent.parentWidget()
        if parent is not None:
            parent.setCurrentWidget(self)

    # ------------------------------------------------------------------ saving

    def values(self) -> DocumentSettings:
        folder = self.folder.text().strip()
        return DocumentSettings(folder or None, self.highlight_days.value(), self.max_mb.value())

    def save(self, then: Callable[[], None] | None = None) -> None:
        """Check the folder on this workstation (on a worker), then store what changed."""
        if not self.save_button.isEnabled():
            return
        self.errors.clear()
        wanted = self.values()
        self.save_button.setEnabled(False)
        self.status.info("Checking the folder…" if wanted.folder else "Saving…")

        def checked(problem: str | None) -> None:
            if problem is not None:
                self.save_button.setEnabled(True)
                self.status.clear_message()
                self.errors.show(ValidationError(problem, field=FOLDER_FIELD))
                return
            self._store(wanted, then)

        self.run(
            lambda _s: folder_problem(wanted.folder or ""),
            checked,
            self._failed,
            lane=Lane.LONG,
        )

    def _store(self, wanted: DocumentSettings, then: Callable[[], None] | None) -> None:
        inst, before = self.inst, self.shown

        def work(s: UserSession) -> DocumentSettings:
            # Each setting is its own audited change; only the ones changed are written. All
            # were checked before the first is written (the folder above, the numbers by the
            # spin boxes' ranges), so a refusal here is unexpected, and what was saved before
            # it is shown as saved.
            if before is None or wanted.folder != before.folder:
                inst.inbox.set_folder(s, wanted.folder)
            if before is None or wanted.highlight_days != before.highlight_days:
                inst.inbox.set_highlight_days(s, wanted.highlight_days)
            if before is None or wanted.max_file_mb != before.max_file_mb:
                inst.documents.set_max_file_mb(s, wanted.max_file_mb)
            inbox = inst.inbox.settings(s)
            mb = inst.documents.max_file_mb(s)
            return DocumentSettings(inbox.folder, inbox.highlight_days, mb)

        def done(values: DocumentSettings) -> None:
            self.save_button.setEnabled(True)
            self._show(values)
            self.status.ok(saved_stamp().removeprefix("✓ ") + ".")
            self.saved.emit(values)
            if then is not None:
                then()

        self.run(work, done, self._failed)

    def _failed(self, err: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(err, ValidationError):
            self.status.clear_message()
            self.errors.show(err)
        else:
            self.status.show_error(err)
