"""The chart summary: what a clinician scans first, from ONE service call.

Sections (active problems, allergies, current medications, latest vitals, immunizations due
or recent, social history, recent visits, recent abnormal results) come from
``ChartSummaryService`` (the chart's opening brings the first one; a change to the patient
reads it again), and after them what others changed since the user last opened this chart.
Each section opens its full list in one keystroke: Enter on the section, or the list tab's own
key shown beside the section's title (Ctrl+n, Alt+letter); Enter on a change opens the list
that holds the changed item.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QColor, QFocusEvent, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.chart_summary import ChartChange, ChartSection, ChartSummary
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.services.chart_kinds import KINDS
from medrec_desktop.services.chart_sections import SECTIONS
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.shortcuts import shortcut

COLUMNS = 3  # three across fits 1366 pixels with a line of ~50 characters each
CHANGES = "changes"
CHANGES_TITLE = "Changed since you last opened this chart"
DEMOGRAPHICS = "demographics"  # where a change to the patient record is seen
# Which list holds an item of each type (the list named like the item kind's change).
LIST_OF_ITEM = {kind.item_type: kind.change.value for kind in KINDS}
ERROR_STYLE = "color: #b42318;"
ALERT_COLOUR = "#b42318"
# Sections whose every item line is an abnormal value: drawn in the alert colour beside the
# flag's mark each line already carries ("H ↑"), never by colour alone.
ALERT_SECTIONS = frozenset({"results"})


@dataclass(frozen=True)
class Line:
    """One line of a section; ``opens`` names the list Enter opens from it (None: the
    section's own); ``quiet`` lines say there is nothing (shown dimmed); ``alert`` lines
    an abnormal value (in the alert colour, beside the mark the text carries)."""

    text: str
    opens: str | None = None
    quiet: bool = False
    alert: bool = False


class SectionList(QListWidget):
    """A section's lines: the current line is highlighted only while the list has the
    cursor, so seven lists at rest read as text, not as seven selections."""

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        row = max(self.currentRow(), 0)
        if self.count():
            self.setCurrentRow(row, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.clearSelection()


class SummarySection(QFrame):
    """A titled list. ``open_full`` (set when the chart has the list) opens its full view."""

    def __init__(self, *, key: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.title = title
        self.open_full: Callable[[], object] | None = None
        self.open_line: Callable[[str], object] | None = None
        self._opens: list[str | None] = []
        self.setFrameShape(QFrame.Shape.StyledPanel)
        v = QVBoxLayout(self)
        v.setContentsMargins(8, 6, 8, 6)
        v.setSpacing(2)
        head = QHBoxLayout()
        # The title opens the list for the mouse; the keyboard has Enter and the tab's key.
        self.heading = QPushButton(title)
        self.heading.setFlat(True)
        self.heading.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.heading.setCursor(Qt.CursorShape.PointingHandCursor)
        # Without a list to open the title still reads as a title, not as a dead control.
        self.heading.setStyleSheet(
            "QPushButton { font-weight: 600; font-size: 14px; text-align: left; padding: 0; }"
            "QPushButton:disabled { color: palette(window-text); }"
        )
        self.heading.clicked.connect(self._open_section)
        self.hint = QLabel()
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        head.addWidget(self.heading)
        head.addStretch(1)
        head.addWidget(self.hint)
        v.addLayout(head)
        self.list = SectionList()
        self.list.setAccessibleName(title)
        # The grid shares the height out evenly; a list scrolls beyond it.
        self.list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setWordWrap(True)
        self.list.setMinimumHeight(self.list.fontMetrics().lineSpacing() * 4)
        v.addWidget(self.list, 1)
        self.notes = QLabel()
        self.notes.setAccessibleName(f"{title}: withheld items")
        self.notes.setWordWrap(True)
        self.notes.hide()
        v.addWidget(self.notes)
        for key_ in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut(key_, self.list, self._open_current)

    def set_opener(self, open_full: Callable[[], object] | None, hint: str) -> None:
        self.open_full = open_full
        self.hint.setText(hint)
        self.heading.setEnabled(open_full is not None)
        self.heading.setToolTip(f"Open the full list ({hint})" if hint else "")

    def set_title(self, title: str) -> None:
        self.heading.setText(title)

    def show_lines(self, lines: list[Line], notes: tuple[str, ...] = ()) -> None:
        self.list.clear()
        quiet = self.palette().color(QPalette.ColorRole.PlaceholderText)
        for line in lines:
            item = QListWidgetItem(line.text)
            if line.quiet:
                item.setForeground(quiet)
            elif line.alert:
                item.setForeground(QColor(ALERT_COLOUR))
            self.list.addItem(item)
        self._opens = [line.opens for line in lines]
        if self.list.count():
            self.list.setCurrentRow(
                0,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                if self.list.hasFocus()
                else QItemSelectionModel.SelectionFlag.NoUpdate,
            )
        self.notes.setText("⊘ " + "; ".join(notes) if notes else "")
        self.notes.setVisible(bool(notes))

    def clear(self) -> None:
        self.show_lines([])

    def texts(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def _open_section(self) -> None:
        if self.open_full is not None:
            self.open_full()

    def _open_current(self) -> None:
        row = self.list.currentRow()
        opens = self._opens[row] if 0 <= row < len(self._opens) else None
        if opens is not None and self.open_line is not None:
            self.open_line(opens)
        else:
            self._open_section()


def section_lines(section: ChartSection) -> tuple[list[Line], tuple[str, ...]]:
    """A section's lines, and its withheld notes ("1 item withheld (behavioral health)")."""
    alert = section.key in ALERT_SECTIONS
    said = [Line(t) for t in section.reminders] + [Line(t, alert=alert) for t in section.lines]
    if not said and not section.withheld and section.empty_note:
        said = [Line(section.empty_note, quiet=True)]
    return said, section.withheld_notes


def change_lines(summary: ChartSummary) -> tuple[str, list[Line], tuple[str, ...]]:
    """The changes section's title, lines (each opening the list holding the item) and
    notes (changes to withheld items, counted per label)."""
    if summary.last_opened is None:
        first = Line("First time you open this chart: nothing to compare", quiet=True)
        return CHANGES_TITLE, [first], ()
    since = summary.last_opened.astimezone().strftime("%m/%d/%Y %H:%M")
    title = f"{CHANGES_TITLE} ({since})"
    lines = [Line(c.line(), _list_of(c)) for c in summary.changes]
    if summary.more_changes:
        lines.append(Line(f"and {summary.more_changes} earlier changes", quiet=True))
    if not lines and not summary.changes_withheld:
        lines = [Line("Nothing changed by others", quiet=True)]
    notes = tuple(
        f"{n} change{'s' if n != 1 else ''} to withheld items ({label.label})"
        for label, n in summary.changes_withheld.items()
    )
    return title, lines, notes


def _list_of(change: ChartChange) -> str | None:
    if change.item_type is None:
        return DEMOGRAPHICS
    return LIST_OF_ITEM.get(change.item_type)


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
        self.summary: ChartSummary | None = None
        self._load: Op[ChartSummary] | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.message.hide()
        outer.addWidget(self.message)
        self.grid = QGridLayout()
        self.grid.setSpacing(8)
        outer.addLayout(self.grid, 1)
        # Made once, in reading order (also the Tab order): the layout never jumps.
        self.sections: list[SummarySection] = []
        for provider in SECTIONS:
            section = SummarySection(key=provider.key, title=provider.title)
            n = len(self.sections)
            self.grid.addWidget(section, n // COLUMNS, n % COLUMNS)
            self.sections.append(section)
        self.changes = SummarySection(key=CHANGES, title=CHANGES_TITLE)
        # Its title is long enough for its cell: the hint is a tooltip, not a second label.
        self.changes.heading.setToolTip("Enter on a change opens the list that holds it")
        self.changes.list.setToolTip(self.changes.heading.toolTip())
        # The changes take the cells left after the sections (three rows of three for the
        # eight sections): a full-width band below them left every list a few lines high.
        row, column = divmod(len(self.sections), COLUMNS)
        self.grid.addWidget(self.changes, row, column, 1, COLUMNS - column)
        for r in range(row + 1):
            self.grid.setRowStretch(r, 1)
        for c in range(COLUMNS):
            self.grid.setColumnStretch(c, 1)
        services.changed.connect(self._changed)

    def section(self, key: str) -> SummarySection | None:
        return next((s for s in (*self.sections, self.changes) if s.key == key), None)

    def connect_lists(
        self, open_list: Callable[[str], bool], keys: Callable[[str], str | None]
    ) -> None:
        """How a section reaches its full list: ``open_list(name)`` shows the chart list
        named like the section (False when the chart has none), ``keys(name)`` its key
        ("Ctrl+2 or Alt+O"), None when there is no such list."""
        for section in self.sections:
            hint = keys(section.key)
            opener = self._opener(open_list, section.key) if hint is not None else None
            section.set_opener(opener, hint or "")
        self.changes.open_line = open_list

    @staticmethod
    def _opener(open_list: Callable[[str], bool], name: str) -> Callable[[], object]:
        return lambda: open_list(name)

    def set_patient(self, patient_id: PatientId | None, *, load: bool = True) -> None:
        """Show ``patient_id``'s summary; ``load=False`` when the caller brings it
        (:meth:`show_summary`, from the chart's opening)."""
        self.patient_id = patient_id
        self.summary = None
        if self._load is not None:
            self._load.cancel()
        self.message.hide()
        waiting = [Line("Loading…", quiet=True)] if patient_id is not None else []
        for section in (*self.sections, self.changes):
            section.show_lines(waiting)
        self.changes.set_title(CHANGES_TITLE)
        if load:
            self.reload()

    def show_summary(self, summary: ChartSummary) -> None:
        if summary.patient_id != self.patient_id:
            return  # the chart moved on to another patient meanwhile
        self.summary = summary
        self.message.hide()
        for section in self.sections:
            found = summary.section(section.key)
            if found is not None:
                section.show_lines(*section_lines(found))
        title, lines, notes = change_lines(summary)
        self.changes.set_title(title)
        self.changes.show_lines(lines, notes)

    def show_failure(self, message: str) -> None:
        for section in (*self.sections, self.changes):
            section.clear()
        self.message.setText(f"⚠ {message}")
        self.message.show()

    def reload(self) -> None:
        session, pid = self._session(), self.patient_id
        if session is None or pid is None:
            return
        chart = self._services.inst.chart
        self._load = (
            Op(self, lambda: chart.summary(session, pid), runner=self._runner, key="summary")
            .success(self.show_summary)
            .failure(self._failed)
            .run()
        )

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.show_failure(err.message)

    def _changed(self, patient_id: int, kinds: frozenset[ChangeKind]) -> None:
        # Every kind of change may touch the summary (a birth date moves what is due; a
        # record change by someone else is listed) except a note, which it does not show.
        if patient_id == self.patient_id and not kinds <= {ChangeKind.NOTES}:
            self.reload()
