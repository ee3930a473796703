"""Patients › Import FHIR Bundle… (issue 14, item 5): a patient's record another system sent
as a FHIR R4 (US Core) Bundle, previewed, matched to the clinic's patients, then imported in
one transaction by the records specialist who received it.

The file is read and previewed off the GUI thread (``inst.fhir_import.preview``): who the
Bundle is about, what it would record by kind, what it leaves out and why, the clinic's
patient with the MRN it carries and the likely matches. The user chooses "Add to <patient>"
or "Register as a new patient" (with the reason when matches exist, as registering asks),
then Import (``commit``), or Check only (the same, nothing kept). A refusal lists every entry
and field in a box that scrolls; nothing is imported and what the user chose stays.

The same file imported before (the preview's ``earlier``) is said in an amber warning line,
and "Import again anyway" appears: Import without it ticked is refused by the service (every
item would be recorded twice), saying when and by whom.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import PatientId, PatientInfo, UserSession
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import KnownError, PermissionDeniedError, ValidationError
from medrec_desktop.domain.fhir_import import (
    BundleRefusedError,
    ImportPreview,
    ImportResult,
    RepeatImportError,
)
from medrec_desktop.export.fhir_import.validation import MAX_BYTES
from medrec_desktop.security import permissions
from medrec_desktop.ui.fhir_import import texts
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.fielderrors import FieldErrors
from medrec_desktop.ui.widgets.file_dialogs import open_file_path
from medrec_desktop.ui.widgets.status import StatusLabel

NOT_ALLOWED = "Importing records from another system is the records specialist's job."
SOURCE_MAX = 200
#: the choice "Register as a new patient" in the button group (patients' ids start at 1;
#: the group answers -1 when nothing is chosen)
NEW = 0


def read_bundle_file(path: Path) -> bytes:
    """The file's bytes, or a plain refusal naming the file (never its content)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise KnownError(
                f"{path.name} is larger than {MAX_BYTES // (1024 * 1024)} MB: no patient's "
                "record Bundle is that large. Nothing was imported."
            )
        if not os.access(path, os.R_OK):
            raise KnownError(f"You may not read {path.name}. Nothing was imported.")
        return path.read_bytes()
    except FileNotFoundError:
        raise KnownError(f"{path.name} is not there any more. Nothing was imported.") from None
    except OSError as err:
        raise KnownError(
            f"Cannot read {path.name}: {err.strerror or 'read error'}. Nothing was imported."
        ) from None


class FhirImportDialog(QDialog):
    #: the user asked to open the imported patient's chart (the main window opens it)
    open_chart = Signal(object)
    #: the file read or the import ended (done or refused): see :meth:`reject`
    settled = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
    ) -> None:
        super().__init__(parent)
        self._services, self._runner, self._session = services, runner, session
        # How the user picks the file; tests put their own in (Qt's dialog is modal).
        self.ask_path: Callable[[], Path | None] = self._path_from_dialog
        self.path: Path | None = None
        self.data: bytes | None = None
        self.preview: ImportPreview | None = None
        self.imported: ImportResult | None = None
        self.refused: KnownError | None = None
        self.busy = False
        self.setWindowTitle("Import a FHIR Bundle")
        self.setMinimumWidth(820)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "A patient's record sent by another system as a FHIR R4 (US Core) Bundle in JSON. "
            "Nothing is recorded until you choose Import, and then all of it or none of it."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.choose_button = QPushButton("&Choose file…")
        self.choose_button.setToolTip("The Bundle (.json) to read; nothing is recorded yet")
        self.file_label = QLabel("No file chosen.")
        self.file_label.setAccessibleName("Bundle file")
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        self.source = QLineEdit()
        self.source.setMaxLength(SOURCE_MAX)
        self.source.setPlaceholderText("who sent it (left empty: as the Bundle says)")
        self.message = StatusLabel()
        self.message.setAccessibleName("Import message")
        self.errors = FieldErrors(self.message)
        top = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.choose_button)
        row.addWidget(self.file_label, 1)
        top.addRow("Bundle", row)
        self.errors.add_row(top, "Fro&m", self.source, "source")
        layout.addLayout(top)

        self.preview_box = QGroupBox("What the Bundle holds")
        box = QVBoxLayout(self.preview_box)
        self.patient_label = QLabel()
        self.patient_label.setTextFormat(Qt.TextFormat.PlainText)
        self.patient_label.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.patient_label.setAccessibleName("The Bundle's patient")
        self.source_label = QLabel()
        self.source_label.setTextFormat(Qt.TextFormat.PlainText)
        self.counts_label = QLabel()
        self.counts_label.setWordWrap(True)
        self.counts_label.setTextFormat(Qt.TextFormat.PlainText)
        self.counts_label.setAccessibleName("What it would record")
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Items and entries left out")
        self.details.setTabChangesFocus(True)
        self.details.setMinimumHeight(150)
        details_label = QLabel("&Details: each item, and what is left out and why")
        details_label.setBuddy(self.details)
        for w in (self.patient_label, self.source_label, self.counts_label, details_label):
            box.addWidget(w)
        box.addWidget(self.details, 1)
        layout.addWidget(self.preview_box, 1)

        # This very file was imported before: amber, with its symbol and words.
        self.earlier = StatusLabel()
        self.earlier.setAccessibleName("Imported before")
        layout.addWidget(self.earlier)

        self.choice_box = QGroupBox("Import into")
        self._choice_layout = QVBoxLayout(self.choice_box)
        self.advice = QLabel()
        self.advice.setWordWrap(True)
        self.advice.setTextFormat(Qt.TextFormat.PlainText)
        self.advice.setAccessibleName("Which to choose")
        self._choice_layout.addWidget(self.advice)
        self.choices = QButtonGroup(self)
        self.choices.idToggled.connect(self._chosen)
        self.new_choice = QRadioButton("Register as a &new patient from the Bundle")
        self.reason = QLineEdit()
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText("why the Bundle's patient is not one of those above")
        reason_form = QFormLayout()
        self.errors.add_row(reason_form, "&Reason", self.reason, "reason")
        self._choice_layout.addWidget(self.new_choice)
        self._choice_layout.addLayout(reason_form)
        self.again = QCheckBox("Import a&gain anyway (every item is recorded a second time)")
        self.again.setToolTip("This same file was imported before (see the warning above)")
        self.again.toggled.connect(lambda _on: self.errors.clear())
        self._choice_layout.addWidget(self.again)
        self.choices.addButton(self.new_choice, NEW)
        self._patient_choices: list[QRadioButton] = []
        layout.addWidget(self.choice_box)

        self.refusal = QPlainTextEdit()
        self.refusal.setReadOnly(True)
        self.refusal.setTabChangesFocus(True)
        self.refusal.setAccessibleName("Why nothing was imported")
        self.refusal.setMinimumHeight(120)
        self.refusal.setStyleSheet("QPlainTextEdit { border: 1px solid #b42318; }")
        layout.addWidget(self.refusal, 1)
        layout.addWidget(self.message)

        buttons = QDialogButtonBox()
        self.check_button = buttons.addButton("Chec&k only", QDialogButtonBox.ButtonRole.ActionRole)
        self.check_button.setToolTip("Do the whole import and check it, then keep nothing")
        self.import_button = buttons.addButton("&Import", QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button.setToolTip("Record the Bundle in the chart chosen (one transaction)")
        self.open_button = buttons.addButton("&Open chart", QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setToolTip("Close (Esc)")
        buttons.rejected.connect(self.reject)
        for b in (self.choose_button, self.check_button, self.import_button, self.open_button):
            b.setAutoDefault(False)
        close.setAutoDefault(False)
        # Enter on Import when it has the focus presses it (as on any focused button);
        # Enter in a text field never does (no default button at that step).
        self.import_button.setAutoDefault(True)
        self.choose_button.clicked.connect(self.choose_file)
        self.check_button.clicked.connect(lambda: self.run_import(dry_run=True))
        self.import_button.clicked.connect(lambda: self.run_import(dry_run=False))
        self.open_button.clicked.connect(self._open_chart)
        layout.addWidget(buttons)

        self.allowed = permissions.session_allows(
            session(), Action.CREATE, DataCategory.RECORD_IMPORT
        )
        self._reset()
        if not self.allowed:
            self.choose_button.setEnabled(False)
            self.message.error(NOT_ALLOWED)
        self._default(self.choose_button)
        self.choose_button.setFocus()

    # ------------------------------------------------------------------ state

    def _default(self, button: QPushButton | None) -> None:
        """Enter does the next harmless thing: choose a file, open the chart. Never import:
        Enter typed in the sender's name or the reason must not record a whole record by
        reflex (Alt+I does, as Ctrl+Enter sends a required reason elsewhere)."""
        for b in (self.choose_button, self.import_button, self.open_button):
            b.setDefault(b is button)

    def _reset(self) -> None:
        """A new file: nothing previewed, chosen or refused yet (the sender's name stays)."""
        self.data = self.preview = self.imported = self.refused = None
        self.errors.clear()
        self.preview_box.hide()
        self.choice_box.hide()
        self.refusal.hide()
        self.open_button.hide()
        self.earlier.clear_message()
        self.again.setChecked(False)
        self.again.hide()
        self._set_choices(None)
        self._enable()

    def _enable(self) -> None:
        ready = (
            self.allowed
            and not self.busy
            and self.preview is not None
            and self.imported is None
            and self.choices.checkedButton() is not None
        )
        self.import_button.setEnabled(ready)
        self.check_button.setEnabled(ready)
        self.again.setEnabled(ready)
        self.choose_button.setEnabled(self.allowed and not self.busy)
        self.reason.setEnabled(self.choices.checkedId() == NEW and self._matches() > 0)

    def _matches(self) -> int:
        p = self.preview
        if p is None:
            return 0
        return (1 if p.same_mrn is not None else 0) + len(p.candidates)

    def _set_choices(self, preview: ImportPreview | None) -> None:
        """One "Add to" choice per matching patient, then "new patient". The patient with the
        clinic's own MRN is chosen for the user (the Bundle says it is them); likely matches
        are not (the user decides); with no match, a new patient is."""
        for b in self._patient_choices:
            self.choices.removeButton(b)
            # Hidden now: deleteLater waits for the event loop (a second file's preview
            # would otherwise show the first one's choices, still ticked, above its own).
            self._choice_layout.removeWidget(b)
            b.hide()
            b.deleteLater()
        self._patient_choices = []
        self.choices.setExclusive(False)
        self.new_choice.setChecked(False)
        self.choices.setExclusive(True)
        self.reason.clear()
        if preview is None:
            return
        options: list[tuple[PatientInfo, str]] = []
        if preview.same_mrn is not None:
            options.append((preview.same_mrn, texts.same_mrn_choice(preview.same_mrn)))
        options += [(c.patient, texts.candidate_choice(c)) for c in preview.candidates]
        for i, (patient, text) in enumerate(options):
            shown = texts.escape(text)
            button = QRadioButton(("&" + shown) if i == 0 else shown)
            self.choices.addButton(button, int(patient.id))
            self._choice_layout.insertWidget(1 + i, button)
            self._patient_choices.append(button)
        if preview.same_mrn is not None:
            self._patient_choices[0].setChecked(True)
        elif not preview.candidates:
            self.new_choice.setChecked(True)

    def _chosen(self, _id: int, _checked: bool) -> None:
        self.errors.clear()
        self._enable()

    def chosen_patient(self) -> PatientId | None:
        """The patient chosen to import into; None for a new patient."""
        picked = self.choices.checkedId()
        return None if picked == NEW else PatientId(picked)

    def choice_buttons(self) -> list[QAbstractButton]:
        """The "Add to" choices in order, then "new patient" (tests and the screenshot)."""
        return [*self._patient_choices, self.new_choice]

    # ------------------------------------------------------------------ reading

    def _path_from_dialog(self) -> Path | None:
        start = str(self.path.parent) if self.path is not None else ""
        # Qt's own dialog: the system's would keep the file name in "recent files".
        return open_file_path(self, "Choose the FHIR Bundle", "FHIR JSON (*.json)", start)

    def choose_file(self) -> None:
        session = self._session()
        if session is None or not self.allowed or self.busy:
            return
        path = self.ask_path()
        if path is None:
            return
        self.path = path
        self.file_label.setText(str(path))
        self._reset()
        service, source = self._services.inst.fhir_import, self._source()

        def work() -> tuple[bytes, ImportPreview]:
            data = read_bundle_file(path)
            return data, service.preview(session, data, source=source)

        self._busy(True, f"Reading {path.name}…")
        Op(self, work, runner=self._runner).success(self._previewed).failure(
            self._preview_failed
        ).run()

    def _source(self) -> str | None:
        return " ".join(self.source.text().split()) or None

    def _previewed(self, got: tuple[bytes, ImportPreview]) -> None:
        self.data, preview = got
        self.preview = preview
        self._busy(False)
        self.patient_label.setText(texts.bundle_patient(preview.patient))
        self.source_label.setText(texts.source_line(preview))
        self.counts_label.setText(texts.will_import(preview))
        self.details.setPlainText(texts.details(preview))
        self.advice.setText(preview.advice)
        if preview.earlier_text is not None:
            self.earlier.warning(preview.earlier_text)
            self.again.show()
        self._set_choices(preview)
        self.preview_box.show()
        self.choice_box.show()
        self.message.clear_message()
        self._enable()
        self._default(None)
        picked = self.choices.checkedButton()
        (picked or self.choice_buttons()[0]).setFocus()

    def _preview_failed(self, err: BaseException) -> None:
        self._busy(False)
        self._failed(err)
        self._default(self.choose_button)

    # ------------------------------------------------------------------ importing

    def run_import(self, *, dry_run: bool) -> None:
        session = self._session()
        button = self.check_button if dry_run else self.import_button
        if session is None or self.data is None or not button.isEnabled():
            return
        self.errors.clear()
        self.refusal.hide()
        self.refused = None
        service, data = self._services.inst.fhir_import, self.data
        patient_id, source, reason = self.chosen_patient(), self._source(), self.reason.text()
        again = not self.again.isHidden() and self.again.isChecked()

        def work() -> ImportResult:
            return service.commit(
                session,
                data,
                patient_id=patient_id,
                source=source,
                reason=reason if patient_id is None else None,
                dry_run=dry_run,
                again=again,
            )

        self._busy(True, "Checking…" if dry_run else "Importing…")
        Op(self, work, runner=self._runner).success(self._imported).failure(
            self._import_failed
        ).run()

    def _imported(self, result: ImportResult) -> None:
        self._busy(False)
        self.message.ok(texts.done(result))
        if result.dry_run:
            self._enable()
            return
        self.imported = result
        self._enable()  # imported: a second Import would record it twice
        self.open_button.setText(f"&Open {texts.escape(result.patient.display_name)}'s chart")
        self.open_button.show()
        self._default(self.open_button)
        self.open_button.setFocus()

    def _import_failed(self, err: BaseException) -> None:
        self._busy(False)
        self._failed(err)
        self._default(None)

    def _open_chart(self) -> None:
        if self.imported is not None:
            self.open_chart.emit(self.imported.patient)
            self.accept()

    # ------------------------------------------------------------------ shared

    def reject(self) -> None:
        """Esc and Close wait while a file is read or an import is recorded: closed then, the
        outcome would be lost, and an import that went through might be done again."""
        if self.busy:
            self.message.info("Still working: close this once the import is recorded or refused.")
            return
        super().reject()

    def _busy(self, on: bool, text: str = "") -> None:
        self.busy = on
        if on:
            self.message.info(text)
        else:
            self.settled.emit()
        self._enable()

    def _failed(self, err: BaseException) -> None:
        """A refusal naming entries goes to the box that scrolls; a field's to the field;
        nothing the user chose is cleared."""
        if isinstance(err, RepeatImportError):
            # Imported before: the choice to go ahead is the checkbox, where the cursor goes.
            self.refused = err
            self.message.error(err.message)
            self.again.show()
            self.again.setFocus()
        elif isinstance(err, BundleRefusedError | PermissionDeniedError):
            self.refused = err
            self.refusal.setPlainText(texts.refusal(err))
            self.refusal.show()
            self.message.error("Nothing was imported: why is listed above.")
            self.refusal.setFocus()
        elif isinstance(err, ValidationError):
            self.errors.show(err)
        elif isinstance(err, KnownError):
            self.message.error(err.message)
        else:
            self.message.show_error(err)
        self._enable()
