"""An open patient: demographics (editable), version history, merge of a duplicate."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import PatientInfo, PatientRecord, UserSession, VersionInfo
from medrec_desktop.domain.enums import Action, ChangeKind, DataCategory
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.security import permissions
from medrec_desktop.services.patient_input import PatientInput
from medrec_desktop.ui.itemmodels.timefmt import local_datetime
from medrec_desktop.ui.patients.merge_dialog import MergeDialog
from medrec_desktop.ui.patients.registration import ERROR_STYLE, RegistrationForm
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.unsaved import saved_stamp


class PatientChartPage(QWidget):
    title = "Patient"
    patient_changed = Signal(object)  # PatientInfo, for the banner
    closed = Signal()

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner, self._session = services, runner, session
        self.patient: PatientInfo | None = None
        self._load: Op[tuple[PatientRecord, list[VersionInfo]]] | None = None
        self._offered: PatientInput | None = None  # typed for a new registration, not applied
        self._just_saved = False
        # Saved here or in any other view: this chart shows the stored record again.
        services.changed.connect(self._patient_changed)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addStretch(1)
        self.merge_button = QPushButton("Mer&ge with a duplicate record…")
        self.merge_button.clicked.connect(self.open_merge)
        self.close_button = QPushButton("&Close chart")
        self.close_button.setToolTip("Back to patient search (asks first if anything is unsaved)")
        self.close_button.clicked.connect(self.closed)
        top.addWidget(self.merge_button)
        top.addWidget(self.close_button)
        layout.addLayout(top)
        # What was typed for a new registration before the user chose this existing record.
        self.offer = QWidget()
        offer_row = QHBoxLayout(self.offer)
        offer_row.setContentsMargins(8, 4, 8, 4)
        self.offer.setStyleSheet("background: #eef4ff; border-radius: 4px;")
        self.offer_text = QLabel()
        self.offer_text.setWordWrap(True)
        self.offer_text.setAccessibleName("Details typed for a new registration")
        self.apply_offer_button = QPushButton("&Use what was typed")
        self.apply_offer_button.setToolTip(
            "Fill this record's form with what you typed (review, then Save)"
        )
        self.apply_offer_button.clicked.connect(self.apply_offer)
        self.dismiss_offer_button = QPushButton("Dismiss")
        self.dismiss_offer_button.clicked.connect(self.dismiss_offer)
        offer_row.addWidget(self.offer_text, 1)
        offer_row.addWidget(self.apply_offer_button)
        offer_row.addWidget(self.dismiss_offer_button)
        self.offer.hide()
        layout.addWidget(self.offer)
        self.tabs = QTabWidget()
        self.form = RegistrationForm(services=services, runner=runner, session=session)
        self.form.saved.connect(self._saved)
        self.form.on_reveal = lambda: self.tabs.setCurrentWidget(self.form)
        self.history = QListWidget()
        self.history.setAccessibleName("Version history")
        self.tabs.addTab(self.form, "&Demographics")
        self.tabs.addTab(self.history, "His&tory")
        layout.addWidget(self.tabs, 1)

    def open_patient(
        self,
        patient: PatientInfo,
        *,
        typed: PatientInput | None = None,
        just_saved: bool = False,
    ) -> None:
        """Show ``patient``; ``typed``: details typed for a new registration of the same
        person, offered to apply; ``just_saved``: it was registered a moment ago."""
        if self.patient is None or self.patient.id != patient.id:
            self.form.show_loading()  # nothing typed now could land on the wrong patient
        self.patient = patient
        self._offered = typed
        self._just_saved = just_saved
        self.offer.hide()
        self.tabs.setCurrentWidget(self.form)
        self._apply_access()
        self.reload()

    def _apply_access(self) -> None:
        session = self._session()
        may_merge = session is not None and permissions.allowed(
            session.role, Action.DELETE, DataCategory.DEMOGRAPHICS
        )
        self.merge_button.setEnabled(may_merge)
        self.merge_button.setToolTip(
            "Merge a record of the same person into this one"
            if may_merge
            else "Your role cannot merge records: ask a records specialist or administrator."
        )

    def reload(self) -> None:
        session = self._session()
        if session is None or self.patient is None:
            return
        pid = self.patient.id
        pats = self._services.inst.patients
        self._load = (
            Op(self, lambda: pats.open_chart(session, pid), runner=self._runner, key="load")
            .success(self._loaded)
            .failure(self._failed)
            .run()
        )

    def _patient_changed(self, patient_id: int, _kinds: frozenset[ChangeKind]) -> None:
        if self.patient is not None and self.patient.id == patient_id:
            self.reload()  # what the user is typing is kept on top (see _loaded)

    def _loaded(self, result: tuple[PatientRecord, list[VersionInfo]]) -> None:
        record, history = result
        self.patient = record.info
        before = self.form.record
        if (
            before is not None
            and before.info.id == record.info.id
            and self.form.has_unsaved_changes()
        ):
            # Typing is never overwritten by a reload: the newest stored version becomes the
            # baseline and the user's changed fields are put back on top of it, unsaved.
            typed = self.form.typed_changes()
            self.form.load(record)
            for key, value in typed.items():
                self.form.set_text(key, value)
            if record.info.version != before.info.version:
                self.form.message.setStyleSheet(ERROR_STYLE)
                self.form.message.setText(
                    "⚠ This patient was just changed elsewhere. Your changes are kept on top "
                    "of the newest version: check them, then Save (Undo changes shows the "
                    "stored record)."
                )
        else:
            self.form.load(record)
        if record.merged_into is not None:
            self.form.message.setText(
                "This record was merged into another; it is kept for traceability only."
            )
        elif self._just_saved:
            self._just_saved = False
            self.form.message.setText(
                f"✓ Registered {record.info.display_name} (MRN {record.info.mrn})."
            )
            self.form.save_state.setText(saved_stamp())
        if self._offered is not None and not self.form.read_only_reason:
            self.offer_text.setText(
                "You chose this existing record while registering a new patient. What you "
                "typed is kept: use it here to update this record, or dismiss it."
            )
            self.offer.show()
        self.history.clear()
        for v in reversed(history):
            self.history.addItem(
                f"Version {v.version} · {local_datetime(v.changed_at, seconds=False)}"
                f" · {v.changed_by} · {v.summary}"
            )
        self.patient_changed.emit(record.info)

    # The pending offer is unsaved work too (GuardedForm): leaving asks about it.

    def has_unsaved_changes(self) -> bool:
        return self._offered is not None and self.offer.isVisibleTo(self)

    def unsaved_summary(self) -> str:
        name = self.patient.display_name if self.patient is not None else "this patient"
        return (
            f"Details typed for a new registration, not yet applied to {name}. Save applies "
            "them to this record and saves it."
        )

    def save_then(self, done: Callable[[], None]) -> None:
        self.apply_offer()
        if self.form.has_unsaved_changes():
            self.form.save_then(done)
        else:
            done()

    def discard_changes(self) -> None:
        self.dismiss_offer()

    def reveal(self) -> None:
        self.tabs.setCurrentWidget(self.form)

    def apply_offer(self) -> None:
        if self._offered is None:
            return
        changed = self.form.fill_from(self._offered)
        self._offered = None
        self.offer.hide()
        self.tabs.setCurrentWidget(self.form)
        self.form.message.setStyleSheet("")
        self.form.message.setText(
            ("Filled in from what you typed: " + ", ".join(changed) + ". Review, then Save.")
            if changed
            else "What you typed matches this record already; nothing to change."
        )
        self.form.inputs["family_name"].setFocus()

    def dismiss_offer(self) -> None:
        self._offered = None
        self.offer.hide()

    def _saved(self, info: PatientInfo) -> None:
        # The form announced the change; _patient_changed reloads this chart with the rest.
        self.patient = info

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.form.message.setStyleSheet(ERROR_STYLE)
        self.form.message.setText(f"⚠ {err.message}")

    def open_merge(self) -> None:
        session = self._session()
        if session is None or self.patient is None:
            return
        if self.form.has_unsaved_changes():
            # A merge reloads both records: the edits would have nowhere to go.
            self.form.message.setStyleSheet(ERROR_STYLE)
            self.form.message.setText(
                "⚠ Save or undo your changes to this record before merging it."
            )
            return
        dialog = MergeDialog(
            services=self._services,
            runner=self._runner,
            session=session,
            keep=self.patient,
            parent=self,
        )
        # Either record may be the one kept: the chart follows it.
        dialog.merged.connect(lambda kept: self.open_patient(kept))
        dialog.exec()

    def clear(self) -> None:
        if self._load is not None:
            self._load.cancel()
        self.patient = None
        self._offered = None
        self.offer.hide()
        self.form.clear_form()
        self.history.clear()
