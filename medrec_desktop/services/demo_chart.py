"""Believable charts for the demo clinic's synthetic patients (issue 9, item 7).

Each patient gets what a small clinic's chart holds, fitting their age and sex: problems with
real ICD-10-CM codes, the medicines that treat them (dose changes and stops as versions, linked
to the problem), allergies or a dated "no known allergies" or nothing recorded, vaccines (CVX:
given, historical, refused), years of vitals with plausible trends and a few unusual values,
and medical, surgical, family and social history. Some items have several versions, a few
were entered in error, and some carry a sensitivity label. About a fifth of the charts are
rich (years of visits); the rest are lighter.

Speed: items are planned here as form inputs; ``demo_chart_writer.py`` checks each with its
kind's own ``validated`` and writes them in bulk with the exact version JSON the services
write. With their visits (``demo_visits.py``) 300 charts hold about 10,000 items, written in
4-5 seconds on a busy two-core machine (2 seconds of it without the visits).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from medrec_desktop.domain.allergies import AllergyInput, AllergyStatementInput
from medrec_desktop.domain.clinical import ItemInput, ItemStatus, Sensitivity
from medrec_desktop.domain.dates import age_on
from medrec_desktop.domain.histories import (
    FamilyHistoryInput,
    MedicalHistoryInput,
    SurgicalHistoryInput,
)
from medrec_desktop.domain.immunizations import ImmunizationInput
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.domain.social_history import SocialHistoryInput
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.services import demo_catalog as cat
from medrec_desktop.services.chart_kinds import (
    ALLERGIES,
    ALLERGY_STATEMENTS,
    FAMILY_HISTORY,
    IMMUNIZATIONS,
    MEDICAL_HISTORY,
    MEDICATIONS,
    PROBLEMS,
    SOCIAL_HISTORY,
    SURGICAL_HISTORY,
    VITALS,
)
from medrec_desktop.services.clinical_items import ClinicalItemKind

RICH_SHARE = 0.2
EIE = ItemStatus.ENTERED_IN_ERROR


@dataclass(frozen=True)
class DemoPatient:
    id: int
    birth_date: dt.date
    sex: str
    occupation: str | None
    # For the documents (demo_documents.py), which name the patient: names, MRN and the
    # first insurance (payer, member id, group, plan). A patient without names gets none.
    given: str = ""
    family: str = ""
    mrn: str = ""
    card: tuple[str, str, str, str] | None = None


@dataclass(frozen=True)
class Staff:
    """Who writes what: user ids and their display names (for the version JSON)."""

    provider: int
    nurse: int
    records: int
    names: dict[int, str]


@dataclass
class Version:
    input: ItemInput[Any] | None  # None: entered in error (the content stays as it was)
    at: dt.datetime
    by: int
    reason: str | None = None
    # A version made by a service act rather than a form (an amendment request decided): the
    # content of the version before, changed by this (checked by the domain's own rules).
    derive: Callable[[Any], Any] | None = None


@dataclass
class Planned:
    kind: ClinicalItemKind[Any, Any]
    patient_id: int
    versions: list[Version]
    # Content fields holding other planned items' ids, known once those are written: a
    # medication's problem, an entry's encounter, the problems an encounter addressed.
    links: dict[str, Planned | tuple[Planned, ...]] = field(default_factory=dict)
    id: int = 0
    data: list[tuple[Any, ItemStatus, Sensitivity | None]] = field(default_factory=list)


@dataclass
class Signing:
    """An encounter's note signed by its provider at ``at`` (after its entries)."""

    encounter: Planned
    by: int
    at: dt.datetime


@dataclass
class PlannedAddendum:
    encounter: Planned
    by: int
    at: dt.datetime
    reason: str
    text: str
    request: Planned | None = None  # the amendment request it makes, once accepted


def _d(day: dt.date) -> str:
    return f"{day:%m/%d/%Y}"


class ChartPlanner:
    """Plans one patient's chart at a time (see the module docstring)."""

    def __init__(self, rng: random.Random, staff: Staff, now: dt.datetime) -> None:
        self.rng, self.staff, self.now = rng, staff, now
        self.today = now.date()

    # ---------------------------------------------------------------- helpers

    def _at(self, day: dt.date) -> dt.datetime:
        """A working-hours moment on ``day`` (UTC), never after now."""
        moment = dt.datetime.combine(day, dt.time(15, 0), dt.UTC) + dt.timedelta(
            minutes=self.rng.randint(0, 8 * 60)
        )
        return min(moment, self.now - dt.timedelta(minutes=1))

    def _day_between(self, first: dt.date, last: dt.date) -> dt.date:
        span = max((last - first).days, 0)
        return first + dt.timedelta(days=self.rng.randint(0, span))

    def _since(self, p: DemoPatient, age: int) -> dt.date:
        """A day after the patient reached ``age`` (and not in the future)."""
        try:
            start = p.birth_date.replace(year=p.birth_date.year + age)
        except ValueError:  # 29 February
            start = p.birth_date.replace(year=p.birth_date.year + age, day=28)
        return self._day_between(min(start, self.today), self.today)

    def _visit(self, p: DemoPatient) -> dt.date:
        """A visit in the last three years (or since birth) when history was taken."""
        return self._day_between(
            max(self.today - dt.timedelta(days=3 * 365), p.birth_date), self.today
        )

    def _item(
        self,
        kind: ClinicalItemKind[Any, Any],
        p: DemoPatient,
        first: ItemInput[Any],
        day: dt.date,
        by: int,
    ) -> Planned:
        return Planned(kind, p.id, [Version(first, self._at(day), by)])

    def _later(self, item: Planned, new: ItemInput[Any] | None, reason: str, by: int) -> None:
        """A further version some time after the last one (never in the future)."""
        last = item.versions[-1].at
        gap = dt.timedelta(days=self.rng.randint(20, 400))
        at = min(last + gap, self.now - dt.timedelta(minutes=1))
        item.versions.append(Version(new, max(at, last + dt.timedelta(seconds=1)), by, reason))

    # ---------------------------------------------------------------- the chart

    def chart(self, p: DemoPatient) -> list[Planned]:
        age = age_on(p.birth_date, self.today)
        rich = self.rng.random() < RICH_SHARE
        items: list[Planned] = []
        problems = self._problems(p, age, rich)
        items += problems
        items += self._medications(p, problems)
        items += self._allergies(p, age)
        items += self._immunizations(p, age, rich)
        codes = {getattr(pl.versions[-1].input, "icd10cm", "") for pl in problems}
        items += self._vitals(p, age, rich, codes)
        items += self._histories(p, age, rich)
        if self.rng.random() < 0.05:  # a problem typed twice, the copy marked in error
            dup = self._problem(p, cat.CONDITIONS[0], self.today - dt.timedelta(days=30))
            self._later(
                dup, None, "Duplicate entry: already on the problem list", self.staff.records
            )
            items.append(dup)
        return items

    def _problem(self, p: DemoPatient, c: cat.Condition, onset: dt.date) -> Planned:
        first = ProblemInput(
            description=c.first_typed or c.description,
            icd10cm="" if c.first_typed else c.icd10cm,
            onset=f"{onset:%m/%Y}" if self.rng.random() < 0.6 else f"{onset:%Y}",
            chronic=c.chronic,
            sensitivity=c.label,
        )
        return self._item(PROBLEMS, p, first, onset, self.staff.provider)

    def _problems(self, p: DemoPatient, age: int, rich: bool) -> list[Planned]:
        found: list[Planned] = []
        boost = 1.6 if rich else 0.8
        for c in cat.CONDITIONS:
            if age < c.min_age or age > c.max_age or (c.sex and c.sex != p.sex):
                continue
            if self.rng.random() >= c.chance * boost:
                continue
            onset = self._since(p, c.min_age)
            item = self._problem(p, c, onset)
            first = item.versions[0].input
            assert isinstance(first, ProblemInput)
            if c.first_typed:  # typed in a hurry, corrected at the coding review
                fixed = dataclasses.replace(first, description=c.description, icd10cm=c.icd10cm)
                self._later(
                    item, fixed, "Spelled out and coded at the coding review", self.staff.records
                )
            if c.resolves:
                done = item.versions[0].at.date() + dt.timedelta(days=self.rng.randint(10, 40))
                done = min(done, self.today)
                last = item.versions[-1].input
                assert isinstance(last, ProblemInput)
                resolved = dataclasses.replace(
                    last, status=ItemStatus.RESOLVED, resolution=_d(done), onset=_d(onset)
                )
                item.versions.append(
                    Version(
                        resolved, max(self._at(done), item.versions[-1].at), self.staff.provider
                    )
                )
            found.append(item)
        return found

    def _medications(self, p: DemoPatient, problems: list[Planned]) -> list[Planned]:
        meds: list[Planned] = []
        for problem in problems:
            first = problem.versions[0]
            assert isinstance(first.input, ProblemInput)
            condition = next(
                c
                for c in cat.CONDITIONS
                if c.description == first.input.description
                or c.first_typed == first.input.description
            )
            for drug in condition.drugs:
                start = first.at.date()
                med = MedicationInput(
                    name=drug.name,
                    strength=drug.strength,
                    dose=str(drug.dose).removesuffix(".0"),
                    dose_unit=drug.unit,
                    route=drug.route,
                    frequency=drug.frequency,
                    start=_d(start),
                    indication=condition.description,
                    prescriber="Dr. Priya Patel",
                    sensitivity=condition.label,
                )
                item = Planned(MEDICATIONS, p.id, [Version(med, first.at, self.staff.provider)])
                item.links["indication_problem_id"] = problem
                if condition.resolves:
                    stop = start + dt.timedelta(days=10)
                    if stop <= self.today:
                        done = dataclasses.replace(med, status=ItemStatus.RESOLVED, stop=_d(stop))
                        self._later(item, done, "Course completed", self.staff.provider)
                elif drug.name == "Lisinopril" and self.rng.random() < 0.3:
                    self._later(item, med, "Stopped: dry cough", self.staff.provider)
                    stop_day = item.versions[-1].at.date()
                    item.versions[-1].input = dataclasses.replace(
                        med, status=ItemStatus.INACTIVE, stop=_d(stop_day)
                    )
                    arb = cat.ARB
                    switch = MedicationInput(
                        name=arb.name,
                        strength=arb.strength,
                        dose="1",
                        dose_unit=arb.unit,
                        route=arb.route,
                        frequency=arb.frequency,
                        start=_d(stop_day),
                        indication=condition.description,
                        prescriber="Dr. Priya Patel",
                    )
                    other = Planned(
                        MEDICATIONS,
                        p.id,
                        [Version(switch, item.versions[-1].at, self.staff.provider)],
                    )
                    other.links["indication_problem_id"] = problem
                    meds.append(other)
                elif drug.raised_to is not None and self.rng.random() < 0.5:
                    raised = dataclasses.replace(
                        med, strength=drug.raised_strength or drug.strength
                    )
                    self._later(item, raised, "Dose increased at follow-up", self.staff.provider)
                meds.append(item)
        return meds

    def _allergies(self, p: DemoPatient, age: int) -> list[Planned]:
        roll = self.rng.random()
        day = self._since(p, min(age, 1))
        if roll < 0.25:
            return []  # not recorded: the banner says so
        if roll < 0.65:
            said = AllergyStatementInput(
                stated_on=_d(day), note="Patient reports no known allergies"
            )
            return [self._item(ALLERGY_STATEMENTS, p, said, day, self.staff.nurse)]
        found: list[Planned] = []
        for substance, category, reaction, severity in self.rng.sample(
            cat.ALLERGIES, self.rng.choice((1, 1, 2))
        ):
            allergy = AllergyInput(
                substance=substance, category=category, reaction=reaction, severity=severity
            )
            found.append(self._item(ALLERGIES, p, allergy, day, self.staff.nurse))
        if self.rng.random() < 0.15:
            wrong = AllergyInput(substance="Aspirin", category="drug", reaction="Rash")
            item = self._item(ALLERGIES, p, wrong, day, self.staff.nurse)
            self._later(item, None, "Recorded in the wrong chart", self.staff.records)
            found.append(item)
        return found

    def _vaccine(self, p: DemoPatient, cvx: str, day: dt.date, dose: int | None = None) -> Planned:
        roll = self.rng.random()
        child = age_on(p.birth_date, day) < 3
        if roll < 0.12 and day.year < self.today.year - 1:
            shot = ImmunizationInput(
                cvx=cvx,
                administration="historical",
                given_on=f"{day:%Y}" if self.rng.random() < 0.5 else _d(day),
                dose_number="" if dose is None else str(dose),
                source=self.rng.choice(
                    ("State immunization registry (IIS)", "Patient's vaccination card")
                ),
            )
        elif roll < 0.17 and dose is None:
            shot = ImmunizationInput(
                cvx=cvx,
                administration="refused",
                given_on=_d(day),
                refusal_reason=self.rng.choice(
                    ("Patient declined this season", "Prefers to discuss at the next visit")
                ),
            )
        else:
            shot = ImmunizationInput(
                cvx=cvx,
                given_on=_d(day),
                dose_number="" if dose is None else str(dose),
                lot_number=self._lot(),
                site="left-thigh" if child else self.rng.choice(("left-deltoid", "right-deltoid")),
                route="IM",
                given_by=self.staff.names[self.staff.nurse],
            )
        return self._item(IMMUNIZATIONS, p, shot, day, self.staff.nurse)

    def _lot(self) -> str:
        """A manufacturer-style lot number: "FK7342"."""
        letters = self.rng.choice("EFHKLMU") + self.rng.choice("AJKLTX")
        return f"{letters}{self.rng.randint(1000, 9999)}"

    def _immunizations(self, p: DemoPatient, age: int, rich: bool) -> list[Planned]:
        shots: list[Planned] = []
        born = p.birth_date
        if age < 7:
            for cvx, months in (
                ("08", (0, 2, 6)),
                ("20", (2, 4, 6)),
                ("10", (2, 4)),
                ("03", (12,)),
                ("21", (12,)),
            ):
                for n, m in enumerate(months, start=1):
                    day = born + dt.timedelta(days=int(m * 30.4) + self.rng.randint(0, 10))
                    if day <= self.today:
                        shots.append(self._vaccine(p, cvx, day, n))
            return shots
        seasons = 4 if rich else 2
        for back in range(seasons):
            year = self.today.year - back - (1 if self.today.month < 10 else 0)
            day = dt.date(year, self.rng.choice((10, 11)), self.rng.randint(1, 28))
            if day <= self.today and day > born:
                shots.append(self._vaccine(p, "197" if age >= 65 else "150", day))
        if age >= 11:
            shots.append(self._vaccine(p, "115", self._since(p, max(11, age - 9)), 1))
        if age >= 18 and self.rng.random() < 0.7:
            shots.append(self._vaccine(p, "208", dt.date(2021, 4, self.rng.randint(1, 28)), 1))
        if age >= 50 and rich:
            first = self._since(p, max(50, age - 3))
            shots.append(self._vaccine(p, "187", first, 1))
        if age >= 65:
            shots.append(self._vaccine(p, "216", self._since(p, 65), 1))
        return shots

    def _vitals(self, p: DemoPatient, age: int, rich: bool, codes: set[str]) -> list[Planned]:
        rng = self.rng
        span_years = rng.randint(5, 8) if rich else rng.randint(3, 4)
        visits = rng.randint(3, 4) * span_years if rich else rng.randint(2, 3)
        first_day = max(self.today - dt.timedelta(days=365 * span_years), p.birth_date)
        # The first visit when they joined the clinic, the others spread over the years since.
        joined = self._day_between(first_day, min(first_day + dt.timedelta(days=60), self.today))
        days = sorted([joined] + [self._day_between(joined, self.today) for _ in range(visits - 1)])
        male = p.sex == "male"
        adult_height = rng.gauss(176 if male else 163, 6.5)
        bmi = min(max(rng.gauss(27.5 if "E66.9" in codes else 25.5, 3.5), 18.6), 42)
        weight_drift = rng.uniform(-0.6, 1.2)  # kg a year
        htn = "I10" in codes
        lungs = "J44.9" in codes
        out: list[Planned] = []
        for n, day in enumerate(days):
            a = (day - p.birth_date).days / 365.25
            if a < 1:
                height = 50 + 25 * a
            elif a < 2:
                height = 75 + 12 * (a - 1)
            else:
                height = min(87 + 6.3 * (a - 2), adult_height)
            child_bmi = 16 + 0.3 * max(0.0, a - 6)
            years_ago = (self.today - day).days / 365.25
            weight = (child_bmi if a < 18 else bmi) * (height / 100) ** 2
            if a >= 18:
                weight -= weight_drift * years_ago
            adult = a >= 18
            systolic = (
                112 + 0.45 * max(a - 20, 0) + (16 if htn else 0) + rng.gauss(0, 6)
                if a >= 3
                else None
            )
            diastolic = (
                72 + 0.2 * max(a - 20, 0) + (8 if htn else 0) + rng.gauss(0, 4) if a >= 3 else None
            )
            pulse = rng.gauss(74, 8) if adult else rng.gauss(130 - 4 * a, 8)
            temp = rng.gauss(36.8, 0.2)
            spo2 = rng.randint(91, 95) if lungs else rng.randint(96, 99)
            unusual = rng.random() < 0.03
            if unusual:  # a fever, or a high blood pressure reading: marked, never refused
                if rng.random() < 0.5:
                    temp, pulse = 38.9, pulse + 18
                elif systolic is not None and diastolic is not None:
                    systolic, diastolic = 176, 106
            us = rng.random() < 0.15
            entry = VitalsInput(
                taken_at=self._at(day),
                units="us" if us else "metric",
                systolic="" if systolic is None else str(round(systolic)),
                diastolic="" if diastolic is None else str(round(diastolic)),
                pulse=str(round(pulse)),
                respirations=str(rng.randint(12, 18) if adult else rng.randint(20, 30)),
                temperature=f"{temp * 9 / 5 + 32:.1f}" if us else f"{temp:.1f}",
                spo2=str(spo2),
                height=f"{height / 2.54:.1f}" if us else f"{height:.1f}",
                weight=f"{weight * 2.2046226:.1f}" if us else f"{weight:.1f}",
                pain=str(rng.choice((0, 0, 0, 0, 1, 2, 3, 5)) if a >= 4 else ""),
            )
            item = self._item(VITALS, p, entry, day, self.staff.nurse)
            if n == len(days) - 1 and rng.random() < 0.04:
                self._later(item, None, "Entered on the wrong patient", self.staff.nurse)
                soon = item.versions[0].at + dt.timedelta(minutes=7)
                item.versions[-1].at = min(soon, self.now - dt.timedelta(seconds=1))
            out.append(item)
        return out

    def _histories(self, p: DemoPatient, age: int, rich: bool) -> list[Planned]:
        rng, found = self.rng, []
        female = p.sex == "female"
        for condition, code, from_age, women in cat.PAST_CONDITIONS:
            if (
                age > from_age + 1
                and (female or not women)
                and rng.random() < (0.25 if rich else 0.08)
            ):
                onset = self._since(p, from_age)
                entry = MedicalHistoryInput(
                    condition=condition,
                    icd10cm=code,
                    onset=f"{onset:%Y}",
                    status=ItemStatus.RESOLVED,
                    sensitivity=Sensitivity.REPRODUCTIVE if women else None,
                )
                found.append(
                    self._item(MEDICAL_HISTORY, p, entry, self._visit(p), self.staff.records)
                )
        for procedure, site, side, from_age, women in cat.SURGERIES:
            if (
                age > from_age + 1
                and (female or not women)
                and rng.random() < (0.22 if rich else 0.07)
            ):
                day = self._since(p, from_age)
                surgery = SurgicalHistoryInput(
                    procedure=procedure,
                    performed=f"{day:%m/%Y}" if rng.random() < 0.5 else f"{day:%Y}",
                    site=site,
                    laterality=side,
                )
                item = self._item(SURGICAL_HISTORY, p, surgery, self._visit(p), self.staff.records)
                if rich and rng.random() < 0.3:
                    fixed = dataclasses.replace(surgery, performed=_d(day))
                    self._later(
                        item, fixed, "Exact date from the operative report", self.staff.records
                    )
                found.append(item)
        picks = rng.sample(cat.FAMILY, rng.randint(2, 4) if rich else rng.randint(0, 2))
        for relative, condition, code, (low, high), dies in picks:
            at_onset = rng.randint(low, high)
            relative_had = FamilyHistoryInput(
                relative=relative,
                condition=condition,
                icd10cm=code,
                age_at_onset=str(at_onset),
                deceased=dies,
                age_at_death=str(at_onset + rng.randint(1, 12)) if dies else "",
            )
            found.append(
                self._item(FAMILY_HISTORY, p, relative_had, self._visit(p), self.staff.records)
            )
        if rich and female and rng.random() < 0.15:
            relative, condition, code = cat.GENETIC
            carrier = FamilyHistoryInput(
                relative=relative,
                condition=condition,
                icd10cm=code,
                sensitivity=Sensitivity.GENETIC,
            )
            found.append(
                self._item(FAMILY_HISTORY, p, carrier, self._visit(p), self.staff.provider)
            )
        found.append(self._social(p, age))
        return found

    def _social(self, p: DemoPatient, age: int) -> Planned:
        rng = self.rng
        start = self._since(p, min(age, 12))
        if age < 12:
            kid = SocialHistoryInput(living_situation="family", housing="stable")
            return self._item(SOCIAL_HISTORY, p, kid, start, self.staff.nurse)
        roll = rng.random()
        smoking = "never" if roll < 0.55 else "former" if roll < 0.8 else "current-every-day"
        smokes = smoking != "never"
        years = min(rng.randint(3, 30), max(age - 14, 1))
        drinks = rng.random() < 0.65 and age >= 18
        occupation = (
            (cat.OCCUPATIONS_RETIRED if age >= 67 else (p.occupation or "")[:120])
            if age >= 18
            else "Student"
        )
        entry = SocialHistoryInput(
            smoking_status="current-every-day" if smoking == "former" else smoking,
            packs_per_day=rng.choice(("0.5", "1")) if smokes else "",
            years_smoked=str(years) if smokes else "",
            audit_c_frequency=str(rng.randint(1, 3)) if drinks else "0",
            audit_c_typical=str(rng.randint(0, 2)) if drinks else "0",
            audit_c_six_or_more=str(rng.randint(0, 1)) if drinks else "0",
            occupation=occupation,
            living_situation=rng.choice(("alone", "partner", "family", "family")),
            housing="stable" if rng.random() < 0.93 else "unstable",
            food_insecurity="no" if rng.random() < 0.9 else "yes",
            transport_problems="no" if rng.random() < 0.88 else "yes",
            feels_safe="yes",
        )
        item = self._item(SOCIAL_HISTORY, p, entry, start, self.staff.nurse)
        if smoking == "former":  # quit since: the history shows the change
            quit = dataclasses.replace(entry, smoking_status="former")
            self._later(item, quit, "Quit smoking", self.staff.nurse)
        return item
