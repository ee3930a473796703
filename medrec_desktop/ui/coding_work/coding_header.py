"""Above the codes: the patient banner (the chart's own, so nobody codes the wrong patient),
the encounter (date of service, type, provider, signed, the age the edits use) and where its
coding stands, with the setting that decides which edits apply."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from medrec_desktop.domain.coding_work import CareSetting, CodingState
from medrec_desktop.services.coding_work import CodingView
from medrec_desktop.ui.encounters.texts import day, local, signed_text, type_label, when

STATE_SYMBOLS = {
    None: "○",
    CodingState.IN_PROGRESS: "✎",
    CodingState.CODED: "✔",
    CodingState.RETURNED: "↩",
}


def state_text(view: CodingView) -> str:
    """Not started / Being coded / Coded by X on date / Returned to provider: why."""
    coding = view.coding
    state = view.state
    mark = STATE_SYMBOLS[state]
    if coding is None or state is None:
        return f"{mark} Not started: no codes saved yet"
    d = coding.data
    if state is CodingState.CODED:
        on = f" on {local(d.coded_at):%m/%d/%Y}" if d.coded_at is not None else ""
        return f"{mark} Coded by {view.coded_by or 'a coder'}{on}"
    if state is CodingState.RETURNED:
        return f"{mark} Returned to provider: {d.return_reason or '(no reason kept)'}"
    return f"{mark} Being coded · last saved by {coding.changed_by}, {when(coding.changed_at)}"


class EncounterHeader(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(2, 0, 2, 0)
        outer.setSpacing(2)
        self.encounter = QLabel("Loading the encounter…")
        self.encounter.setAccessibleName("Encounter")
        self.encounter.setTextFormat(Qt.TextFormat.PlainText)
        self.encounter.setStyleSheet("font-weight: 600;")
        self.encounter.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        self.state = QLabel()
        self.state.setAccessibleName("Coding state")
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        self.state.setWordWrap(True)
        self.setting = QComboBox()
        for s in CareSetting:
            self.setting.addItem(s.label, s.value)
        self.setting.setAccessibleName("Setting: office or outpatient, or inpatient")
        self.setting.setToolTip(
            "Office / outpatient: first-listed diagnosis rules. Inpatient: principal diagnosis "
            "rules and every Medicare Code Editor edit."
        )
        self.setting_label = QLabel("Se&tting")
        self.setting_label.setBuddy(self.setting)
        row.addWidget(self.state, 1)
        row.addWidget(self.setting_label)
        row.addWidget(self.setting)
        outer.addWidget(self.encounter)
        outer.addLayout(row)

    def show_view(self, view: CodingView | None) -> None:
        if view is None:
            self.encounter.setText("Loading the encounter…")
            self.state.clear()
            return
        c = view.context
        signed = signed_text(c.signed)
        self.encounter.setText(
            f"{type_label(c.encounter_type)} · date of service {day(c.dos)} · {c.provider} · "
            f"{signed} · age {c.age} on the date of service"
        )
        queries = (
            f" · {view.open_queries} open quer{'ies' if view.open_queries != 1 else 'y'} "
            "to the provider"
            if view.open_queries
            else ""
        )
        self.state.setText(state_text(view) + queries)
        coded = view.state is CodingState.CODED
        self.state.setStyleSheet("font-weight: 600;" if coded else "")

    def chosen_setting(self) -> CareSetting:
        return CareSetting(str(self.setting.currentData()))

    def show_setting(self, setting: CareSetting) -> None:
        self.setting.blockSignals(True)
        self.setting.setCurrentIndex(max(self.setting.findData(setting.value), 0))
        self.setting.blockSignals(False)
