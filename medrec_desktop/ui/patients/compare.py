"""Side-by-side comparison of patients: the record being registered and likely duplicates."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dto import DuplicateCandidate, PatientInfo

ROWS = ("Name", "Date of birth", "Sex", "Phone", "MRN", "Why it looks the same")


def _column(
    p: PatientInfo | None, *, name: str, dob: str, sex: str, phone: str, why: str = ""
) -> list[str]:
    if p is not None:
        return [
            p.display_name,
            f"{p.birth_date:%m/%d/%Y}",
            p.sex.capitalize(),
            p.phone or "—",
            p.mrn,
            why,
        ]
    return [name, dob, sex, phone or "—", "(new)", ""]


class CompareTable(QTableWidget):
    """Rows are attributes; the first column is the reference record, then one column each.

    Among the first ``compared`` rows, a value equal to the first column's is bold (not by
    colour alone) and says so in its tooltip (``same_tip``).
    """

    def __init__(
        self,
        columns: Sequence[tuple[str, list[str]]],
        parent: QWidget | None = None,
        *,
        rows: Sequence[str] = ROWS,
        compared: int = 4,
        same_tip: str = "Same as the new record",
    ):
        super().__init__(len(rows), len(columns), parent)
        self._compared, self._same_tip = compared, same_tip
        self.setVerticalHeaderLabels(list(rows))
        self.set_columns(columns)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectColumns)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setAccessibleName("Patient comparison")

    def set_columns(self, columns: Sequence[tuple[str, list[str]]]) -> None:
        """Show these columns (title, values) in place of the ones shown."""
        self.setColumnCount(len(columns))
        self.setHorizontalHeaderLabels([title for title, _ in columns])
        for c, (_, values) in enumerate(columns):
            for r, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                if c > 0 and r < self._compared and value == columns[0][1][r]:
                    item.setToolTip(self._same_tip)
                    font = item.font()
                    font.setBold(True)  # identical values stand out (not by colour alone)
                    item.setFont(font)
                self.setItem(r, c, item)


class DuplicatesDialog(QDialog):
    """Shown before anything is written when a new registration looks like existing patients.

    ``choice`` after exec: "open" (with ``chosen``), "create" (with the ``reason`` the user
    gave for registering a separate person) or "cancel". Opening the existing record keeps what
    was typed: the chart offers to apply it.
    """

    def __init__(
        self,
        new: list[str],
        candidates: Sequence[DuplicateCandidate],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Possible duplicate patients")
        self.resize(900, 340)
        self.candidates = list(candidates)[:4]
        self.choice = "cancel"
        self.chosen: PatientInfo | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"<b>{len(candidates)} existing patient(s) look like the person you are "
            "registering.</b> Nothing has been saved yet. Values identical to the new record "
            "are in bold. If it is the same person, open the existing record: what you typed "
            "goes with you and you can apply it there."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        columns = [("New registration", new)] + [
            (
                f"Existing #{i}",
                _column(c.patient, name="", dob="", sex="", phone="", why="; ".join(c.reasons)),
            )
            for i, c in enumerate(self.candidates, start=1)
        ]
        self.table = CompareTable(columns, self)
        self.table.selectColumn(1)
        layout.addWidget(self.table, 1)
        reason_label = QLabel("&Why is this a different person? (needed to create a new record)")
        self.reason_edit = QLineEdit()
        self.reason_edit.setAccessibleName("Reason for creating a new record")
        self.reason_edit.setPlaceholderText("what tells them apart")
        self.reason_edit.setMaxLength(500)
        reason_label.setBuddy(self.reason_edit)
        layout.addWidget(reason_label)
        layout.addWidget(self.reason_edit)
        buttons = QDialogButtonBox()
        self.open_button = QPushButton("&Open selected existing record")
        self.create_button = QPushButton("&Create new patient anyway")
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.open_button.clicked.connect(self._open)
        self.create_button.clicked.connect(self._create)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.open_button.setDefault(True)
        # A second record of the same person is the costly mistake: it needs a stated reason.
        self.create_button.setEnabled(False)
        self.create_button.setToolTip("First say why this is a different person")
        self.reason_edit.textChanged.connect(
            lambda text: self.create_button.setEnabled(bool(text.strip()))
        )
        self.reason_edit.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        # Enter after typing a reason means "create", never the default "open existing".
        if (
            watched is self.reason_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._create()
            return True
        return super().eventFilter(watched, event)

    @property
    def reason(self) -> str:
        return self.reason_edit.text().strip()

    def _open(self) -> None:
        cols = self.table.selectionModel().selectedColumns()
        col = cols[0].column() if cols else 1
        if col < 1:
            col = 1
        self.chosen = self.candidates[col - 1].patient
        self.choice = "open"
        self.accept()

    def _create(self) -> None:
        if not self.reason:
            self.reason_edit.setFocus()
            return
        self.choice = "create"
        self.accept()


def new_column(name: str, dob: str, sex: str, phone: str) -> list[str]:
    return _column(None, name=name, dob=dob, sex=sex, phone=phone)
