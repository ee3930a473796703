"""Filing a waiting scan to a patient, keyboard first: the cursor starts in the patient box
(the suggested patients listed under it, Enter takes the first), then the fields that say
what the document is (the same fields as attaching a file in the chart), then Enter files.

The scan is shown beside the form so its date and sender can be read off it. A refusal is
shown beside the field it concerns with everything typed kept; a scan someone else dealt
with in the meantime says so, and the inbox behind is refreshed.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.clinical import ItemInfo
from medrec_desktop.domain.documents import DocumentData, size_text
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.errors import ConflictError, KnownError, ValidationError
from medrec_desktop.domain.inbox import Candidate, InboxEntry
from medrec_desktop.services.documents import DocumentFile
from medrec_desktop.ui.documents.document_fields import DocumentFields
from medrec_desktop.ui.documents.page_view import PageView
from medrec_desktop.ui.inbox.patient_picker import PatientChoice, PatientPicker
from medrec_desktop.ui.inbox.texts import pages_text
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.fielderrors import FieldErrors
from medrec_desktop.ui.widgets.status import StatusLabel

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class FileScanDialog(QDialog):
    """``filed`` carries the new document and the PatientChoice it was filed to;
    ``conflicted`` says the scan was dealt with elsewhere (the inbox should be read again)."""

    filed = Signal(object, object)  # ItemInfo[DocumentData], PatientChoice
    conflicted = Signal()
    #: (inbox id, list[Candidate]) the suggestions as asked afresh, for the inbox to keep
    suggested = Signal(int, object)

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: UserSession,
        entry: InboxEntry,
        file: DocumentFile | None = None,
        suggestions: Sequence[Candidate] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner, self._session = services, runner, session
        self.entry = entry
        self.setWindowTitle("File a scan to a patient")
        outer = QHBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(split)

        # The scan, to read its date and sender off it.
        self.preview = PageView(empty_text="Reading the scan…", thumb_width=64)
        self.preview.install_keys(self.preview, Qt.ShortcutContext.WidgetWithChildrenShortcut)
        split.addWidget(self.preview)

        side = QWidget()
        layout = QVBoxLayout(side)
        layout.setContentsMargins(8, 0, 0, 0)
        about = QLabel(
            f"{entry.source_name} · {pages_text(entry.page_count)} · {size_text(entry.size)}"
        )
        about.setTextFormat(Qt.TextFormat.PlainText)
        about.setAccessibleName("Scan")
        about.setWordWrap(True)
        about.setStyleSheet("font-weight: 600;")
        layout.addWidget(about)
        if entry.note:
            note = QLabel(f"ℹ  {entry.note}")
            note.setTextFormat(Qt.TextFormat.PlainText)
            note.setWordWrap(True)
            note.setAccessibleName("Why it waits")
            layout.addWidget(note)
        self.message = StatusLabel()
        self.message.setAccessibleName("Filing message")
        self.errors = FieldErrors(self.message)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.picker = PatientPicker(services=services, runner=runner, session=session)
        self._suggested = tuple(suggestions) if suggestions is not None else None
        if suggestions is not None:
            self.picker.set_suggestions(suggestions)
        else:
            self.picker.status.setText("Looking for the patient in the scan…")
        self.errors.add_row(form, "&Patient *", self.picker, "patient_id")
        self.picker.picked.connect(self._patient_picked)
        self.fields = DocumentFields(form, self.errors, session=session)
        self._side, self._form = layout, form
        layout.addLayout(form, 1)
        self._rest = QWidget()  # takes the height the patient list gives up once chosen
        layout.addWidget(self._rest, 0)
        self.picker.change_button.clicked.connect(lambda: self._room_for_list(True))
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.file_button = QPushButton("&File to this patient")
        self.file_button.setToolTip("Enter, from any field below the patient")
        self.cancel_button = QPushButton("Cancel")
        for b in (self.file_button, self.cancel_button):
            # Enter files only through keyPressEvent below, never by a button's reflex.
            b.setAutoDefault(False)
            buttons.addWidget(b)
        self.file_button.clicked.connect(self.file)
        self.cancel_button.clicked.connect(self.reject)
        layout.addLayout(buttons)
        split.addWidget(side)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 5)
        split.setSizes([420, 660])
        self.resize(1120, 760)
        if file is not None:
            self.show_file(file)
        else:
            self.load_file()
        self._ask_suggestions()
        self.picker.setFocus()

    # ------------------------------------------------------------------ what arrives

    def show_file(self, file: DocumentFile) -> None:
        try:
            self.preview.load(file.content, file.content_type)
        except Exception:  # noqa: BLE001 - any reader error (QtPdf, Pillow): say so, go on
            self.preview.clear()
            self.preview.view.setText("This scan cannot be shown: its file cannot be read.")

    def load_file(self) -> None:
        """Read the scan (an audited view) when the inbox had not already."""
        inbox, session, ident = self._services.inst.inbox, self._session, self.entry.id
        Op(self, lambda: inbox.open_file(session, ident), runner=self._runner).success(
            self.show_file
        ).failure(self._preview_failed).run()

    def _preview_failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.preview.view.setText(f"⚠ {err.message}")

    def _ask_suggestions(self) -> None:
        """The patients suggested from the scan, asked afresh (a patient registered or
        merged since the inbox asked changes them); those the inbox had are shown meanwhile."""
        suggestions, session, ident = (
            self._services.inst.inbox_suggestions,
            self._session,
            self.entry.id,
        )
        had = self._suggested

        def found(candidates: list[Candidate]) -> None:
            if had is None or tuple(candidates) != tuple(had):
                self.picker.set_suggestions(candidates)
            self.suggested.emit(self.entry.id, candidates)

        def failed(err: BaseException) -> None:
            if not isinstance(err, KnownError):
                raise err
            if had is None:
                self.picker.set_suggestions(None)

        Op(self, lambda: suggestions.suggest(session, ident), runner=self._runner).success(
            found
        ).failure(failed).run()

    # ------------------------------------------------------------------ the patient

    def _room_for_list(self, choosing: bool) -> None:
        """While choosing, the patient list takes the height; once chosen, the fields sit
        together under the patient's line and the room goes below them."""
        self._side.setStretchFactor(self._form, 1 if choosing else 0)
        self._side.setStretchFactor(self._rest, 0 if choosing else 1)

    def _patient_picked(self, choice: PatientChoice) -> None:
        self._room_for_list(False)
        message = self.errors.label_for("patient_id")
        if message is not None:
            message.clear_message()
        self._load_encounters(choice)
        self.fields.doc_type.setFocus()  # next: what the document is

    def _load_encounters(self, choice: PatientChoice) -> None:
        self.fields.set_encounters(())
        inst, session, pid = self._services.inst, self._session, PatientId(choice.patient_id)
        Op(
            self,
            lambda: list(inst.encounters.open_choices(session, pid)),
            runner=self._runner,
            key="encounters",
        ).success(self.fields.set_encounters).failure(lambda _err: None).run()

    # ------------------------------------------------------------------ filing

    def file(self) -> None:
        if not self.file_button.isEnabled():
            return
        self.errors.clear()
        chosen = self.picker.chosen
        if chosen is None:
            self.errors.show(
                ValidationError(
                    "Choose the patient this scan belongs to: type a name, date of birth or"
                    " MRN, then Enter.",
                    field="patient_id",
                )
            )
            return
        try:
            data = self.fields.ready(self.entry.source_name)
        except ValidationError as err:
            self.errors.show(err)
            return
        inbox, session, entry = self._services.inst.inbox, self._session, self.entry
        pid = PatientId(chosen.patient_id)
        self.file_button.setEnabled(False)
        self.message.info(f"Filing to {chosen.label}…")
        Op(
            self,
            lambda: inbox.file(session, entry.id, pid, data, expected_version=entry.version),
            runner=self._runner,
        ).success(lambda info: self._filed(info, chosen)).failure(self._refused).run()

    def _filed(self, info: ItemInfo[DocumentData], chosen: PatientChoice) -> None:
        self.filed.emit(info, chosen)
        self.accept()

    def _refused(self, err: BaseException) -> None:
        if isinstance(err, ConflictError):
            # Nothing more can be done with this scan here: say so, keep what was typed
            # readable, and let the inbox behind show what became of it.
            self.message.error(err.message)
            self.cancel_button.setText("Close")
            self.conflicted.emit()
            return
        self.file_button.setEnabled(True)
        if isinstance(err, ValidationError):
            self.errors.show(err)
            return
        if not isinstance(err, KnownError):
            raise err
        self.message.error(err.message)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        # Enter files from the fields under the patient (the patient box and list take
        # their own Enter); never before a patient is chosen, where it would only complain.
        if event.key() in ENTER_KEYS:
            event.accept()
            focused = self.focusWidget()
            if isinstance(focused, QAbstractButton):
                # Enter on a button presses that button (Cancel cancels, Zoom zooms): only
                # the File button or Enter in a field files the scan.
                focused.click()
            elif self.picker.chosen is not None:
                self.file()
            return
        super().keyPressEvent(event)
