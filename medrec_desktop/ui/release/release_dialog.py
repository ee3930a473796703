"""Release of information (issue 14, item 4): who asked, who receives it, why, the
authorization on file, what of the record and for which dates; then a PDF saved (optionally
password-protected) or printed. Either is recorded as a disclosure in the same transaction as
its audit event (Save FHIR… writes the same sections as a FHIR R4 Bundle for another
system, recorded the same way), and what it will carry is counted before anything is
written ("The release will carry 42 items from 4 sections"). Nothing is pre-chosen: minimum
necessary is a choice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.clinical import ItemList
from medrec_desktop.domain.documents import DocumentData, DocumentType
from medrec_desktop.domain.dto import PatientInfo, UserSession
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.domain.fhir_export import FhirRelease
from medrec_desktop.domain.patient_extract import PatientExtract
from medrec_desktop.domain.record_release import (
    RECIPIENT_MAX,
    REQUESTER_MAX,
    DisclosurePurpose,
    ReleaseRequest,
)
from medrec_desktop.export.files import PrivateFile
from medrec_desktop.security import permissions
from medrec_desktop.services.record_release import ReleasedFile
from medrec_desktop.ui.pdf_preview import PdfPreviewDialog
from medrec_desktop.ui.release.scope_fields import ScopeFields
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.fielderrors import FieldErrors
from medrec_desktop.ui.widgets.file_dialogs import save_file_path
from medrec_desktop.ui.widgets.status import StatusLabel

PREVIEW_DELAY_MS = 300
EXISTS = "That file already exists. Choose it with Save PDF… (which asks first), or another name."
NOT_ALLOWED = "Your role may not release records (records specialists and providers do)."
#: the printer queue keeps job names: never the patient's
JOB_NAME = "medrec-desktop record"


def summary_text(extract: PatientExtract) -> str:
    """What the release will carry, counted (no content)."""
    n = extract.item_count
    sections = len(extract.scope.sections)
    text = (
        f"The release will carry {n} item{'s' if n != 1 else ''} from {sections} "
        f"section{'s' if sections != 1 else ''}"
    )
    if extract.scope.since or extract.scope.until:
        text += " in the dates chosen"
    left = sum(extract.withheld.values())
    if left:
        text += f"; {left} item{'s' if left != 1 else ''} with a sensitivity label left out"
    return text + "."


class ReleaseDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        patient: PatientInfo,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner, self._session = services, runner, session
        self.patient = patient
        self.extract: PatientExtract | None = None
        self.released: ReleasedFile | None = None
        self.preview_dialog: PdfPreviewDialog | None = None
        # How the user picks the file; tests put their own in (the dialog is modal).
        self.ask_path: Callable[[], Path | None] = self._path_from_dialog
        self.ask_fhir_path: Callable[[str], Path | None] = self._fhir_path
        self.fhir_released: FhirRelease | None = None
        self._confirmed: Path | None = None
        self.setWindowTitle(f"Release of information: {patient.family_name}, {patient.given_names}")
        self.setMinimumWidth(760)
        layout = QVBoxLayout(self)
        banner = QLabel(
            f"{patient.family_name}, {patient.given_names}  ·  DOB "
            f"{patient.birth_date:%m/%d/%Y}  ·  MRN {patient.mrn}"
        )
        banner.setStyleSheet("font-size: 15px; font-weight: 600;")
        banner.setAccessibleName("Patient")
        layout.addWidget(banner)

        self.requester = QLineEdit()
        self.requester.setMaxLength(REQUESTER_MAX)
        self.requester.setPlaceholderText("who asked (the patient, an attorney, another clinic…)")
        self.recipient = QLineEdit()
        self.recipient.setMaxLength(RECIPIENT_MAX)
        self.recipient.setPlaceholderText("who receives it (name and address or clinic)")
        self.purpose = QComboBox()
        for p in DisclosurePurpose:
            self.purpose.addItem(p.label, p.value)
        self.purpose.setCurrentIndex(self.purpose.findData(DisclosurePurpose.PATIENT_REQUEST.value))
        self.note = QLineEdit()
        self.note.setPlaceholderText("what for, when the purpose is Other (or a case number)")
        self.authorization = QComboBox()
        self.authorization.addItem("None on file", None)
        session_now = session()
        may_label = permissions.session_allows(session_now, Action.EXPORT, DataCategory.SENSITIVE)
        self.scope = ScopeFields(may_label=may_label, today=today())
        self.encrypt = QCheckBox("Prot&ect the PDF with a password")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("at least 8 characters; give it to the recipient apart")
        self.password.setEnabled(False)
        self.encrypt.toggled.connect(self.password.setEnabled)

        self.message = StatusLabel()
        self.message.setAccessibleName("Release message")
        self.errors = FieldErrors(self.message)
        form = QFormLayout()
        self.errors.add_row(form, "Re&quested by", self.requester, "requester")
        self.errors.add_row(form, "Send &to", self.recipient, "recipient")
        self.errors.add_row(form, "P&urpose", self.purpose, "purpose")
        self.errors.add_row(form, "&What for", self.note, "note")
        self.errors.add_row(form, "Aut&horization", self.authorization, "authorization")
        self.errors.add_row(form, "Sectio&ns", self.scope, "sections")
        self.errors.add_row(form, "", self.encrypt, "encrypt")
        self.errors.add_row(form, "Passw&ord", self.password, "password")
        layout.addLayout(form)
        self.summary = QLabel("Choose the sections to release.")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setStyleSheet("font-weight: 600;")
        self.summary.setAccessibleName("What the release carries")
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("&Save PDF…", QDialogButtonBox.ButtonRole.ActionRole)
        self.print_button = buttons.addButton("&Print…", QDialogButtonBox.ButtonRole.ActionRole)
        self.fhir_button = buttons.addButton("Save &FHIR…", QDialogButtonBox.ButtonRole.ActionRole)
        self.fhir_button.setToolTip(
            "The same sections as a FHIR R4 Bundle (JSON) for another system; recorded"
        )
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setToolTip("Close (Esc)")
        buttons.rejected.connect(self.reject)
        for b in (self.save_button, self.print_button, self.fhir_button):
            b.setAutoDefault(False)
        self.save_button.clicked.connect(self.save_pdf)
        self.fhir_button.clicked.connect(self.save_fhir)
        self.print_button.clicked.connect(self.print_record)
        layout.addWidget(buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.scope.changed.connect(self._timer.start)
        self.allowed = permissions.session_allows(session_now, Action.EXPORT, DataCategory.CLINICAL)
        for b in (self.save_button, self.print_button, self.fhir_button):
            b.setEnabled(False)
        if not self.allowed:
            self.message.error(NOT_ALLOWED)
        else:
            self._load_authorizations()
        self.requester.setFocus()

    # ------------------------------------------------------------------ reading

    def _load_authorizations(self) -> None:
        session = self._session()
        if session is None:
            return
        documents, pid = self._services.inst.documents, self.patient.id
        Op(self, lambda: documents.list(session, pid), runner=self._runner).success(
            self._authorizations
        ).failure(self.message.show_error).run()

    def _authorizations(self, found: ItemList[DocumentData]) -> None:
        for item in reversed(found.items):
            if item.data.doc_type is DocumentType.RELEASE_AUTHORIZATION:
                text = f"{item.data.type_text}, dated {item.data.document_date:%m/%d/%Y}"
                if item.data.author:
                    text += f" ({item.data.author})"
                self.authorization.addItem(text, int(item.id))
        # None is pre-chosen: the clerk names the authorization the request comes with.

    def _checked_request(self) -> ReleaseRequest | None:
        """The request as typed, checked; None (the problem shown at its field) if refused."""
        self.errors.clear()
        try:
            return self.request().validated()
        except ValidationError as err:
            self.errors.show(err)
            return None

    def request(self) -> ReleaseRequest:
        return ReleaseRequest(
            scope=self.scope.scope(),
            recipient=self.recipient.text(),
            purpose=str(self.purpose.currentData()),
            requester=self.requester.text(),
            authorization_document_id=self.authorization.currentData(),
            note=self.note.text(),
        )

    def refresh(self) -> None:
        """Count what the release would carry (nothing is disclosed)."""
        session = self._session()
        scope = self.scope.scope()
        if session is None or not self.allowed:
            return
        if not scope.sections:
            self.extract = None
            self.summary.setText("Choose the sections to release.")
            self._enable(False)
            return
        releases, pid = self._services.inst.releases, self.patient.id
        self.summary.setText("Counting…")
        Op(
            self, lambda: releases.preview(session, pid, scope), runner=self._runner, key="count"
        ).success(self._counted).failure(self._count_failed).run()

    def _counted(self, extract: PatientExtract) -> None:
        self.extract = extract
        self.errors.clear()
        self.summary.setText(summary_text(extract))
        self._enable(True)

    def _count_failed(self, err: BaseException) -> None:
        self.extract = None
        self.summary.setText("")
        self._enable(False)
        self._failed(err)

    def _enable(self, on: bool) -> None:
        for b in (self.save_button, self.print_button, self.fhir_button):
            b.setEnabled(on and self.allowed)

    # ------------------------------------------------------------------ releasing

    def _path_from_dialog(self) -> Path | None:
        name = f"record-{self.patient.mrn}-{dt.date.today():%Y%m%d}.pdf"
        # Qt's own dialog: the system's would name the file in "recent files" (DESIGN §8).
        return save_file_path(self, "Save the record PDF", "PDF files (*.pdf)", name)

    def save_pdf(self) -> None:
        session = self._session()
        if session is None or not self.save_button.isEnabled():
            return
        request = self._checked_request()
        if request is None:
            return
        password = self.password.text() if self.encrypt.isChecked() else None
        out = self.ask_path()
        if out is None:
            return
        if out.suffix.lower() != ".pdf":
            out = out.with_suffix(".pdf")
        releases, pid = self._services.inst.releases, self.patient.id

        def work() -> ReleasedFile:
            # The file is made before the disclosure is recorded: a folder that cannot be
            # written stops the release before anything is recorded.
            with PrivateFile(out, replace=True, exists=EXISTS) as target:
                done = releases.release_pdf(session, pid, request, password=password)
                target.commit(done.data, disclosure=done.disclosure_id)
            return done

        self._enable(False)
        self.message.info("Making the PDF…")
        Op(self, work, runner=self._runner).success(lambda done: self._saved(done, out)).failure(
            self._release_failed
        ).run()

    def _saved(self, done: ReleasedFile, out: Path) -> None:
        self.released = done
        self._enable(True)
        locked = " It opens with the password you gave." if done.encrypted else ""
        self.message.ok(
            f"Saved {out.name}, readable by your account only.{locked} Recorded as disclosure "
            f"{done.disclosure_id} to {' '.join(self.recipient.text().split())}."
        )

    def save_fhir(self) -> None:
        session = self._session()
        if session is None or not self.fhir_button.isEnabled():
            return
        request = self._checked_request()
        if request is None:
            return
        if self.encrypt.isChecked():
            self.errors.show(
                ValidationError(
                    "A FHIR Bundle cannot carry a password: untick the PDF password and send "
                    "the file over a secure channel, or save a PDF instead.",
                    field="encrypt",
                )
            )
            return
        name = f"record-{self.patient.mrn}-{dt.date.today():%Y%m%d}.json"
        out = self.ask_fhir_path(name)
        if out is None:
            return
        exporter, pid = self._services.inst.fhir_export, self.patient.id

        def work() -> FhirRelease:
            with PrivateFile(out, replace=True, exists=EXISTS) as target:
                done = exporter.export_patient(session, pid, request)
                target.commit(done.content, disclosure=done.disclosure_id)
            return done

        self._enable(False)
        self.message.info("Making the FHIR Bundle…")
        Op(self, work, runner=self._runner).success(
            lambda done: self._fhir_saved(done, out)
        ).failure(self._release_failed).run()

    def _fhir_path(self, name: str) -> Path | None:
        return save_file_path(self, "Save the FHIR Bundle", "FHIR JSON (*.json)", name)

    def _fhir_saved(self, done: FhirRelease, out: Path) -> None:
        self.fhir_released = done
        self._enable(True)
        self.message.ok(
            f"Saved {out.name} ({done.resource_count} FHIR R4 resources), readable by your "
            f"account only. Recorded as disclosure {done.disclosure_id} to {done.recipient}."
        )

    def print_record(self) -> None:
        session = self._session()
        if session is None or not self.print_button.isEnabled():
            return
        request = self._checked_request()
        if request is None:
            return
        releases, pid = self._services.inst.releases, self.patient.id
        self.message.info("Preparing the preview…")
        Op(
            self, lambda: releases.print_preview(session, pid, request), runner=self._runner
        ).success(lambda file: self._preview(file, request)).failure(self._release_failed).run()

    def _preview(self, file: ReleasedFile, request: ReleaseRequest) -> None:
        self.message.clear_message()
        session = self._session()
        releases, pid = self._services.inst.releases, self.patient.id

        def record(pages: int) -> None:
            if session is None:
                raise KnownError("You are signed out; nothing was printed.")
            # On the GUI thread: the printer is waiting for the answer (one short write).
            self.released = ReleasedFile(
                file.data,
                file.sha256,
                releases.record_print(session, pid, request, sha256=file.sha256, pages=pages),
            )

        dialog = PdfPreviewDialog(
            file.data,
            title=f"Print preview: {self.patient.family_name}, {self.patient.given_names}",
            job_name=JOB_NAME,
            record_print=record,
            parent=self,
        )
        self.preview_dialog = dialog
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def _release_failed(self, err: BaseException) -> None:
        self._enable(self.extract is not None)
        self._failed(err)

    def _failed(self, err: BaseException) -> None:
        if isinstance(err, ValidationError):
            self.errors.show(err)
        elif isinstance(err, KnownError):
            self.message.error(err.message)
        else:
            self.message.show_error(err)
