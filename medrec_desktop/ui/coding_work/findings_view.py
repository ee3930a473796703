"""The findings of the codes as edited, live: a one-line count, the list (errors first, each
with its symbol and word as well as colour), the rule that fired for the selected one, and
the errors overridden on the encounter with their reasons and who accepted them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.coding.types import Finding, Severity
from medrec_desktop.domain.coding_work import Override
from medrec_desktop.ui.coding_work.coding_models import FindingsModel
from medrec_desktop.ui.widgets.status import Severity as Tone
from medrec_desktop.ui.widgets.status import severity_color


class FindingsView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self.heading = QLabel("Fi&ndings")
        self.heading.setStyleSheet("font-weight: 600;")
        self.summary = QLabel("Add codes to check them.")
        self.summary.setAccessibleName("Findings summary")
        self.summary.setWordWrap(True)
        self.model = FindingsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.heading.setBuddy(self.table)
        self.table.setAccessibleName("Findings")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head = self.table.horizontalHeader()
        head.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for col in (FindingsModel.COL_SEVERITY, FindingsModel.COL_CODES):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(FindingsModel.COL_MESSAGE, QHeaderView.ResizeMode.Stretch)
        self.rule = QLabel()
        self.rule.setAccessibleName("Rule of the selected finding")
        self.rule.setWordWrap(True)
        self.rule.setTextFormat(Qt.TextFormat.PlainText)
        self.rule.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.rule.setStyleSheet("color: palette(placeholder-text);")
        self.overrides = QLabel()
        self.overrides.setAccessibleName("Errors overridden")
        self.overrides.setWordWrap(True)
        self.overrides.setTextFormat(Qt.TextFormat.PlainText)
        self.overrides.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.overrides.setStyleSheet(
            "QLabel { background: palette(alternate-base); border-left: 3px solid "
            "palette(mid); padding: 4px 6px; }"
        )
        self.overrides.hide()
        column.addWidget(self.heading)
        column.addWidget(self.summary)
        column.addWidget(self.table, 1)
        column.addWidget(self.rule)
        column.addWidget(self.overrides)
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._show_rule(cur.row())
        )

    def show_findings(
        self, findings: Sequence[Finding], overridden: Mapping[str, str], *, any_codes: bool
    ) -> None:
        self.model.set_findings(findings, overridden)
        self.table.resizeRowsToContents()
        self._show_rule(-1)
        counts = self.model.counts()
        if not any_codes and not findings:
            self._say("Add codes to check them.", None)
            return
        if not findings:
            self._say("✓ No findings: the codes pass every check.", Tone.OK)
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
        errors = [f for f in findings if f.severity is Severity.ERROR]
        open_errors = [f for f in errors if self.model.reason_for(f) is None]
        if open_errors:
            self._say(
                "✖ " + ", ".join(parts) + ": fix the errors, or override each with a written "
                "reason when you mark it coded.",
                Tone.ERROR,
            )
        elif errors:
            self._say("✓ " + ", ".join(parts) + " (errors overridden with reasons).", Tone.OK)
        else:
            self._say("⚠ " + ", ".join(parts) + ".", Tone.WARNING)

    def _say(self, text: str, tone: Tone | None) -> None:
        self.summary.setText(text)
        color = severity_color(tone, self.palette()) if tone is not None else None
        weight = "font-weight: 600;" if tone is Tone.ERROR else ""
        self.summary.setStyleSheet(f"color: {color}; {weight}" if color else weight)

    def _show_rule(self, row: int) -> None:
        if not 0 <= row < self.model.rowCount():
            self.rule.setText("Select a finding to read the rule behind it.")
            return
        f = self.model.finding(row)
        reason = self.model.reason_for(f)
        extra = f"\nOverridden: {reason}" if reason else ""
        self.rule.setText(f"Rule ({f.rule_id}): {f.rule}{extra}")

    def show_overrides(self, overrides: Sequence[Override], who: str | None, on: str) -> None:
        """The errors let stand on this encounter: rule, codes, reason, who accepted them."""
        if not overrides:
            self.overrides.hide()
            self.overrides.clear()
            return
        by = f" by {who}" if who else ""
        lines = [f"Errors overridden{by}{(' on ' + on) if on else ''}:"]
        lines += [
            f"• {o.rule_id} ({', '.join(o.codes)}): {o.message}\n   Reason: {o.reason}"
            for o in overrides
        ]
        self.overrides.setText("\n".join(lines))
        self.overrides.show()

    def errors(self) -> list[Finding]:
        return [f for f in self.model.rows() if f.severity is Severity.ERROR]
