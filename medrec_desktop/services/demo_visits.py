"""Years of visits for the demo clinic's synthetic patients (issue 10, item 8).

Built around the chart ``demo_chart.py`` planned: each set of vitals was taken at an office
visit (a well-child visit, a yearly physical with its labs drawn days before at a lab-only
visit, the follow-up of the patient's chronic problems, or an acute complaint), and more
visits fill the years: the visit an acute problem was found at, telehealth follow-ups
(behavioral health ones carry its label), refill and results phone calls, a call when the lab
reports a critical value, procedure visits (knee injections, an IUD insertion), flu shots.
Tests (``demo_labs.py``) and procedures are recorded in the visit they were done at, with
values that fit the patient's conditions; the notes (``demo_visit_texts.py``) say what was
measured. Notes are signed by the provider after their entries were recorded, most within
hours, some days late, a few never (the provider's unsigned list); some signed notes get an
addendum; a few patients asked to amend a note, and the request was accepted (an addendum
citing it), denied (with the patient's statement of disagreement) or is still pending.

Planned like ``demo_chart.py`` (form inputs, in versions) and written by
``demo_chart_writer.py``, which signs the notes once their entries are written and adds the
addenda last. The office visits are planned in ``demo_office_visits.py``, the others in
``demo_other_visits.py``, from the building blocks of ``demo_visit_base.py``; amendment
requests in ``demo_requests.py``, test values in ``demo_labs.py``, the notes' words in
``demo_visit_texts.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.dates import age_on
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.services import demo_visit_texts as tx
from medrec_desktop.services.chart_kinds import (
    PROBLEMS,
    VITALS,
)
from medrec_desktop.services.demo_chart import (
    DemoPatient,
    Planned,
    PlannedAddendum,
    Signing,
    Version,
)
from medrec_desktop.services.demo_labs import LabPatient
from medrec_desktop.services.demo_office_visits import OfficeVisits
from medrec_desktop.services.demo_other_visits import OtherVisits
from medrec_desktop.services.demo_visit_base import (
    CRITICAL_EVERY,
    DAY,
    MINUTE,
    VisitPatient,
    VisitProblem,
)


@dataclass
class Visits:
    items: list[Planned] = field(default_factory=list)
    signings: list[Signing] = field(default_factory=list)
    addenda: list[PlannedAddendum] = field(default_factory=list)


class VisitPlanner(OfficeVisits, OtherVisits):
    """Plans the visits of one patient at a time (see the module docstring)."""

    def visits(self, p: DemoPatient, chart: list[Planned]) -> Visits:
        c = self._patient(p, chart)
        vitals = [
            v for v in chart if v.kind is VITALS and all(x.input is not None for x in v.versions)
        ]
        vitals.sort(key=lambda v: v.versions[0].at)
        for v in vitals:
            self._office(c, v)
        for problem in c.problems:
            if problem.resolved and problem.code in tx.ACUTE_PROBLEMS:
                self._found_at(c, problem)
            elif problem.chronic:
                self._telehealth(c, problem)
        self._refills(c, chart)
        self._scheduled_procedures(c, chart)
        if len(c.encounters) < 2:  # a patient new to the clinic: a call before the first visit
            day = self._day(max(c.start - 120 * DAY, p.birth_date), c.start)
            self._encounter(
                c,
                EncounterType.PHONE,
                self._at(day),
                "New patient: records request",
                ("Called to set up care and have records sent from the previous clinic.", "",
                 "New patient.", "Records release form sent. First visit scheduled."),
            )  # fmt: skip
        self.critical_owed = c.labs.critical is not None
        visits = Visits(items=c.items)
        self._close(c, visits)
        return visits

    def _patient(self, p: DemoPatient, chart: list[Planned]) -> VisitPatient:
        problems = []
        for item in chart:
            if item.kind is not PROBLEMS or item.versions[-1].input is None:
                continue
            last = item.versions[-1].input
            assert isinstance(last, ProblemInput)
            problems.append(
                VisitProblem(
                    item,
                    last.icd10cm,
                    last.description,
                    item.versions[0].at,
                    last.sensitivity,
                    last.chronic,
                    last.status is ItemStatus.RESOLVED,
                )
            )
        onsets = {pr.code: pr.onset.date() for pr in problems}
        labs = LabPatient(p.sex == "female", onsets, self.rng)
        firsts = [i.versions[0].at.date() for i in chart if i.kind is VITALS]
        start = min(firsts, default=self.today - 365 * DAY)
        if age_on(p.birth_date, self.today) >= 18:
            self.adults += 1
            if self.adults % CRITICAL_EVERY == 3 or self.critical_owed:
                # Fitting the patient's conditions; else a passing or a spurious one.
                self.criticals += 1
                usual = "low-potassium" if self.criticals % 2 else "hemolyzed"
                labs.critical = next(
                    (w for code, w in (("N18.30", "potassium"), ("E11.9", "glucose"),
                     ("D50.9", "hemoglobin")) if code in onsets),
                    usual,
                )  # fmt: skip
        return VisitPatient(p, problems, labs, start)

    # ---------------------------------------------------------------- office visits
    def _close(self, c: VisitPatient, visits: Visits) -> None:
        """Notes completed and signed (after every entry recorded in them), a cancelled
        visit or a note opened on the wrong chart now and then, addenda, and an amendment
        request for some patients."""
        rng, provider = self.rng, self.staff.provider
        signed: list[Signing] = []
        for encounter in c.encounters:
            first = encounter.versions[0]
            typed = first.input
            assert isinstance(typed, EncounterInput) and typed.starts_at is not None
            start = typed.starts_at
            if typed.encounter_type in (EncounterType.OFFICE, EncounterType.TELEHEALTH) and (
                rng.random() < 0.15
            ):  # the note finished after the visit: the history shows both
                first.input = dataclasses.replace(typed, assessment="", plan="")
                done = self._clamp(start + dt.timedelta(minutes=rng.randint(30, 150)))
                encounter.versions.append(Version(typed, done, provider, tx.NOTE_COMPLETED))
            entries = c.entries.get(id(encounter), [])
            last = max([v.at for e in [encounter, *entries] for v in e.versions])
            open_days = (self.now - start).days
            if open_days < 2 and rng.random() < 0.7:
                continue  # today's and yesterday's notes: still being written
            if 2 <= open_days <= 120 and rng.random() < 0.06:
                continue  # forgotten lately: on the provider's unsigned list (older ones
                # were all signed in the end: a clinic chases them)
            late = rng.random()
            delay = (
                dt.timedelta(hours=rng.uniform(0.3, 10))
                if late < 0.8
                else dt.timedelta(days=rng.uniform(1, 3) if late < 0.95 else rng.uniform(4, 12))
            )
            at = max(last, start + 30 * MINUTE) + delay
            if at < self.now - MINUTE:
                signed.append(Signing(encounter, provider, at))
        visits.signings += signed
        self._odd_ones(c)
        for s in signed:
            if rng.random() < 0.06:
                reason, text = rng.choice(tx.ADDENDA)
                at = s.at + dt.timedelta(days=rng.uniform(0.5, 20))
                if at < self.now - MINUTE:
                    visits.addenda.append(PlannedAddendum(s.encounter, provider, at, reason, text))
        request, addendum = self.requests.plan(c.p.id, signed)
        if request is not None:
            visits.items.append(request)
        if addendum is not None:
            visits.addenda.append(addendum)

    def _odd_ones(self, c: VisitPatient) -> None:
        """A visit cancelled (a version with the status and why), a note opened on the
        wrong chart (entered in error minutes later)."""
        rng = self.rng
        self.patients += 1
        if self.patients % 8 == 1 or rng.random() < 0.05:
            start = self._at(self._day(c.start, self.today))
            item = self._encounter(
                c, EncounterType.OFFICE, start, "Follow-up visit", ("", "", "", "")
            )
            typed = item.versions[0].input
            assert isinstance(typed, EncounterInput)
            cancelled = dataclasses.replace(typed, status=ItemStatus.INACTIVE)
            at = self._clamp(start + dt.timedelta(minutes=rng.randint(15, 90)))
            item.versions.append(
                Version(cancelled, at, self.staff.records, rng.choice(tx.CANCELLED))
            )
        if self.patients % 20 == 5:
            start = self._at(self._day(c.start, self.today))
            item = self._encounter(
                c, EncounterType.OFFICE, start, "Follow-up visit", ("", "", "", "")
            )
            at = self._clamp(start + dt.timedelta(minutes=rng.randint(3, 20)))
            item.versions.append(Version(None, at, self.staff.provider, tx.WRONG_CHART))
