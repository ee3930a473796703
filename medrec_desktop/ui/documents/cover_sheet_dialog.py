"""Print a cover sheet from the chart: say what the pages behind it are (type, and the visit
they belong to if any), choose the printer, and the sheet is issued and printed.

The printer is chosen first: a cancelled print dialog issues nothing (no token stored, no
print recorded). The sheet's PDF stays in memory on its way to the printer. A refusal is
shown beside the field it concerns, with the choices kept.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.cover_sheets import IssuedCoverSheet
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.ui.documents.document_fields import (
    DocumentTypeFields,
    chosen_visit,
    set_visits,
    visit_field,
)
from medrec_desktop.ui.printing import print_pdf, printer_from_dialog
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.fielderrors import FieldErrors
from medrec_desktop.ui.widgets.status import StatusLabel

WHAT_IT_DOES = (
    "Print a sheet to put in front of the pages: scanned with them, it files them to this "
    "chart automatically. Valid 90 days."
)
# The printer queue keeps job names: never the patient's.
JOB_NAME = "medrec-desktop cover sheet"


class CoverSheetDialog(QDialog):
    """``printed`` carries the success message for the page ("Cover sheet printed for …")."""

    printed = Signal(str)

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: UserSession,
        patient_id: PatientId,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner = services, runner
        self._session, self._patient_id = session, patient_id
        # How the user chooses a printer; tests put their own in (the system's dialog blocks).
        self.ask_printer: Callable[[], QPrinter | None] = lambda: printer_from_dialog(
            self, JOB_NAME
        )
        self.setWindowTitle("Print a cover sheet")
        layout = QVBoxLayout(self)
        intro = QLabel(WHAT_IT_DOES)
        intro.setWordWrap(True)
        intro.setAccessibleName("What a cover sheet does")
        layout.addWidget(intro)
        layout.addSpacing(6)
        self.message = StatusLabel()
        self.message.setAccessibleName("Cover sheet message")
        form = QFormLayout()
        self.errors = FieldErrors(self.message)
        self.kind = DocumentTypeFields(form, self.errors)
        self.doc_type, self.type_name = self.kind.doc_type, self.kind.type_name
        self.encounter = visit_field(form, self.errors)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addSpacing(10)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.print_button = QPushButton("&Print…")
        self.print_button.setDefault(True)
        self.print_button.setToolTip("Choose the printer; the print is recorded")
        self.cancel_button = QPushButton("Cancel")
        self.print_button.clicked.connect(self.print_sheet)
        self.cancel_button.clicked.connect(self.reject)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self._load_visits()
        self.resize(520, self.sizeHint().height())
        self.doc_type.setFocus()

    def _load_visits(self) -> None:
        inst, session, pid = self._services.inst, self._session, self._patient_id
        Op(
            self, lambda: list(inst.encounters.open_choices(session, pid)), runner=self._runner
        ).success(lambda choices: set_visits(self.encounter, choices)).failure(
            lambda _err: None
        ).run()

    # ------------------------------------------------------------------ print

    def print_sheet(self) -> None:
        if not self.print_button.isEnabled():
            return
        self.errors.clear()
        printer = self.ask_printer()
        if printer is None:
            return  # cancelled: nothing issued, nothing recorded
        sheets, session, pid = self._services.inst.cover_sheets, self._session, self._patient_id
        doc_type, type_name = str(self.doc_type.currentData()), self.type_name.text()
        encounter_id = chosen_visit(self.encounter)
        type_text = self.kind.type_text
        self.print_button.setEnabled(False)
        self.message.info("Recording the print…")
        Op(
            self,
            lambda: sheets.issue(
                session, pid, doc_type, type_name=type_name, encounter_id=encounter_id
            ),
            runner=self._runner,
        ).success(lambda sheet: self._print_on(printer, sheet, type_text)).failure(
            self._refused
        ).finished(lambda: self.print_button.setEnabled(True)).run()

    def _print_on(self, printer: QPrinter, sheet: IssuedCoverSheet, type_text: str) -> None:
        try:
            print_pdf(sheet.pdf, printer)
        except (OSError, ValueError):
            # Issued and recorded, but not on paper: say so; printing again issues a new one.
            self.message.error("The printer could not print the cover sheet. Try again.")
            return
        until = sheet.expires_at.astimezone()
        self.printed.emit(f"Cover sheet printed for {type_text}; valid until {until:%m/%d/%Y}.")
        self.accept()

    def _refused(self, err: BaseException) -> None:
        if isinstance(err, ValidationError):
            self.errors.show(err)
            return
        if not isinstance(err, KnownError):
            raise err
        self.message.error(err.message)
