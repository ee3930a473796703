"""The demo clinic's visits between the office ones (issue 10, item 8; see
``demo_visits.py``): the visit an acute problem was found at, telehealth follow-ups (a
labelled problem's carry its label), refill calls, procedure visits and flu shots.
"""

from __future__ import annotations

import datetime as dt

from medrec_desktop.domain.encounters import EncounterType
from medrec_desktop.domain.immunizations import ImmunizationInput
from medrec_desktop.domain.medications import MedicationInput
from medrec_desktop.services import demo_visit_texts as tx
from medrec_desktop.services.chart_kinds import (
    IMMUNIZATIONS,
    MEDICATIONS,
)
from medrec_desktop.services.demo_chart import (
    Planned,
)
from medrec_desktop.services.demo_visit_base import (
    DAY,
    MINUTE,
    VisitBase,
    VisitPatient,
    VisitProblem,
)


class OtherVisits(VisitBase):
    def _found_at(self, c: VisitPatient, problem: VisitProblem) -> None:
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

    def _telehealth(self, c: VisitPatient, problem: VisitProblem) -> None:
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

    def _refills(self, c: VisitPatient, chart: list[Planned]) -> None:
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

    def _scheduled_procedures(self, c: VisitPatient, chart: list[Planned]) -> None:
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
