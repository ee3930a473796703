"""Panel templates: the rows a test's form starts with (issue 10).

Bundled: CBC, BMP, CMP, lipid panel, HbA1c, urinalysis and TSH, with their LOINC codes, the
units US labs report in and adult reference ranges; critical limits where laboratories
commonly call them (potassium, sodium, glucose, calcium, bicarbonate, hemoglobin, WBC,
platelets, hematocrit). Where a range differs by sex (hemoglobin, hematocrit, RBC) the span
covers both; a lab's own range, printed on its report, is typed over the template's on the
row, and the test keeps what was typed. The clinic adds its own templates (stored in
``result_template``); a template is copied into each test entered from it, so retiring or
changing one never alters a saved result.

Urinalysis dipstick answers are coded in SNOMED CT (``domain/result_answers.py``: Negative,
Trace, +...); an answer other than the normal one flags the result abnormal.
"""

from __future__ import annotations

from dataclasses import dataclass

from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.loinc import clean_loinc
from medrec_desktop.domain.result_answers import ANSWERS, Choice
from medrec_desktop.domain.result_flags import number_text
from medrec_desktop.domain.results import ResultInput, ValueKind, reference_numbers


@dataclass(frozen=True)
class AnalyteTemplate:
    analyte: str
    loinc: str | None = None
    unit: str | None = None
    kind: ValueKind = ValueKind.NUMERIC
    low: float | None = None
    high: float | None = None
    critical_low: float | None = None
    critical_high: float | None = None
    reference_text: str | None = None
    choices: tuple[Choice, ...] = ()

    def row(self) -> ResultInput:
        """The form's row for this analyte, its value still to type."""
        return ResultInput(
            analyte=self.analyte,
            unit=self.unit or "",
            low=_shown(self.low),
            high=_shown(self.high),
            reference_text=self.reference_text or "",
            critical_low=_shown(self.critical_low),
            critical_high=_shown(self.critical_high),
            loinc=self.loinc or "",
            kind=self.kind,
        )


@dataclass(frozen=True)
class PanelTemplate:
    """``key`` is "cbc", "bmp"... for the bundled ones and "clinic-<id>" for the clinic's
    own (``template_id`` then holds its id). ``added_by`` names who added a clinic template."""

    key: str
    name: str
    loinc: str | None
    specimen: str | None
    analytes: tuple[AnalyteTemplate, ...]
    template_id: int | None = None
    added_by: str | None = None
    retired: bool = False

    @property
    def bundled(self) -> bool:
        return self.template_id is None

    def rows(self) -> tuple[ResultInput, ...]:
        return tuple(a.row() for a in self.analytes)


def _shown(value: float | None) -> str:
    return "" if value is None else number_text(value)


def _num(
    analyte: str,
    loinc: str,
    unit: str | None,
    low: float | None,
    high: float | None,
    critical: tuple[float | None, float | None] = (None, None),
    words: str | None = None,
) -> AnalyteTemplate:
    return AnalyteTemplate(
        analyte,
        loinc,
        unit,
        ValueKind.NUMERIC,
        low,
        high,
        critical[0],
        critical[1],
        words,
    )


def _coded(analyte: str, loinc: str) -> AnalyteTemplate:
    """A coded analyte offering its answers (``domain/result_answers.py``)."""
    choices = ANSWERS[loinc]
    normal = ", ".join(c.display for c in choices if c.normal)
    return AnalyteTemplate(
        analyte, loinc, None, ValueKind.CODED, reference_text=normal, choices=choices
    )


def _text(analyte: str, loinc: str, normal: str) -> AnalyteTemplate:
    return AnalyteTemplate(analyte, loinc, None, ValueKind.TEXT, reference_text=normal)


K_UL = "10³/µL"
M_UL = "10⁶/µL"

CBC = PanelTemplate(
    "cbc",
    "Complete blood count (CBC)",
    "58410-2",
    "Whole blood",
    (
        _num("WBC", "6690-2", K_UL, 4.0, 11.0, (2.0, 30.0)),
        _num("RBC", "789-8", M_UL, 4.2, 5.9),
        _num("Hemoglobin", "718-7", "g/dL", 12.0, 17.5, (7.0, 20.0)),
        _num("Hematocrit", "4544-3", "%", 36.0, 52.0, (20.0, 60.0)),
        _num("MCV", "787-2", "fL", 80.0, 100.0),
        _num("MCH", "785-6", "pg", 27.0, 33.0),
        _num("MCHC", "786-4", "g/dL", 32.0, 36.0),
        _num("RDW", "788-0", "%", 11.5, 14.5),
        _num("Platelets", "777-3", K_UL, 150.0, 400.0, (20.0, 1000.0)),
    ),
)

_BMP_ANALYTES = (
    _num("Glucose", "2345-7", "mg/dL", 70.0, 99.0, (50.0, 400.0)),
    _num("BUN", "3094-0", "mg/dL", 7.0, 20.0),
    _num("Creatinine", "2160-0", "mg/dL", 0.6, 1.3),
    _num("Sodium", "2951-2", "mmol/L", 135.0, 145.0, (120.0, 160.0)),
    _num("Potassium", "2823-3", "mmol/L", 3.5, 5.1, (2.8, 6.2)),
    _num("Chloride", "2075-0", "mmol/L", 98.0, 107.0),
    _num("CO2 (bicarbonate)", "2028-9", "mmol/L", 22.0, 29.0, (10.0, 40.0)),
    _num("Calcium", "17861-6", "mg/dL", 8.6, 10.3, (6.5, 13.0)),
)

BMP = PanelTemplate(
    "bmp", "Basic metabolic panel (BMP)", "51990-0", "Serum or plasma", _BMP_ANALYTES
)

CMP = PanelTemplate(
    "cmp",
    "Comprehensive metabolic panel (CMP)",
    "24323-8",
    "Serum or plasma",
    (
        *_BMP_ANALYTES,
        _num("Total protein", "2885-2", "g/dL", 6.0, 8.3),
        _num("Albumin", "1751-7", "g/dL", 3.5, 5.0),
        _num("Bilirubin, total", "1975-2", "mg/dL", 0.1, 1.2),
        _num("Alkaline phosphatase", "6768-6", "U/L", 44.0, 147.0),
        _num("ALT", "1742-6", "U/L", 7.0, 56.0),
        _num("AST", "1920-8", "U/L", 10.0, 40.0),
    ),
)

LIPIDS = PanelTemplate(
    "lipids",
    "Lipid panel",
    "24331-1",
    "Serum or plasma",
    (
        # Desirable levels (NCEP ATP III), as labs print them: "<200" is up to 199 mg/dL.
        _num("Cholesterol, total", "2093-3", "mg/dL", None, 199.0, words="<200 desirable"),
        _num("Triglycerides", "2571-8", "mg/dL", None, 149.0, words="<150 normal"),
        _num("HDL cholesterol", "2085-9", "mg/dL", 40.0, None, words="≥40"),
        _num("LDL cholesterol (calculated)", "13457-7", "mg/dL", None, 99.0, words="<100 optimal"),
    ),
)

HBA1C = PanelTemplate(
    "hba1c",
    "Hemoglobin A1c",
    "4548-4",
    "Whole blood",
    (_num("Hemoglobin A1c", "4548-4", "%", 4.0, 5.6),),
)

URINALYSIS = PanelTemplate(
    "urinalysis",
    "Urinalysis (dipstick)",
    "24357-6",
    "Urine",
    (
        _text("Color", "5778-6", "Yellow"),
        _text("Appearance", "5767-9", "Clear"),
        _num("Specific gravity", "5811-5", None, 1.005, 1.030),
        _num("pH", "5803-2", None, 5.0, 8.0),
        _coded("Protein", "5804-0"),
        _coded("Glucose", "5792-7"),
        _coded("Ketones", "5797-6"),
        _coded("Blood", "5794-3"),
        _coded("Bilirubin", "5770-3"),
        _num("Urobilinogen", "5818-0", "mg/dL", 0.2, 1.0),
        _coded("Nitrite", "5802-4"),
        _coded("Leukocyte esterase", "5799-2"),
    ),
)

TSH = PanelTemplate(
    "tsh",
    "TSH",
    "3016-3",
    "Serum or plasma",
    (_num("TSH", "3016-3", "mIU/L", 0.4, 4.5),),
)

BUNDLED: tuple[PanelTemplate, ...] = (CBC, BMP, CMP, LIPIDS, HBA1C, URINALYSIS, TSH)

_BY_LOINC = {a.loinc: a for t in BUNDLED for a in t.analytes if a.loinc}


def bundled_analyte(loinc: str | None) -> AnalyteTemplate | None:
    """The bundled analyte with this LOINC code (its coded answers, for editing a result)."""
    return _BY_LOINC.get(loinc) if loinc else None


# ---------------------------------------------------------------------- the clinic's own

MAX_ANALYTES = 60


@dataclass(frozen=True)
class TemplateInput:
    """A clinic template as typed: its rows are analytes without values. A row with a unit
    or any number is numeric; one with only a range in words ("Clear") is text."""

    name: str = ""
    loinc: str = ""
    specimen: str = ""
    analytes: tuple[ResultInput, ...] = ()

    def validated(self) -> tuple[str, str | None, str | None, tuple[AnalyteTemplate, ...]]:
        """(name, LOINC, specimen, analytes); a ValidationError names the field and row."""
        name = " ".join(self.name.split())
        if not name:
            raise ValidationError("Name the template.", field="name")
        if len(name) > 100:
            raise ValidationError(
                f"The name is {len(name)} characters long; keep it to 100.", field="name"
            )
        specimen = " ".join(self.specimen.split()) or None
        if specimen is not None and len(specimen) > 100:
            raise ValidationError("Keep the specimen to 100 characters.", field="specimen")
        rows = [
            (n, r)
            for n, r in enumerate(self.analytes, start=1)
            if " ".join(r.analyte.split()) or _typed(r)
        ]
        if not rows:
            raise ValidationError("Enter at least one analyte.", field="analytes")
        if len(rows) > MAX_ANALYTES:
            raise ValidationError(
                f"A template holds {MAX_ANALYTES} analytes at most.", field="analytes"
            )
        analytes = tuple(_analyte(r, n) for n, r in rows)
        names = [a.analyte.casefold() for a in analytes]
        twice = next((a.analyte for a in analytes if names.count(a.analyte.casefold()) > 1), None)
        if twice is not None:
            raise ValidationError(f"{twice} is listed twice.", field="analytes")
        return name, clean_loinc(self.loinc, field="loinc"), specimen, analytes


def _typed(row: ResultInput) -> bool:
    return any(
        str(v).strip()
        for v in (row.unit, row.low, row.high, row.critical_low, row.critical_high, row.loinc)
        if v is not None
    ) or bool(row.reference_text.strip())


def _analyte(row: ResultInput, position: int) -> AnalyteTemplate:
    name = " ".join(row.analyte.split())
    where = f"Analyte {position} ({name}): " if name else f"Analyte {position}: "
    if not name:
        raise ValidationError(f"{where}name what is measured.", field="analytes")
    if len(name) > 100:
        raise ValidationError(f"{where}keep the name to 100 characters.", field="analytes")
    low, high, critical_low, critical_high = reference_numbers(row, where, "analytes")
    unit = " ".join(row.unit.split()) or None
    words = " ".join(row.reference_text.split()) or None
    if unit is not None and len(unit) > 30:
        raise ValidationError(f"{where}keep the unit to 30 characters.", field="analytes")
    if words is not None and len(words) > 100:
        raise ValidationError(
            f"{where}keep the range in words to 100 characters.", field="analytes"
        )
    numeric = unit is not None or any(
        v is not None for v in (low, high, critical_low, critical_high)
    )
    return AnalyteTemplate(
        analyte=name,
        loinc=clean_loinc(row.loinc, field="analytes", where=where),
        unit=unit,
        kind=ValueKind.NUMERIC if numeric else ValueKind.TEXT,
        low=low,
        high=high,
        critical_low=critical_low,
        critical_high=critical_high,
        reference_text=words,
    )
