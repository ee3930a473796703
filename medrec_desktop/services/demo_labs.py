"""Test results for the demo clinic (issue 10, item 8): bundled panels (``domain.panels``)
and a few single tests, filled with values that fit the patient and move over the years as
their conditions do (an A1c that falls once diabetes is treated, a creatinine that creeps up
in kidney disease, an LDL that drops on a statin, a TSH brought back into range), with the
ordinary scatter of repeated measurements. Rare events make a few values critical.

Values are planned as the test form's rows (``ResultInput``, values typed as text) and
checked by ``LabTestInput.validated`` like any other entry before they are written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from dataclasses import dataclass, field

from medrec_desktop.domain.panels import BMP, BUNDLED, AnalyteTemplate, PanelTemplate
from medrec_desktop.domain.result_answers import NEGATIVE, PLUS, POSITIVE, TRACE, Choice
from medrec_desktop.domain.results import LabTestInput, ResultInput, ValueKind

LABS = ("Maple Street Clinic Lab", "Cascade Regional Laboratory")

# Single tests: (name, LOINC, specimen, analyte).
PSA = (
    "Prostate-specific antigen (PSA)",
    "2857-1",
    "Serum or plasma",
    AnalyteTemplate("PSA", "2857-1", "ng/mL", high=4.0),
)
URINE_ACR = (
    "Urine albumin/creatinine ratio",
    "9318-7",
    "Urine",
    AnalyteTemplate("Albumin/creatinine", "9318-7", "mg/g", high=29.0, reference_text="<30"),
)
FERRITIN = (
    "Ferritin",
    "2276-4",
    "Serum or plasma",
    AnalyteTemplate("Ferritin", "2276-4", "ng/mL", low=15.0, high=150.0),
)
STREP = (
    "Rapid strep A",
    "78012-2",
    "Throat swab",
    AnalyteTemplate(
        "Strep A antigen",
        "78012-2",
        kind=ValueKind.CODED,
        reference_text="Negative",
        choices=(NEGATIVE, POSITIVE),
    ),
)
POTASSIUM = next(a for a in BMP.analytes if a.loinc == "2823-3")
SINGLES = {"psa": PSA, "acr": URINE_ACR, "ferritin": FERRITIN, "strep": STREP}
PANELS = {t.key: t for t in BUNDLED}


@dataclass
class LabPatient:
    """What a patient's values depend on: sex, their conditions (ICD-10-CM code -> the day
    it began) and their own steady offsets from the average."""

    female: bool
    conditions: dict[str, dt.date]
    rng: random.Random
    base: dict[str, float] = field(default_factory=dict)
    # Tomorrow's critical value, planned by the visit planner: "potassium", "glucose",
    # "hemoglobin" or "hemolyzed".
    critical: str | None = None

    def __post_init__(self) -> None:
        g = self.rng.gauss
        self.base = {
            "a1c_start": self.rng.uniform(7.9, 9.6),
            "a1c_goal": self.rng.uniform(6.5, 7.6),
            "chol": g(0, 15),
            "hdl": g(0, 6),
            "tg": g(0, 25),
            "creat": g(0, 0.07),
            "hgb": g(0, 0.5),
            "tsh": abs(g(1.8, 0.5)),
            "plt": g(0, 25),
            "psa": self.rng.uniform(0.5, 2.2),
        }

    def years_with(self, code: str, day: dt.date) -> float | None:
        """Years since ``code`` began on ``day``; None without it (or before it began)."""
        onset = self.conditions.get(code)
        if onset is None or day < onset:
            return None
        return (day - onset).days / 365.25


def _settle(start: float, goal: float, years: float, tau: float) -> float:
    """From ``start`` toward ``goal`` once treated, exponentially with time constant ``tau``."""
    return goal + (start - goal) * math.exp(-years / tau)


class LabValues:
    """A patient's value of each analyte on a day (by LOINC code)."""

    def __init__(self, patient: LabPatient) -> None:
        self.p = patient
        self.g = patient.rng.gauss
        self._count: dict[str, float] | None = None  # this blood count's red cell values

    def a1c(self, day: dt.date) -> float:
        p, years = self.p, self.p.years_with("E11.9", day)
        if years is None:
            onset = p.conditions.get("E11.9")
            if onset is not None and (onset - day).days < 3 * 365:
                return 5.9 + self.g(0, 0.15)  # prediabetes before the diagnosis
            return 5.3 + self.g(0, 0.15)
        level = _settle(p.base["a1c_start"], p.base["a1c_goal"], years, 0.4)
        # Years on, it creeps up again a little (then treatment is stepped up).
        return level + min(0.6, 0.06 * max(0.0, years - 3)) + self.g(0, 0.25)

    def value(self, loinc: str, day: dt.date) -> float:
        p, g = self.p, self.g
        female = p.female
        ckd = p.years_with("N18.30", day)
        ida = p.years_with("D50.9", day)
        lipid = p.years_with("E78.5", day)
        thyroid = p.years_with("E03.9", day)
        if loinc == "4548-4":
            return self.a1c(day)
        if loinc == "2345-7":  # fasting glucose, from the average glucose the A1c implies
            if p.years_with("E11.9", day) is None:
                return 88 + g(0, 7)
            return 0.85 * (28.7 * self.a1c(day) - 46.7) + g(0, 14)
        if loinc == "2160-0":
            base = (0.78 if female else 0.98) + p.base["creat"]
            return (base + 0.55 + 0.06 * ckd if ckd is not None else base) + g(0, 0.06)
        if loinc == "3094-0":
            return (26 + 1.5 * ckd if ckd is not None else 14) + g(0, 3)
        if loinc == "2823-3":
            return (4.8 if ckd is not None else 4.2) + g(0, 0.3)
        if loinc == "2028-9":
            return (21.5 if ckd is not None else 25) + g(0, 1.8)
        if loinc == "2951-2":
            return 140 + g(0, 2)
        if loinc == "2075-0":
            return 103 + g(0, 2)
        if loinc == "17861-6":
            return 9.5 + g(0, 0.3)
        if loinc in ("718-7", "4544-3", "789-8", "787-2", "785-6", "786-4", "788-0"):
            return self._cbc(loinc, day, ida, ckd)
        if loinc == "6690-2":
            return max(3.2, 6.8 + g(0, 1.3))
        if loinc == "777-3":
            extra = 150 * math.exp(-ida / 0.3) if ida is not None else 0.0
            return 250 + p.base["plt"] + extra + g(0, 25)
        if loinc == "2093-3":
            return self._cholesterol(lipid) + g(0, 10)
        if loinc == "2571-8":
            high = 190 if "E11.9" in p.conditions else 125
            return max(45.0, high + p.base["tg"] + g(0, 30))
        if loinc == "2085-9":
            return (56 if female else 45) + p.base["hdl"] + g(0, 4)
        if loinc == "3016-3":
            if thyroid is None:
                return p.base["tsh"] + g(0, 0.3)
            return _settle(9.5, 2.2, thyroid, 0.25) + abs(g(0, 0.5))
        if loinc == "2857-1":
            return p.base["psa"] * math.pow(1.06, max(0, day.year - 2015)) + g(0, 0.15)
        if loinc == "9318-7":
            if ckd is not None:
                return 85 + g(0, 25)
            return 14 + abs(g(0, 12)) if "E11.9" in p.conditions else 6 + abs(g(0, 3))
        if loinc == "2276-4":
            return _settle(6, 45, ida, 0.4) + abs(g(0, 3)) if ida is not None else 90 + g(0, 25)
        # The CMP's liver tests and proteins.
        drinker = "F10.11" in p.conditions
        others: dict[str, float] = {
            "2885-2": 7.1 + g(0, 0.35),
            "1751-7": 4.2 + g(0, 0.25),
            "1975-2": 0.6 + abs(g(0, 0.2)),
            "6768-6": 78 + g(0, 16),
            "1742-6": (46 if drinker else 24) + abs(g(0, 8)),
            "1920-8": (50 if drinker else 23) + abs(g(0, 6)),
            "5811-5": 1.016 + g(0, 0.005),
            "5803-2": 6.0 + g(0, 0.5),
            "5818-0": 0.2 + abs(g(0, 0.2)),
        }
        return others[loinc]

    def _cholesterol(self, years_on_statin: float | None) -> float:
        base = 185 + self.p.base["chol"]
        if years_on_statin is None:
            return base
        return _settle(base + 70, base - 25, years_on_statin, 0.3)

    def _cbc(self, loinc: str, day: dt.date, ida: float | None, ckd: float | None) -> float:
        """One blood count's red cell values, drawn once per count so that they agree
        (hematocrit = RBC x MCV, MCH and MCHC from hemoglobin)."""
        if self._count is None:
            p, g = self.p, self.g
            hgb = (13.4 if p.female else 15.1) + p.base["hgb"] - (1.0 if ckd is not None else 0)
            mcv, rdw = 89.0, 13.2
            if ida is not None:
                hgb = _settle(hgb - 3.6, hgb - 0.4, ida, 0.35)
                mcv = _settle(73, 87, ida, 0.5)
                rdw = _settle(17, 13.8, ida, 0.5)
            hgb += g(0, 0.35)
            mcv += g(0, 1.5)
            mchc = 33.5 + g(0, 0.5) - (1.5 if ida is not None and ida < 0.5 else 0)
            hct = hgb / mchc * 100
            rbc = hct * 10 / mcv
            self._count = {
                "718-7": hgb,
                "4544-3": hct,
                "789-8": rbc,
                "787-2": mcv,
                "785-6": hgb / rbc * 10,
                "786-4": mchc,
                "788-0": rdw + g(0, 0.4),
            }
        return self._count[loinc]


# The decimals labs print, by LOINC code.
PLACES = {
    "6690-2": 1, "789-8": 2, "718-7": 1, "4544-3": 1, "787-2": 0, "785-6": 1, "786-4": 1,
    "788-0": 1, "777-3": 0, "2345-7": 0, "3094-0": 0, "2160-0": 2, "2951-2": 0, "2823-3": 1,
    "2075-0": 0, "2028-9": 0, "17861-6": 1, "2885-2": 1, "1751-7": 1, "1975-2": 1,
    "6768-6": 0, "1742-6": 0, "1920-8": 0, "2093-3": 0, "2571-8": 0, "2085-9": 0,
    "13457-7": 0, "4548-4": 1, "5811-5": 3, "5803-2": 1, "5818-0": 1, "3016-3": 2,
    "2857-1": 2, "9318-7": 0, "2276-4": 0,
}  # fmt: skip


class LabPlanner:
    """Fills a patient's tests: :meth:`panel` for a bundled template, :meth:`single` for
    one of :data:`SINGLES` or a lone potassium."""

    def __init__(self, rng: random.Random, lab: str) -> None:
        self.rng = rng
        self.lab = lab
        # The kind of the critical value just planned (the visit planner acts on it).
        self.critical_found: str | None = None

    def panel(
        self,
        p: LabPatient,
        key: str,
        collected: dt.datetime,
        resulted: dt.datetime,
        ordering: str,
        *,
        uti: bool = False,
    ) -> LabTestInput:
        template = PANELS[key]
        values = LabValues(p)
        day = collected.date()
        rows = []
        ldl_parts: dict[str, float] = {}
        for analyte in template.analytes:
            if analyte.loinc == "13457-7":  # calculated by the lab: Friedewald
                ldl = ldl_parts["2093-3"] - ldl_parts["2085-9"] - ldl_parts["2571-8"] / 5
                rows.append(_numeric(analyte, max(ldl, 30.0)))
                continue
            if analyte.kind is not ValueKind.NUMERIC:
                rows.append(self._answer(p, analyte, day, uti))
                continue
            value = self._critical(p, analyte) or values.value(analyte.loinc or "", day)
            if analyte.loinc in ("2093-3", "2085-9", "2571-8"):
                ldl_parts[analyte.loinc] = round(value)
            rows.append(_numeric(analyte, value))
        return self._test(template.name, template, collected, resulted, ordering, rows)

    def single(
        self,
        p: LabPatient,
        key: str,
        collected: dt.datetime,
        resulted: dt.datetime,
        ordering: str,
        *,
        positive: bool = False,
    ) -> LabTestInput:
        if key == "potassium":
            value = self._critical(p, POTASSIUM) or LabValues(p).value("2823-3", collected.date())
            row = _numeric(POTASSIUM, value)
            return self._test(
                "Potassium", PanelTemplate("k", "Potassium", "2823-3", "Serum or plasma", ()),
                collected, resulted, ordering, [row],
            )  # fmt: skip
        name, loinc, specimen, analyte = SINGLES[key]
        if analyte.kind is ValueKind.CODED:
            rows = [_coded(analyte, POSITIVE if positive else NEGATIVE)]
        else:
            value = LabValues(p).value(analyte.loinc or "", collected.date())
            rows = [_numeric(analyte, value)]
        template = PanelTemplate(key, name, loinc, specimen, ())
        return self._test(name, template, collected, resulted, ordering, rows)

    def _critical(self, p: LabPatient, analyte: AnalyteTemplate) -> float | None:
        """The planned critical value, once, on the analyte it concerns."""
        wanted = {
            "potassium": ("2823-3", 6.4),
            "hemolyzed": ("2823-3", 6.7),
            "low-potassium": ("2823-3", 2.5),
            "glucose": ("2345-7", 428.0),
            "hemoglobin": ("718-7", 6.6),
        }.get(p.critical or "")
        if wanted is None or wanted[0] != analyte.loinc:
            return None
        self.critical_found, p.critical = p.critical, None
        return wanted[1] + self.rng.uniform(0, 0.2 if wanted[1] < 10 else 12)

    def _answer(
        self, p: LabPatient, analyte: AnalyteTemplate, day: dt.date, uti: bool
    ) -> ResultInput:
        rng = self.rng
        if analyte.kind is ValueKind.TEXT:
            normal = analyte.reference_text or ""
            if analyte.loinc == "5767-9" and uti:
                return _text(analyte, "Cloudy", abnormal=True)
            if analyte.loinc == "5778-6" and rng.random() < 0.15:
                return _text(analyte, "Dark yellow", abnormal=True)
            return _text(analyte, normal)
        answer = NEGATIVE
        ckd = p.years_with("N18.30", day) is not None
        diabetic = p.years_with("E11.9", day) is not None
        if analyte.loinc == "5804-0" and ckd:
            answer = rng.choice(PLUS[:2])
        elif analyte.loinc == "5792-7" and diabetic and rng.random() < 0.4:
            answer = rng.choice((TRACE, PLUS[0]))
        elif uti and analyte.loinc == "5802-4":
            answer = POSITIVE if rng.random() < 0.7 else NEGATIVE
        elif uti and analyte.loinc == "5799-2":
            answer = rng.choice(PLUS[:3])
        elif uti and analyte.loinc == "5794-3":
            answer = rng.choice((TRACE, PLUS[0]))
        elif analyte.loinc == "5804-0" and rng.random() < 0.05:
            answer = TRACE
        return _coded(analyte, answer)

    def _test(
        self,
        name: str,
        template: PanelTemplate,
        collected: dt.datetime,
        resulted: dt.datetime,
        ordering: str,
        rows: list[ResultInput],
    ) -> LabTestInput:
        return LabTestInput(
            name=name,
            loinc=template.loinc or "",
            specimen=template.specimen or "",
            collected_at=collected,
            resulted_at=resulted,
            ordering_provider=ordering,
            performing_lab=self.lab,
            results=tuple(rows),
        )


def _numeric(analyte: AnalyteTemplate, value: float) -> ResultInput:
    places = PLACES[analyte.loinc or ""]
    if analyte.loinc == "5803-2":  # dipstick pH reads in half units
        value = round(value * 2) / 2
    shown = max(value, 10**-places)  # nothing measured here is zero or less
    return dataclasses.replace(analyte.row(), value=f"{shown:.{places}f}")


def _coded(analyte: AnalyteTemplate, answer: Choice) -> ResultInput:
    return dataclasses.replace(
        analyte.row(), value=answer.display, code=answer.code, abnormal=not answer.normal
    )


def _text(analyte: AnalyteTemplate, value: str, *, abnormal: bool = False) -> ResultInput:
    return dataclasses.replace(analyte.row(), value=value, abnormal=abnormal)
