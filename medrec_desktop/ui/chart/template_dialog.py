"""The panel templates, and the clinic's own added or retired (reached from the results page).

The list shows the bundled templates (read only) and the clinic's; "New template" opens a
small form in place: a name, an optional LOINC code and specimen, and a table of analytes
(name, LOINC, unit, reference low and high, critical limits, or a range in words for a
text result). Tab moves across the table's cells; typing starts a cell.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.domain.panels import PanelTemplate, TemplateInput
from medrec_desktop.domain.result_flags import range_text
from medrec_desktop.domain.results import ResultInput
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.status import StatusLabel

COLUMNS = (
    ("analyte", "Analyte"),
    ("loinc", "LOINC"),
    ("unit", "Unit"),
    ("low", "Low"),
    ("high", "High"),
    ("critical_low", "Critical low"),
    ("critical_high", "Critical high"),
    ("reference_text", "Range in words"),
)
BLANK_ROWS = 12
KEY_ROLE = Qt.ItemDataRole.UserRole


def describe(template: PanelTemplate) -> str:
    """ "Iron studies · 2 analytes · added by Test Nurse" (built in, retired...)."""
    n = len(template.analytes)
    who = "built in" if template.bundled else f"added by {template.added_by}"
    retired = " · retired" if template.retired else ""
    return f"{template.name} · {n} analyte{'s' if n != 1 else ''} · {who}{retired}"


def analytes_text(template: PanelTemplate) -> str:
    return "\n".join(
        f"{a.analyte}: {range_text(a.low, a.high, a.reference_text) or 'no range'}"
        + (f" {a.unit}" if a.unit else "")
        for a in template.analytes
    )


class TemplatesDialog(QDialog):
    changed = Signal()  # a template was added or retired

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Panel templates")
        self.setMinimumSize(880, 520)
        self._services, self._runner, self._session = services, runner, session
        self.templates: tuple[PanelTemplate, ...] = ()
        outer = QVBoxLayout(self)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)

        self.list_page = QWidget()
        v = QVBoxLayout(self.list_page)
        label = QLabel("&Templates the Add panel list offers:")
        self.list = QListWidget()
        self.list.setAccessibleName("Templates")
        label.setBuddy(self.list)
        self.list.currentRowChanged.connect(self._show_analytes)
        self.analytes = QLabel()
        self.analytes.setAccessibleName("The template's analytes")
        self.analytes.setTextFormat(Qt.TextFormat.PlainText)
        self.analytes.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.analytes.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.list, 3)
        row.addWidget(self.analytes, 2)
        v.addWidget(label)
        v.addLayout(row, 1)
        self.message = StatusLabel()
        self.message.setAccessibleName("Templates message")
        v.addWidget(self.message)
        buttons = QHBoxLayout()
        self.new_button = QPushButton("&New template…")
        self.new_button.clicked.connect(self.start_new)
        self.retire_button = QPushButton("&Retire")
        self.retire_button.setToolTip(
            "Take the clinic's template off the Add panel list; tests entered from it keep "
            "their results"
        )
        self.retire_button.clicked.connect(self.retire)
        self.close_button = QPushButton("&Close")
        self.close_button.clicked.connect(self.accept)
        for b in (self.new_button, self.retire_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        v.addLayout(buttons)
        self.stack.addWidget(self.list_page)

        self.new_page = QWidget()
        n = QVBoxLayout(self.new_page)
        heading = QLabel("New panel template")
        heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        n.addWidget(heading)
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setAccessibleName("Template name (required)")
        self.loinc = QLineEdit()
        self.loinc.setPlaceholderText("the panel's code, optional")
        self.loinc.setAccessibleName("LOINC code")
        self.specimen = QLineEdit()
        self.specimen.setAccessibleName("Specimen")
        self.fields = {"name": self.name, "loinc": self.loinc, "specimen": self.specimen}
        for text, widget in (("Na&me *", self.name), ("&LOINC code", self.loinc),
                             ("S&pecimen", self.specimen)):  # fmt: skip
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        n.addLayout(form)
        table_label = QLabel(
            "&Analytes (one per row; a row with a unit or numbers is numeric, one with only "
            "a range in words is text):"
        )
        table_label.setWordWrap(True)
        self.table = QTableWidget(BLANK_ROWS, len(COLUMNS))
        self.table.setAccessibleName("Analytes")
        self.table.setHorizontalHeaderLabels([h for _n, h in COLUMNS])
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setColumnWidth(0, 180)
        for col in range(1, len(COLUMNS) - 1):
            self.table.setColumnWidth(col, 80)
        table_label.setBuddy(self.table)
        n.addWidget(table_label)
        n.addWidget(self.table, 1)
        self.new_message = StatusLabel()
        self.new_message.setAccessibleName("New template message")
        n.addWidget(self.new_message)
        buttons = QHBoxLayout()
        self.more_button = QPushButton("More &rows")
        self.more_button.clicked.connect(lambda: self.table.setRowCount(self.table.rowCount() + 6))
        self.save_button = QPushButton("&Save template")
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.show_list)
        buttons.addWidget(self.more_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        n.addLayout(buttons)
        self.stack.addWidget(self.new_page)
        self.load()

    # ------------------------------------------------------------------ the list

    def load(self, select: str | None = None) -> None:
        session = self._session()
        if session is None:
            return
        service = self._services.inst.lab_tests
        Op(self, lambda: service.templates(session), runner=self._runner, key="templates").success(
            lambda found: self._loaded(found, select)
        ).failure(self._failed).run()

    def _loaded(self, found: tuple[PanelTemplate, ...], select: str | None) -> None:
        self.templates = found
        self.list.clear()
        for template in found:
            item = QListWidgetItem(describe(template), self.list)
            item.setData(KEY_ROLE, template.key)
        keys = [t.key for t in found]
        self.list.setCurrentRow(keys.index(select) if select in keys else 0)

    def current(self) -> PanelTemplate | None:
        row = self.list.currentRow()
        return self.templates[row] if 0 <= row < len(self.templates) else None

    def _show_analytes(self, _row: int) -> None:
        template = self.current()
        self.analytes.setText(analytes_text(template) if template is not None else "")
        self.retire_button.setEnabled(template is not None and not template.bundled)

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.message.error(err.message)

    def retire(self) -> None:
        template, session = self.current(), self._session()
        if template is None or template.template_id is None or session is None:
            return
        service, tid = self._services.inst.lab_tests, template.template_id

        def retired(done: PanelTemplate) -> None:
            self.message.ok(f"Retired: {done.name}. Tests entered from it keep their results.")
            self.changed.emit()
            self.load()

        Op(self, lambda: service.retire_template(session, tid), runner=self._runner).success(
            retired
        ).failure(self._failed).run()

    # ------------------------------------------------------------------ a new template

    def start_new(self) -> None:
        for line in self.fields.values():
            line.clear()
        self.table.clearContents()
        self.table.setRowCount(BLANK_ROWS)
        self.new_message.clear_message()
        self.stack.setCurrentWidget(self.new_page)
        self.name.setFocus()

    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.list_page)
        self.list.setFocus()

    def typed(self) -> TemplateInput:
        rows = []
        for r in range(self.table.rowCount()):
            cells = {}
            for c, (name, _header) in enumerate(COLUMNS):
                item = self.table.item(r, c)
                cells[name] = item.text() if item is not None else ""
            rows.append(
                ResultInput(
                    analyte=cells["analyte"],
                    loinc=cells["loinc"],
                    unit=cells["unit"],
                    low=cells["low"],
                    high=cells["high"],
                    critical_low=cells["critical_low"],
                    critical_high=cells["critical_high"],
                    reference_text=cells["reference_text"],
                )
            )
        return TemplateInput(
            name=self.name.text(),
            loinc=self.loinc.text(),
            specimen=self.specimen.text(),
            analytes=tuple(rows),
        )

    def set_cell(self, row: int, column: str, text: str) -> None:
        col = [n for n, _h in COLUMNS].index(column)
        self.table.setItem(row, col, QTableWidgetItem(text))

    def save(self) -> None:
        session = self._session()
        if session is None:
            return
        data = self.typed()
        service = self._services.inst.lab_tests

        def saved(template: PanelTemplate) -> None:
            self.changed.emit()
            self.show_list()
            self.load(select=template.key)
            self.message.ok(f"Added: {template.name}. Add panel offers it now.")

        def refused(err: BaseException) -> None:
            if isinstance(err, ValidationError):
                self.new_message.error(err.message)
                target = self.fields.get(err.field or "", self.table)
                target.setFocus()
                return
            if isinstance(err, KnownError):
                self.new_message.error(err.message)
                return
            raise err

        self.new_message.clear_message()
        Op(self, lambda: service.add_template(session, data), runner=self._runner).success(
            saved
        ).failure(refused).run()
