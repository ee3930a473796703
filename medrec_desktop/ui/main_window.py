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
    QDialog,
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

from medrec_desktop.domain.dates import FORMATS_HELP
from medrec_desktop.domain.dto import BreakGlassInfo, PatientId, PatientInfo, UserSession
from medrec_desktop.domain.enums import Action, ChangeKind, DataCategory, Role
from medrec_desktop.paths import DataPaths
from medrec_desktop.security import permissions
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.services.patient_input import PatientInput
from medrec_desktop.ui.break_glass import BreakGlassDialog
from medrec_desktop.ui.coding_work.waiting_count import WaitingQueries, waiting_text
from medrec_desktop.ui.draft_offer import offer_drafts
from medrec_desktop.ui.idle import IdleWatcher
from medrec_desktop.ui.inbox.page import InboxPage
from medrec_desktop.ui.inbox.summary import InboxSummary, read_summary
from medrec_desktop.ui.inbox_runner import InboxRunner
from medrec_desktop.ui.lock_screen import LockScreen
from medrec_desktop.ui.patients.banner import PatientBanner
from medrec_desktop.ui.patients.chart_page import PatientChartPage
from medrec_desktop.ui.patients.registration import RegistrationForm
from medrec_desktop.ui.patients.search_page import PatientSearchPage
from medrec_desktop.ui.replacement_wait import after_replacement
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.drafts import discard_drafts, flush_drafts
from medrec_desktop.ui.widgets.status import error_text
from medrec_desktop.ui.widgets.unsaved import GuardedForm, confirm_leave, guarded_under


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
    ("Ctrl+F", "Search in the area you are in: patients, codes, the audit trail"),
    ("Ctrl+N", "Register a new patient"),
    ("Ctrl+S", "Save the form you are in"),
    ("Ctrl+L", "Lock the workstation"),
    ("Ctrl+Shift+E", "Emergency access to the open patient"),
    ("F5 / Ctrl+Shift+K", "In a form changed on another workstation: reload theirs / keep editing"),
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
        self.inbox_page: InboxPage | None = None
        self.inbox_summary: InboxSummary | None = None
        self.coding_work: QWidget | None = None  # the coder's worklist ↔ coding page
        # The release and accounting dialogs while open (tests drive them).
        self.release_dialog: QDialog | None = None
        self.accounting_dialog: QDialog | None = None
        self.fhir_import_dialog: QDialog | None = None
        self.queries_page: QWidget | None = None  # a provider's queries and returns
        self.paths = paths
        self.unlock = unlock  # how this workstation opened the key file (for a restore)
        self.session: UserSession | None = session
        self.settings = settings or QSettings("medrec-desktop", "medrec-desktop")
        self.locked = False
        self._closing = False  # the user confirmed closing with unsaved changes handled
        self._banner_patient: PatientInfo | None = None
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
        self.banner = PatientBanner(
            services=services,
            runner=runner,
            session=lambda: None if self.locked else self.session,
        )
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
        self.new_patient = RegistrationForm(**deps, registers=True)  # type: ignore[arg-type]
        self.chart = PatientChartPage(**deps)  # type: ignore[arg-type]
        for page in (self.search_page, self.new_patient, self.chart):
            self.patients_area.addWidget(page)
        self.search_page.patient_opened.connect(self.open_patient)
        self.search_page.new_patient_requested.connect(self.register_patient)
        self.new_patient.saved.connect(self._registered)
        self.new_patient.open_existing.connect(self._open_existing)
        self.new_patient.cancelled.connect(self.find_patient)
        self.chart.banner_loaded.connect(self.banner.show_banner)
        self.chart.patient_changed.connect(self._show_banner)
        self.chart.closed.connect(self.find_patient)
        self.patients_area.currentChanged.connect(lambda _i: self._sync_banner())
        self.areas: dict[str, QWidget] = {}
        self.nav.currentRowChanged.connect(self._show_area)
        self._build_areas()

        self._build_actions()
        self._build_status_bar()
        # Scans picked up from the clinic's scanner folder while a clinical user is signed in.
        self.inbox_runner = InboxRunner(
            services=services, runner=runner, status_bar=self.statusBar(), parent=self
        )
        self.inbox_runner.start(session)
        self.idle = IdleWatcher(idle_minutes or 15.0, self)
        self.idle.idle.connect(lambda: self.lock(idle=True))
        if idle_minutes is None:
            self._load_idle_setting()
        self._restore_geometry()
        services.swapped.connect(self._update_status)
        services.swapped.connect(self.refresh_inbox_count)
        services.inbox_changed.connect(self.refresh_inbox_count)
        services.remote_resumed.connect(self._remote_resumed)
        self.waiting_queries = WaitingQueries(
            services=services, runner=runner, session=session_getter, parent=self
        )
        self.waiting_queries.counted.connect(self._show_queries_count)
        self.waiting_queries.failed.connect(lambda text: self.status_queries.setText(f"⚠ {text}"))
        self._update_status()
        self._apply_role()
        self.refresh_inbox_count()
        self.waiting_queries.start()
        self.nav.setCurrentRow(0)
        self.search_page.refresh()
        self.focus_area_search()  # the cursor starts where a day starts: the search box

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
        if self._may(Action.QUERY, DataCategory.CLINICAL) and "Patients" in self.areas:
            self._add_area("Today", self._today_area())
        if self.session is not None and self.session.role is Role.PROVIDER:
            self._add_area("Queries", self._queries_area())
        if self._may(Action.VIEW, DataCategory.INBOX):
            self._add_area("Inbox", self._inbox_area())
        # Coding encounters needs the coding rights and sight of the record: coders.
        if self._may(Action.UPDATE, DataCategory.CODING) and self._may(
            Action.QUERY, DataCategory.CLINICAL
        ):
            self._add_area("Coding work", LazyArea(self._make_coding_work))
        elif self.session is not None and self.session.role is Role.ADMIN:
            # Administrators read the coding reports (counts only) without the worklist.
            self._add_area("Coding reports", LazyArea(self._make_coding_reports))
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
        self.coding_work = None
        self.queries_page = None
        self.inbox_page = None
        self.inbox_summary = None

    def _show_area(self, row: int) -> None:
        self.pages.setCurrentIndex(row)
        widget = self.pages.widget(row)
        if isinstance(widget, LazyArea):
            widget.ensure()
        self._sync_banner()

    def current_area(self) -> str | None:
        row = self.nav.currentRow()
        names = list(self.areas)
        return names[row] if 0 <= row < len(names) else None

    def focus_area_search(self) -> None:
        """Ctrl+F: the search box of the area the user is in (patients, codes, audit)."""
        if self.locked:
            return
        area = self.current_area()
        if area == "Patients":
            self.find_patient()
            return
        widget = self.areas.get(area or "")
        if isinstance(widget, LazyArea):
            widget = widget.ensure()
        if isinstance(widget, QTabWidget):
            # A tab with a search of its own (the audit trail's filter) takes it; from a tab
            # without one, Ctrl+F goes to the area's search tab.
            tabs = widget
            pages = [tabs.widget(i) for i in range(tabs.count())]
            searchable = [
                p for p in pages if p is not None and callable(getattr(p, "focus_search", None))
            ]
            widget = tabs.currentWidget()
            if widget not in searchable and searchable:
                widget = searchable[0]
                tabs.setCurrentWidget(widget)
        focus = getattr(widget, "focus_search", None)
        if callable(focus):
            focus()

    def show_area(self, name: str) -> None:
        if name in self.areas and not self.locked:
            self.nav.setCurrentRow(list(self.areas).index(name))

    def _add_area(self, name: str, widget: QWidget) -> None:
        self.areas[name] = widget
        self.pages.addWidget(widget)
        QListWidgetItem(name, self.nav)

    def _today_area(self) -> QWidget:
        """The clinic's encounters of the day (and a provider's unsigned notes); Enter opens
        the patient's chart at that encounter."""
        from medrec_desktop.ui.encounters.today_page import TodayPage

        page = TodayPage(services=self.services, runner=self.runner, session=self._session_getter)
        page.open_requested.connect(self.open_encounter)
        return page

    def _inbox_area(self) -> QWidget:
        """The scanner inbox (records specialists): scans waiting to be filed."""
        page = InboxPage(services=self.services, runner=self.runner, session=self._session_getter)
        self.inbox_page = page
        return page

    def _queries_area(self) -> QWidget:
        """A provider's coder queries to answer and encounters returned to them."""
        from medrec_desktop.ui.coding_work.provider_queries import ProviderQueriesPage

        page = ProviderQueriesPage(
            services=self.services, runner=self.runner, session=self._session_getter
        )
        page.open_requested.connect(self.open_encounter)
        self.queries_page = page
        return page

    def _make_coding_reports(self) -> QWidget:
        from medrec_desktop.ui.coding_work.reports_page import CodingReportsPage

        return CodingReportsPage(
            services=self.services, runner=self.runner, session=self._session_getter
        )

    def _make_coding_work(self) -> QWidget:
        from medrec_desktop.ui.coding_work.area import CodingWorkArea

        self.coding_work = CodingWorkArea(
            services=self.services, runner=self.runner, session=self._session_getter
        )
        return self.coding_work

    def _show_queries_count(self, waiting: int) -> None:
        if "Queries" not in self.areas:
            self.status_queries.hide()
            return
        item = self.nav.item(list(self.areas).index("Queries"))
        if item is not None:
            item.setText(f"Queries ({waiting})")
        self.status_queries.setText(waiting_text(waiting))
        self.status_queries.setToolTip("Open your coder queries")
        self.status_queries.show()

    def _remote_resumed(self) -> None:
        """The clinic server's change notices were interrupted (the server restarted, the
        network dropped): what the other workstations saved meanwhile was not announced, so
        the open chart, the lists and the counts read afresh as after a change of anything."""
        patient = self.chart.patient
        # With no chart open, 0 names no patient: only the lists and counts refresh.
        self.services.notify_changed(patient.id if patient is not None else 0, ChangeKind)
        self.refresh_inbox_count()

    def refresh_inbox_count(self) -> None:
        """Read the inbox count again (after this workstation filed, split or rejected a
        scan, when one arrives, at sign-in); shown in the areas and the status bar."""
        session, inst = self._session_getter(), self.inst
        if session is None or "Inbox" not in self.areas:
            self.status_inbox.hide()
            return
        Op(
            self, lambda: read_summary(inst, session), runner=self.runner, key="inbox-count"
        ).success(self._show_inbox_summary).failure(
            lambda err: self.status_inbox.setText(f"Inbox: ⚠ {error_text(err)}")
        ).run()

    def _show_inbox_summary(self, summary: InboxSummary) -> None:
        if "Inbox" not in self.areas:
            return
        self.inbox_summary = summary
        item = self.nav.item(list(self.areas).index("Inbox"))
        if item is not None:
            mark = " ⚠" if summary.old else ""
            item.setText(f"Inbox ({summary.waiting}){mark}")
            item.setToolTip(summary.text)
        self.status_inbox.setText(summary.text)
        self.status_inbox.setToolTip("Open the scanner inbox")
        self.status_inbox.show()

    def open_encounter(self, patient_id: int, encounter_id: int) -> None:
        """The patient's chart at one encounter (asking about unsaved changes first)."""
        session, inst = self._session_getter(), self.inst
        if session is None:
            return

        def found(patient: PatientInfo) -> None:
            self.open_patient(patient, then=lambda: self.chart.show_encounter(encounter_id))

        Op(
            self, lambda: inst.patients.get(session, PatientId(patient_id)), runner=self.runner
        ).success(found).failure(
            lambda err: self.statusBar().showMessage(error_text(err), 8000)
        ).run()

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
            settings=self.settings,  # pane widths are a workstation preference
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

    def _apply_role(self) -> None:
        """Actions this role may not take are disabled, with the reason where they are."""
        may_register = self._may(Action.CREATE, DataCategory.DEMOGRAPHICS)
        reason = (
            ""
            if may_register or self.session is None
            else f"Your role ({self.session.role.label}) cannot register patients."
        )
        self.new_action.setEnabled(may_register)
        self.new_action.setToolTip(reason or "Register a new patient (Ctrl+N)")
        self.search_page.new_button.setEnabled(may_register)
        self.search_page.new_button.setToolTip(reason or "Register a new patient (Ctrl+N)")
        may_break = self.session is not None and permissions.may_break_glass(self.session.role)
        may_release = self._may(Action.EXPORT, DataCategory.CLINICAL)
        for act in (self.release_action, self.accounting_action):
            act.setEnabled(may_release)
            act.setToolTip(
                "For the open patient" if may_release else "Your role cannot release records."
            )
        may_import = self._may(Action.CREATE, DataCategory.RECORD_IMPORT)
        self.fhir_import_action.setEnabled(may_import)
        self.fhir_import_action.setToolTip(
            "A patient's record from another system (FHIR R4 US Core, JSON)"
            if may_import
            else "Importing records from another system is the records specialist's job."
        )
        self.emergency_action.setEnabled(may_break)
        self.emergency_action.setToolTip(
            "Emergency access to the open patient (Ctrl+Shift+E)"
            if may_break
            else "Your role cannot use emergency access."
        )

    def _settings_saved(self, values: dict[str, str]) -> None:
        minutes = values.get("idle_timeout_minutes", "")
        if minutes.isdigit():
            self.idle.set_minutes(float(minutes))

    def replace_installation(self, inst: Installation) -> None:
        """A backup was restored (the holder already serves it): sign in again, because its
        accounts are as they were when the backup was made."""
        if self.services.inst is not inst:
            self.services.swap(inst)
        # The forms' edits belong to the database that was replaced: nothing to save them to.
        self.sign_out(force=True)

    def _build_actions(self) -> None:
        def action(text: str, keys: str | QKeySequence, slot: Callable[[], object]) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.find_action = action("&Find", "Ctrl+F", self.focus_area_search)
        self.new_action = action("&New patient", "Ctrl+N", self.register_patient)
        self.lock_action = action("&Lock", "Ctrl+L", lambda: self.lock(idle=False))
        self.help_action = action("&Help", "F1", self.show_help)
        self.emergency_action = action("&Emergency access", "Ctrl+Shift+E", self.break_glass)
        self.release_action = action("&Release of information…", "Ctrl+Shift+R", self.open_release)
        self.accounting_action = action(
            "&Accounting of disclosures…", QKeySequence(), self.open_accounting
        )
        self.fhir_import_action = action(
            "&Import FHIR Bundle…", QKeySequence(), self.open_fhir_import
        )
        menu = self.menuBar().addMenu("&File")
        menu.addAction(self.lock_action)
        sign_out = QAction("Sign &out", self)
        sign_out.triggered.connect(lambda: self.sign_out())
        menu.addAction(sign_out)
        patients = self.menuBar().addMenu("&Patients")
        patients.setToolTipsVisible(True)  # a disabled item says why
        for act in (self.find_action, self.new_action, self.emergency_action):
            patients.addAction(act)
        patients.addSeparator()
        for act in (self.release_action, self.accounting_action):
            patients.addAction(act)
        patients.addSeparator()
        patients.addAction(self.fhir_import_action)
        self.menuBar().addMenu("&Help").addAction(self.help_action)

    def _build_status_bar(self) -> None:
        self.status_user = QLabel()
        self.status_db = QLabel()
        self.status_db.setAccessibleName("Database")
        self.lock_button = QPushButton("Lock")
        self.lock_button.setToolTip("Lock the workstation (Ctrl+L)")
        self.lock_button.setFlat(True)
        # A mouse target only: Tab never lands here (a stray space would lock the screen);
        # the keyboard has Ctrl+L.
        self.lock_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lock_button.clicked.connect(lambda: self.lock(idle=False))
        # The inbox count, for roles that file scans; a mouse target to the inbox (the
        # keyboard reaches it in the areas list).
        self.status_inbox = QPushButton()
        self.status_inbox.setFlat(True)
        self.status_inbox.setAccessibleName("Scanner inbox count")
        self.status_inbox.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.status_inbox.clicked.connect(lambda: self.show_area("Inbox"))
        self.status_inbox.hide()
        bar = self.statusBar()
        bar.addWidget(self.status_user)
        bar.addWidget(self.status_db, 1)
        # A provider's waiting coder queries, a mouse target to them (like the inbox count).
        self.status_queries = QPushButton()
        self.status_queries.setFlat(True)
        self.status_queries.setAccessibleName("Coder queries waiting")
        self.status_queries.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.status_queries.clicked.connect(lambda: self.show_area("Queries"))
        self.status_queries.hide()
        bar.addPermanentWidget(self.status_queries)
        bar.addPermanentWidget(self.status_inbox)
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

    def guarded_forms(self) -> list[GuardedForm]:
        """Every form that may hold unsaved changes, the one in view first."""
        forms = guarded_under(self)
        return sorted(forms, key=lambda f: not f.isVisible())  # type: ignore[attr-defined]

    def leave_then(self, proceed: Callable[[], None], *, patients_only: bool = False) -> None:
        """Run ``proceed`` once no form holds unsaved changes (asking Save / Discard / Cancel
        about each that does). ``patients_only``: the step replaces only the patient screens
        (another chart, the search), so forms elsewhere (clinic settings) are not at risk and
        not asked about."""
        if self.locked:
            return
        forms = self.guarded_forms()
        if patients_only:
            forms = [
                f for f in forms if isinstance(f, QWidget) and self.patients_area.isAncestorOf(f)
            ]
        confirm_leave(self, forms, proceed, show=self._show_form_area)

    def _show_form_area(self, form: GuardedForm) -> None:
        for name, area in self.areas.items():
            if isinstance(form, QWidget) and area.isAncestorOf(form):
                self.show_area(name)
                if area is self.patients_area:
                    page = self.chart if self.chart.isAncestorOf(form) else form
                    self.patients_area.setCurrentWidget(page)

    def find_patient(self) -> None:
        self.leave_then(self._find_patient, patients_only=True)

    def _find_patient(self) -> None:
        if self._go_patients():
            self.patients_area.setCurrentWidget(self.search_page)
            self.search_page.focus_search()
            self.search_page.refresh()

    def register_patient(self, *, then: Callable[[], None] | None = None) -> None:
        """An empty New patient form (asking about unsaved changes first); ``then`` runs once
        it is shown (a restored registration draft goes into it)."""
        if not self._may(Action.CREATE, DataCategory.DEMOGRAPHICS):
            self.statusBar().showMessage("Your role cannot register patients.", 5000)
            return

        def showing() -> None:
            if self._register_patient() and then is not None:
                then()

        self.leave_then(showing, patients_only=True)

    def _register_patient(self) -> bool:
        if not self._go_patients():
            return False
        self.new_patient.clear_form()
        self.patients_area.setCurrentWidget(self.new_patient)
        self.new_patient.inputs["family_name"].setFocus()
        return True

    def open_patient(self, patient: PatientInfo, *, then: Callable[[], None] | None = None) -> None:
        """Open ``patient``'s chart (asking about unsaved changes first); ``then`` runs once
        it is opening (a restored draft goes into its form)."""

        def opening() -> None:
            self._open_patient(patient)
            if then is not None and self.chart.patient is not None:
                then()

        self.leave_then(opening, patients_only=True)

    def _open_patient(
        self, patient: PatientInfo, *, typed: PatientInput | None = None, just_saved: bool = False
    ) -> None:
        # The chart's opening reads the banner too: showing the chart must not read it again.
        self.banner.expect(patient.id)
        if not self._go_patients():
            self.banner.expect(None)
            return
        self.patients_area.setCurrentWidget(self.chart)
        self._show_banner(patient)
        self.chart.open_patient(patient, typed=typed, just_saved=just_saved)

    def _registered(self, patient: PatientInfo) -> None:
        if self.new_patient.leaving:
            return  # saved on the way elsewhere: the user is going there, not to this chart
        # Saved a moment ago: the form is clean, and the chart says it was saved.
        self._open_patient(patient, just_saved=True)

    def _open_existing(self, patient: PatientInfo, typed: PatientInput) -> None:
        self._open_patient(patient, typed=typed)

    def _show_banner(self, patient: PatientInfo) -> None:
        # A chart that finishes loading after the user moved on must not bring its banner back.
        if self.patients_area.currentWidget() is self.chart:
            self._banner_patient = patient
        self._sync_banner()

    def _sync_banner(self) -> None:
        """The patient banner only on patient screens: never over Coding or Administration."""
        on_chart = (
            not self.locked
            and self.current_area() == "Patients"
            and self.patients_area.currentWidget() is self.chart
            and self.chart.patient is not None
        )
        if not on_chart:
            self.banner.show_patient(None)
            return
        patient = self._banner_patient
        if patient is not None and self.chart.patient is not None:
            if patient.id == self.chart.patient.id:
                self.banner.show_patient(patient)

    def _open_chart_patient(self) -> PatientInfo | None:
        patient = self.chart.patient if self.patients_area.currentWidget() is self.chart else None
        if self.session is None or patient is None or self.locked:
            self.statusBar().showMessage("Open a patient first.", 5000)
            return None
        return patient

    def open_release(self) -> None:
        """Release of information for the open patient (records specialists, providers)."""
        from medrec_desktop.ui.release.release_dialog import ReleaseDialog

        patient = self._open_chart_patient()
        if patient is None:
            return
        if not permissions.session_allows(self.session, Action.EXPORT, DataCategory.CLINICAL):
            self.statusBar().showMessage("Your role cannot release records.", 5000)
            return
        dialog = ReleaseDialog(
            self,
            services=self.services,
            runner=self.runner,
            session=self._session_getter,
            patient=patient,
        )
        self.release_dialog = dialog
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def open_accounting(self) -> None:
        """The open patient's accounting of disclosures."""
        from medrec_desktop.ui.release.accounting_dialog import AccountingDialog

        patient = self._open_chart_patient()
        if patient is None:
            return
        if not permissions.session_allows(self.session, Action.EXPORT, DataCategory.CLINICAL):
            self.statusBar().showMessage(
                "Your role cannot see the accounting of disclosures.", 5000
            )
            return
        dialog = AccountingDialog(
            self,
            services=self.services,
            runner=self.runner,
            session=self._session_getter,
            patient=patient,
        )
        self.accounting_dialog = dialog
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def open_fhir_import(self) -> None:
        """A patient's record from another system (records specialists); no chart need be
        open: the dialog finds the patient, and offers to open the chart afterwards."""
        from medrec_desktop.ui.fhir_import.dialog import FhirImportDialog

        if self.session is None or self.locked:
            return
        if not self._may(Action.CREATE, DataCategory.RECORD_IMPORT):
            self.statusBar().showMessage(
                "Importing records from another system is the records specialist's job.", 5000
            )
            return
        dialog = FhirImportDialog(
            self, services=self.services, runner=self.runner, session=self._session_getter
        )
        self.fhir_import_dialog = dialog
        dialog.open_chart.connect(self.open_patient)

        def closed(_result: int) -> None:
            # Closed by the lock while an import is being recorded: kept (hidden) until the
            # import has ended, so its outcome still lands and is recorded as such.
            if dialog.busy:
                dialog.settled.connect(dialog.deleteLater)
            else:
                dialog.deleteLater()

        dialog.finished.connect(closed)
        dialog.open()

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
            self.chart.reload_all()  # typing in the chart is kept on top of what loads

    # ------------------------------------------------------------------ lock and sign-out

    def lock(self, *, idle: bool) -> None:
        if self.locked or self.session is None:
            return
        if self.services.replacing:
            # A move to the server is finishing: it ends (its window shows no patient data
            # and covers this one), then the lock comes.
            after_replacement(
                self.services,
                self,
                lambda: self.lock(idle=idle),
                "The workstation locks",
            )
            return
        # What is typed is stored before the screen locks: a crash while locked loses nothing.
        flush_drafts(self, self.session)
        self.locked = True
        self.inbox_runner.stop()
        # A notice may name a scan's file (often a patient's name): not under the lock screen.
        self.statusBar().clearMessage()
        # Questions and dialogs open over the window would stay on top of the lock screen,
        # showing patient data and answerable by anyone: each is closed as if cancelled
        # (the forms behind them keep their typing).
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                QDialog.done(dialog, QDialog.DialogCode.Rejected)
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
        self.inbox_runner.start(session)

    def sign_out(self, *, force: bool = False) -> None:
        """Sign out: unsaved changes are asked about first (unless ``force``: the database
        they belong to was replaced)."""
        if force:
            self._sign_out()
        elif self.locked:
            self._locked_sign_out()
        else:
            self.leave_then(self._sign_out)

    def _locked_sign_out(self) -> None:
        """Sign-out from the lock screen: whoever stands there may not be the user, so the
        question names no patient."""
        if not any(f.has_unsaved_changes() for f in self.guarded_forms()):
            self._sign_out()
            return
        name = self.session.display_name if self.session is not None else "The user"
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Unsaved changes",
            f"{name} has unsaved changes on this workstation. Sign out and discard them?",
            parent=self,
        )
        discard = box.addButton("Sign out and &discard", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("&Keep them", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        self.locked_sign_out_prompt = box

        def answered(_result: int) -> None:
            if box.clickedButton() is discard:
                self._sign_out(forget_drafts=True)
            box.deleteLater()

        box.finished.connect(answered)
        box.open()

    def _sign_out(self, *, forget_drafts: bool = False) -> None:
        if self.services.replacing:
            # A move to the server: stopped if it is still copying (nothing is left on the
            # server); past that it finishes and swaps the holder first, so the next sign-in
            # opens what the folder now names, never the installation the move closed.
            self.services.stop_replacement()
            after_replacement(
                self.services,
                self,
                lambda: self._sign_out(forget_drafts=forget_drafts),
                "You are signed out",
            )
            return
        session, inst = self.session, self.inst
        # Nothing started for this user may answer any more: searches, loads, imports and
        # backups in flight are cancelled (an import stops and keeps nothing).
        self.inbox_runner.stop()
        self.statusBar().clearMessage()
        self.runner.cancel_all()
        if forget_drafts and session is not None:
            discard_drafts(self, session)  # the user discarded the changes: their drafts too
        if session is not None:
            Op(self, lambda: inst.auth.logout(session), runner=self.runner).failure(
                lambda _err: None  # the user is signed out here whatever the database says
            ).run()
        self.session = None
        self.locked = False
        self.grant = None
        self.emergency.hide()
        self._banner_patient = None
        self.banner.show_patient(None)
        self.search_page.clear()
        self.new_patient.clear_form()
        self.chart.clear()
        self._drop_areas()  # the next user gets areas made for their role
        self.status_inbox.hide()
        self.waiting_queries.stop()
        self.status_queries.hide()
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
        self._apply_role()
        self.refresh_inbox_count()
        self.waiting_queries.start()
        self.nav.setCurrentRow(0)
        self.focus_area_search()
        self.offer_drafts()
        self.inbox_runner.start(session)

    def offer_drafts(self) -> None:
        """Just signed in: offer back the work a session ended without saving (a crash)."""
        offer_drafts(self)

    # ------------------------------------------------------------------ help and geometry

    def show_help(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b></td><td>{t}</td></tr>" for k, t in SHORTCUTS)
        QMessageBox.information(
            self,
            "medrec-desktop help",
            "<p>Keyboard shortcuts:</p><table cellpadding='4'>" + rows + "</table>"
            "<p>Patient search accepts name fragments in any order (“smi jo”), a date of "
            f"birth ({FORMATS_HELP}), an MRN or phone digits; names spelled a little "
            "differently are listed after the exact matches.</p>",
        )

    def _close_now(self) -> None:
        self._closing = True
        self.close()

    def unlock_reminder(self) -> None:
        self.lock_screen.message.setStyleSheet("")
        self.lock_screen.message.setText(
            "There are unsaved changes: unlock to save them before closing, or sign out."
        )

    def _restore_geometry(self) -> None:
        geometry = self.settings.value("main/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if (
            not self._closing
            and self.session is not None
            and any(f.has_unsaved_changes() for f in self.guarded_forms())
        ):
            event.ignore()
            if not self.locked:
                self.leave_then(self._close_now)
            else:
                self.unlock_reminder()
            return
        self.settings.setValue("main/geometry", self.saveGeometry())
        self.settings.sync()
        self.inbox_runner.stop(wait=True)  # before the database it writes to is closed
        self.waiting_queries.stop()
        self.runner.cancel_all()
        if self.session is not None:
            session, inst = self.session, self.inst
            Op(self, lambda: inst.auth.logout(session), runner=self.runner).failure(
                lambda _err: None
            ).run()
        # Closing: the database is closed next, so everything running must end first.
        self.runner.wait_for_done()
        super().closeEvent(event)
