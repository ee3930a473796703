"""The building blocks of the demo clinic's visits (issue 10, item 8; see
``demo_visits.py``): a patient's visits as they are planned, the encounter, its tests and
procedures, what a critical value leads to, and what the notes say of vitals and results.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from medrec_desktop.domain.clinical import Sensitivity
from medrec_desktop.domain.dates import age_on
from medrec_desktop.domain.encounters import EncounterInput, EncounterType
from medrec_desktop.domain.procedures import COMMON_OUTCOMES, ProcedureInput
from medrec_desktop.domain.results import LabTestInput, ResultInput, ValueKind
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.services import demo_visit_texts as tx
from medrec_desktop.services.chart_kinds import (
    PROCEDURES,
)
from medrec_desktop.services.demo_chart import (
    DemoPatient,
    Planned,
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
class VisitProblem:
    item: Planned
    code: str
    name: str
    onset: dt.datetime
    label: Sensitivity | None
    chronic: bool
    resolved: bool


@dataclass
class VisitPatient:
    """One patient's visits as they are planned."""

    p: DemoPatient
    problems: list[VisitProblem]
    labs: LabPatient
    start: dt.date  # the first visit of the chart
    encounters: list[Planned] = field(default_factory=list)
    entries: dict[int, list[Planned]] = field(default_factory=dict)  # id(encounter) -> entries
    latest: dict[str, float] = field(default_factory=dict)  # LOINC -> latest value
    years: set[int] = field(default_factory=set)  # years with a yearly visit
    items: list[Planned] = field(default_factory=list)

    def age(self, day: dt.date) -> int:
        return age_on(self.p.birth_date, day)


def number(text: object) -> float | None:
    try:
        return float(str(text))
    except ValueError:
        return None


def flagged(row: ResultInput) -> str:
    """ "H", "L" or "A" for a planned row outside its range, "" otherwise (the stored flag
    is computed when the test is validated; this only chooses what the note says)."""
    if row.kind is not ValueKind.NUMERIC:
        return "A" if row.abnormal else ""
    value, low, high = number(row.value), number(row.low), number(row.high)
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
            flag = flagged(row)
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


def fever(v: VitalsInput) -> bool:
    t = number(v.temperature) or 0.0
    return t >= (100.4 if v.units == "us" else 38.0)


class VisitBase:
    """What every kind of visit is planned with: the clock, the staff, the labs, and the
    counters that carry over between patients so that even a small clinic shows every rare
    case."""

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

    def _link(self, c: VisitPatient, entry: Planned, encounter: Planned) -> None:
        entry.links["encounter_id"] = encounter
        c.entries.setdefault(id(encounter), []).append(entry)

    def _encounter(
        self,
        c: VisitPatient,
        kind: EncounterType,
        start: dt.datetime,
        reason: str,
        soap: tuple[str, str, str, str],
        problems: Sequence[VisitProblem] = (),
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

    def _test(self, c: VisitPatient, encounter: Planned, test: LabTestInput) -> LabTestInput:
        assert isinstance(test.resulted_at, dt.datetime)
        entered = self._clamp(test.resulted_at + dt.timedelta(minutes=self.rng.randint(10, 90)))
        item = Planned(LAB_TESTS, c.p.id, [Version(test, entered, self.staff.records)])
        self._link(c, item, encounter)
        c.items.append(item)
        for row in test.results:
            value = number(row.value)
            if value is not None and row.loinc:
                c.latest[row.loinc] = value
        return test

    def _labs(
        self,
        c: VisitPatient,
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

    def _critical(self, c: VisitPatient, test: LabTestInput, what: str, encounter: Planned) -> None:
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
        row = next(r for r in test.results if flagged(r) and r.analyte in ("Potassium",
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
        c: VisitPatient,
        encounter: Planned,
        key: str,
        at: dt.datetime,
        problem: VisitProblem | None = None,
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

    def _active(self, c: VisitPatient, at: dt.datetime) -> list[VisitProblem]:
        """Chronic, unlabelled problems known by ``at`` (labelled ones have visits of their
        own, which carry the label)."""
        return [
            pr
            for pr in c.problems
            if pr.chronic and pr.label is None and not pr.resolved and pr.onset <= at
        ]

    def _results_call(self, c: VisitPatient, drawn: dt.datetime, tests: list[LabTestInput]) -> None:
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

    def _assess(self, c: VisitPatient, pr: VisitProblem, at: dt.datetime, bp: str = "") -> str:
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
