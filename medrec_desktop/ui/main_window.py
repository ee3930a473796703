"""The main window: navigation, patient banner, status bar, lock, shortcuts.

It shows only the areas that exist and that the signed-in role may use. While locked, the
workspace (and every widget holding patient data) is replaced by the lock screen; the widgets
keep their unsaved input for the same user.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import BreakGlassInfo, PatientInfo, UserSession
from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.paths import DataPaths
from medrec_desktop.security import permissions
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.ui.break_glass import BreakGlassDialog
from medrec_desktop.ui.idle import IdleWatcher
from medrec_desktop.ui.lock_screen import LockScreen
from medrec_desktop.ui.patients.banner import PatientBanner
from medrec_desktop.ui.patients.chart_page import PatientChartPage
from medrec_desktop.ui.patients.registration import RegistrationForm
from medrec_desktop.ui.patients.search_page import PatientSearchPage
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner


class LazyArea(QWidget):
    """An area whose content is made the first time it is shown."""

    def __init__(self, factory: Callable[[], QWidget]) -> None:
        super().__init__()
        self._factory = factory
        self.content: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def ensure(self) -> QWidget:
        if self.content is None:
            self.content = self._factory()
            self._layout.addWidget(self.content)
        return self.content


SHORTCUTS = (
    ("Ctrl+F", "Find a patient"),
    ("Ctrl+N", "Register a new patient"),
    ("Ctrl+S", "Save the form you are in"),
    ("Ctrl+L", "Lock the workstation"),
    ("Ctrl+Shift+E", "Emergency access to the open patient"),
    ("F1", "This help"),
)


class MainWindow(QMainWindow):
    signed_out = Signal()

    def __init__(
        self,
        *,
        paths: DataPaths,
        services: ServicesHolder,
        runner: OpRunner,
        session: UserSession,
        settings: QSettings | None = None,
        idle_minutes: float | None = None,
        unlock: Unlock | None = None,
    ) -> None:
        super().__init__()
        self.services = services
        self.runner = runner
        self.coding_panel: QWidget | None = None
        self.paths = paths
        self.unlock = unlock  # how this workstation opened the key file (for a restore)
        self.session: UserSession | None = session
        self.settings = settings or QSettings("medrec-desktop", "medrec-desktop")
        self.locked = False
        self.grant: BreakGlassInfo | None = None
        self.setWindowTitle("medrec-desktop")
        self.resize(1280, 800)
        self.setMinimumSize(1024, 640)

        self.root = QStackedWidget()
        self.setCentralWidget(self.root)
        self.workspace = QWidget()
        self.lock_screen = LockScreen(runner=runner)
        self.root.addWidget(self.workspace)
        self.root.addWidget(self.lock_screen)
        self.lock_screen.unlocked.connect(self._unlocked)
        self.lock_screen.sign_out_requested.connect(self.sign_out)

        outer = QHBoxLayout(self.workspace)
        outer.setContentsMargins(0, 0, 0, 0)
        self.nav = QListWidget()
        self.nav.setAccessibleName("Areas")
        self.nav.setFixedWidth(170)
        self.nav.setStyleSheet(
            "QListWidget { border: none; padding-top: 8px; }"
            "QListWidget::item { padding: 8px 12px; }"
        )
        outer.addWidget(self.nav)
        content = QVBoxLayout()
        content.setContentsMargins(8, 8, 8, 0)
        self.banner = PatientBanner()
        self.emergency = QLabel()
        self.emergency.setStyleSheet(
            "background: #fef0c7; color: #7a2e0e; padding: 6px; border-radius: 4px;"
        )
        self.emergency.setAccessibleName("Emergency access banner")
        self.emergency.hide()
        content.addWidget(self.banner)
        content.addWidget(self.emergency)
        self.pages = QStackedWidget()
        content.addWidget(self.pages, 1)
        outer.addLayout(content, 1)

        session_getter: Callable[[], UserSession | None] = lambda: (  # noqa: E731
            None if self.locked else self.session
        )
        self._session_getter = session_getter
        # Patients area: search, registration, an open chart.
        self.patients_area = QStackedWidget()
        deps = {"services": services, "runner": runner, "session": session_getter}
        self.search_page = PatientSearchPage(**deps)  # type: ignore[arg-type]
        self.new_patient = RegistrationForm(**deps)  # type: ignore[arg-type]
        self.chart = PatientChartPage(**deps)  # type: ignore[arg-type]
        for page in (self.search_page, self.new_patient, self.chart):
            self.patients_area.addWidget(page)
        self.search_page.patient_opened.connect(self.open_patient)
        self.search_page.new_patient_requested.connect(self.register_patient)
        self.new_patient.saved.connect(self.open_patient)
        self.new_patient.open_existing.connect(self.open_patient)
        self.new_patient.cancelled.connect(self.find_patient)
        self.chart.patient_changed.connect(self._show_banner)
        self.chart.closed.connect(self.find_patient)
        self.areas: dict[str, QWidget] = {}
        self.nav.currentRowChanged.connect(self._show_area)
        self._build_areas()

        self._build_actions()
        self._build_status_bar()
        self.idle = IdleWatcher(idle_minutes or 15.0, self)
        self.idle.idle.connect(lambda: self.lock(idle=True))
        if idle_minutes is None:
            self._load_idle_setting()
        self._restore_geometry()
        services.swapped.connect(self._update_status)
        self._update_status()
        self.nav.setCurrentRow(0)
        self.search_page.refresh()

    # ------------------------------------------------------------------ building

    @property
    def inst(self) -> Installation:
        """The services as they are now: a restore swaps them in the holder."""
        return self.services.inst

    def _may(self, action: Action, category: DataCategory) -> bool:
        return self.session is not None and permissions.allowed(self.session.role, action, category)

    def _build_areas(self) -> None:
        """Only areas that exist and that this role may use: no empty placeholder screens."""
        self._drop_areas()
        if self._may(Action.QUERY, DataCategory.DEMOGRAPHICS):
            self._add_area("Patients", self.patients_area)
        coding = self._coding_area()
        if coding is not None:
            self._add_area("Coding", coding)
        admin = self._admin_area()
        if admin is not None:
            self._add_area("Administration", admin)

    def _drop_areas(self) -> None:
        """Forget the areas made for the previous user; all but the patients area (reused,
        cleared at sign-out) are deleted, so their work still in flight is dropped."""
        self.nav.clear()
        while (old := self.pages.widget(0)) is not None:
            self.pages.removeWidget(old)
            if old is not self.patients_area:
                old.deleteLater()
        self.areas = {}
        self.coding_panel = None

    def _show_area(self, row: int) -> None:
        self.pages.setCurrentIndex(row)
        widget = self.pages.widget(row)
        if isinstance(widget, LazyArea):
            widget.ensure()

    def show_area(self, name: str) -> None:
        if name in self.areas and not self.locked:
            self.nav.setCurrentRow(list(self.areas).index(name))

    def _add_area(self, name: str, widget: QWidget) -> None:
        self.areas[name] = widget
        self.pages.addWidget(widget)
        QListWidgetItem(name, self.nav)

    def _coding_area(self) -> QWidget | None:
        # Only roles that code or keep the code sets (the matrix's CODESET category: coders,
        # records specialists, administrators); front desk, nurses and providers pick no codes.
        if not self._may(Action.QUERY, DataCategory.CODESET) or self.session is None:
            return None
        # Built on first visit: the code-set store may need building (seconds, once).
        return LazyArea(self._make_coding_panel)

    def _make_coding_panel(self) -> QWidget:
        from medrec_desktop.ui.coding import CodingPanel

        self.coding_panel = CodingPanel(
            services=self.services,
            runner=self.runner,
            session=self._session_getter,
            may_import=self._may(Action.CREATE, DataCategory.CODESET),
        )
        return self.coding_panel

    def _admin_area(self) -> QWidget | None:
        if self.session is None or self.session.role is not Role.ADMIN:
            return None
        from medrec_desktop.ui.admin_area import make_admin_area

        unlock = self.unlock
        tabs: QTabWidget = make_admin_area(
            self,
            services=self.services,
            runner=self.runner,
            session=self._session_getter,
            unlock=(lambda: unlock) if unlock is not None else None,
            on_restored=self.replace_installation,
            on_settings_saved=self._settings_saved,
        )
        return tabs

    def _settings_saved(self, values: dict[str, str]) -> None:
        minutes = values.get("idle_timeout_minutes", "")
        if minutes.isdigit():
            self.idle.set_minutes(float(minutes))

    def replace_installation(self, inst: Installation) -> None:
        """A backup was restored (the holder already serves it): sign in again, because its
        accounts are as they were when the backup was made."""
        if self.services.inst is not inst:
            self.services.swap(inst)
        self.sign_out()

    def _build_actions(self) -> None:
        def action(text: str, keys: str | QKeySequence, slot: Callable[[], object]) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.find_action = action("&Find patient", "Ctrl+F", self.find_patient)
        self.new_action = action("&New patient", "Ctrl+N", self.register_patient)
        self.lock_action = action("&Lock", "Ctrl+L", lambda: self.lock(idle=False))
        self.help_action = action("&Help", "F1", self.show_help)
        self.emergency_action = action("&Emergency access", "Ctrl+Shift+E", self.break_glass)
        menu = self.menuBar().addMenu("&File")
        menu.addAction(self.lock_action)
        sign_out = QAction("Sign &out", self)
        sign_out.triggered.connect(self.sign_out)
        menu.addAction(sign_out)
        patients = self.menuBar().addMenu("&Patients")
        for act in (self.find_action, self.new_action, self.emergency_action):
            patients.addAction(act)
        self.menuBar().addMenu("&Help").addAction(self.help_action)

    def _build_status_bar(self) -> None:
        self.status_user = QLabel()
        self.status_db = QLabel()
        self.status_db.setAccessibleName("Database")
        self.lock_button = QPushButton("Lock")
        self.lock_button.setToolTip("Lock the workstation (Ctrl+L)")
        self.lock_button.setFlat(True)
        self.lock_button.clicked.connect(lambda: self.lock(idle=False))
        bar = self.statusBar()
        bar.addWidget(self.status_user)
        bar.addWidget(self.status_db, 1)
        bar.addPermanentWidget(self.lock_button)

    def _update_status(self) -> None:
        s = self.session
        self.status_user.setText(f"{s.display_name} · {s.role.label}" if s else "Signed out")
        self.status_db.setText(self.inst.store.description)

    def _load_idle_setting(self) -> None:
        setup = self.inst.setup

        def work() -> float:
            return float(setup.clinic_settings().get("idle_timeout_minutes", "15") or 15)

        Op(self, work, runner=self.runner).success(self.idle.set_minutes).failure(
            lambda _err: None
        ).run()

    # ------------------------------------------------------------------ patients

    def _go_patients(self) -> bool:
        if "Patients" not in self.areas or self.locked:
            return False
        self.nav.setCurrentRow(list(self.areas).index("Patients"))
        return True

    def find_patient(self) -> None:
        if self._go_patients():
            self.banner.show_patient(None)
            self.patients_area.setCurrentWidget(self.search_page)
            self.search_page.focus_search()
            self.search_page.refresh()

    def register_patient(self) -> None:
        if not self._may(Action.CREATE, DataCategory.DEMOGRAPHICS):
            self.statusBar().showMessage("Your role cannot register patients.", 5000)
            return
        if self._go_patients():
            self.banner.show_patient(None)
            self.new_patient.clear_form()
            self.patients_area.setCurrentWidget(self.new_patient)
            self.new_patient.inputs["family_name"].setFocus()

    def open_patient(self, patient: PatientInfo) -> None:
        if self._go_patients():
            self.patients_area.setCurrentWidget(self.chart)
            self._show_banner(patient)
            self.chart.open_patient(patient)

    def _show_banner(self, patient: PatientInfo) -> None:
        # A chart that finishes loading after the user moved on must not bring its banner back.
        if self.patients_area.currentWidget() is self.chart and not self.locked:
            self.banner.show_patient(patient)

    def break_glass(self) -> None:
        patient = self.chart.patient if self.patients_area.currentWidget() is self.chart else None
        if self.session is None or patient is None or self.locked:
            self.statusBar().showMessage("Open a patient first.", 5000)
            return
        if not permissions.may_break_glass(self.session.role):
            self.statusBar().showMessage("Your role cannot use emergency access.", 5000)
            return
        dialog = BreakGlassDialog(
            inst=self.inst, runner=self.runner, session=self.session, patient=patient, parent=self
        )
        if dialog.exec() and dialog.grant is not None:
            self.grant = dialog.grant
            self.emergency.setText(
                f"⚠ EMERGENCY ACCESS to {patient.display_name} until "
                f"{dialog.grant.expires_at.astimezone():%H:%M}. Every action is flagged "
                "for review."
            )
            self.emergency.show()
            self.chart.reload()

    # ------------------------------------------------------------------ lock and sign-out

    def lock(self, *, idle: bool) -> None:
        if self.locked or self.session is None:
            return
        self.locked = True
        self.root.setCurrentWidget(self.lock_screen)
        self.menuBar().setEnabled(False)
        self.lock_button.setEnabled(False)
        self.lock_screen.lock_for(self.inst, self.session, idle=idle)

    def _unlocked(self, session: UserSession) -> None:
        self.session = session
        self.locked = False
        self.menuBar().setEnabled(True)
        self.lock_button.setEnabled(True)
        self.root.setCurrentWidget(self.workspace)
        self.idle.timer.start()

    def sign_out(self) -> None:
        session, inst = self.session, self.inst
        # Nothing started for this user may answer any more: searches, loads, imports and
        # backups in flight are cancelled (an import stops and keeps nothing).
        self.runner.cancel_all()
        if session is not None:
            Op(self, lambda: inst.auth.logout(session), runner=self.runner).failure(
                lambda _err: None  # the user is signed out here whatever the database says
            ).run()
        self.session = None
        self.locked = False
        self.grant = None
        self.emergency.hide()
        self.banner.show_patient(None)
        self.search_page.clear()
        self.new_patient.clear_form()
        self.chart.clear()
        self._drop_areas()  # the next user gets areas made for their role
        self._update_status()
        self.signed_out.emit()

    def start_session(self, session: UserSession) -> None:
        """A (possibly different) user signed in after a sign-out."""
        self.session = session
        self.root.setCurrentWidget(self.workspace)
        self.menuBar().setEnabled(True)
        self.lock_button.setEnabled(True)
        self._build_areas()
        self._update_status()
        self.nav.setCurrentRow(0)
        self.find_patient()

    # ------------------------------------------------------------------ help and geometry

    def show_help(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b></td><td>{t}</td></tr>" for k, t in SHORTCUTS)
        QMessageBox.information(
            self,
            "medrec-desktop help",
            "<p>Keyboard shortcuts:</p><table cellpadding='4'>" + rows + "</table>"
            "<p>Search accepts name fragments in any order (“smi jo”), a date of birth "
            "(1980-03-14, 03/14/1980, 14.03.1980), an MRN or phone digits.</p>",
        )

    def _restore_geometry(self) -> None:
        geometry = self.settings.value("main/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.settings.setValue("main/geometry", self.saveGeometry())
        self.settings.sync()
        self.runner.cancel_all()
        if self.session is not None:
            session, inst = self.session, self.inst
            Op(self, lambda: inst.auth.logout(session), runner=self.runner).failure(
                lambda _err: None
            ).run()
        # Closing: the database is closed next, so everything running must end first.
        self.runner.wait_for_done()
        super().closeEvent(event)
