"""The chart summary: a section per list (active problems, allergies...), each a keystroke
from its full view. Sections are independent: each loads through its own service call and
refreshes on the change notifications it names, so a new section (medications, vitals,
"changed since you last opened this chart") is one :meth:`SummaryPage.add_section`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.chart.keys import shortcut
from medrec_desktop.ui.chart.kind_view import KindView
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner


@dataclass(frozen=True)
class SectionContent:
    """What a section shows: its lines (or ``empty`` when none) and withheld notes."""

    lines: tuple[str, ...]
    empty: str
    notes: tuple[str, ...] = ()


Loader = Callable[[Installation, UserSession, PatientId], SectionContent]


class SummarySection(QFrame):
    def __init__(
        self,
        *,
        title: str,
        load: Loader,
        changes: frozenset[ChangeKind],
        open_full: Callable[[], None] | None = None,
        open_hint: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.load = load
        self.changes = changes
        self.open_full = open_full
        self.setFrameShape(QFrame.Shape.StyledPanel)
        v = QVBoxLayout(self)
        head = QHBoxLayout()
        heading = QLabel(title)
        heading.setStyleSheet("font-weight: 600; font-size: 14px;")
        head.addWidget(heading)
        head.addStretch(1)
        self.open_button: QPushButton | None = None
        if open_full is not None:
            self.open_button = QPushButton(f"Open the full list ({open_hint})")
            self.open_button.clicked.connect(open_full)
            head.addWidget(self.open_button)
        v.addLayout(head)
        self.list = QListWidget()
        self.list.setAccessibleName(title)
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setMinimumHeight(self.list.fontMetrics().lineSpacing() * 4)
        v.addWidget(self.list, 1)
        self.notes = QLabel()
        self.notes.setAccessibleName(f"{title}: withheld items")
        self.notes.hide()
        v.addWidget(self.notes)
        if open_full is not None:
            # Enter on a line opens the list it comes from.
            for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                shortcut(key, self.list, open_full)

    def show_content(self, content: SectionContent) -> None:
        self.list.clear()
        for line in content.lines or (content.empty,):
            self.list.addItem(line)
        self.notes.setText("⊘ " + "; ".join(content.notes) if content.notes else "")
        self.notes.setVisible(bool(content.notes))

    def texts(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]


class SummaryPage(QWidget):
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
        self.patient_id: PatientId | None = None
        self.sections: list[SummarySection] = []
        self.loading = 0
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.grid = QGridLayout()
        self.grid.setSpacing(10)
        outer.addLayout(self.grid, 1)
        services.changed.connect(self._changed)

    def add_section(self, section: SummarySection) -> None:
        """Sections fill two columns, in the order added."""
        n = len(self.sections)
        self.sections.append(section)
        self.grid.addWidget(section, n // 2, n % 2)

    def set_patient(self, patient_id: PatientId | None) -> None:
        self.patient_id = patient_id
        for section in self.sections:
            section.list.clear()
            section.notes.hide()
        self.reload()

    def reload(self, only: frozenset[ChangeKind] | None = None) -> None:
        session, pid = self._session(), self.patient_id
        if session is None or pid is None:
            return
        inst = self._services.inst
        for section in self.sections:
            if only is not None and not (section.changes & only):
                continue
            self._load(section, inst, session, pid)

    def _load(
        self, section: SummarySection, inst: Installation, session: UserSession, pid: PatientId
    ) -> None:
        self.loading += 1

        def failed(err: BaseException) -> None:
            if not isinstance(err, KnownError):
                raise err
            section.show_content(SectionContent((), f"⚠ {err.message}"))

        def done() -> None:
            self.loading -= 1

        Op(
            self, lambda: section.load(inst, session, pid), runner=self._runner, key=section.title
        ).success(section.show_content).failure(failed).finished(done).run()

    def _changed(self, patient_id: int, kinds: frozenset[ChangeKind]) -> None:
        if patient_id == self.patient_id:
            self.reload(None if ChangeKind.MERGE in kinds else kinds)


def kind_section(
    kind: KindView[Any, Any], *, open_full: Callable[[], None], open_hint: str
) -> SummarySection:
    """A summary section listing a kind's active items (and its "none" statement)."""
    statement = kind.statement

    def load(inst: Installation, session: UserSession, pid: PatientId) -> SectionContent:
        found = kind.service(inst).list(session, pid)
        lines = tuple(kind.line(i) for i in found.items if i.status is ItemStatus.ACTIVE)
        empty = kind.summary_empty
        if not lines and statement is not None:
            stated = statement.service(inst).list(session, pid).items
            if stated:
                empty = statement.says(stated[-1])
        return SectionContent(lines, empty, found.withheld_notes)

    return SummarySection(
        title=kind.summary_title,
        load=load,
        changes=frozenset({kind.change}),
        open_full=open_full,
        open_hint=open_hint,
    )
