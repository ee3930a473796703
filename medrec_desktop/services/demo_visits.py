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
``demo_chart_writer.py``; the signatures and addenda, which only exist for written notes,
by ``demo_visits_writer.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from medrec_desktop.domain.clinical import ItemStatus, Sensitivity
from medrec_desktop.domain.dates import age_on
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.domain.immunizations import ImmunizationInput
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.procedures import COMMON_OUTCOMES, ProcedureInput
from medrec_desktop.domain.results import LabTestInput, ResultInput, ValueKind
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.services import demo_visit_texts as tx
from medrec_desktop.services.chart_kinds import (
    IMMUNIZATIONS,
    MEDICATIONS,
    PROBLEMS,
    PROCEDURES,
    VITALS,
)
from medrec_desktop.services.demo_chart import (
    DemoPatient,
    Planned,
    PlannedAddendum,
    Signing,
    Staff,
    Version,
)
from medrec_desktop.services.demo_labs import LABS, LabPatient, LabPlanner
from medrec_desktop.services.demo_requests import RequestPlanner
from medrec_desktop.services.encounter_kinds import ENCOUNTERS
from medrec_desktop.services.result_kinds import LAB_TESTS

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
# One adult in this many whose labs are planned gets a critical value somewhere.
CRITICAL_EVERY = 6


@dataclass
class Visits:
    items: list[Planned] = field(default_factory=list)
    signings: list[Signing] = field(default_factory=list)
    addenda: list[PlannedAddendum] = field(default_factory=list)


@dataclass
class _Problem:
    item: Planned
    code: str
    name: str
    onset: dt.datetime
    label: Sensitivity | None
    chronic: bool
    resolved: bool


@dataclass
class _Patient:
    """One patient's visits as they are planned."""

    p: DemoPatient
    problems: list[_Problem]
    labs: LabPatient
    start: dt.date  # the first visit of the chart
    encounters: list[Planned] = field(default_factory=list)
    entries: dict[int, list[Planned]] = field(default_factory=dict)  # id(encounter) -> entries
    latest: dict[str, float] = field(default_factory=dict)  # LOINC -> latest value
    years: set[int] = field(default_factory=set)  # years with a yearly visit
    items: list[Planned] = field(default_factory=list)

    def age(self, day: dt.date) -> int:
        return age_on(self.p.birth_date, day)


def _float(text: object) -> float | None:
    try:
        return float(str(text))
    except ValueError:
        return None


def _flagged(row: ResultInput) -> str:
    """ "H", "L" or "A" for a planned row outside its range, "" otherwise (the stored flag
    is computed when the test is validated; this only chooses what the note says)."""
    if row.kind is not ValueKind.NUMERIC:
        return "A" if row.abnormal else ""
    value, low, high = _float(row.value), _float(row.low), _float(row.high)
    if value is None:
        return ""
    if high is not None and value > high:
        return "H"
    if low is not None and value < low:
        return "L"
    return ""


def results_summary(tests: list[LabTestInput]) -> str:
    """ "LDL cholesterol (calculated) 162 mg/dL (H), Glucose 104 mg/dL (H)", or that all
    were in range."""
    out = []
    for test in tests:
        for row in test.results:
            flag = _flagged(row)
            if flag:
                unit = f" {row.unit}" if row.unit else ""
                out.append(f"{row.analyte} {row.value}{unit} ({flag})")
    return ", ".join(out) if out else "all within the reference ranges"


def vitals_text(v: VitalsInput) -> str:
    us = v.units == "us"
    parts = []
    if v.systolic and v.diastolic:
        parts.append(f"BP {v.systolic}/{v.diastolic} mmHg")
    if v.pulse:
        parts.append(f"pulse {v.pulse}/min")
    if v.temperature:
        parts.append(f"temperature {v.temperature} °{'F' if us else 'C'}")
    if v.spo2:
        parts.append(f"SpO2 {v.spo2}%")
    if v.weight:
        parts.append(f"weight {v.weight} {'lb' if us else 'kg'}")
    return ("Vitals: " + ", ".join(parts) + ".") if parts else ""


def _fever(v: VitalsInput) -> bool:
    t = _float(v.temperature) or 0.0
    return t >= (100.4 if v.units == "us" else 38.0)


class VisitPlanner:
    """Plans the visits of one patient at a time (see the module docstring); counters carry
    over between patients so that even a small clinic shows every rare case."""

    def __init__(self, rng: random.Random, staff: Staff, now: dt.datetime) -> None:
        self.rng, self.staff, self.now = rng, staff, now
        self.today = now.date()
        self.labs = LabPlanner(rng, rng.choice(LABS))
        self.requests = RequestPlanner(rng, staff, now)
        self.adults = 0  # adults seen so far, for the rare critical values
        # A critical value planned for a patient who had no test it could be in: the next
        # adult has it.
        self.critical_owed = False
        self.criticals = 0
        self.patients = 0  # for the rare visits every small clinic still shows

    # ---------------------------------------------------------------- helpers

    def _clamp(self, moment: dt.datetime) -> dt.datetime:
        return min(moment, self.now - MINUTE)

    def _at(self, day: dt.date) -> dt.datetime:
        """A working-hours moment on ``day`` (UTC; 7 am to 3 pm on the US West Coast)."""
        start = dt.datetime.combine(day, dt.time(15, 0), dt.UTC)
        return self._clamp(start + dt.timedelta(minutes=self.rng.randint(0, 8 * 60)))

    def _day(self, first: dt.date, last: dt.date) -> dt.date:
        return first + dt.timedelta(days=self.rng.randint(0, max((last - first).days, 0)))

    def _link(self, c: _Patient, entry: Planned, encounter: Planned) -> None:
        entry.links["encounter_id"] = encounter
        c.entries.setdefault(id(encounter), []).append(entry)

    def _encounter(
        self,
        c: _Patient,
        kind: EncounterType,
        start: dt.datetime,
        reason: str,
        soap: tuple[str, str, str, str],
        problems: Sequence[_Problem] = (),
        label: Sensitivity | None = None,
    ) -> Planned:
        s, o, a, p = soap
        locations = tx.LOCATIONS.get(kind.value)
        typed = EncounterInput(
            starts_at=start,
            encounter_type=kind,
            provider_id=self.staff.provider,
            location=self.rng.choice(locations) if locations else "",
            reason_for_visit=reason,
            subjective=s,
            objective=o,
            assessment=a,
            plan=p,
            sensitivity=label,
        )
        item = Planned(ENCOUNTERS, c.p.id, [Version(typed, start, self.staff.provider)])
        if problems:
            item.links["problems_addressed"] = tuple(pr.item for pr in problems)
        c.encounters.append(item)
        c.items.append(item)
        return item

    @staticmethod
    def _rewrite(encounter: Planned, **fields: Any) -> None:
        """The note's words, once what was measured and done at the visit is known."""
        typed = encounter.versions[0].input
        assert isinstance(typed, EncounterInput)
        encounter.versions[0].input = dataclasses.replace(typed, **fields)

    def _test(self, c: _Patient, encounter: Planned, test: LabTestInput) -> LabTestInput:
        assert isinstance(test.resulted_at, dt.datetime)
        entered = self._clamp(test.resulted_at + dt.timedelta(minutes=self.rng.randint(10, 90)))
        item = Planned(LAB_TESTS, c.p.id, [Version(test, entered, self.staff.records)])
        self._link(c, item, encounter)
        c.items.append(item)
        for row in test.results:
            value = _float(row.value)
            if value is not None and row.loinc:
                c.latest[row.loinc] = value
        return test

    def _labs(
        self,
        c: _Patient,
        encounter: Planned,
        start: dt.datetime,
        keys: list[str],
        **options: Any,
    ) -> list[LabTestInput]:
        """Tests of ``keys`` (a panel's key or a single test's) drawn at ``encounter``."""
        collected = self._clamp(start + dt.timedelta(minutes=self.rng.randint(10, 40)))
        resulted = collected + dt.timedelta(minutes=self.rng.randint(3 * 60, 28 * 60))
        if resulted > self.now - 5 * MINUTE:
            return []  # not back yet
        planned = []
        for key in keys:
            single = key in ("psa", "acr", "ferritin", "strep", "potassium")
            make = self.labs.single if single else self.labs.panel
            test = make(c.labs, key, collected, resulted, self.staff.names[self.staff.provider],
                        **options)  # fmt: skip
            planned.append(self._test(c, encounter, test))
            critical = self.labs.critical_found
            if critical is not None:
                self.labs.critical_found = None
                self._critical(c, planned[-1], critical, encounter)
        return planned

    def _critical(self, c: _Patient, test: LabTestInput, what: str, encounter: Planned) -> None:
        """What a critical value leads to: the lab's call and what was done, or (a hemolyzed
        specimen) a corrected report, a second version of the test."""
        assert isinstance(test.resulted_at, dt.datetime)
        if what == "hemolyzed":
            item = c.entries[id(encounter)][-1]
            fixed = tuple(
                dataclasses.replace(r, value=f"{4.0 + self.rng.uniform(0, 0.8):.1f}")
                if r.loinc == "2823-3"
                else r
                for r in test.results
            )
            reason, note = tx.HEMOLYZED
            corrected = dataclasses.replace(test, results=fixed, notes=note)
            at = self._clamp(item.versions[-1].at + dt.timedelta(hours=self.rng.randint(3, 20)))
            item.versions.append(Version(corrected, at, self.staff.records, reason))
            return
        row = next(r for r in test.results if _flagged(r) and r.analyte in ("Potassium",
                   "Glucose", "Hemoglobin"))  # fmt: skip
        assessment, plan = tx.CRITICAL_CALLS[what]
        called = self._clamp(test.resulted_at + dt.timedelta(minutes=self.rng.randint(5, 40)))
        subjective = (
            f"The lab called a critical {row.analyte.lower()} of {row.value} {row.unit} on the "
            f"specimen collected {test.collected_at:%m/%d/%Y}."
        )
        self._encounter(
            c,
            EncounterType.PHONE,
            called,
            "Critical result called by the lab",
            (subjective, "", assessment, plan),
        )
        if what in ("potassium", "low-potassium"):
            morning = self._at(called.date() + DAY)
            if morning > called:
                repeat = self._encounter(
                    c,
                    EncounterType.LAB_ONLY,
                    morning,
                    "Repeat potassium",
                    ("", tx.LAB_DRAW.format(arm="left"), "", "Result to the provider."),
                )
                self._labs(c, repeat, morning, ["potassium"])

    def _procedure(
        self,
        c: _Patient,
        encounter: Planned,
        key: str,
        at: dt.datetime,
        problem: _Problem | None = None,
        side: str | None = None,
    ) -> tx.DemoProcedure:
        done = tx.PROCEDURES[key]
        by = self.staff.nurse if done.by_nurse else self.staff.provider
        complication = key in ("abscess", "biopsy", "laceration") and self.rng.random() < 0.1
        typed = ProcedureInput(
            description=done.description,
            code_system=done.system,
            code=done.code,
            performed_at=at,
            performed_by=self.staff.names[by],
            body_site=done.body_site or "",
            laterality=side or done.laterality,
            outcome=COMMON_OUTCOMES[0],
            complications="Minor bleeding, stopped with pressure" if complication else "",
            notes=done.note,
            sensitivity=done.label,
        )
        entered = self._clamp(at + dt.timedelta(minutes=self.rng.randint(5, 30)))
        item = Planned(PROCEDURES, c.p.id, [Version(typed, entered, by)])
        self._link(c, item, encounter)
        if problem is not None:
            item.links["problem_id"] = problem.item
        c.items.append(item)
        return done

    # ---------------------------------------------------------------- the patient

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

    def _patient(self, p: DemoPatient, chart: list[Planned]) -> _Patient:
        problems = []
        for item in chart:
            if item.kind is not PROBLEMS or item.versions[-1].input is None:
                continue
            last = item.versions[-1].input
            assert isinstance(last, ProblemInput)
            problems.append(
                _Problem(
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
        return _Patient(p, problems, labs, start)

    def _active(self, c: _Patient, at: dt.datetime) -> list[_Problem]:
        """Chronic, unlabelled problems known by ``at`` (labelled ones have visits of their
        own, which carry the label)."""
        return [
            pr
            for pr in c.problems
            if pr.chronic and pr.label is None and not pr.resolved and pr.onset <= at
        ]

    # ---------------------------------------------------------------- office visits

    def _office(self, c: _Patient, vitals: Planned) -> None:
        typed = vitals.versions[0].input
        assert isinstance(typed, VitalsInput) and typed.taken_at is not None
        start = typed.taken_at - dt.timedelta(minutes=self.rng.randint(8, 25))
        vitals.versions[0].at = self._clamp(typed.taken_at + dt.timedelta(minutes=3))
        age = c.age(start.date())
        yearly = start.year not in c.years and not _fever(typed)
        active = self._active(c, start)
        shown = vitals_text(typed)
        if yearly and age < 18:
            c.years.add(start.year)
            reason, s, exam, a, plan = tx.WELL_CHILD
            encounter = self._encounter(
                c, EncounterType.OFFICE, start, reason, (s, f"{shown} {exam}", a, plan)
            )
        elif yearly and self.rng.random() < 0.75:
            c.years.add(start.year)
            encounter = self._physical(c, start, shown, active, age)
        elif active and not _fever(typed):
            encounter = self._follow_up(c, start, typed, active)
        else:
            encounter = self._acute(c, start, shown, age, _fever(typed))
        self._link(c, vitals, encounter)

    def _physical(
        self, c: _Patient, start: dt.datetime, shown: str, active: list[_Problem], age: int
    ) -> Planned:
        drawn = self._at(start.date() - dt.timedelta(days=self.rng.randint(3, 10)))
        rng = self.rng
        codes = {pr.code for pr in c.problems if pr.onset <= start and not pr.resolved}
        keys = ["cmp"]
        if age >= 60 or codes & {"D50.9", "N18.30", "I48.91"} or rng.random() < 0.2:
            keys.append("cbc")
        if age >= 20 and ("E78.5" in codes or rng.random() < 0.35):
            keys.append("lipids")
        if "E11.9" in codes or (age >= 35 and rng.random() < 0.2):
            keys.append("hba1c")
        if "E03.9" in codes or rng.random() < 0.08:
            keys.append("tsh")
        if codes & {"E11.9", "N18.30"}:
            keys += ["urinalysis", "acr"]
        elif rng.random() < 0.1:
            keys.append("urinalysis")
        if c.p.sex == "male" and age >= 50 and rng.random() < 0.4:
            keys.append("psa")
        reason, s, exam, a, plan = tx.PHYSICAL
        lines = [a] + [self._assess(c, pr, start) for pr in active]
        if age < 40 and not codes and rng.random() < 0.85:
            keys = []  # a healthy young adult: no labs needed this year
        tests: list[LabTestInput] = []
        if (
            keys and rng.random() < 0.4 and drawn.date() > c.p.birth_date
        ):  # fasting labs days before
            draw = self._encounter(
                c,
                EncounterType.LAB_ONLY,
                drawn,
                "Fasting labs before the yearly physical",
                ("", tx.LAB_DRAW.format(arm=self.rng.choice(("left", "right"))), "",
                 "Results to be reviewed at the physical."),
            )  # fmt: skip
            tests = self._labs(c, draw, drawn, keys)
            if tests:
                plan += f" Labs of {drawn:%m/%d/%Y}: {results_summary(tests)}."
        encounter = self._encounter(
            c,
            EncounterType.OFFICE,
            start,
            reason,
            (s, f"{shown} {exam}", "\n".join(lines), plan),
            active,
        )
        if keys and not tests:  # drawn at the visit; the results follow by phone or at the next one
            drawn = start
            tests = self._labs(c, encounter, start + 30 * MINUTE, keys)
            if tests:
                names = ", ".join(t.name for t in tests)
                self._rewrite(encounter, plan=f"{plan} Labs drawn today: {names}.")
        if any(_flagged(r) for t in tests for r in t.results) and rng.random() < 0.5:
            self._results_call(c, drawn, tests)
        return encounter

    def _assess(self, c: _Patient, pr: _Problem, at: dt.datetime, bp: str = "") -> str:
        fu = tx.FOLLOW_UPS.get(pr.code)
        if fu is None:
            return f"{pr.name}: stable."
        loinc = {"a1c": "4548-4", "ldl": "13457-7", "tsh": "3016-3", "potassium": "2823-3",
                 "hgb": "718-7"}.get(fu.measure or "")  # fmt: skip
        value = c.latest.get(loinc) if loinc else None
        off = False
        if fu.measure == "bp" and bp:
            systolic, diastolic = (int(x) for x in bp.split("/"))
            off = systolic >= 140 or diastolic >= 90
        elif value is not None:
            off = {
                "a1c": value >= 7.0,
                "ldl": value >= 100,
                "tsh": not 0.4 <= value <= 4.5,
                "potassium": value > 5.1,
                "hgb": value < 12.0,
            }[fu.measure or ""]
        elif loinc:
            return f"{pr.name}: stable."
        number = f"{value:.2f}".rstrip("0").rstrip(".") if value is not None else ""
        values = {"name": pr.name, "a1c": number, "ldl": number, "tsh": number,
                  "potassium": number, "hgb": number}  # fmt: skip
        return (fu.assessment_off if off else fu.assessment).format(**values)

    def _follow_up(
        self, c: _Patient, start: dt.datetime, typed: VitalsInput, active: list[_Problem]
    ) -> Planned:
        rng = self.rng
        chosen = rng.sample(active, min(len(active), rng.randint(1, 3)))
        codes = {pr.code for pr in chosen}
        follow = [tx.FOLLOW_UPS[pr.code] for pr in chosen if pr.code in tx.FOLLOW_UPS]
        encounter = self._encounter(c, EncounterType.OFFICE, start, "", ("", "", "", ""), chosen)
        if "E11.9" in codes and rng.random() < 0.7:  # point of care: the value is in the note
            self._labs(c, encounter, start, ["hba1c"])
        bp = f"{typed.systolic}/{typed.diastolic}" if typed.systolic and typed.diastolic else ""
        lines = [self._assess(c, pr, start, bp) for pr in chosen]
        later: list[str] = []
        for code, keys, chance in (
            ("N18.30", ["bmp", "acr"], 0.5),
            ("D50.9", ["cbc", "ferritin"], 0.6),
            ("E03.9", ["tsh"], 0.5),
            ("I10", ["bmp"], 0.15),
            ("I48.91", ["cbc"], 0.2),
            ("E78.5", ["lipids"], 0.3),
        ):
            if code in codes and rng.random() < chance:
                later += [k for k in keys if k not in later]
        drawn = self._labs(c, encounter, start + 20 * MINUTE, later) if later else []
        reason = "; ".join(f.reason for f in follow) or "Follow-up"
        subjective = " ".join(rng.choice(f.subjective) for f in follow)
        exam = " ".join(f.exam for f in follow)
        plan = [rng.choice(f.plan) for f in follow]
        done = start + dt.timedelta(minutes=rng.randint(25, 45))
        lungs = next((pr for pr in chosen if pr.code in ("J45.909", "J44.9")), None)
        if lungs is not None and rng.random() < 0.2:
            reason = "Wheezing and shortness of breath; " + reason
            self._procedure(c, encounter, "nebulizer", done, lungs)
            plan.append("Nebulizer treatment given in the office (see procedures).")
            if rng.random() < 0.5:
                self._procedure(c, encounter, "dexamethasone", done + 5 * MINUTE, lungs)
        heart = next((pr for pr in chosen if pr.code == "I48.91"), None)
        if heart is not None and rng.random() < 0.4:
            self._procedure(c, encounter, "ecg", done, heart)
        if drawn:
            plan.append("Labs drawn today: " + ", ".join(t.name for t in drawn) + ".")
        shown = vitals_text(typed)
        note = (subjective, f"{shown} {exam}".strip(), "\n".join(lines), " ".join(plan))
        self._rewrite(
            encounter,
            reason_for_visit=reason[:1].upper() + reason[1:],
            subjective=note[0],
            objective=note[1],
            assessment=note[2],
            plan=note[3],
        )
        return encounter

    def _acute(self, c: _Patient, start: dt.datetime, shown: str, age: int, fever: bool) -> Planned:
        fits = [x for x in tx.COMPLAINTS if x.min_age <= age and (x.fever or not fever)]
        complaint = self.rng.choice(fits or tx.COMPLAINTS[:2])
        a, plan = complaint.assessment, complaint.plan
        encounter = self._encounter(c, EncounterType.OFFICE, start, complaint.reason, ("",) * 4)
        if complaint.test == "strep":
            positive = self.rng.random() < 0.35
            self._labs(c, encounter, start, ["strep"], positive=positive)
            a = (
                "Streptococcal pharyngitis (rapid strep positive)."
                if positive
                else "Viral pharyngitis (rapid strep negative)."
            )
            if positive:
                plan = "Amoxicillin 500 mg twice daily for 10 days. School or work note given."
        elif complaint.test == "urinalysis":
            self._labs(c, encounter, start, ["urinalysis"], uti=True)
        elif complaint.test == "cbc" and self.rng.random() < 0.5:
            self._labs(c, encounter, start, ["cbc"])
            plan = f"CBC drawn. {plan}"
        later = self._at(start.date() + dt.timedelta(days=self.rng.randint(7, 21)))
        if complaint.procedure in ("wart", "biopsy") and start < later < self.now - HOUR:
            # Booked for another day, at a procedure visit of its own.
            done = tx.PROCEDURES[complaint.procedure]
            plan = f"{done.description} booked for {later.astimezone():%m/%d/%Y}."
            booked = self._encounter(
                c,
                EncounterType.PROCEDURE,
                later,
                done.description,
                (f"Here for the {done.description.lower()} planned on {start:%m/%d/%Y}.",
                 complaint.exam, f"{complaint.assessment} {done.note}",
                 "Wound care reviewed. Results or recheck in 1-2 weeks."),
            )  # fmt: skip
            self._procedure(c, booked, complaint.procedure, later + 15 * MINUTE)
        elif complaint.procedure is not None:
            at = start + dt.timedelta(minutes=self.rng.randint(20, 40))
            done = self._procedure(c, encounter, complaint.procedure, at)
            a += f" {done.note}"
        self._rewrite(
            encounter,
            subjective=complaint.subjective,
            objective=f"{shown} {complaint.exam}".strip(),
            assessment=a,
            plan=plan,
        )
        return encounter

    # ---------------------------------------------------------------- other visits

    def _found_at(self, c: _Patient, problem: _Problem) -> None:
        reason, s, exam, plan = tx.ACUTE_PROBLEMS[problem.code]
        start = problem.onset - dt.timedelta(minutes=self.rng.randint(10, 30))
        temperature = f"Temperature {self.rng.uniform(37.9, 38.8):.1f} °C."
        self._encounter(
            c,
            EncounterType.OFFICE,
            start,
            reason,
            (s, f"{temperature} {exam}", f"{problem.name}.", plan),
            [problem],
        )

    def _telehealth(self, c: _Patient, problem: _Problem) -> None:
        """Video (or, for a labelled problem, office) follow-ups between the office visits;
        a labelled problem's visits carry its label."""
        fu = tx.FOLLOW_UPS.get(problem.code)
        if fu is None or not (fu.telehealth or problem.label):
            return
        first = max(problem.onset.date(), c.start)
        years = (self.today - first).days / 365.25
        count = round(years * (1.0 if problem.label else 0.3))
        for _ in range(count):
            day = self._day(first + 14 * DAY, self.today)
            start = self._at(day)
            if start <= problem.onset:
                continue
            video = fu.telehealth and (problem.label is None or self.rng.random() < 0.6)
            kind = EncounterType.TELEHEALTH if video else EncounterType.OFFICE
            exam = f"Video visit. {fu.exam}" if video else fu.exam
            note = (
                self.rng.choice(fu.subjective),
                exam,
                self._assess(c, problem, start),
                self.rng.choice(fu.plan),
            )
            self._encounter(c, kind, start, fu.reason, note, [problem], problem.label)

    def _refills(self, c: _Patient, chart: list[Planned]) -> None:
        for med in chart:
            if med.kind is not MEDICATIONS or med.versions[-1].input is None:
                continue
            typed = med.versions[0].input
            assert isinstance(typed, MedicationInput)
            if typed.sensitivity is not None or self.rng.random() >= 0.4:
                continue
            first = max(med.versions[0].at.date() + 60 * DAY, c.start)
            stop = med.versions[1].at.date() if len(med.versions) > 1 else self.today
            if first >= stop:
                continue
            start = self._at(self._day(first, stop))
            name = f"{typed.name} {typed.strength or ''}".strip()
            treated = med.links.get("indication_problem_id")
            problems = [pr for pr in c.problems if pr.item is treated and pr.label is None]
            self._encounter(
                c,
                EncounterType.PHONE,
                start,
                "Medication refill request",
                (tx.MEDICATION_REFILL.format(med=name), "", "Stable per the patient.",
                 "Refill sent to the pharmacy, 90-day supply."),
                problems,
            )  # fmt: skip

    def _results_call(self, c: _Patient, drawn: dt.datetime, tests: list[LabTestInput]) -> None:
        resulted = max(t.resulted_at for t in tests if isinstance(t.resulted_at, dt.datetime))
        start = self._at(resulted.date() + dt.timedelta(days=self.rng.randint(1, 3)))
        if start <= resulted:
            return
        reason, s, a, p = tx.RESULTS_CALL
        self._encounter(
            c,
            EncounterType.PHONE,
            start,
            reason,
            (s.format(day=f"{drawn:%m/%d/%Y}"), "", a.format(summary=results_summary(tests)), p),
        )

    def _scheduled_procedures(self, c: _Patient, chart: list[Planned]) -> None:
        """Knee injections for osteoarthritis, flu shots given at 65 and over (billed with
        their HCPCS code), an IUD inserted."""
        knee = next((pr for pr in c.problems if pr.code == "M17.9" and not pr.resolved), None)
        if knee is not None:
            day = max(knee.onset.date(), c.start) + dt.timedelta(days=self.rng.randint(30, 200))
            side = self.rng.choice(("right", "left"))
            while day < self.today:
                start = self._at(day)
                encounter = self._encounter(
                    c,
                    EncounterType.PROCEDURE,
                    start,
                    f"Steroid injection, {side} knee",
                    (f"{side.capitalize()} knee pain limiting walking despite exercises and "
                     "acetaminophen.", tx.PROCEDURES["knee"].note, f"{knee.name}; injection given.",
                     "Ice tonight; avoid strenuous activity for 2 days. May repeat in 3 months."),
                    [knee],
                )  # fmt: skip
                self._procedure(c, encounter, "knee", start + 15 * MINUTE, knee, side)
                day += dt.timedelta(days=self.rng.randint(180, 420))
        if c.age(self.today) >= 66:
            for shot in chart:
                typed = shot.versions[0].input
                if (
                    shot.kind is IMMUNIZATIONS
                    and isinstance(typed, ImmunizationInput)
                    and typed.cvx in ("197", "150")
                    and typed.administration == "given"
                    and shot.versions[0].at.date() >= c.start
                    and self.rng.random() < 0.4
                ):
                    start = shot.versions[0].at - 10 * MINUTE
                    encounter = self._encounter(
                        c,
                        EncounterType.OFFICE,
                        start,
                        "Influenza vaccination",
                        ("Here for the seasonal flu vaccine. No reactions to vaccines before.",
                         "Afebrile, well-appearing.", "Encounter for immunization.",
                         "Vaccine given (see immunizations); information statement provided."),
                    )  # fmt: skip
                    self._procedure(c, encounter, "flu", start + 5 * MINUTE)
        if c.p.sex == "female" and 20 <= c.age(self.today) <= 45 and self.rng.random() < 0.05:
            start = self._at(self._day(c.start, self.today - 7 * DAY))
            label = tx.PROCEDURES["iud"].label
            encounter = self._encounter(
                c,
                EncounterType.PROCEDURE,
                start,
                "IUD insertion",
                ("Desires long-acting contraception; counseled on options at the last visit.",
                 "Pregnancy test negative. " + tx.PROCEDURES["iud"].note,
                 "Encounter for insertion of an intrauterine contraceptive device.",
                 "Check strings after the next period; return in 6 weeks."),
                label=label,
            )  # fmt: skip
            self._procedure(c, encounter, "iud", start + 20 * MINUTE)

    # ---------------------------------------------------------------- signing and after

    def _close(self, c: _Patient, visits: Visits) -> None:
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
            if open_days >= 2 and rng.random() < 0.03:
                continue  # forgotten: on the provider's unsigned list
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

    def _odd_ones(self, c: _Patient) -> None:
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
