"""First-run set-up: clinic, administrator, data folder, key protection, recovery key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.errors import (
    KnownError,
    ServerConnectionError,
    ServerRoleError,
    ValidationError,
)
from medrec_desktop.paths import DataPaths
from medrec_desktop.security import passwords
from medrec_desktop.security.keyslots import check_passphrase
from medrec_desktop.security.secret_store import SecretStore, os_keyring_or_none
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.demo import create_demo_clinic
from medrec_desktop.services.installation import (
    Installation,
    NewAdmin,
    Unlock,
    check_server_choice,
    with_password,
)
from medrec_desktop.services.users import validate_username
from medrec_desktop.services.workstation_join import JoinRequest, join
from medrec_desktop.services.workstations import read_here
from medrec_desktop.ui.tasks import Lane, Op, OpRunner
from medrec_desktop.ui.widgets.ca_certificate import CaCertificateRow
from medrec_desktop.ui.wizard_join import JoinedPage, JoinPage

ERROR_STYLE = "color: #b42318;"
DEMO_PATIENTS = 300


def _error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    return label


class ClinicPage(QWizardPage):
    """A new clinic's letterhead, or the other road: join the clinic's server (issue 15)."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your clinic")
        self.setSubTitle(
            "A new clinic's name and address are printed as the letterhead on records and "
            "reports (you can change them later)."
        )
        form = QFormLayout(self)
        self.new_clinic = QRadioButton("Set up a ne&w clinic")
        self.join = QRadioButton(
            "&Join this clinic's server: another workstation is set up already"
        )
        self.new_clinic.setChecked(True)
        form.addRow("", self.new_clinic)
        form.addRow("", self.join)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        form.addRow(line)
        self.name = QLineEdit()
        self.name.setAccessibleName("Clinic name")
        self.address = QLineEdit()
        self.address.setAccessibleName("Clinic address")
        self.phone = QLineEdit()
        self.phone.setAccessibleName("Clinic phone")
        self.demo = QCheckBox("Fill it with a &demo clinic (synthetic patients, for trying it out)")
        form.addRow("&Clinic name *", self.name)
        form.addRow("&Address", self.address)
        form.addRow("&Phone", self.phone)
        form.addRow("", self.demo)
        self.error = _error_label()
        form.addRow("", self.error)
        self.join.toggled.connect(self._toggle)

    def joining(self) -> bool:
        return self.join.isChecked()

    def _toggle(self, joining: bool) -> None:
        for w in (self.name, self.address, self.phone, self.demo):
            w.setEnabled(not joining)
        self.error.clear()

    def validatePage(self) -> bool:  # noqa: N802
        if self.joining():
            return True
        if not self.name.text().strip():
            self.error.setText("⚠ Enter the clinic's name.")
            self.name.setFocus()
            return False
        self.error.clear()
        return True


class AdminPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Administrator account")
        self.setSubTitle(
            "The administrator adds the other users and runs backups. Administrators do not "
            "see clinical records."
        )
        form = QFormLayout(self)
        self.username = QLineEdit("admin")
        self.username.setAccessibleName("Administrator user name")
        self.full_name = QLineEdit()
        self.full_name.setAccessibleName("Administrator full name")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.password2 = QLineEdit()
        self.password2.setEchoMode(QLineEdit.EchoMode.Password)
        self.password2.setAccessibleName("Password again")
        form.addRow("&User name *", self.username)
        form.addRow("&Full name *", self.full_name)
        form.addRow("&Password *", self.password)
        form.addRow("Password &again *", self.password2)
        hint = QLabel(f"At least {passwords.MIN_LENGTH} characters; a short sentence works well.")
        hint.setStyleSheet("color: palette(mid);")
        form.addRow("", hint)
        self.error = _error_label()
        form.addRow("", self.error)

    def validatePage(self) -> bool:  # noqa: N802
        try:
            name = validate_username(self.username.text())
            if not self.full_name.text().strip():
                raise ValidationError("Enter the administrator's full name.", field="full")
            passwords.check_policy(self.password.text(), username=name)
            if self.password.text() != self.password2.text():
                raise ValidationError("The two passwords are different.", field="password2")
        except ValidationError as err:
            self.error.setText(f"⚠ {err.message}")
            return False
        self.error.clear()
        return True


class LocationPage(QWizardPage):
    """The data folder, and where the records live: an encrypted file in it, or the clinic's
    PostgreSQL server (then checked over TLS against the clinic's CA certificate)."""

    def __init__(self, default: Path) -> None:
        super().__init__()
        self.setTitle("Where the records are kept")
        self.setSubTitle(
            "This folder holds the key file (and, on a single workstation, the encrypted "
            "database). Keep it on this computer's own disk, never on a network drive."
        )
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.folder = QLineEdit(str(default))
        self.folder.setAccessibleName("Data folder")
        choose = QPushButton("&Choose…")
        choose.clicked.connect(self._choose)
        row.addWidget(self.folder, 1)
        row.addWidget(choose)
        layout.addLayout(row)
        self.use_file = QRadioButton("An encrypted &file in this folder (one workstation)")
        self.use_server = QRadioButton("The clinic's PostgreSQL se&rver (several workstations)")
        self.use_file.setChecked(True)
        layout.addWidget(self.use_file)
        layout.addWidget(self.use_server)
        form = QFormLayout()
        self.server_url = QLineEdit()
        self.server_url.setAccessibleName("Server address")
        self.server_url.setPlaceholderText("postgresql://medrec@db.clinic.example:5432/medrec")
        form.addRow("Server &address", self.server_url)
        ca_row = CaCertificateRow(self)
        self.ca_cert, self.ca_button = ca_row.path, ca_row.button
        form.addRow("CA certificate", ca_row)
        self.owner_url = QLineEdit()
        self.owner_url.setAccessibleName("Owner account address")
        self.owner_url.setPlaceholderText("postgresql://medrec_owner@db.clinic.example/medrec")
        form.addRow("O&wner account address", self.owner_url)
        self.owner_password = QLineEdit()
        self.owner_password.setAccessibleName("Owner account password")
        self.owner_password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Owner's &password", self.owner_password)
        layout.addLayout(form)
        note = QLabel(
            "A server on another computer is reached only over an encrypted connection that "
            "checks its certificate against the clinic's CA certificate (ask your IT person "
            "for the file). A copy is kept in the data folder. The server address names the "
            "application account every workstation works as; the owner account (both made by "
            "medrec server setup) creates the clinic's tables now and is kept nowhere."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.error = _error_label()
        layout.addWidget(self.error)
        layout.addStretch(1)
        self._server_widgets = (
            self.server_url,
            self.ca_cert,
            self.ca_button,
            self.owner_url,
            self.owner_password,
            note,
        )
        self.use_server.toggled.connect(self._toggle)
        self._toggle(False)

    def _toggle(self, on: bool) -> None:
        for w in self._server_widgets:
            w.setEnabled(on)
        if on and self.isVisible():
            self.server_url.setFocus()

    def _choose(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Data folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def server_choice(self) -> tuple[str, Path | None] | None:
        """The server address and CA certificate file, or None for a local file."""
        if not self.use_server.isChecked():
            return None
        ca = self.ca_cert.text().strip()
        return self.server_url.text().strip(), Path(ca).expanduser() if ca else None

    def owner_choice(self) -> str | None:
        """The owner account's address with its password (typed apart, so it is never shown),
        or None for a local file."""
        if not self.use_server.isChecked():
            return None
        return with_password(self.owner_url.text().strip(), self.owner_password.text()) or None

    def show_server_error(self, err: KnownError) -> None:
        """A failure reaching the server, shown here with everything typed kept; the cursor
        goes to the field to fix (the certificate for certificate messages)."""
        self.error.setText(f"⚠ {err.message}")
        about_ca = "certificate" in err.message and "not made out to the name" not in err.message
        (self.ca_cert if about_ca else self.server_url).setFocus()

    def validatePage(self) -> bool:  # noqa: N802
        paths = DataPaths(Path(self.folder.text()).expanduser())
        if Installation.exists(paths) or paths.keys.exists():
            self.error.setText("⚠ This folder already holds a medrec database. Choose another.")
            return False
        server = self.server_choice()
        if server is not None:
            url, ca = server
            if not url:
                self.error.setText("⚠ Enter the server's address, or choose the file instead.")
                self.server_url.setFocus()
                return False
            owner = self.owner_choice()
            if not owner:
                self.error.setText(
                    "⚠ Enter the owner account's address: it creates the clinic's tables on "
                    "the server (medrec server setup made it)."
                )
                self.owner_url.setFocus()
                return False
            try:
                check_server_choice(url, ca)
            except ServerConnectionError as err:
                self.show_server_error(err)
                return False
            try:
                check_server_choice(owner, ca)
            except ServerConnectionError as err:
                self.error.setText(f"⚠ Owner account: {err.message}")
                self.owner_url.setFocus()
                return False
        self.error.clear()
        return True


class KeyPage(QWizardPage):
    def __init__(self, keyring: SecretStore | None) -> None:
        super().__init__()
        self.keyring = keyring
        self.setTitle("Protecting the database key")
        layout = QVBoxLayout(self)
        self.use_keyring = QRadioButton("Keep the key in this computer's &keyring (recommended)")
        self.use_passphrase = QRadioButton("Protect the key with a workstation &passphrase")
        layout.addWidget(self.use_keyring)
        layout.addWidget(self.use_passphrase)
        if keyring is None:
            self.use_keyring.setEnabled(False)
            self.use_passphrase.setChecked(True)
            note = QLabel(
                "This computer has no secure keyring (Windows Credential Manager, macOS "
                "Keychain, GNOME Keyring or KWallet), so a passphrase is needed. It is asked "
                "for when the program starts."
            )
        else:
            self.use_keyring.setChecked(True)
            note = QLabel(f"Found: {keyring.label}.")
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QFormLayout()
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Workstation passphrase")
        self.passphrase2 = QLineEdit()
        self.passphrase2.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase2.setAccessibleName("Workstation passphrase again")
        form.addRow("Passph&rase", self.passphrase)
        form.addRow("Passphrase a&gain", self.passphrase2)
        layout.addLayout(form)
        self.error = _error_label()
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.use_passphrase.toggled.connect(self._toggle)
        self._toggle(self.use_passphrase.isChecked())

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        # Without a keyring the only thing to do here is type the passphrase: start there.
        if self.use_passphrase.isChecked():
            self.passphrase.setFocus()
        else:
            self.use_keyring.setFocus()

    def _toggle(self, on: bool) -> None:
        self.passphrase.setEnabled(on)
        self.passphrase2.setEnabled(on)
        if on and self.isVisible():
            self.passphrase.setFocus()

    def validatePage(self) -> bool:  # noqa: N802
        if self.use_passphrase.isChecked():
            try:
                check_passphrase(self.passphrase.text())
            except ValidationError as err:
                self.error.setText(f"⚠ {err.message}")
                return False
            if self.passphrase.text() != self.passphrase2.text():
                self.error.setText("⚠ The two passphrases are different.")
                return False
        self.error.clear()
        return True


class RecoveryPage(QWizardPage):
    """Creates everything on entry, then shows the recovery key once."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Your recovery key")
        self.setSubTitle(
            "If this computer's key is ever lost (new computer, reinstalled system, forgotten "
            "passphrase), this key is the only way back into the records. It is shown once "
            "and stored nowhere."
        )
        layout = QVBoxLayout(self)
        self.status = QLabel("Creating the encrypted database…")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.key = QLabel()
        font = QFont("Monospace")
        font.setStyleHint(QFont.StyleHint.TypeWriter)
        font.setPointSize(16)
        font.setBold(True)
        self.key.setFont(font)
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key.setStyleSheet("padding: 12px; border: 1px solid palette(mid); border-radius: 6px;")
        self.key.setAccessibleName("Recovery key")
        layout.addWidget(self.key)
        row = QHBoxLayout()
        self.save_button = QPushButton("&Save recovery sheet (PDF)…")
        self.save_button.clicked.connect(self.save_sheet)
        self.print_button = QPushButton("&Print recovery sheet…")
        self.print_button.clicked.connect(self.print_sheet)
        self.copy_button = QPushButton("&Copy")
        self.copy_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.key.text())
        )
        row.addWidget(self.print_button)
        row.addWidget(self.save_button)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.confirm = QCheckBox(
            "I have printed or written down the recovery key and stored it safely"
        )
        self.confirm.toggled.connect(self.completeChanged)
        layout.addWidget(self.confirm)
        self.error = _error_label()
        layout.addWidget(self.error)
        layout.addStretch(1)
        for w in (self.print_button, self.save_button, self.copy_button, self.confirm):
            w.setEnabled(False)

    def initializePage(self) -> None:  # noqa: N802
        if self._wizard.installation is None:  # again after a failure: say so afresh
            self.status.setText("Creating the encrypted database…")
            self.error.clear()
        self._wizard.create_installation()

    def show_key(self, key: str) -> None:
        self.key.setText(key)
        self.status.setText("The database is ready. Store the recovery key before you finish.")
        for w in (self.print_button, self.save_button, self.copy_button, self.confirm):
            w.setEnabled(True)

    def show_error(self, message: str) -> None:
        self.status.setText("Nothing was created.")
        self.error.setText(f"⚠ {message}")

    def ask_sheet_path(self) -> str:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save recovery sheet", "medrec-recovery-sheet.pdf", "PDF (*.pdf)"
        )
        return path

    def sheet_pdf(self) -> bytes:
        """The recovery sheet as PDF bytes, in memory only."""
        import io

        from medrec_desktop.export.recovery_sheet import write_recovery_sheet  # reportlab: lazy

        assert self._wizard.installation is not None
        out = io.BytesIO()
        write_recovery_sheet(
            out,
            recovery_key=self.key.text(),
            clinic_name=self._wizard.clinic_page.name.text(),
            install_id=self._wizard.installation.keyring.keyfile.install_id,
            created=dt.datetime.now(dt.UTC),
        )
        return out.getvalue()

    def print_sheet(self) -> None:
        from medrec_desktop.ui.printing import ask_and_print

        if self._wizard.installation is not None and ask_and_print(
            self, self.sheet_pdf(), "medrec recovery sheet"
        ):
            self.status.setText("Recovery sheet sent to the printer. Lock the printout away.")

    def save_sheet(self) -> None:
        path = self.ask_sheet_path()
        if not path or self._wizard.installation is None:
            return
        inst = self._wizard.installation
        from medrec_desktop.export.recovery_sheet import write_recovery_sheet  # reportlab: lazy

        write_recovery_sheet(
            Path(path),
            recovery_key=self.key.text(),
            clinic_name=self._wizard.clinic_page.name.text(),
            install_id=inst.keyring.keyfile.install_id,
            created=dt.datetime.now(dt.UTC),
        )
        self.status.setText(f"Recovery sheet saved to {path}. Print it and lock it away.")

    def isComplete(self) -> bool:  # noqa: N802
        return self.confirm.isChecked()

    def nextId(self) -> int:  # noqa: N802 - Qt's name
        return -1  # the last page of a new clinic (the join pages come after it in order)


class SetupWizard(QWizard):
    """After Accepted: ``installation`` (open) and ``session`` (the administrator)."""

    def __init__(
        self,
        *,
        paths: DataPaths,
        runner: OpRunner,
        keyring: SecretStore | None = None,
        detect_keyring: bool = True,
        code_sets: CodeSets | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        # The demo clinic's coders' work needs the code sets (built here the first time).
        self._code_sets = code_sets
        self.setWindowTitle("Set up medrec-desktop")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.resize(720, 520)
        self.installation: Installation | None = None
        self.session: UserSession | None = None
        self.unlock: Unlock | None = None  # how the key file was protected, for a restore
        self._confirmed_leave = False
        self.leave_prompt: QMessageBox | None = None
        store = (
            keyring if keyring is not None else (os_keyring_or_none() if detect_keyring else None)
        )
        self.clinic_page = ClinicPage()
        self.admin_page = AdminPage()
        self.location_page = LocationPage(paths.root)
        self.key_page = KeyPage(store)
        self.recovery_page = RecoveryPage(self)
        # Issue 15: join the clinic's server instead (ui/wizard_join.py).
        self.join_page = JoinPage(paths.root)
        self.joined_page = JoinedPage(self.join_installation)
        self._ids: dict[QWizardPage, int] = {}
        for page in (
            self.clinic_page,
            self.admin_page,
            self.location_page,
            self.key_page,
            self.recovery_page,
            self.join_page,
            self.joined_page,
        ):
            self._ids[page] = self.addPage(page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Start using medrec")

    def _id(self, page: QWizardPage) -> int:
        return self._ids[page]

    def nextId(self) -> int:  # noqa: N802 - Qt's name
        """Two roads: a new clinic (clinic, administrator, location, key, recovery key) or
        joining its server (clinic page's choice, join, key, joined)."""
        page = self.currentPage()
        joining = self.clinic_page.joining()
        if page is self.clinic_page:
            return self._id(self.join_page if joining else self.admin_page)
        if page is self.join_page:
            return self._id(self.key_page)
        if page is self.key_page:
            return self._id(self.joined_page if joining else self.recovery_page)
        if page in (self.recovery_page, self.joined_page):
            return -1
        return super().nextId()

    def reject(self) -> None:
        """Escape or Cancel: never lose a recovery key not yet stored, nor typed answers,
        without asking."""
        if self._confirmed_leave or self.joined_page.done:
            super().reject()
            return
        if self.installation is not None:
            if self.recovery_page.confirm.isChecked():
                super().reject()
                return
            text = (
                "The database is created, but you have not confirmed that the recovery key "
                "is stored. It is shown only once: without it, a lost key means lost records."
            )
            question = "Close setup anyway?"
        elif any(
            w.text()
            for w in (
                self.clinic_page.name,
                self.clinic_page.address,
                self.admin_page.full_name,
                self.admin_page.password,
                self.location_page.server_url,
                self.key_page.passphrase,
                self.join_page.server_url,
                self.join_page.code,
            )
        ) or self.admin_page.username.text() not in ("", "admin"):  # "admin" is pre-filled
            text = "Nothing has been created yet; what you typed will be lost."
            question = "Leave setup?"
        else:
            super().reject()
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "Leave setup?", text, parent=self)
        box.setInformativeText(question)
        leave = box.addButton("&Leave setup", QMessageBox.ButtonRole.DestructiveRole)
        stay = box.addButton("&Stay", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(stay)
        box.setEscapeButton(stay)
        self.leave_prompt = box

        def answered(_result: int) -> None:
            if box.clickedButton() is leave:
                self._confirmed_leave = True
                super(SetupWizard, self).reject()
            box.deleteLater()

        box.finished.connect(answered)
        box.open()

    def create_installation(self) -> None:
        if self.installation is not None:
            return
        paths = DataPaths(Path(self.location_page.folder.text()).expanduser().resolve())
        admin = NewAdmin(
            self.admin_page.username.text(),
            self.admin_page.full_name.text(),
            self.admin_page.password.text(),
        )
        key_page = self.key_page
        store = key_page.keyring if key_page.use_keyring.isChecked() else None
        passphrase = key_page.passphrase.text() if store is None else None
        clinic = {
            "clinic_name": self.clinic_page.name.text(),
            "clinic_address": self.clinic_page.address.text(),
            "clinic_phone": self.clinic_page.phone.text(),
        }
        demo = self.clinic_page.demo.isChecked()
        server = self.location_page.server_choice()
        server_url, server_ca = server if server is not None else (None, None)
        owner_url = self.location_page.owner_choice()
        self.unlock = Unlock(secret_store=store, passphrase=passphrase)
        self.button(QWizard.WizardButton.BackButton).setEnabled(False)

        def work() -> tuple[Installation, str, UserSession]:
            inst, recovery = Installation.create(
                paths,
                admin=admin,
                secret_store=store,
                passphrase=passphrase,
                server_url=server_url,
                server_ca=server_ca,
                owner_url=owner_url,
                clinic=clinic,
            )
            session = inst.auth.login(admin.username, admin.password)
            if demo:
                create_demo_clinic(
                    inst.users,
                    inst.demo,
                    session,
                    inst.auth.login,
                    patients=DEMO_PATIENTS,
                    seed=1,
                    password=admin.password,
                    codes=self._code_sets,
                )
            return inst, recovery, session

        # The long lane: key derivation, database creation and the demo clinic take seconds.
        Op(self, work, runner=self._runner, lane=Lane.LONG).success(self._created).failure(
            self._failed
        ).run()

    def _created(self, result: tuple[Installation, str, UserSession]) -> None:
        self.installation, recovery, self.session = result
        self.recovery_page.show_key(recovery)
        if self.clinic_page.demo.isChecked():
            self.recovery_page.status.setText(
                self.recovery_page.status.text() + " The demo users (frank, nina, dr.patel, "
                "rita, carl, cody) sign in with the administrator's password."
            )

    def join_installation(self) -> None:
        """Join the clinic's server (on entering the last page of that road)."""
        if self.installation is not None:
            return
        page = self.join_page
        paths = page.paths()
        key_page = self.key_page
        store = key_page.keyring if key_page.use_keyring.isChecked() else None
        request = JoinRequest(
            page.server_url.text(),
            page.code.text(),
            ca_cert=page.ca_path(),
            secret_store=store,
            passphrase=key_page.passphrase.text() if store is None else None,
        )
        self.unlock = Unlock(secret_store=store, passphrase=request.passphrase)
        self.joined_page.status.setText("Joining the clinic's server…")
        self.joined_page.error.clear()
        self.button(QWizard.WizardButton.BackButton).setEnabled(False)

        def work() -> tuple[Installation, str]:
            inst = join(paths, request)
            here = read_here(paths)
            return inst, here.name if here is not None else ""

        Op(self, work, runner=self._runner, lane=Lane.LONG).success(self._joined).failure(
            self._join_failed
        ).run()

    def _joined(self, result: tuple[Installation, str]) -> None:
        self.installation, name = result
        self.joined_page.show_joined(name, self.installation.store.description)

    def _join_failed(self, err: BaseException) -> None:
        self.button(QWizard.WizardButton.BackButton).setEnabled(True)
        if not isinstance(err, KnownError):
            raise err
        self.joined_page.show_error(err.message)
        if isinstance(err, ValidationError) and err.field == "passphrase":
            return  # fixed on the key page, one step back
        # The code, the address or the certificate: back on the join page, all kept.
        for _ in self.pageIds():
            if self.currentPage() is self.join_page:
                break
            self.back()
        self.join_page.show_error(err)

    def _failed(self, err: BaseException) -> None:
        self.button(QWizard.WizardButton.BackButton).setEnabled(True)
        if not isinstance(err, KnownError):
            raise err
        self.recovery_page.show_error(err.message)
        if isinstance(err, ServerConnectionError | ServerRoleError):
            # Fixed on the server page (the address, the certificate or the accounts): go back
            # there, with what was typed kept and the message beside it.
            for _ in self.pageIds():
                if self.currentPage() is self.location_page:
                    break
                self.back()
            self.location_page.show_server_error(err)
