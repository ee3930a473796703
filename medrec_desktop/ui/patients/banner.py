"""The patient banner: who this screen is about, always visible while a chart is open.

Name, age and date of birth, sex and MRN show at once; allergies (or the dated "no known
allergies", or "not recorded"), the sensitivity flag and the first insurance come from one
audited service call and refresh whenever that patient's allergies or items change. When a
chart opens, that call is the chart's opening (:meth:`PatientBanner.expect`,
:meth:`PatientBanner.show_banner`): one read, one audit event for the whole first screen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from medrec_desktop.domain.dates import age_on
from medrec_desktop.domain.dto import PatientInfo, UserSession
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.services.chart_banner import AllergyState, ChartBanner
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner

ALERT_STYLE = "color: #b42318; font-weight: 600;"  # with a warning sign: not colour alone
QUIET_STYLE = "color: palette(placeholder-text);"


class PatientBanner(QFrame):
    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        services: ServicesHolder | None = None,
        runner: OpRunner | None = None,
        session: Callable[[], UserSession | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner, self._session = services, runner, session
        self.patient: PatientInfo | None = None
        self.data: ChartBanner | None = None
        self._load: Op[ChartBanner] | None = None
        self._given: ChartBanner | None = None  # from the chart's opening, not yet shown
        self._awaiting: int | None = None  # the patient whose chart's opening will bring it
        self.setObjectName("patientBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#patientBanner { background: palette(alternate-base); border-radius: 4px; }"
        )
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 6, 12, 6)
        outer.setSpacing(2)
        first = QHBoxLayout()
        self.name = QLabel()
        self.name.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.facts = QLabel()
        self.insurance = QLabel()
        self.insurance.setAccessibleName("Insurance")
        first.addWidget(self.name)
        first.addSpacing(16)
        first.addWidget(self.facts, 1)
        first.addWidget(self.insurance)
        second = QHBoxLayout()
        self.allergies = QLabel()
        self.allergies.setAccessibleName("Allergies")
        self.allergies.setTextFormat(Qt.TextFormat.PlainText)
        self.flags = QLabel()
        self.flags.setAccessibleName("Sensitivity flag")
        second.addWidget(self.allergies, 1)
        second.addWidget(self.flags)
        outer.addLayout(first)
        outer.addLayout(second)
        self.setAccessibleName("Patient banner")
        if services is not None:
            services.changed.connect(self._changed)
        self.hide()

    def show_patient(self, p: PatientInfo | None, *, allergies: str | None = None) -> None:
        """Show ``p`` at once; the rest arrives from the service (``allergies`` overrides
        it, for a banner without services)."""
        if p is None:
            self.patient = None
            self.data = None
            if self._load is not None:
                self._load.cancel()
            self.hide()
            return
        if self.patient is None or self.patient.id != p.id:
            self.data = None
            self.allergies.setText("Allergies: loading…" if allergies is None else "")
            self.allergies.setStyleSheet(QUIET_STYLE)
            self.flags.clear()
            self.insurance.clear()
        self.patient = p
        age = age_on(p.birth_date, dt.date.today())
        self.name.setText(p.display_name)
        self.facts.setText(
            f"DOB {p.birth_date:%m/%d/%Y} ({age} y)   ·   {p.sex.capitalize()}   ·   MRN {p.mrn}"
        )
        if allergies is not None:
            self.allergies.setText(f"Allergies: {allergies}")
        self.show()
        if allergies is None:
            given, self._given = self._given, None
            if given is not None and given.patient.id == p.id:
                self._loaded(given)
            elif self.data is None and self._awaiting != p.id:
                self.refresh()  # (kept current by change notifications once shown)

    def expect(self, patient_id: int | None) -> None:
        """The chart opening for ``patient_id`` brings its banner: do not read it here
        (None: no opening is coming after all)."""
        self._awaiting = patient_id

    def show_banner(self, data: ChartBanner | None) -> None:
        """The banner as the chart's opening read it; None: the opening failed, so the
        banner reads itself."""
        self._awaiting = None
        if data is None:
            if self.patient is not None and self.isVisible():
                self.refresh()
        elif self.patient is not None and self.patient.id == data.patient.id:
            self._loaded(data)
        else:
            self._given = data  # shown when the main window shows this patient

    def refresh(self) -> None:
        services, runner = self._services, self._runner
        session = self._session() if self._session is not None else None
        if services is None or runner is None or session is None or self.patient is None:
            return
        banner, pid = services.inst.chart_banner, self.patient.id
        self._load = (
            Op(self, lambda: banner.banner(session, pid), runner=runner, key="banner")
            .success(self._loaded)
            .failure(self._failed)
            .run()
        )

    def _loaded(self, data: ChartBanner) -> None:
        if self.patient is None or data.patient.id != self.patient.id:
            return
        self.data = data
        self.show_patient(data.patient, allergies="")  # the latest name and facts
        state = data.allergy_state
        if state is AllergyState.LISTED:
            self.allergies.setText(f"⚠ Allergies: {data.allergy_text}")
            self.allergies.setStyleSheet(ALERT_STYLE)
        elif state is AllergyState.NOT_SHOWN:
            self.allergies.setText("")
        else:
            self.allergies.setText(data.allergy_text)
            self.allergies.setStyleSheet(
                "" if state is AllergyState.NONE_KNOWN else "font-weight: 600;"
            )
        if data.withheld_count:
            n = data.withheld_count
            self.flags.setText(f"⊘ {n} sensitive item{'s' if n != 1 else ''} withheld")
            self.flags.setToolTip("Your role does not see items with a sensitivity label.")
        elif data.sensitive_on_file:
            self.flags.setText("⊘ Sensitive items on file")
            self.flags.setToolTip("This chart holds items with a sensitivity label.")
        else:
            self.flags.clear()
            self.flags.setToolTip("")
        self.insurance.setText(f"Insurance: {data.insurance}" if data.insurance else "No insurance")

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, KnownError):
            raise err
        self.allergies.setText(f"⚠ {err.message}")

    def _changed(self, patient_id: int, _kinds: frozenset[ChangeKind]) -> None:
        # Any change to this patient may touch the banner (allergies, a label, insurance).
        # Asked after every other view has asked for its data (one database lane, in order),
        # so the banner never shows a newer name than the chart under it.
        if self.patient is not None and self.patient.id == patient_id and self.isVisible():
            QTimer.singleShot(0, self.refresh)
