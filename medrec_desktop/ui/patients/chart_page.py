"""An open patient: the summary, the chart's lists (problems, allergies, medications,
immunizations, vitals, and the four histories under one tab), the encounters with their notes
and amendment requests, demographics (editable), the record's versions, and merge of a
duplicate.

Tabs switch with Ctrl+1..9 and Ctrl+0 (and their Alt mnemonics); the histories' lists open with
Alt+1..4 from anywhere in the chart; the summary's sections open their full list in one
keystroke. Every list's form is a guarded form, so leaving the chart asks about unsaved
changes in any of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt, Signal
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
from medrec_desktop.services.chart_summary import ChartOpening
from medrec_desktop.services.patient_input import PatientInput
from medrec_desktop.ui.chart.kinds import KIND_VIEWS
from medrec_desktop.ui.chart.kinds_histories import HISTORY_VIEWS
from medrec_desktop.ui.chart.kinds_results import RESULTS
from medrec_desktop.ui.chart.list_page import ItemListPage
from medrec_desktop.ui.chart.results_page import ResultsPage
from medrec_desktop.ui.chart.summary import DEMOGRAPHICS, SummaryPage
from medrec_desktop.ui.chart.vitals_trend import open_result_trend
from medrec_desktop.ui.documents.page import DocumentsPage
from medrec_desktop.ui.encounters.page import EncountersPage
from medrec_desktop.ui.itemmodels.timefmt import local_datetime
from medrec_desktop.ui.patients.merge_dialog import MergeDialog
from medrec_desktop.ui.patients.registration import ERROR_STYLE, RegistrationForm
from medrec_desktop.ui.services_holder import ServicesHolder, record_changed
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.unsaved import saved_stamp, track

# The summary's sections built from a kind's list (the others come with the summary service).
SUMMARISED = ("problems", "allergies")


class PatientChartPage(QWidget):
    title = "Patient"
    patient_changed = Signal(object)  # PatientInfo, for the banner
    # The banner as read by the chart's opening (ChartBanner), or None when the opening
    # failed; emitted before patient_changed, so the banner needs no read of its own.
    banner_loaded = Signal(object)
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
        track(self)  # a pending offer of typed details is unsaved work too
        self._services, self._runner, self._session = services, runner, session
        self.patient: PatientInfo | None = None
        self._load: Op[tuple[PatientRecord, list[VersionInfo]]] | None = None
        self._opening: Op[ChartOpening] | None = None
        self._offered: PatientInput | None = None  # typed for a new registration, not applied
        self._just_saved = False
        # Saved here or in any other view: this chart shows the stored record again.
        services.changed.connect(self._patient_changed)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addStretch(1)
        self.merge_button = QPushButton("Merge &with a duplicate record…")
        self.merge_button.clicked.connect(self.open_merge)
        self.close_button = QPushButton("&Close chart")
        self.close_button.setToolTip("Back to patient search (asks first if anything is unsaved)")
        self.close_button.clicked.connect(self.closed)
        top.addWidget(self.merge_button)
        top.addWidget(self.close_button)
        layout.addLayout(top)
        # What was typed for a new registration before the user chose this existing record:
        # it fills the demographics, so it is shown on that tab.
        self.offer = QWidget()
        offer_row = QHBoxLayout(self.offer)
        offer_row.setContentsMargins(8, 4, 8, 4)
        self.offer.setStyleSheet("background: #eef4ff; border-radius: 4px;")
        self.offer_text = QLabel()
        self.offer_text.setWordWrap(True)
        self.offer_text.setAccessibleName("Details typed for a new registration")
        self.apply_offer_button = QPushButton("Ta&ke what was typed")
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
        self.tabs = QTabWidget()
        self.summary = SummaryPage(services=services, runner=runner, session=session)
        self.lists: dict[str, ItemListPage] = {}
        self.form = RegistrationForm(services=services, runner=runner, session=session)
        self.form.saved.connect(self._saved)
        self.demographics = QWidget()
        self.form.on_reveal = lambda: self.tabs.setCurrentWidget(self.demographics)
        demo = QVBoxLayout(self.demographics)
        demo.setContentsMargins(0, 0, 0, 0)
        demo.addWidget(self.offer)
        demo.addWidget(self.form, 1)
        self.history = QListWidget()
        self.history.setAccessibleName("Version history")
        self.tabs.addTab(self.summary, "S&ummary")
        # Eleven lists would not fit a tab bar, nor find eleven free Alt letters: the four
        # histories share one tab, each of their lists one Alt+digit away.
        self.histories = QTabWidget()
        self.histories.setDocumentMode(True)
        history_keys = {k.key for k in HISTORY_VIEWS}
        own_tabs: list[ItemListPage] = []
        for kind in KIND_VIEWS:
            # The results' list has the grid of values above it (issue 10).
            page_type = ResultsPage if kind.key == RESULTS.key else ItemListPage
            page = page_type(
                kind=kind, services=services, runner=runner, session=session, describe=self._who
            )
            page.on_reveal = self._revealer(page)
            page.identify = self._identify
            if isinstance(page, ResultsPage):  # a row's "Trend plot" opens the plot
                page.trend_requested.connect(partial(open_result_trend, page.context))
            self.lists[kind.key] = page
            if kind.key in history_keys:
                n = self.histories.addTab(page, kind.tab)
                self.histories.setTabToolTip(n, f"{kind.title} (Alt+{n + 1})")
                # Sub-tab mnemonics would answer only with the tab shown: these answer from
                # anywhere in the chart (the summary included).
                shortcut(
                    f"Alt+{n + 1}", self, self._opener(page), Qt.ShortcutContext.WindowShortcut
                )
            else:
                own_tabs.append(page)
        # Issue 10: the visits, their notes and the patient's amendment requests.
        self.encounters = EncountersPage(
            services=services, runner=runner, session=session, describe=self._who
        )
        self.encounters.on_reveal = lambda: self.tabs.setCurrentWidget(self.encounters)
        self.encounters.link_requested.connect(self._add_linked)
        self.encounters.form.set_linkable(
            {key for key, page in self.lists.items() if "encounter_id" in page.form.inputs}
        )
        # The tabs of issue 9 keep the keys people learned (Ctrl+2..6); the visit's tabs
        # follow: Encounters Ctrl+7, Results Ctrl+8, Procedures Ctrl+9, Histories Ctrl+0.
        # No Alt letter is left for the three new ones.
        for listed in own_tabs[:5]:
            self.tabs.addTab(listed, listed.kind.tab)
        self.tabs.addTab(self.encounters, "Encounters")
        for listed in own_tabs[5:]:
            self.tabs.addTab(listed, listed.kind.tab)
        # Issue 12: documents after procedures. Every Ctrl+digit is taken and every free
        # letter of "Documents" is a field's mnemonic on some form shown under the tab bar,
        # so this tab has neither: Ctrl+Tab and the tab bar reach it, and Histories keeps
        # the Ctrl+0 people learned.
        self.documents = DocumentsPage(services=services, runner=runner, session=session)
        self.documents.on_reveal = lambda: self.tabs.setCurrentWidget(self.documents)
        self.tabs.addTab(self.documents, "Documents")
        self.tabs.setTabToolTip(self.tabs.count() - 1, "The patient's scanned and received files")
        self.tabs.addTab(self.histories, "His&tories")
        self.tabs.addTab(self.demographics, "&Demographics")
        self.tabs.addTab(self.history, "Record versions")
        # Ctrl+1..9 and Ctrl+0, in tab order, skipping the tabs that have none.
        self._digits: dict[QWidget, int] = {}
        every = (self.tabs.widget(i) for i in range(self.tabs.count()))
        keyed = [w for w in every if w is not None and w is not self.documents][:10]
        for n, widget in enumerate(keyed):
            digit = (n + 1) % 10
            i = self.tabs.indexOf(widget)
            self._digits[widget] = digit
            self.tabs.setTabToolTip(i, f"Ctrl+{digit}")
            # Window-wide while the chart is shown (the cursor may be in the banner or
            # the areas list); a hidden chart answers no key.
            shortcut(
                f"Ctrl+{digit}", self, self._tab_opener(widget), Qt.ShortcutContext.WindowShortcut
            )
        self.summary.connect_lists(self.show_list, self.list_keys)
        layout.addWidget(self.tabs, 1)

    def _tab_opener(self, widget: QWidget) -> Callable[[], None]:
        return lambda: self.show_tab(self.tabs.indexOf(widget))

    def _opener(self, page: ItemListPage) -> Callable[[], None]:
        return lambda: self.open_list(page)

    def _revealer(self, page: ItemListPage) -> Callable[[], None]:
        return lambda: self._bring(page)

    def _hint(self, page: ItemListPage) -> str:
        sub = self.histories.indexOf(page)
        return f"Alt+{sub + 1}" if sub >= 0 else f"Ctrl+{self._digits.get(page, 0)}"

    def _bring(self, page: ItemListPage) -> None:
        """A list's tab to the front (the Histories tab, then its own, for a history)."""
        if self.histories.indexOf(page) >= 0:
            self.tabs.setCurrentWidget(self.histories)
            self.histories.setCurrentWidget(page)
        else:
            self.tabs.setCurrentWidget(page)

    def _who(self) -> str:
        return self.patient.display_name if self.patient is not None else "this patient"

    def _identify(self) -> str:
        """The patient as a printout names them: name, birth date and MRN."""
        p = self.patient
        if p is None:
            return ""
        return f"{p.display_name} · born {p.birth_date:%m/%d/%Y} · MRN {p.mrn}"

    def show_tab(self, index: int) -> None:
        """Ctrl+1..n: that tab, with the cursor in it (a list's table, the summary...)."""
        if not 0 <= index < self.tabs.count() or not self.tabs.isTabVisible(index):
            return
        page = self.tabs.widget(index)
        if page is self.histories:
            page = self.histories.currentWidget()
        if isinstance(page, ItemListPage):
            self.open_list(page)
            return
        self.tabs.setCurrentIndex(index)
        if page is self.encounters:
            self.encounters.focus_list()
            return
        if page is self.documents:
            self.documents.focus_list()
            return
        if page is self.summary and self.summary.sections:
            self.summary.sections[0].list.setFocus(Qt.FocusReason.ShortcutFocusReason)
        elif page is self.demographics:
            self.form.inputs["family_name"].setFocus(Qt.FocusReason.ShortcutFocusReason)
        elif page is not None:
            page.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _named(self, name: str) -> QWidget | None:
        """The tab showing ``name``: a chart list by its key or by the change kind it
        notifies ("medications", "social_history"), or the demographics."""
        if name == DEMOGRAPHICS:
            return self.demographics
        if name in (self.encounters.kind.key, ChangeKind.ENCOUNTERS.value):
            return self.encounters
        if name in self.lists:
            return self.lists[name]
        return next((p for p in self.lists.values() if p.kind.change.value == name), None)

    def show_list(self, name: str) -> bool:
        """Open the full view of ``name`` (see :meth:`_named`) with the cursor in it; False
        when the chart has no such list, or the role does not see it."""
        page = self._named(name)
        if page is not None and page is self.demographics:
            self.show_tab(self.tabs.indexOf(page))
            return True
        if page is not None and page is self.encounters and self._sees_clinical():
            self.show_tab(self.tabs.indexOf(page))
            return True
        if not isinstance(page, ItemListPage) or not self._sees_clinical():
            return False
        if self.histories.indexOf(page) < 0:
            index = self.tabs.indexOf(page)
            if index < 0 or not self.tabs.isTabVisible(index):
                return False
        self.open_list(page)
        return True

    def list_keys(self, name: str) -> str | None:
        """The keys that open ``name``'s list from anywhere in the chart ("Ctrl+2 · Alt+O",
        "Alt+1" for a history), or None when the chart has no such list."""
        page = self._named(name)
        if page is None:
            return None
        sub = self.histories.indexOf(page)
        if sub >= 0:
            return f"Alt+{sub + 1}"
        index = self.tabs.indexOf(page)
        if index < 0:
            return None
        tab = self.tabs.widget(index)
        digit = self._digits.get(tab) if tab is not None else None
        keys = [f"Ctrl+{digit}"] if digit is not None else []
        mnemonic = re.search(r"&([^&])", self.tabs.tabText(index))
        if mnemonic:
            keys.append(f"Alt+{mnemonic.group(1).upper()}")
        return " · ".join(keys)

    def show_encounter(self, encounter_id: int) -> None:
        """The Encounters tab with one encounter's note open (from the Today list)."""
        if not self._sees_clinical():
            return
        self.tabs.setCurrentWidget(self.encounters)
        self.encounters.open_encounter(encounter_id)

    def _add_linked(self, key: str, encounter_id: int) -> None:
        """A new entry of list ``key`` (vitals...) in the form, linked to the encounter."""
        page = self.lists.get(key)
        if page is None or "encounter_id" not in page.form.inputs:
            return
        self.open_list(page)
        page.add()
        if page.stack.currentWidget() is page.form:
            page.form.inputs["encounter_id"].set_value(str(encounter_id))

    def open_list(self, page: ItemListPage) -> None:
        """A list's full view, with the cursor on its table (or its open form)."""
        if not self._sees_clinical():
            return
        self._bring(page)
        if page.stack.currentWidget() is page.panel:
            page.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

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
        self._apply_access()
        # Just registered, or chosen while registering: the demographics are the point.
        # Otherwise the chart opens on its summary (the demographics for roles that see no
        # clinical data).
        if typed is not None or just_saved or not self._sees_clinical():
            self.tabs.setCurrentWidget(self.demographics)
        else:
            self.tabs.setCurrentWidget(self.summary)
        # The summary, banner, record and history arrive from ONE audited read (the
        # opening); the lists read when shown.
        self.summary.set_patient(patient.id if self._sees_clinical() else None, load=False)
        for page in self.lists.values():
            page.set_patient(patient.id if self._sees_clinical() else None)
        self.encounters.set_patient(patient.id if self._sees_clinical() else None)
        self.documents.set_patient(patient.id if self._sees_clinical() else None)
        self._open()

    def _sees_clinical(self) -> bool:
        session = self._session()
        return session is not None and permissions.allowed(
            session.role, Action.VIEW, DataCategory.CLINICAL
        )

    def _apply_access(self) -> None:
        session = self._session()
        may_merge = session is not None and permissions.allowed(
            session.role, Action.DELETE, DataCategory.DEMOGRAPHICS
        )
        clinical = self._sees_clinical()
        for page in (
            self.summary,
            self.histories,
            self.encounters,
            self.documents,
            *self.lists.values(),
        ):
            index = self.tabs.indexOf(page)
            if index >= 0:
                self.tabs.setTabVisible(index, clinical)
        self.merge_button.setEnabled(may_merge)
        self.merge_button.setToolTip(
            "Merge a record of the same person into this one"
            if may_merge
            else "Your role cannot merge records: ask a records specialist or administrator."
        )

    def _open(self) -> None:
        session = self._session()
        if session is None or self.patient is None:
            return
        pid = self.patient.id
        chart = self._services.inst.chart
        self._opening = (
            Op(self, lambda: chart.open(session, pid), runner=self._runner, key="open")
            .success(self._opened)
            .failure(self._open_failed)
            .run()
        )

    def _opened(self, opening: ChartOpening) -> None:
        self.banner_loaded.emit(opening.banner)
        if opening.summary is not None:
            self.summary.show_summary(opening.summary)
        self._loaded((opening.record, opening.versions))

    def _open_failed(self, err: BaseException) -> None:
        self.banner_loaded.emit(None)
        if isinstance(err, KnownError):
            self.summary.show_failure(err.message)
        self._failed(err)

    def reload(self) -> None:
        """The demographics and record history again (after a change: another view); the
        lists and summary reload themselves on change notifications (``reload_all`` after
        an emergency access grant)."""
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

    def _patient_changed(self, patient_id: int, kinds: frozenset[ChangeKind]) -> None:
        # Chart items refresh their own lists and summary: only a change to the record itself
        # re-reads the demographics (an audited view of its own).
        if self.patient is not None and self.patient.id == patient_id and record_changed(kinds):
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
        return self._offered is not None and not self.offer.isHidden()

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
        self.tabs.setCurrentWidget(self.demographics)
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

    def reload_all(self) -> None:
        """Everything shown, e.g. after an emergency access grant opened withheld items."""
        self.reload()
        self.summary.reload()
        for page in self.lists.values():
            page.reload()
        self.encounters.reload()
        self.documents.reload()

    def clear(self) -> None:
        for op in (self._load, self._opening):
            if op is not None:
                op.cancel()
        self.summary.set_patient(None)
        for page in self.lists.values():
            page.clear()
        self.encounters.clear()
        self.documents.clear()
        self.patient = None
        self._offered = None
        self.offer.hide()
        self.form.clear_form()
        self.history.clear()
