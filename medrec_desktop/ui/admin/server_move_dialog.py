"""Administration › Backup and restore › "Move to a clinic server…" (issue 15 item 1): the
clinic's file copied into an empty database on its PostgreSQL server, in one run
(services/server_move.py).

Three steps in one window: the addresses (what happens, in plain words; the passwords typed
apart and masked), then the copy with its progress and Cancel, then what was moved and
checked. The move runs on the long lane; the holder swaps to the server as soon as it has
succeeded (every screen works on it from then on) and, when the window closes, ``moved``
asks the main window for a new sign-in. A sign-out or a lock meanwhile waits for the move to
end (the holder's ``replacing``), so the swap always lands. A refusal, a failure or a cancel
brings the first step back with everything typed kept and the problem said on it; the file
is still in use.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.errors import KnownError
from medrec_desktop.domain.server_move import MoveCancelledError, MoveResult, MoveTarget
from medrec_desktop.services.installation import Installation, with_password
from medrec_desktop.services.server_move import Moved, move_to_server
from medrec_desktop.ui.admin.base import SessionGetter
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Job, Lane, Op, OpRunner
from medrec_desktop.ui.widgets.file_dialogs import open_file_path
from medrec_desktop.ui.widgets.status import StatusLabel, error_text

CERTIFICATES = "Certificates (*.pem *.crt *.cer);;All files (*)"


def explanation(file: Path) -> str:
    return (
        "<p>Copies every record, user and audit event from this computer's encrypted file "
        "into an <b>empty</b> database on the clinic's PostgreSQL server, in one run, and "
        "checks the copy there. From then on this computer works on the server, and so can "
        "the clinic's other workstations.</p><ul>"
        "<li>Your IT person creates the empty database and its two accounts with "
        "<i>medrec server setup</i>: the application account every workstation works as, and "
        "the owner account, which creates the tables now and is kept nowhere.</li>"
        "<li>Everyone else must close medrec on this computer first. Nobody can save while "
        "the move runs (a minute or two for a large clinic).</li>"
        "<li>If anything fails, or you cancel, nothing is left on the server and this "
        "computer keeps working on its file.</li>"
        f"<li>The file {file} stays where it is, with its records as they were; it is no "
        "longer used afterwards. You sign in again, to the server.</li></ul>"
    )


def result_text(r: MoveResult) -> str:
    return (
        f"Moved {r.rows:,} rows in {r.tables} tables in {r.seconds:,.1f} s. Checked on the "
        f"server: every table's rows as in the file. {r.audit_summary} The move is recorded "
        "in the audit trail, which continues on the server.\n\n"
        f"The encrypted file {r.file} is kept, with its records as they were at the move, and "
        "is no longer used: keep it until the server's first backup is made (Back up now, on "
        "this page).\n\n"
        "Other workstations join with a one-time code: Administration › Server › Add a "
        "workstation… here, then “Join this clinic's server” in their set-up wizard."
    )


class _MoveJob:
    """The dialog's Cancel is a flag of its own (the op's result must still arrive: a move
    that finished as Cancel was pressed has happened); the op's own flag (sign-out,
    shutdown) stops it too."""

    def __init__(self, job: Job, stop: threading.Event) -> None:
        self._job, self._stop = job, stop

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set() or self._job.cancelled

    def progress(self, done: int, total: int) -> None:
        self._job.progress(done, total)


class ServerMoveDialog(QDialog):
    #: the Installation now working on the server (emitted when the window closes after a
    #: move; the holder already serves it)
    moved = Signal(object)

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: SessionGetter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.runner = runner
        self._session = session
        self._stop = threading.Event()
        self._op: Op[Moved] | None = None
        self.new: Installation | None = None
        self.report: MoveResult | None = None
        # How the CA certificate is chosen; tests put their own in (Qt's dialog is modal).
        self.ask_certificate = self._certificate_from_dialog
        self.setWindowTitle("Move to a clinic server")
        self.setMinimumWidth(720)
        outer = QVBoxLayout(self)
        self.pages = QStackedWidget()
        outer.addWidget(self.pages)
        self.pages.addWidget(self._form_page())
        self.pages.addWidget(self._progress_page())
        self.pages.addWidget(self._result_page())
        self.app_url.setFocus()
        self.finished.connect(self._closed, Qt.ConnectionType.QueuedConnection)

    # ------------------------------------------------------------------ the pages

    def _form_page(self) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        col.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("<b>Move this clinic to a clinic server</b>")
        heading.setStyleSheet("font-size: 14pt;")
        col.addWidget(heading)
        self.about = QLabel(explanation(self.services.inst.paths.database))
        self.about.setWordWrap(True)
        self.about.setTextFormat(Qt.TextFormat.RichText)
        col.addWidget(self.about)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.app_url = QLineEdit()
        self.app_url.setAccessibleName("Application account address")
        self.app_url.setPlaceholderText("postgresql://medrec_app@db.clinic.example/medrec")
        form.addRow("Application account &address", self.app_url)
        self.app_password = QLineEdit()
        self.app_password.setAccessibleName("Application account password")
        self.app_password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Application account pass&word", self.app_password)
        self.ca_cert = QLineEdit()
        self.ca_cert.setAccessibleName("Clinic CA certificate file")
        self.ca_cert.setPlaceholderText("required for a server on another computer")
        self.ca_button = QPushButton("C&hoose…")
        self.ca_button.setToolTip("The clinic's CA certificate (PEM), from your IT person")
        self.ca_button.setAutoDefault(False)  # Enter in a field never opens a file chooser
        self.ca_button.clicked.connect(self.choose_certificate)
        ca_row = QWidget()
        row = QHBoxLayout(ca_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.ca_cert, 1)
        row.addWidget(self.ca_button)
        ca_row.setFocusProxy(self.ca_cert)
        form.addRow("Clinic CA cer&tificate", ca_row)
        self.owner_url = QLineEdit()
        self.owner_url.setAccessibleName("Owner account address")
        self.owner_url.setPlaceholderText("postgresql://medrec_owner@db.clinic.example/medrec")
        form.addRow("&Owner account address", self.owner_url)
        self.owner_password = QLineEdit()
        self.owner_password.setAccessibleName("Owner account password")
        self.owner_password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Owner's pa&ssword", self.owner_password)
        col.addLayout(form)
        self.message = StatusLabel()
        self.message.setAccessibleName("Move message")
        col.addWidget(self.message)
        col.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.start_button = QPushButton("Start the &move")
        # Enter in a field does not start it: it is started on purpose (Alt+M, or the button).
        self.start_button.setAutoDefault(False)
        self.start_button.clicked.connect(self.start)
        self.close_button = QPushButton("Close")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.close_button)
        col.addLayout(buttons)
        return page

    def _progress_page(self) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        col.setContentsMargins(0, 0, 0, 0)
        self.stage = QLabel()
        self.stage.setWordWrap(True)
        self.stage.setStyleSheet("font-size: 13pt;")
        col.addWidget(self.stage)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Move progress")
        self.progress.setTextVisible(False)  # the count below says it in words
        col.addWidget(self.progress)
        self.count = QLabel()
        self.count.setAccessibleName("Rows copied")
        col.addWidget(self.count)
        note = QLabel(
            "Nobody can save on this computer until the move ends. Cancel stops it: nothing "
            "is left on the server, and this computer keeps working on its file."
        )
        note.setWordWrap(True)
        col.addWidget(note)
        col.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("&Cancel the move")
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addWidget(self.cancel_button)
        col.addLayout(buttons)
        return page

    def _result_page(self) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        col.setContentsMargins(0, 0, 0, 0)
        self.outcome = StatusLabel()
        self.outcome.setAccessibleName("Move result")
        self.outcome.setStyleSheet("font-size: 13pt;")
        col.addWidget(self.outcome)
        self.details = QLabel()
        self.details.setAccessibleName("What was moved")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        col.addWidget(self.details)
        col.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.done_button = QPushButton("&Sign in again")
        self.done_button.setDefault(True)
        self.done_button.clicked.connect(self.accept)
        buttons.addWidget(self.done_button)
        col.addLayout(buttons)
        return page

    # ------------------------------------------------------------------ the form

    def _certificate_from_dialog(self) -> Path | None:
        return open_file_path(self, "Clinic CA certificate", CERTIFICATES, self.ca_cert.text())

    def choose_certificate(self) -> None:
        chosen = self.ask_certificate()
        if chosen is not None:
            self.ca_cert.setText(str(chosen))
        self.ca_cert.setFocus()

    def target(self) -> MoveTarget:
        ca = self.ca_cert.text().strip()
        return MoveTarget(
            app_url=with_password(self.app_url.text().strip(), self.app_password.text()),
            owner_url=with_password(self.owner_url.text().strip(), self.owner_password.text()),
            ca_cert=Path(ca).expanduser() if ca else None,
        )

    def _refuse(self, text: str, field: QWidget) -> None:
        self.pages.setCurrentIndex(0)
        self.message.error(text)
        field.setFocus()

    # ------------------------------------------------------------------ moving

    @property
    def running(self) -> bool:
        return self._op is not None

    def start(self) -> None:
        if self.running:
            return
        self.message.clear_message()
        if not self.app_url.text().strip():
            self._refuse(
                "Enter the application account's address (medrec server setup printed it).",
                self.app_url,
            )
            return
        if not self.owner_url.text().strip():
            self._refuse(
                "Enter the owner account's address: it creates the clinic's tables on the "
                "server (medrec server setup made it).",
                self.owner_url,
            )
            return
        session = self._session()
        if session is None:
            return
        target = self.target()
        inst = self.services.inst
        stop = self._stop = threading.Event()

        def work(job: Job) -> Moved:
            moved = move_to_server(inst, session, target, _MoveJob(job, stop))
            # The file is no longer the record: its installation refuses every call already
            # (services.server_move); its connections close here, off the GUI thread.
            inst.close()
            return moved

        op: Op[Moved] = Op.with_job(self, work, runner=self.runner, lane=Lane.LONG)
        op.progress(self._progressed).success(self._done).failure(self._failed)
        op.finished(self._finished)  # also when the op itself was cancelled (sign-out)
        self._op = op.run()
        # Sign-out and lock wait for the move to end (they stop it first where it still can
        # stop): past the copy it switches the folder and closes the file's installation,
        # so its outcome must land here, on the holder, whatever the user does meanwhile.
        self.services.begin_replacement(self, stop.set)
        self.stage.setText("Moving the clinic to the server… checking and creating the tables.")
        self.progress.setRange(0, 0)  # busy until the first rows are copied
        self.count.setText("Starting…")
        self.cancel_button.setEnabled(True)
        self.pages.setCurrentIndex(1)
        self.cancel_button.setFocus()

    def cancel(self) -> None:
        if self.running:
            self._stop.set()
            self.cancel_button.setEnabled(False)
            self.stage.setText("Cancelling… whatever was copied is being removed from the server.")

    def _progressed(self, done: int, total: int) -> None:
        if self._stop.is_set():
            return
        if done >= total > 0:
            self.stage.setText("Checking the copy on the server: rows and the audit trail…")
            # Every row is copied: what is left cannot be stopped half-way (it commits, or it
            # fails and removes the copy itself).
            self.cancel_button.setEnabled(False)
        else:
            self.stage.setText("Copying the records to the server…")
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.count.setText(f"{done:,} of {total:,} rows copied")

    def _finished(self) -> None:
        self._op = None
        self.services.end_replacement()

    def _done(self, moved: Moved) -> None:
        self.new, self.report = moved.inst, moved.result
        # Every screen (and every screen opened later) works on the server from now on.
        self.services.swap(moved.inst)
        self.outcome.ok(f"The clinic is now on the server {moved.result.server}.")
        self.details.setText(result_text(moved.result))
        self.pages.setCurrentIndex(2)
        self.done_button.setFocus()

    def _failed(self, err: BaseException) -> None:
        if isinstance(err, MoveCancelledError):
            text = err.message
        else:
            text = error_text(err)
            if isinstance(err, KnownError) and "Nothing was" not in text:
                text += " This computer keeps working on its file."
        about_owner = "owner" in text and "application account" not in text
        about_ca = "certificate" in text and "not made out to the name" not in text
        field = self.ca_cert if about_ca else self.owner_url if about_owner else self.app_url
        self._refuse(text, field)

    # ------------------------------------------------------------------ closing

    def reject(self) -> None:
        """Esc and Close: not while the move runs (Cancel stops it); after a move, as Sign
        in again."""
        if self.running:
            return
        if self.new is not None:
            self.accept()
            return
        super().reject()

    def _closed(self, _code: int) -> None:
        # On ``finished``, which also comes when the window is closed from outside (the lock
        # closes every dialog with QDialog.done, past ``reject``), and queued: whoever closed
        # it finishes first (a lock has put its screen up) before the sign-in is asked for.
        if self.new is not None:
            new, self.new = self.new, None
            self.moved.emit(new)


__all__ = ["ServerMoveDialog", "explanation", "result_text"]
