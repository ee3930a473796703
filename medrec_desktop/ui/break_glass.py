"""Break-the-glass: emergency access to one patient, with a reason and the password again."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import BreakGlassInfo, PatientInfo, UserSession
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.unsaved import DiscardGuardDialog


class BreakGlassDialog(DiscardGuardDialog):
    def __init__(
        self,
        *,
        inst: Installation,
        runner: OpRunner,
        session: UserSession,
        patient: PatientInfo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._inst, self._session, self._patient = inst, session, patient
        self._runner = runner
        self.grant: BreakGlassInfo | None = None
        self.setWindowTitle("Emergency access (break the glass)")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"You are asking for emergency access to <b>{patient.display_name}</b>'s restricted "
            "records for 60 minutes. Everything you do meanwhile is flagged and reviewed."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.reason = QPlainTextEdit()
        self.reason.setAccessibleName("Reason for emergency access")
        self.reason.setPlaceholderText("What is the emergency? (at least 10 characters)")
        self.reason.setFixedHeight(70)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Your password")
        form.addRow("&Reason", self.reason)
        form.addRow("Your &password", self.password)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton(
            "&Grant emergency access", QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.ok.clicked.connect(self.request)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def request(self) -> None:
        reason, password = self.reason.toPlainText(), self.password.text()
        inst, session, pid = self._inst, self._session, self._patient.id
        self.ok.setEnabled(False)
        Op(
            self, lambda: inst.auth.break_glass(session, pid, reason, password), runner=self._runner
        ).success(self._granted).failure(self._failed).run()

    def _granted(self, grant: BreakGlassInfo) -> None:
        self.grant = grant
        self.accept()

    def _failed(self, err: BaseException) -> None:
        self.ok.setEnabled(True)
        self.password.clear()
        if not isinstance(err, KnownError):
            raise err
        self.message.setStyleSheet("color: #b42318;")
        self.message.setText(f"⚠ {err.message}")
