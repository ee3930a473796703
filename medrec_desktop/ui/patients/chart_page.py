"""An open patient: demographics (editable), version history, merge of a duplicate."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
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
from medrec_desktop.ui.patients.compare import CompareTable, new_column
from medrec_desktop.ui.patients.registration import ERROR_STYLE, RegistrationForm
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.unsaved import saved_stamp


def _values(p: PatientInfo) -> list[str]:
    return new_column(
        p.display_name, f"{p.birth_date:%m/%d/%Y}", p.sex.capitalize(), p.phone or ""
    )[:4] + [p.mrn, ""]


class MergeDialog(QDialog):
    """Find the duplicate by MRN, compare side by side, then merge it into this record."""

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: UserSession,
        keep: PatientInfo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Merge a duplicate record")
        self.resize(760, 380)
        self._services, self._runner = services, runner
        self._session, self.keep = session, keep
        self.other: PatientInfo | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"Merge another record into <b>{keep.display_name}</b> (MRN {keep.mrn}). "
                "Its notes, contacts and insurance move here; the other record stays, marked as "
                "merged, so its history can still be traced. This cannot be undone."
            )
        )
        row = QHBoxLayout()
        self.mrn = QLineEdit()
        self.mrn.setPlaceholderText("MRN of the duplicate record")
        self.mrn.setAccessibleName("MRN of the duplicate record")
        find = QPushButton("&Find")
        find.clicked.connect(self.find_duplicate)
        self.mrn.returnPressed.connect(self.find_duplicate)
        row.addWidget(self.mrn, 1)
        row.addWidget(find)
        layout.addLayout(row)
        self.compare_host = QVBoxLayout()
        layout.addLayout(self.compare_host, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox()
        self.merge_button = self.buttons.addButton(
            "&Merge into this record", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.merge_button.setEnabled(False)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.merge_button.clicked.connect(self.merge)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def find_duplicate(self) -> None:
        mrn = self.mrn.text().strip()
        pats, session = self._services.inst.patients, self._session
        Op(self, lambda: pats.find_by_mrn(session, mrn), runner=self._runner).success(
            self._found
        ).failure(self._failed).run()

    def _found(self, other: PatientInfo) -> None:
        while self.compare_host.count():
            item = self.compare_host.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()  # type: ignore[union-attr]
        if other.id == self.keep.id:
            self.message.setText("That is this same record.")
            return
        self.other = other
        self.compare_host.addWidget(
            CompareTable(
                [("Keep (this record)", _values(self.keep)), ("Merge into it", _values(other))],
                self,
            )
        )
        self.message.clear()
        self.merge_button.setEnabled(True)

    def merge(self) -> None:
        if self.other is None:
            return
        other, keep, session = self.other, self.keep, self._session
        pats = self._services.inst.patients
        self.merge_button.setEnabled(False)
        Op(self, lambda: pats.merge(session, keep.id, other.id), runner=self._runner).success(
            lambda _info: self._merged(other)
        ).failure(self._failed).run()

    def _merged(self, other: PatientInfo) -> None:
        kinds = {ChangeKind.MERGE, ChangeKind.DEMOGRAPHICS, ChangeKind.NOTES}
        self._services.notify_changed(self.keep.id, kinds)
        self._services.notify_changed(other.id, kinds)
        self.accept()

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(f"⚠ {err.message}")


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
        self.merge_button = QPushButton("Mer&ge a duplicate into this record…")
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
            self.form.save_state.clear()
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
        if self.patient is None or self.patient.id != patient_id:
            return
        if self.form.has_unsaved_changes():
            # Never overwrite what the user is typing; their save will be checked against the
            # newer version and refused with a plain message if the two collide.
            self.form.message.setStyleSheet(ERROR_STYLE)
            self.form.message.setText(
                "⚠ This patient was just changed elsewhere. Your unsaved changes are kept; "
                "use Undo changes to see the stored record."
            )
            return
        self.reload()

    def _loaded(self, result: tuple[PatientRecord, list[VersionInfo]]) -> None:
        record, history = result
        self.patient = record.info
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
        dialog = MergeDialog(
            services=self._services,
            runner=self._runner,
            session=session,
            keep=self.patient,
            parent=self,
        )
        dialog.exec()  # a merge announces itself; this chart reloads on the notification

    def clear(self) -> None:
        if self._load is not None:
            self._load.cancel()
        self.patient = None
        self._offered = None
        self.offer.hide()
        self.form.clear_form()
        self.history.clear()
