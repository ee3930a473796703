"""Backups, database verification and restore.

After a successful restore the page swaps the services holder to the newly opened installation
(the old one is closed by then) and emits ``restored(Installation)``: the main window asks for
sign-in again, because the restored database holds the accounts as they were when the backup
was made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import IntegrityReport, UserSession
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.security.secret_store import os_keyring_or_none
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.ui.admin.base import AdminPage, SessionGetter
from medrec_desktop.ui.admin.restore_dialog import RestoreDialog
from medrec_desktop.ui.admin.server_move_dialog import ServerMoveDialog
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Job, Lane, Op, OpRunner
from medrec_desktop.ui.widgets.status import StatusLabel

BACKUP_FILTER = "medrec backups (*.medrec-backup);;All files (*)"


class BackupCancelled(KnownError):
    def __init__(self) -> None:
        super().__init__("The backup was cancelled; no backup file was written.")


def _section(title: str, text: str, *buttons: QPushButton) -> tuple[QGroupBox, QVBoxLayout, QLabel]:
    box = QGroupBox(title)
    col = QVBoxLayout(box)
    label = QLabel(text)
    label.setWordWrap(True)
    col.addWidget(label)
    row = QHBoxLayout()
    for b in buttons:
        row.addWidget(b)
    row.addStretch(1)
    col.addLayout(row)
    return box, col, label


class BackupPage(AdminPage):
    title = "Backup and restore"
    intro = (
        "Back up at least daily to a removable drive kept away from this computer. A backup is "
        "encrypted with this clinic's key and is checked before it is kept."
    )
    restored = Signal(object)  # the new Installation
    moved = Signal(object)  # the Installation on the clinic server, after a move

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: SessionGetter,
        parent: QWidget | None = None,
        unlock: Callable[[], Unlock] | None = None,
    ) -> None:
        """``unlock`` gives the way this workstation unlocks the key file (the main window
        knows it); without it a restore uses the OS keyring or asks for the passphrase."""
        super().__init__(services=services, runner=runner, session=session, parent=parent)
        self._unlock = unlock
        self.progress_dialog: QProgressDialog | None = None
        self.restore_dialog: RestoreDialog | None = None
        self.last_progress = 0
        self._backup: Op[Path] | None = None

        self.backup_button = QPushButton("&Back up now…")
        self.backup_button.clicked.connect(self.back_up)
        self.backup_status = StatusLabel()
        self.backup_status.setAccessibleName("Backup result")
        box, col, self.backup_explanation = _section(
            "Back up",
            "Writes one file: the encrypted database and its key file, verified "
            "after writing. Keep the recovery sheet separately: it is needed to open a backup "
            "on another computer.",
            self.backup_button,
        )
        col.addWidget(self.backup_status)
        self.layout_.addWidget(box)

        self.verify_button = QPushButton("&Verify database")
        self.verify_button.clicked.connect(self.verify)
        self.verify_status = StatusLabel()
        self.verify_status.setAccessibleName("Verification result")
        box, col, self.verify_explanation = _section(
            "Check",
            "Checks the database file's integrity and the audit trail's chain. Nothing is changed.",
            self.verify_button,
        )
        col.addWidget(self.verify_status)
        self.layout_.addWidget(box)

        self.restore_button = QPushButton("&Restore from backup…")
        self.restore_button.clicked.connect(self.restore)
        box, col, self.restore_explanation = _section(
            "Restore",
            "Replaces the whole database with a backup, after checking it. Use it "
            "after a disk failure or damage; everything recorded since the backup is lost.",
            self.restore_button,
        )
        col.addWidget(self.status)
        self.layout_.addWidget(box)

        # Issue 15: a clinic that grows past one computer moves its file to a server.
        self.move_dialog: ServerMoveDialog | None = None
        self.move_button = QPushButton("&Move to a clinic server…")
        self.move_button.clicked.connect(self.move_to_server)
        box, col, self.move_explanation = _section(
            "Clinic server",
            "When several workstations should share the records, move them from this "
            "computer's encrypted file to an empty database on the clinic's PostgreSQL "
            "server (your IT person creates it with 'medrec server setup'). The file is kept.",
            self.move_button,
        )
        self.layout_.addWidget(box)
        self.layout_.addStretch(1)
        if self.inst.store.is_server:
            self.move_explanation.setText(
                f"This workstation works on the {self.inst.store.description}."
            )
            self.move_button.hide()
        if self.inst.store.is_server:
            # The same buttons, saying what they do on the clinic server (pg_dump inside).
            self.backup_explanation.setText(
                "Writes one file: an encrypted dump of the clinic's server database (made "
                "with PostgreSQL's pg_dump) and its key file, checked by restoring it into a "
                "scratch database on the server. Keep the recovery sheet separately."
            )
            self.verify_explanation.setText(
                "Checks the server database and the audit trail's chain. Nothing is changed."
            )
            self.restore_explanation.setText(
                "A server backup is restored only into a new, empty database, so nothing is "
                "overwritten: your IT contact creates it and runs 'medrec restore FILE "
                "--server APP_URL --owner OWNER_URL' (see the README)."
            )
            self.restore_button.setEnabled(False)
            self.restore_button.setToolTip(
                "Server backups are restored into an empty database with 'medrec restore'."
            )

    def refresh(self) -> None:
        """Nothing to load until the administrator acts."""
        self.settled.emit()

    # ------------------------------------------------------------------ backup

    def _ask_backup_path(self) -> Path | None:
        """Where to write the backup; tests replace this one method."""
        name = f"clinic-{dt.datetime.now():%Y-%m-%d-%H%M}.medrec-backup"
        path, _ = QFileDialog.getSaveFileName(
            self, "Back up to", str(Path.home() / name), BACKUP_FILTER
        )
        return Path(path) if path else None

    def back_up(self) -> None:
        if self.session() is None:
            return
        out = self._ask_backup_path()
        if out is None:
            return
        if out.exists():  # the service refuses to overwrite; say so before starting
            self.backup_status.error(f"{out.name} already exists; choose a new file name.")
            return
        self.last_progress = 0
        what = "Dumping the server database…" if self.inst.store.is_server else None
        dialog = QProgressDialog(what or "Copying the database…", "Cancel", 0, 100, self)
        dialog.setWindowTitle("Back up")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self._cancel_backup)
        self.progress_dialog = dialog
        self.backup_button.setEnabled(False)
        self.backup_status.info("Backing up…")
        inst = self.inst

        def work(session: UserSession, job: Job) -> Path:
            def progress(done: int, total: int) -> None:  # runs on the worker thread
                if job.cancelled:
                    raise BackupCancelled()  # the service removes the partial copy
                job.progress(done, total)

            return inst.backup(session, out, progress)

        self._backup = self.run_job(
            work,
            self._backup_done,
            self._backup_failed,
            lane=Lane.LONG,
            progress=self._on_progress,
            on_cancelled=self._backup_cancelled,
        )

    def _cancel_backup(self) -> None:
        if self._backup is not None:
            self._backup.cancel()

    def _backup_cancelled(self) -> None:
        self._close_progress()
        self.backup_status.show_error(BackupCancelled())

    def _on_progress(self, done: int, total: int) -> None:
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        self.last_progress = max(self.last_progress, percent)
        if self.progress_dialog is not None:
            self.progress_dialog.setValue(percent)
            if percent >= 100:
                self.progress_dialog.setLabelText("Verifying the backup copy…")
                self.progress_dialog.setCancelButton(None)

    def _close_progress(self) -> None:
        self._backup = None
        self.backup_button.setEnabled(True)
        if self.progress_dialog is not None:
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None

    def _backup_done(self, path: Path) -> None:
        self._close_progress()
        size = path.stat().st_size / 1e6 if path.exists() else 0.0
        self.backup_status.ok(f"Backup written and verified: {path} ({size:,.1f} MB).")

    def _backup_failed(self, err: BaseException) -> None:
        self._close_progress()
        self.backup_status.show_error(err)

    # ------------------------------------------------------------------ verify

    def verify(self) -> None:
        self.verify_status.info("Checking the database…")
        self.verify_button.setEnabled(False)

        def shown(report: IntegrityReport) -> None:
            self.verify_button.setEnabled(True)
            rows = sum(report.row_counts.values())
            if report.ok:
                self.verify_status.ok(
                    f"{report.summary} {rows:,} rows in {len(report.row_counts)} tables checked."
                )
            else:
                self.verify_status.error(
                    report.summary + " Make no further changes; restore the latest verified "
                    "backup or call your support contact."
                )

        def failed(err: BaseException) -> None:
            self.verify_button.setEnabled(True)
            self.verify_status.show_error(err)

        self.run(self.inst.verify, shown, failed, lane=Lane.LONG)

    # ------------------------------------------------------------------ restore

    def _ask_restore_path(self) -> Path | None:
        """Which backup to restore; tests replace this one method."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Restore from backup", str(Path.home()), BACKUP_FILTER
        )
        return Path(path) if path else None

    def restore(self) -> None:
        session = self.session()
        if session is None:
            return
        backup = self._ask_restore_path()
        if backup is None:
            return
        ask_passphrase = self._unlock is None and self.inst.keyring.keyfile.slot("keyring") is None
        dialog = RestoreDialog(
            backup, self.inst.paths, session.username, ask_passphrase=ask_passphrase, parent=self
        )
        dialog.restore_button.clicked.connect(lambda: self._start_restore(dialog))
        dialog.finished.connect(lambda _: setattr(self, "restore_dialog", None))
        self.restore_dialog = dialog
        dialog.open()

    def _start_restore(self, dialog: RestoreDialog) -> None:
        password = dialog.password.text()
        if not password:
            dialog.message.error("Enter your password to confirm.")
            dialog.password.setFocus()
            return
        typed = dialog.passphrase.text() if dialog.passphrase is not None else None
        provider = self._unlock
        old, paths, backup = self.inst, self.inst.paths, dialog.backup
        dialog.set_busy(True)
        dialog.message.info("Verifying the backup and restoring… this can take a minute.")

        def work(session: UserSession) -> Installation:
            how = (
                provider()
                if provider
                else Unlock(secret_store=os_keyring_or_none(), passphrase=typed or None)
            )
            # The old connections must be closed before the file under them is replaced;
            # if the restore fails, the old installation reconnects on its next use.
            old.close()
            return Installation.restore(
                paths, backup, how, username=session.username, password=password
            )

        def done(new: Installation) -> None:
            dialog.accept()
            # Every screen reads through the holder, so from here on all of them (and any
            # opened later) work on the restored database.
            self.services.swap(new)
            self.status.ok(f"Restored {backup.name}. Please sign in again.")
            self.restored.emit(new)

        def failed(err: BaseException) -> None:
            dialog.set_busy(False)
            dialog.message.show_error(err)

        # The database lane: the old connections close only after every read or save queued
        # before the restore has finished with them.
        self.run(work, done, failed)

    # ------------------------------------------------------------------ move to a server

    def move_to_server(self) -> None:
        if self.session() is None or self.inst.store.is_server:
            return
        dialog = ServerMoveDialog(
            services=self.services, runner=self.runner, session=self._session, parent=self
        )
        dialog.moved.connect(self.moved)
        dialog.finished.connect(lambda _: setattr(self, "move_dialog", None))
        self.move_dialog = dialog
        dialog.open()
