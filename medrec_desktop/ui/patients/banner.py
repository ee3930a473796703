"""The patient banner: who this screen is about, always visible while a chart is open."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from medrec_desktop.domain.dates import age_on
from medrec_desktop.domain.dto import PatientInfo


class PatientBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#patientBanner { background: palette(alternate-base); border-radius: 4px; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        self.name = QLabel()
        self.name.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.facts = QLabel()
        self.flags = QLabel()
        layout.addWidget(self.name)
        layout.addSpacing(16)
        layout.addWidget(self.facts, 1)
        layout.addWidget(self.flags)
        self.setAccessibleName("Patient banner")
        self.hide()

    def show_patient(self, p: PatientInfo | None, *, allergies: str = "not recorded") -> None:
        if p is None:
            self.hide()
            return
        age = age_on(p.birth_date, dt.date.today())
        self.name.setText(p.display_name)
        self.facts.setText(
            f"DOB {p.birth_date:%m/%d/%Y} ({age} y)   ·   {p.sex.capitalize()}   ·   "
            f"MRN {p.mrn}   ·   Allergies: {allergies}"
        )
        self.show()
