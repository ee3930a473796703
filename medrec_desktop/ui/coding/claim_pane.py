"""The claim being coded: its codes in order (principal first), the patient's age and sex the
edits need, and the validation findings."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.coding.types import Finding, Setting, Severity
from medrec_desktop.ui.coding.delegates import WrappedTitleDelegate
from medrec_desktop.ui.coding.models import ClaimLine, ClaimModel, FindingsModel
from medrec_desktop.ui.widgets.shortcuts import shortcut

SEXES = (("Not stated", None), ("Female", "F"), ("Male", "M"))
#: a clinic's claims are office claims unless the user says otherwise
SETTINGS = (("Office / outpatient", Setting.OUTPATIENT), ("Inpatient", Setting.INPATIENT))


class ClaimPane(QWidget):
    #: the codes, age, sex or setting changed: the findings are stale
    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 0, 0, 0)
        # Plain text, so its mnemonic works; the explanation beside it in a quieter label.
        heading = QLabel("&Claim")
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        hint = QLabel("<small>(first code is the principal diagnosis)</small>")
        hint.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addWidget(hint, 1)
        outer.addLayout(top)
        self.model = ClaimModel()
        self.table = QTableView()
        heading.setBuddy(self.table)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Claim codes")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        # Whole titles, wrapped: the row grows rather than cut the laterality off.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(True)
        self.table.setItemDelegateForColumn(ClaimModel.COL_TITLE, WrappedTitleDelegate(self))
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(ClaimModel.COL_SEQ, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(ClaimModel.COL_CODE, QHeaderView.ResizeMode.ResizeToContents)
        head.setStretchLastSection(True)
        self.table.setTabKeyNavigation(False)
        outer.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.up_button = QPushButton("Move &up")
        self.down_button = QPushButton("Move do&wn")
        self.remove_button = QPushButton("&Remove")
        for button, slot, name in (
            (self.up_button, lambda: self.move_selected(-1), "Move the code up"),
            (self.down_button, lambda: self.move_selected(1), "Move the code down"),
            (self.remove_button, self.remove_selected, "Remove the code from the claim"),
        ):
            button.clicked.connect(slot)
            button.setAccessibleName(name)
            buttons.addWidget(button)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        shortcut(Qt.Key.Key_Delete, self.table, self.remove_selected)
        shortcut("Alt+Up", self.table, lambda: self.move_selected(-1))
        shortcut("Alt+Down", self.table, lambda: self.move_selected(1))
        patient = QHBoxLayout()
        self.age = QSpinBox()
        self.age.setRange(-1, 124)
        self.age.setSpecialValueText("not stated")
        self.age.setValue(-1)
        self.age.setSuffix(" years")
        self.age.setAccessibleName("Patient age in years")
        self.sex = QComboBox()
        for text, value in SEXES:
            self.sex.addItem(text, value)
        self.sex.setAccessibleName("Patient sex")
        age_label = QLabel("A&ge")
        age_label.setBuddy(self.age)
        sex_label = QLabel("Se&x")
        sex_label.setBuddy(self.sex)
        patient.addWidget(age_label)
        patient.addWidget(self.age)
        patient.addSpacing(8)
        patient.addWidget(sex_label)
        patient.addWidget(self.sex)
        patient.addStretch(1)
        outer.addLayout(patient)
        # Which rules apply: office claims get the first-listed rules (Guidelines section IV),
        # inpatient claims the whole Medicare Code Editor.
        where = QHBoxLayout()
        self.setting = QComboBox()
        for text, value in SETTINGS:
            self.setting.addItem(text, value)
        self.setting.setAccessibleName("Claim setting: office or outpatient, or inpatient")
        self.setting.setToolTip(
            "Office / outpatient: first-listed diagnosis rules. Inpatient: principal diagnosis"
            " rules and every Medicare Code Editor edit."
        )
        setting_label = QLabel("Se&tting")
        setting_label.setBuddy(self.setting)
        where.addWidget(setting_label)
        where.addWidget(self.setting)
        where.addStretch(1)
        outer.addLayout(where)
        self.age.valueChanged.connect(lambda _v: self.changed.emit())
        self.sex.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.setting.currentIndexChanged.connect(lambda _i: self.changed.emit())
        # The findings get the panel's full width (the panel places this box): their messages
        # are sentences, unreadable in a third of the screen.
        self.findings_box = QWidget()
        box = QVBoxLayout(self.findings_box)
        box.setContentsMargins(0, 4, 0, 0)
        box.setSpacing(2)
        self.summary = QLabel("Add codes to check them.")
        self.summary.setAccessibleName("Validation summary")
        self.summary.setWordWrap(True)
        box.addWidget(self.summary)
        self.findings_model = FindingsModel()
        self.findings = QTableView()
        self.findings.setModel(self.findings_model)
        self.findings.setAccessibleName("Validation findings")
        self.findings.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.findings.verticalHeader().hide()
        self.findings.setWordWrap(True)
        self.findings.setTabKeyNavigation(False)
        fhead = self.findings.horizontalHeader()
        for col in (FindingsModel.COL_SEVERITY, FindingsModel.COL_RULE, FindingsModel.COL_CODES):
            fhead.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        fhead.setStretchLastSection(True)
        box.addWidget(self.findings, 1)

    # -- the claim -------------------------------------------------------------------
    def add(self, code: str, title: str) -> None:
        rows = self.model.rows()
        rows.append(ClaimLine(code, title))
        self.model.set_rows(rows)
        self._select(len(rows) - 1)
        self.changed.emit()

    def selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def remove_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        rows = self.model.rows()
        del rows[row]
        self.model.set_rows(rows)
        if rows:
            self._select(min(row, len(rows) - 1))
        self.changed.emit()

    def move_selected(self, step: int) -> None:
        row = self.selected_row()
        rows = self.model.rows()
        if row is None or not 0 <= row + step < len(rows):
            return
        rows[row], rows[row + step] = rows[row + step], rows[row]
        self.model.set_rows(rows)
        self._select(row + step)
        self.changed.emit()

    def _select(self, row: int) -> None:
        self.table.selectionModel().select(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.setCurrentIndex(self.model.index(row, ClaimModel.COL_CODE))

    def codes(self) -> list[str]:
        return self.model.codes()

    def patient_age(self) -> int | None:
        return None if self.age.value() < 0 else self.age.value()

    def claim_setting(self) -> Setting:
        return Setting(self.setting.currentData())

    def set_claim_setting(self, setting: Setting) -> None:
        self.setting.setCurrentIndex(self.setting.findData(setting))

    def patient_sex(self) -> str | None:
        value = self.sex.currentData()
        return str(value) if value else None

    # -- findings ----------------------------------------------------------------------
    def show_findings(self, findings: list[Finding]) -> None:
        # Errors first, then warnings, then notes (in the order the checks found them): what
        # blocks the claim must be on screen without scrolling.
        rank = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
        findings = sorted(findings, key=lambda f: rank[f.severity])
        self.findings_model.set_rows(findings)
        self.findings.resizeRowsToContents()
        if not self.model.rowCount():
            self.summary.setText("Add codes to check them.")
            return
        counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
        if not findings:
            self.summary.setText("✔ No findings: the claim passes every check.")
            return
        parts = [
            f"{n} {word}{'s' if n != 1 else ''}"
            for s, word in (
                (Severity.ERROR, "error"),
                (Severity.WARNING, "warning"),
                (Severity.INFO, "note"),
            )
            if (n := counts[s])
        ]
        mark = "✖" if counts[Severity.ERROR] else "▲"
        self.summary.setText(f"{mark} " + ", ".join(parts))
