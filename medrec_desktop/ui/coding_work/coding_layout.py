"""The coding screen's widgets and who may use them: the patient banner and encounter above,
the documentation left, the code search, tables and findings in the middle, the side panels
right and the buttons below (:class:`EncounterCodingPage` adds what they do)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.security import permissions
from medrec_desktop.services.coding_work import NOT_SIGNED, CodingView
from medrec_desktop.ui.coding_work.code_search import CodeSearch
from medrec_desktop.ui.coding_work.code_tables import CodesTable, ProcedureCellDelegate
from medrec_desktop.ui.coding_work.coding_edit import CodesEditor
from medrec_desktop.ui.coding_work.coding_header import EncounterHeader
from medrec_desktop.ui.coding_work.coding_models import DiagnosesModel, ProceduresModel
from medrec_desktop.ui.coding_work.conflict_bar import ConflictBar
from medrec_desktop.ui.coding_work.documentation import NoteView, ProblemList
from medrec_desktop.ui.coding_work.findings_view import FindingsView
from medrec_desktop.ui.patients.banner import PatientBanner
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.widgets.status import StatusLabel

ONLY_CODERS = "Only a coder changes an encounter's codes; you can read them here."


class CodingLayout(QWidget):
    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
    ) -> None:
        super().__init__()
        self._services, self._runner, self._session = services, runner, session
        self.encounter_id: int | None = None
        self.view: CodingView | None = None
        self.editor = CodesEditor(self)
        self._build()
        self._tab_order()

    def update_buttons(self) -> None:
        raise NotImplementedError  # the writes know what each button may do now

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        outer.setSpacing(4)
        self.banner = PatientBanner(
            services=self._services, runner=self._runner, session=self._session
        )
        self.header = EncounterHeader()
        self.message = StatusLabel()
        self.conflict = ConflictBar()
        for w in (self.banner, self.header, self.message, self.conflict):
            outer.addWidget(w)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        docs = QSplitter(Qt.Orientation.Vertical)
        docs.setChildrenCollapsible(False)
        self.note = NoteView()
        self.problem_list = ProblemList()
        docs.addWidget(self.note)
        docs.addWidget(self.problem_list)
        docs.setSizes([420, 160])
        self.splitter.addWidget(docs)
        self.splitter.addWidget(self._build_codes())
        self.side = QTabWidget()
        self.side.setAccessibleName("Beside the codes")
        self.side.hide()
        self.splitter.addWidget(self.side)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([380, 620, 340])
        outer.addWidget(self.splitter, 1)
        outer.addLayout(self._build_buttons())

    def _build_codes(self) -> QWidget:
        host = QWidget()
        column = QVBoxLayout(host)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        self.search = CodeSearch(services=self._services, runner=self._runner)
        column.addWidget(self.search)
        column.addWidget(self.search.status)
        self.dx_model = DiagnosesModel(self)
        self.px_model = ProceduresModel(self)
        self.dx_table = CodesTable(
            "&Diagnoses",
            "first-listed first · Alt+↑/↓ or drag to reorder · Delete removes",
            self.dx_model,
            "Diagnoses",
            "diagnosis",
        )
        self.dx_table.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.dx_table.stretch(DiagnosesModel.COL_TITLE)
        self.px_table = CodesTable(
            "Pr&ocedures",
            "type in Modifiers, Units or Pointers (F2)",
            self.px_model,
            "Procedures",
            "procedure line",
        )
        self.px_table.stretch(ProceduresModel.COL_TITLE)
        self.cells = ProcedureCellDelegate(self.px_table.table)
        for col in ProceduresModel.FIELDS:
            self.px_table.table.setItemDelegateForColumn(col, self.cells)
        self.px_table.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.findings_view = FindingsView()
        codes = QSplitter(Qt.Orientation.Vertical)
        codes.setChildrenCollapsible(False)
        codes.addWidget(self.dx_table)
        codes.addWidget(self.px_table)
        codes.addWidget(self.findings_view)
        codes.setSizes([170, 130, 220])
        column.addWidget(codes, 1)
        return host

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.back_button = QPushButton("&Back to worklist")
        self.back_button.setToolTip("Back to where you came from (Esc)")
        self.history_button = QPushButton("Histor&y…")
        self.history_button.setToolTip("Every version of these codes: what changed, who, why")
        self.claim_button = QPushButton("Cla&im summary…")
        self.claim_button.setToolTip("What the billing office receives for this coded encounter")
        self.return_button = QPushButton("&Return to provider…")
        self.save_button = QPushButton("&Save")
        self.mark_button = QPushButton("Mark &coded")
        self.save_state = StatusLabel()
        self.save_state.setAccessibleName("Save state")
        self.save_state.setWordWrap(False)
        for b in (self.back_button, self.history_button, self.claim_button, self.return_button):
            b.setAutoDefault(False)
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.save_state)
        for b in (self.save_button, self.mark_button):
            b.setAutoDefault(False)
            row.addWidget(b)
        return row

    def _tab_order(self) -> None:
        """Reading order: the documentation, the codes top to bottom, the buttons."""
        chain: list[QWidget] = [
            self.header.setting,
            self.conflict.mine_button,
            self.conflict.theirs_button,
            self.note,
            self.problem_list.list,
            self.problem_list.add_button,
            self.search.kind,
            self.search.edit,
            self.dx_table.table,
            self.dx_table.up_button,
            self.dx_table.down_button,
            self.dx_table.remove_button,
            self.px_table.table,
            self.px_table.up_button,
            self.px_table.down_button,
            self.px_table.remove_button,
            self.findings_view.table,
            self.back_button,
            self.history_button,
            self.claim_button,
            self.return_button,
            self.save_button,
            self.mark_button,
        ]
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)

    def _role(self) -> Role | None:
        session = self._session()
        return session.role if session is not None else None

    def _may_code(self) -> bool:
        role = self._role()
        return (
            role is not None
            and permissions.allowed(role, Action.UPDATE, DataCategory.CODING)
            and permissions.allowed(role, Action.VIEW, DataCategory.CLINICAL)
        )

    def _may_edit(self) -> bool:
        view = self.view
        return view is not None and view.context.signed and self._may_code()

    def _why_read_only(self) -> str:
        if not self._may_code():
            return ONLY_CODERS
        if self.view is not None and not self.view.context.signed:
            return NOT_SIGNED
        return "The encounter is still loading."

    def _set_editable(self) -> None:
        editable = self._may_edit()
        why = "" if editable else self._why_read_only()
        self.search.set_enabled_for(editable, why)
        self.search.setVisible(editable)
        self.search.status.setVisible(editable)
        self.dx_table.set_editable(editable, why)
        self.px_table.set_editable(editable, why)
        self.problem_list.set_editable(editable, why)
        self.header.setting.setEnabled(editable)
        self.header.setting.setToolTip(self.header.setting.toolTip() if editable else why)
        self.update_buttons()
