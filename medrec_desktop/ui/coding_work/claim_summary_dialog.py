"""A coded encounter's claim summary (issue 13, item 5): the patient's identifiers and
insurance, the date of service, the visit and its provider, the diagnoses lettered A to L and
each procedure line with its modifiers, units and the letters of the diagnoses it points to,
as the billing office receives them. Reading it is audited (``inst.billing.claim_summary``);
Esc closes it; Superbill PDF… previews and prints the billing summary (superbill).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.billing import ClaimSummary, claim_text
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.security import permissions
from medrec_desktop.ui.pdf_preview import PdfPreviewDialog
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.status import StatusLabel


def banner_text(s: ClaimSummary) -> str:
    """The patient banner: who this claim is for, before anything else (DESIGN §9)."""
    p = s.patient
    return f"{p.name}  ·  DOB {p.birth_date:%m/%d/%Y}  ·  {p.sex}  ·  MRN {p.mrn}"


class ClaimSummaryDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        encounter_id: int,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner, self._session = services, runner, session
        self.encounter_id = encounter_id
        self.summary: ClaimSummary | None = None
        self.setWindowTitle("Claim summary")
        self.resize(760, 480)
        layout = QVBoxLayout(self)
        self.banner = QLabel("Loading…")
        self.banner.setAccessibleName("Patient")
        self.banner.setStyleSheet("font-size: 15px; font-weight: 600;")
        layout.addWidget(self.banner)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Claim summary")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout.addWidget(self.text, 1)
        self.message = StatusLabel()
        self.message.setAccessibleName("Claim summary message")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.superbill_button = buttons.addButton(
            "&Superbill PDF…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.superbill_button.setToolTip(
            "The billing summary as a PDF: preview, then print (every print is recorded)"
        )
        self.superbill_button.setAutoDefault(False)
        self.superbill_button.setEnabled(False)
        self.superbill_button.clicked.connect(self.show_superbill)
        #: the superbill's print preview while it is open
        self.preview: PdfPreviewDialog | None = None
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setToolTip("Close (Esc)")
        layout.addWidget(buttons)
        self.text.setFocus()
        self.load()

    def load(self) -> None:
        session = self._session()
        if session is None:
            return
        billing, eid = self._services.inst.billing, self.encounter_id
        Op(self, lambda: billing.claim_summary(session, eid), runner=self._runner).success(
            self._loaded
        ).failure(self._failed).run()

    def _loaded(self, summary: ClaimSummary) -> None:
        self.summary = summary
        self.superbill_button.setEnabled(True)
        self.banner.setText(banner_text(summary))
        self.setWindowTitle(f"Claim summary: {summary.date_of_service:%m/%d/%Y}")
        self.text.setPlainText(claim_text(summary))

    def show_superbill(self) -> None:
        """The superbill PDF (an audited view of coding data) in a preview whose Print…
        records the print (audited) and sends it to a real printer."""
        session = self._session()
        if session is None or self.summary is None:
            return
        billing, eid = self._services.inst.billing, self.encounter_id
        Op(self, lambda: billing.superbill_pdf(session, eid), runner=self._runner).success(
            self._show_pdf
        ).failure(self.message.show_error).run()

    def _show_pdf(self, data: bytes) -> None:
        billing, eid, digest = (
            self._services.inst.billing,
            self.encounter_id,
            hashlib.sha256(data).hexdigest(),
        )

        def record(pages: int) -> None:
            session = self._session()
            if session is None:
                raise KnownError("You are signed out; nothing was printed.")
            # On the GUI thread: the printer waits for this one short write.
            billing.record_superbill_print(session, eid, sha256=digest, pages=pages)

        dialog = PdfPreviewDialog(
            data,
            title=self.windowTitle().replace("Claim summary", "Superbill"),
            job_name="medrec-desktop superbill",
            record_print=record,
            parent=self,
        )
        if not permissions.session_allows(self._session(), Action.PRINT, DataCategory.CODING):
            # Providers may read the superbill but not print it: say so before they try.
            dialog.print_button.setEnabled(False)
            dialog.print_button.setToolTip("Your role cannot print the superbill.")
        self.preview = dialog
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def _failed(self, err: BaseException) -> None:
        self.banner.setText("No claim summary")
        self.message.show_error(err)
