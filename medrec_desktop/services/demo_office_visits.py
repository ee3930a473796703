"""Office visits of the demo clinic (issue 10, item 8; see ``demo_visits.py``): each set of
vitals the chart holds was taken at one: a well-child visit, a yearly physical (its labs
drawn days before at a lab-only visit, or at the visit), the follow-up of chronic problems
(with the tests and procedures they call for), or an acute complaint.
"""

from __future__ import annotations

import datetime as dt

from medrec_desktop.domain.encounters import EncounterType
from medrec_desktop.domain.results import LabTestInput
from medrec_desktop.domain.vitals import VitalsInput
from medrec_desktop.services import demo_visit_texts as tx
from medrec_desktop.services.demo_chart import (
    Planned,
)
from medrec_desktop.services.demo_visit_base import (
    HOUR,
    MINUTE,
    VisitBase,
    VisitPatient,
    VisitProblem,
    fever,
    flagged,
    results_summary,
    vitals_text,
)


class OfficeVisits(VisitBase):
    def _office(self, c: VisitPatient, vitals: Planned) -> None:
        typed = vitals.versions[0].input
        assert isinstance(typed, VitalsInput) and typed.taken_at is not None
        start = typed.taken_at - dt.timedelta(minutes=self.rng.randint(8, 25))
        vitals.versions[0].at = self._clamp(typed.taken_at + dt.timedelta(minutes=3))
        age = c.age(start.date())
        yearly = start.year not in c.years and not fever(typed)
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
        elif active and not fever(typed):
            encounter = self._follow_up(c, start, typed, active)
        else:
            encounter = self._acute(c, start, shown, age, fever(typed))
        self._link(c, vitals, encounter)

    def _physical(
        self, c: VisitPatient, start: dt.datetime, shown: str, active: list[VisitProblem], age: int
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
        if any(flagged(r) for t in tests for r in t.results) and rng.random() < 0.5:
            self._results_call(c, drawn, tests)
        return encounter

    def _follow_up(
        self, c: VisitPatient, start: dt.datetime, typed: VitalsInput, active: list[VisitProblem]
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

    def _acute(
        self, c: VisitPatient, start: dt.datetime, shown: str, age: int, febrile: bool
    ) -> Planned:
        fits = [x for x in tx.COMPLAINTS if x.min_age <= age and (x.fever or not febrile)]
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
