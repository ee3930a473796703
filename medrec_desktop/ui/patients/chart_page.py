"""An open patient: demographics (editable), version history, merge of a duplicate."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import PatientInfo, PatientRecord, UserSession, VersionInfo
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.ui.itemmodels.timefmt import local_datetime
from medrec_desktop.ui.patients.merge_dialog import MergeDialog
from medrec_desktop.ui.patients.registration import ERROR_STYLE, RegistrationForm
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner


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
        # Saved here or in any other view: this chart shows the stored record again.
        services.changed.connect(self._patient_changed)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addStretch(1)
        self.merge_button = QPushButton("Mer&ge a duplicate into this record…")
        self.merge_button.clicked.connect(self.open_merge)
        self.close_button = QPushButton("Close &chart")
        self.close_button.clicked.connect(self.closed)
        top.addWidget(self.merge_button)
        top.addWidget(self.close_button)
        layout.addLayout(top)
        self.tabs = QTabWidget()
        self.form = RegistrationForm(services=services, runner=runner, session=session)
        self.form.saved.connect(self._saved)
        self.form.cancelled.connect(self.reload)
        self.history = QListWidget()
        self.history.setAccessibleName("Version history")
        self.tabs.addTab(self.form, "&Demographics")
        self.tabs.addTab(self.history, "&History")
        layout.addWidget(self.tabs, 1)

    def open_patient(self, patient: PatientInfo) -> None:
        self.patient = patient
        self.reload()

    def reload(self) -> None:
        session = self._session()
        if session is None or self.patient is None:
            return
        pid = self.patient.id
        pats = self._services.inst.patients

        def work() -> tuple[PatientRecord, list[VersionInfo]]:
            return pats.record(session, pid), pats.history(session, pid)

        self._load = (
            Op(self, work, runner=self._runner, key="load")
            .success(self._loaded)
            .failure(self._failed)
            .run()
        )

    def _patient_changed(self, patient_id: int, _kinds: frozenset[ChangeKind]) -> None:
        if self.patient is not None and self.patient.id == patient_id:
            self.reload()

    def _loaded(self, result: tuple[PatientRecord, list[VersionInfo]]) -> None:
        record, history = result
        self.patient = record.info
        self.form.load(record)
        if record.merged_into is not None:
            self.form.message.setText(
                "This record was merged into another; it is kept for traceability only."
            )
            self.form.save_button.setEnabled(False)
        self.history.clear()
        for v in reversed(history):
            self.history.addItem(
                f"Version {v.version} · {local_datetime(v.changed_at, seconds=False)}"
                f" · {v.changed_by} · {v.summary}"
            )
        self.patient_changed.emit(record.info)

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
        self.form.clear_form()
        self.history.clear()
