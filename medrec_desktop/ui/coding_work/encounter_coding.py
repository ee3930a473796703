"""The encounter coding screen (issue 13): the coder codes one signed encounter beside its
documentation, keyboard first.

Above: the patient banner, the encounter and where its coding stands, and the setting. Left:
the note as signed (read only) and the patient's problem list, from which a problem's code is
added in one step. Middle: the code search, the diagnoses in order (the first is
first-listed), the procedure lines with modifiers, units and pointers, and the findings of
the codes as edited, live. Right: the panels the coding area adds (chronic-condition review,
queries). Below: Back, History…, Return to provider…, Save (Ctrl+S) and Mark coded
(Ctrl+Enter).

Keys: Alt+A the code search (Ctrl+Shift+D diagnoses, Ctrl+Shift+P procedures; ↓ and Enter
add), Alt+D / Alt+O the tables (Alt+Up / Alt+Down reorder, Delete removes, F2 or typing edits
a procedure's modifiers, units or pointers), Alt+L the problem list (Enter adds), Alt+N the
findings, Esc back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

from medrec_desktop.coding.types import CodeSystem, Finding, Setting
from medrec_desktop.domain.clinical import ItemId, ItemList
from medrec_desktop.domain.coding_work import CodingState, ProcedureSystem
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.encounter_views import EncounterDetail
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.domain.problems import ProblemData
from medrec_desktop.services.chart_banner import ChartBanner
from medrec_desktop.services.coding_work import CodingView, encounter_findings
from medrec_desktop.ui.coding_work.code_search import DIAGNOSES, PROCEDURES
from medrec_desktop.ui.coding_work.coding_layout import ONLY_CODERS
from medrec_desktop.ui.coding_work.coding_mark import CodingMark
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Lane, Op, OpRunner
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.unsaved import confirm_leave, track

__all__ = ["ONLY_CODERS", "EncounterCodingPage"]

DOCS = frozenset({ChangeKind.ENCOUNTERS, ChangeKind.PROBLEMS})


@dataclass(frozen=True)
class Loaded:
    view: CodingView
    detail: EncounterDetail
    problems: ItemList[ProblemData]
    banner: ChartBanner


class EncounterCodingPage(CodingMark):
    #: the user asked to go back to where they came from (Esc, "Back to worklist")
    back_requested = Signal()
    #: (encounter_id: int) a save, mark coded, return or dismissal succeeded
    encounter_changed = Signal(int)
    #: (codes: tuple[str, ...]) the diagnoses being edited changed (unsaved included)
    codes_changed = Signal(object)
    #: (encounter_id: int) an encounter was opened
    encounter_opened = Signal(int)

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
    ) -> None:
        super().__init__(services=services, runner=runner, session=session)
        self.findings: list[Finding] = []
        self.checks = 0  # answered live checks (tests wait for them)
        self.problems: ItemList[ProblemData] | None = None
        self._wire()
        track(self)
        services.changed.connect(self._record_changed)
        services.swapped.connect(self._swapped)
        self._set_editable()

    def _wire(self) -> None:
        self.editor.changed.connect(self._codes_edited)
        self.search.chosen.connect(self._chosen)
        self.dx_table.moved.connect(self._move_diagnosis)
        self.dx_table.removed.connect(self._remove_diagnosis)
        self.px_table.moved.connect(self._move_procedure)
        self.px_table.removed.connect(self._remove_procedure)
        self.px_model.edit = self.editor.edit_procedure
        self.px_model.refused.connect(self._cell_refused)
        self.problem_list.add_requested.connect(self.add_diagnosis)
        self.problem_list.search_requested.connect(self._search_for)
        self.header.setting.currentIndexChanged.connect(
            lambda _i: self.editor.set_setting(self.header.chosen_setting())
        )
        self.back_button.clicked.connect(self.leave)
        self.history_button.clicked.connect(self.show_history)
        self.claim_button.clicked.connect(self.show_claim_summary)
        self.return_button.clicked.connect(self.return_to_provider)
        self.save_button.clicked.connect(lambda: self.save())
        self.mark_button.clicked.connect(self.mark_coded)
        self.conflict.keep_mine.connect(self.keep_mine)
        self.conflict.use_theirs.connect(self.use_theirs)
        area = Qt.ShortcutContext.WidgetWithChildrenShortcut
        shortcut("Ctrl+S", self, lambda: self.save(), area)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut(keys, self, self.mark_coded, area)
        shortcut("Ctrl+Shift+D", self, lambda: self.search.set_kind(DIAGNOSES), area)
        shortcut("Ctrl+Shift+P", self, lambda: self.search.set_kind(PROCEDURES), area)
        self.save_button.setToolTip("Save the codes as a new version (Ctrl+S)")

    # ------------------------------------------------------------------ the public API

    def open_encounter(self, encounter_id: int) -> None:
        """Show this encounter's coding (asks about unsaved codes of the one shown first)."""
        confirm_leave(self, [self], lambda: self._open(encounter_id))

    def add_diagnosis(self, code: str, title: str, problem_id: int | None = None) -> None:
        """Add a diagnosis to the codes being edited (from the review panel's one action or
        the problem list); a code already listed is not added twice."""
        if not self._may_edit():
            self.message.warning(self._why_read_only())
            return
        before = len(self.editor.diagnoses)
        row = self.editor.add_diagnosis(code, title, problem_id)
        self.dx_table.select(row)
        if len(self.editor.diagnoses) == before:
            self.message.info(f"{code} is already diagnosis {row + 1}.")
        else:
            self.message.clear_message()
            if problem_id is not None or not title:
                self._look_up_title(code)

    def add_side_panel(self, title: str, widget: QWidget) -> None:
        """A panel beside the codes (chronic-condition review, queries)."""
        self.side.addTab(widget, title)
        self.side.show()

    def focus_search(self) -> None:
        """Ctrl+F in the coding area: the code search."""
        self.search.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.edit.selectAll()

    def refresh(self) -> None:
        """Read the encounter again (a review dismissal or a query saved meanwhile); codes
        being edited are kept."""
        if self.encounter_id is not None:
            self._load(self.encounter_id)

    def leave(self) -> None:
        """Back (Esc): with unsaved codes, Save / Discard / Cancel first."""
        confirm_leave(self, [self], self.back_requested.emit)

    # ------------------------------------------------------------------ loading

    def _open(self, encounter_id: int) -> None:
        self.encounter_id = encounter_id
        self.view = None
        self.pending = None
        self.conflict.hide()
        self.message.clear_message()
        self.save_state.clear_message()
        self.header.show_view(None)
        self.note.show_detail(None)
        self.editor.load(None)
        self._set_editable()
        self.encounter_opened.emit(encounter_id)
        self._load(encounter_id)

    def _load(self, encounter_id: int) -> None:
        services, session = self._services, self._session()
        if session is None:
            return
        eid = encounter_id

        def load() -> Loaded:
            view = services.coding_work.get(session, eid)
            pid = view.context.patient_id
            return Loaded(
                view=view,
                detail=services.inst.encounters.detail(session, ItemId(eid)),
                problems=services.inst.problems.list(session, pid),  # type: ignore[arg-type]
                banner=services.inst.chart_banner.banner(session, pid),  # type: ignore[arg-type]
            )

        Op(self, load, runner=self._runner, key="load").success(self._loaded).failure(
            self._load_failed
        ).run()

    def _loaded(self, loaded: Loaded) -> None:
        view = loaded.view
        if view.context.encounter_id != self.encounter_id:
            return
        self.banner.expect(view.context.patient_id)
        self.banner.show_patient(loaded.banner.patient)
        self.banner.show_banner(loaded.banner)
        self.note.show_detail(loaded.detail)
        self.problems = loaded.problems
        self.dx_model.problems = {int(p.id): p.data.description for p in loaded.problems.items}
        self.search.dos = view.context.dos
        first = self.view is None
        self.apply_view(view)
        if first and self.isVisible():
            # Opened: the cursor where coding starts (the codes, for who may only read).
            if self._may_edit():
                self.focus_search()
            else:
                self.dx_table.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def apply_view(self, view: CodingView, *, keep_edits: bool = True) -> None:
        """The encounter as stored now. Codes being edited are kept when the stored codes
        did not change under them (a review dismissal saved meanwhile only adds a version);
        when they did, the edits stay on the version they came from, so saving them shows
        both versions instead of overwriting the other one."""
        old = self.view
        data = view.coding.data if view.coding is not None else None
        same_encounter = old is not None and old.context.encounter_id == view.context.encounter_id
        if keep_edits and self.editor.dirty and same_encounter and old is not None:
            if _stored_codes(old) != _stored_codes(view):
                by = view.coding.changed_by if view.coding is not None else "Someone"
                self.message.warning(
                    f"{by} saved other codes for this encounter meanwhile; your changes are "
                    "kept, and saving them shows both versions."
                )
                return
            edited = self.editor.input()
            self.view = view
            self.editor.load(data)
            self.editor.restore(edited)
        else:
            self.view = view
            self.editor.load(data)
        self.header.show_view(view)
        coded = view.state is CodingState.CODED
        overrides = data.overrides if data is not None else ()
        on = ""
        if coded and data is not None and data.coded_at is not None:
            on = f"{data.coded_at.astimezone():%m/%d/%Y}"
        self.findings_view.show_overrides(overrides, view.coded_by, on)
        self._set_editable()

    def _load_failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.header.encounter.setText("This encounter cannot be shown.")
        self.message.error(err.message)
        self.note.heading.setText("")

    # ------------------------------------------------------------------ editing

    def _codes_edited(self) -> None:
        self.dx_model.sync(self.editor.diagnoses)
        self.px_model.sync(self.editor.procedures)
        self.header.show_setting(self.editor.setting)
        self._show_problems()
        dirty = self.has_unsaved_changes()
        if dirty:
            self.save_state.warning("Unsaved changes")
        elif self.save_state.message == "Unsaved changes":
            self.save_state.clear_message()
        self.update_buttons()
        self.codes_changed.emit(self.editor.codes())
        self.check_now()

    def _show_problems(self) -> None:
        if self.problems is not None:
            self.problem_list.show_problems(
                self.problems.items, self.editor.codes(), self.problems.withheld_notes
            )

    def check_now(self, then: Callable[[list[Finding]], None] | None = None) -> None:
        """The findings of the codes as edited, on the code-set lane (latest only)."""
        view = self.view
        if view is None:
            return
        ctx, coding = view.context, self._services.coding
        dx, px, setting = self.editor.diagnoses, self.editor.procedures, self.editor.setting

        def check() -> list[Finding]:
            found = coding.validate_encounter(
                [d.code for d in dx],
                [(CodeSystem(p.system.value), p.code) for p in px],
                ctx.dos,
                ctx.age,
                ctx.mce_sex,
                Setting(setting.value),
            )
            return [*encounter_findings(dx, px), *found]

        def landed(findings: list[Finding]) -> None:
            self.checks += 1
            self._show_findings(findings)
            if then is not None:
                then(findings)

        Op(self, check, runner=self._runner, lane=Lane.CODES, key="findings").success(
            landed
        ).failure(self._check_failed).run()

    def _show_findings(self, findings: list[Finding]) -> None:
        self.findings = findings
        data = self.view.coding.data if self.view is not None and self.view.coding else None
        kept = {o.key: o.reason for o in data.overrides} if data is not None else {}
        self.findings_view.show_findings(
            findings, kept, any_codes=bool(self.editor.diagnoses or self.editor.procedures)
        )

    def _check_failed(self, err: BaseException) -> None:
        self.checks += 1
        if not isinstance(err, KnownError):
            raise err
        self.findings_view.summary.setText(f"⚠ The codes could not be checked: {err.message}")

    def _chosen(self, system: str, code: str, title: str) -> None:
        if not self._may_edit():
            return
        if system == CodeSystem.ICD10CM.value:
            self.add_diagnosis(code, title)
            return
        row = self.editor.add_procedure(ProcedureSystem(system), code, title)
        self.px_table.select(row)
        self.message.clear_message()

    def _look_up_title(self, code: str) -> None:
        coding, dos = self._services.coding, self.view.context.dos if self.view else None
        Op(self, lambda: coding.detail(code, dos), runner=self._runner, lane=Lane.CODES).success(
            lambda d: self.editor.retitle(code, d.title)
        ).failure(lambda _e: None).run()

    def _search_for(self, words: str) -> None:
        self.search.set_kind(DIAGNOSES)
        self.search.edit.setText(words)
        self.search.edit.selectAll()  # choose from the list, or type over the words
        self.search.search_now()

    def _move_diagnosis(self, old: int, new: int) -> None:
        if self._may_edit() and self.editor.move_diagnosis(old, new):
            self.dx_table.select(new)

    def _remove_diagnosis(self, row: int) -> None:
        if self._may_edit() and self.editor.remove_diagnosis(row):
            self.dx_table.select(min(row, len(self.editor.diagnoses) - 1))

    def _move_procedure(self, old: int, new: int) -> None:
        if self._may_edit() and self.editor.move_procedure(old, new):
            self.px_table.select(new)

    def _remove_procedure(self, row: int) -> None:
        if self._may_edit() and self.editor.remove_procedure(row):
            self.px_table.select(min(row, len(self.editor.procedures) - 1))

    def _cell_refused(self, row: int, column: int, message: str, typed: str) -> None:
        self.message.error(f"Procedure line {row + 1}: {message}")
        self.cells.retype(row, column, typed)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Escape:
            self.leave()
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------ notifications

    def _record_changed(self, patient_id: int, kinds: frozenset[ChangeKind]) -> None:
        view = self.view
        if view is None or view.context.patient_id != patient_id or self.own_write:
            return
        if not kinds or kinds & DOCS or ChangeKind.CODING in kinds:
            self.refresh()

    def _swapped(self) -> None:
        # Another database: nothing shown belongs to it.
        self.encounter_id = None
        self.view = None
        self.pending = None
        self.editor.load(None)
        self.header.show_view(None)
        self.note.show_detail(None)
        self.banner.show_patient(None)
        self._set_editable()


def _stored_codes(view: CodingView) -> object:
    if view.coding is None:
        return None
    d = view.coding.data
    return (d.setting, d.diagnoses, d.procedures)
