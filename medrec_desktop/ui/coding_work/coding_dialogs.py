"""The coding screen's dialogs: a written reason (re-coding a coded encounter, returning it to
its provider), the overrides asked before "mark coded" while errors stand, and the history of
the encounter's coding.

The reason dialogs stay open until the service has answered: a refused reason is shown under
its field with the typed text kept, and Cancel saves nothing. No button is the default, so
Enter in a reason never sends it by reflex.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.coding.types import Finding
from medrec_desktop.domain.clinical import FieldChange, ItemInfo, ItemVersion
from medrec_desktop.domain.coding_work import REASON_MAX, finding_key
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.services.coding_work import OverrideNeededError
from medrec_desktop.ui.chart.history_view import HistoryView
from medrec_desktop.ui.encounters.texts import when
from medrec_desktop.ui.widgets.status import StatusLabel


def _buttons(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    for b in buttons:
        b.setAutoDefault(False)
        b.setDefault(False)
        row.addWidget(b)
    return row


class OverrideDialog(QDialog):
    """Each error that stands, with a required written reason for letting it stand (or one
    reason for all); ``submit({finding key: reason})``."""

    def __init__(
        self,
        errors: Sequence[Finding],
        submit: Callable[[dict[str, str]], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._submit = submit
        self.errors = list(errors)
        self.setWindowTitle("Override errors to mark coded")
        self.setModal(True)
        layout = QVBoxLayout(self)
        n = len(self.errors)
        intro = QLabel(
            f"{n} error{'s' if n != 1 else ''} stand{'s' if n == 1 else ''} on these codes. "
            "Fix them, or let each stand with a written reason: the reasons are kept on the "
            "coded encounter, in its history and in the audit trail."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.same = QCheckBox("&Same reason for all")
        self.same.setVisible(n > 1)
        self.same.toggled.connect(self._same_toggled)
        layout.addWidget(self.same)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        rows = QVBoxLayout(body)
        rows.setContentsMargins(0, 0, 0, 0)
        self.reasons: dict[str, QLineEdit] = {}
        self.problems: dict[str, StatusLabel] = {}
        self._boxes: dict[str, QWidget] = {}
        for i, f in enumerate(self.errors):
            key = finding_key(f.rule_id, f.codes)
            box = QFrame()
            box.setFrameShape(QFrame.Shape.StyledPanel)
            inner = QVBoxLayout(box)
            head = QLabel(f"✖ Error · {f.rule_id} · {', '.join(f.codes)}")
            head.setStyleSheet("font-weight: 600;")
            message = QLabel(f.message)
            message.setWordWrap(True)
            message.setTextFormat(Qt.TextFormat.PlainText)
            label = QLabel("&Reason (required):" if i == 0 else "Reason (required):")
            edit = QLineEdit()
            edit.setMaxLength(REASON_MAX)
            edit.setAccessibleName(f"Reason for overriding {f.rule_id} ({', '.join(f.codes)})")
            edit.setPlaceholderText("e.g. both documented by the specialist's letter of 11/02")
            label.setBuddy(edit)
            problem = StatusLabel()
            problem.setAccessibleName(f"Reason problem, {f.rule_id}")
            for w in (head, message, label, edit, problem):
                inner.addWidget(w)
            rows.addWidget(box)
            self.reasons[key] = edit
            self.problems[key] = problem
            self._boxes[key] = box
        rows.addStretch(1)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)
        self.error = StatusLabel()
        layout.addWidget(self.error)
        self.cancel_button = QPushButton("Cancel")
        self.ok_button = QPushButton("&Mark coded with overrides")
        layout.addLayout(_buttons(self.cancel_button, self.ok_button))
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button.clicked.connect(self._send)
        self.resize(600, min(160 + 150 * n, 560))

    def _same_toggled(self, same: bool) -> None:
        # One reason, typed in the first field, stands for every error.
        for box in list(self._boxes.values())[1:]:
            box.setVisible(not same)
        if self.errors:
            f = self.errors[0]
            first = self.reasons[finding_key(f.rule_id, f.codes)]
            first.setAccessibleName(
                "Reason for overriding every error"
                if same
                else f"Reason for overriding {f.rule_id} ({', '.join(f.codes)})"
            )

    def typed(self) -> dict[str, str]:
        keys = list(self.reasons)
        if self.same.isChecked() and keys:
            text = self.reasons[keys[0]].text()
            return {k: " ".join(text.split()) for k in keys}
        return {k: " ".join(e.text().split()) for k, e in self.reasons.items()}

    def _send(self) -> None:
        for p in self.problems.values():
            p.clear_message()
        self.error.clear_message()
        reasons = self.typed()
        missing = [k for k, v in reasons.items() if not v]
        if missing:
            self._mark_missing(missing)
            return
        self.ok_button.setEnabled(False)
        self._submit(reasons)

    def _mark_missing(self, keys: Sequence[str]) -> None:
        shown = [k for k in keys if k in self.reasons]
        if self.same.isChecked() and shown:
            shown = [next(iter(self.reasons))]
        for k in shown:
            self.problems[k].error("Write why this error may stand.")
        if shown:
            self.reasons[shown[0]].setFocus()
        if len(shown) < len(keys) and not self.same.isChecked():
            self.error.error(
                "Other errors were found when the codes were saved: check the findings and "
                "try again."
            )

    def refused(self, err: BaseException) -> None:
        """The service said no: which errors still lack a reason, or why; typing kept."""
        self.ok_button.setEnabled(True)
        if isinstance(err, OverrideNeededError):
            self._mark_missing(err.keys)
        elif isinstance(err, ValidationError | KnownError):
            self.error.error(err.message)
        else:
            raise err


class CodingHistoryView(HistoryView):
    """The chart's history view, reading the coding's own fields as people do: the state
    for the item's status, the coder by name, the time coded in local time."""

    def _status(self, v: ItemVersion[Any]) -> str:
        state = getattr(v.item.data, "state", None)
        return str(state.label) if state is not None else super()._status(v)

    def _shown(
        self, change: FieldChange, before: ItemInfo[Any] | None, after: ItemInfo[Any]
    ) -> tuple[str, str]:
        if change.field == "coded_by":
            return self._coder(change.before), self._coder(change.after)
        if change.field == "coded_at":
            return _local(change.before), _local(change.after)
        return change.before, change.after

    def _coder(self, user_id: str) -> str:
        if not user_id:
            return ""
        # The coder is the one who saved the version that marked it coded.
        for v in self.versions:
            if any(c.field == "coded_by" and c.after == user_id for c in v.changes):
                return v.changed_by
        return f"user no. {user_id}"


def _local(text: str) -> str:
    try:
        return when(dt.datetime.fromisoformat(text)) if text else ""
    except ValueError:
        return text


class HistoryDialog(QDialog):
    """Every version of the encounter's coding: who, when, why, what changed."""

    def __init__(self, title: str, versions: list[ItemVersion[Any]], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Coding history")
        self.view = CodingHistoryView(parent=self)
        self.view.back_button.setText("&Close")
        self.view.back_button.setToolTip("Close the history (Esc)")
        self.view.back.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.view)
        self.view.show_history(title, versions)
        self.resize(900, 560)
