"""The chronic-condition review's rules, as data (issue 13): which diagnosis categories are
chronic, and which medications, results, procedures and words in a note point to a condition
that must be coded (a diabetes medication or an HbA1c of 6.5 % or more without a diabetes
code; an anticoagulant without its indication; dialysis without N18.6 and Z99.2...).

The service (``services.chronic_review``) reads the record and applies them; nothing here
reads the code sets (``domain`` sits below ``coding``): codes are written in their display
form and compared by :func:`norm` (upper case, no dot) and by prefix, so "E11" covers every
type 2 diabetes code and "Z867" every Z86.7- history code.

Each rule is a prompt for the coder, never a code assigned on its own: the provider's
documentation decides (a question goes to the provider as a query).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def norm(code: str) -> str:
    """``e11.65`` -> ``E1165``: how codes are compared here."""
    return code.strip().replace(".", "").replace(" ", "").upper()


def category(code: str) -> str:
    """The ICD-10-CM category of a code (its first three characters): ``E11.65`` -> ``E11``."""
    return norm(code)[:3]


def covered(code: str, prefixes: Iterable[str]) -> bool:
    """Whether ``code`` falls under one of ``prefixes`` (normalised: "E11", "Z867")."""
    n = norm(code)
    return any(n.startswith(p) for p in prefixes)


@dataclass(frozen=True)
class ChronicGroup:
    """Diagnosis categories treated as chronic: coded once, they are usually coded at each
    visit where they are monitored, evaluated, assessed or treated."""

    name: str
    prefixes: tuple[str, ...]


#: Chronic whatever the HCC model says (most map to no HCC: hypertension, hyperlipidemia,
#: hypothyroidism, asthma...). A code mapping to a chronic CMS-HCC category counts too.
CHRONIC_GROUPS: tuple[ChronicGroup, ...] = (
    ChronicGroup("Diabetes mellitus", ("E08", "E09", "E10", "E11", "E13")),
    ChronicGroup("Hypertensive diseases", ("I10", "I11", "I12", "I13", "I15", "I16")),
    ChronicGroup("Chronic kidney disease", ("N18",)),
    ChronicGroup("COPD", ("J44",)),
    ChronicGroup("Asthma", ("J45",)),
    ChronicGroup("Heart failure", ("I50",)),
    ChronicGroup("Atrial fibrillation and flutter", ("I48",)),
    ChronicGroup("Coronary artery disease", ("I25",)),
    ChronicGroup("Hyperlipidemia", ("E78",)),
    ChronicGroup("Hypothyroidism", ("E03",)),
    ChronicGroup("Depression", ("F32", "F33")),
    ChronicGroup("Obesity", ("E66",)),
    ChronicGroup("Rheumatoid arthritis", ("M05", "M06")),
    ChronicGroup("HIV disease", ("B20",)),
    ChronicGroup("Epilepsy", ("G40",)),
    ChronicGroup("Parkinson's disease", ("G20",)),
    ChronicGroup("Dementia", ("F01", "F02", "F03", "G30")),
    ChronicGroup("Osteoarthritis", ("M15", "M16", "M17", "M18", "M19")),
    ChronicGroup("Osteoporosis", ("M80", "M81")),
    ChronicGroup("Gout", ("M1A", "M10")),
    ChronicGroup("Glaucoma", ("H40",)),
    ChronicGroup("Benign prostatic hyperplasia", ("N40",)),
    ChronicGroup("Chronic viral hepatitis", ("B18",)),
    ChronicGroup("Sleep apnea", ("G473",)),
    ChronicGroup("Dependence on renal dialysis", ("Z992",)),
    ChronicGroup("Long-term (current) drug therapy", ("Z79",)),
)

_CHRONIC_PREFIXES = tuple(p for g in CHRONIC_GROUPS for p in g.prefixes)


def chronic_by_category(code: str) -> bool:
    return covered(code, _CHRONIC_PREFIXES)


@dataclass(frozen=True)
class DrugClass:
    """Active medications whose name holds one of ``words`` (generic or brand, lower case,
    matched as whole words). ``routes``: only given these ways (fluticasone inhaled points
    to asthma, as a nasal spray to rhinitis); empty: any. ``also_for``: codes that explain
    the drug as well (metformin for prediabetes; a statin after a heart attack)."""

    name: str
    words: tuple[str, ...]
    routes: tuple[str, ...] = ()
    also_for: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabCheck:
    """Results of one analyte (by LOINC, else by name) beyond a limit: at least ``times``
    of them within ``within_days`` before the date of service, the first and the last at
    least ``apart_days`` apart. ``stages``: the code to suggest by the latest value (the
    first whose floor it reaches), else the rule's code."""

    name: str
    loincs: tuple[str, ...]
    names: tuple[str, ...]
    at_least: float | None = None
    below: float | None = None
    times: int = 1
    apart_days: int = 0
    within_days: int = 365
    stages: tuple[tuple[float, str], ...] = ()

    def beyond(self, value: float) -> bool:
        if self.at_least is not None and value < self.at_least:
            return False
        return not (self.below is not None and value >= self.below)

    @property
    def limit_text(self) -> str:
        if self.at_least is not None:
            return f"≥ {self.at_least:g}"
        return f"< {self.below:g}" if self.below is not None else ""


@dataclass(frozen=True)
class Refinement:
    """Words in the note, a medication's indication or its linked problem that name the
    condition more exactly: suggest ``code`` instead of the rule's default."""

    words: tuple[str, ...]
    code: str


@dataclass(frozen=True)
class EvidenceRule:
    """What in the record points to an uncoded condition.

    Fires when something matches (a drug, a lab check, words in the note, a procedure code)
    and no code on the encounter falls under ``settled_by``; with ``requires``, only when a
    code under it is on the encounter (Z79.4 goes with a type 2 diabetes code).
    """

    id: str
    condition: str
    code: str
    settled_by: tuple[str, ...]
    drugs: tuple[DrugClass, ...] = ()
    labs: tuple[LabCheck, ...] = ()
    note_words: tuple[str, ...] = ()
    procedures: tuple[str, ...] = ()
    refinements: tuple[Refinement, ...] = ()
    requires: tuple[str, ...] = ()
    #: the suggestion's reason, when the generic one ("The record points to...") says less
    why: str = ""


_DIABETES_CODES = ("E08", "E09", "E10", "E11", "E13")
_DIABETES_NOT_TYPE1 = ("E08", "E09", "E11", "E13")

METFORMIN = DrugClass(
    "metformin",
    ("metformin", "glucophage", "glumetza", "fortamet", "riomet", "janumet", "synjardy",
     "xigduo", "jentadueto", "kazano", "invokamet", "segluromet", "kombiglyze"),
    # Also given for prediabetes and polycystic ovary syndrome.
    also_for=("R73", "E282"),
)  # fmt: skip
INSULIN = DrugClass(
    "insulin",
    ("insulin", "glargine", "lispro", "aspart", "detemir", "degludec", "glulisine", "lantus",
     "basaglar", "toujeo", "semglee", "humalog", "admelog", "lyumjev", "novolog", "fiasp",
     "levemir", "tresiba", "humulin", "novolin", "apidra", "afrezza", "soliqua", "xultophy"),
)  # fmt: skip
ORAL_ANTIDIABETIC = DrugClass(
    "oral diabetes medication",
    ("glipizide", "glyburide", "glimepiride", "glucotrol", "amaryl", "pioglitazone", "actos",
     "rosiglitazone", "sitagliptin", "januvia", "saxagliptin", "onglyza", "linagliptin",
     "tradjenta", "alogliptin", "nesina", "repaglinide", "nateglinide", "acarbose", "miglitol",
     "canagliflozin", "invokana", "ertugliflozin", "steglatro", "rybelsus"),
)  # fmt: skip
# Also given for heart failure and chronic kidney disease without diabetes.
SGLT2 = DrugClass(
    "SGLT2 inhibitor",
    ("empagliflozin", "jardiance", "dapagliflozin", "farxiga"),
    also_for=("I50", "N18"),
)
# Semaglutide and tirzepatide are also given for weight loss (Wegovy, Zepbound).
GLP1 = DrugClass(
    "GLP-1 receptor agonist",
    ("semaglutide", "ozempic", "liraglutide", "victoza", "dulaglutide", "trulicity",
     "exenatide", "byetta", "bydureon", "tirzepatide", "mounjaro", "lixisenatide"),
    also_for=("E66", "Z683", "Z684"),
)  # fmt: skip
ANTICOAGULANT = DrugClass(
    "anticoagulant",
    ("warfarin", "coumadin", "jantoven", "apixaban", "eliquis", "rivaroxaban", "xarelto",
     "dabigatran", "pradaxa", "edoxaban", "savaysa"),
)  # fmt: skip
THYROID_HORMONE = DrugClass(
    "thyroid hormone",
    ("levothyroxine", "synthroid", "levoxyl", "unithroid", "euthyrox", "tirosint",
     "liothyronine", "cytomel", "armour thyroid", "np thyroid"),
)  # fmt: skip
# Albuterol is also given for acute bronchitis and wheezing with a cold.
RESCUE_INHALER = DrugClass(
    "rescue inhaler",
    ("albuterol", "levalbuterol", "proair", "ventolin", "proventil", "xopenex"),
    also_for=("J20", "J21", "J40", "J9801", "R062", "R05"),
)
INHALED_CONTROLLER = DrugClass(
    "inhaled steroid or long-acting bronchodilator",
    ("fluticasone", "budesonide", "beclomethasone", "mometasone", "ciclesonide", "flunisolide",
     "tiotropium", "umeclidinium", "salmeterol", "formoterol", "vilanterol", "aclidinium",
     "glycopyrrolate", "advair", "wixela", "symbicort", "breo", "dulera", "trelegy",
     "spiriva", "incruse", "anoro", "stiolto", "qvar", "pulmicort", "flovent", "arnuity",
     "asmanex", "alvesco", "breztri", "serevent"),
    routes=("inhaled",),
)  # fmt: skip
STATIN = DrugClass(
    "cholesterol-lowering medication",
    ("atorvastatin", "lipitor", "rosuvastatin", "crestor", "simvastatin", "zocor",
     "pravastatin", "lovastatin", "pitavastatin", "livalo", "ezetimibe", "zetia", "vytorin"),
    # A statin after a heart attack or stroke, or with diabetes, needs no lipid diagnosis.
    also_for=("I20", "I21", "I22", "I25", "I63", "I65", "I70", "Z8673", "Z951", "Z955",
              *_DIABETES_CODES),
)  # fmt: skip
HEART_FAILURE_DRUG = DrugClass("heart failure medication", ("sacubitril", "entresto"))

HBA1C = LabCheck(
    "HbA1c",
    ("4548-4", "17856-6"),
    ("hemoglobin a1c", "hba1c", "a1c", "glycated hemoglobin", "glycohemoglobin"),
    at_least=6.5,
)
EGFR = LabCheck(
    "eGFR",
    ("33914-3", "48642-3", "48643-1", "62238-1", "69405-9", "77147-7", "88293-6", "88294-4",
     "98979-8", "50044-7"),
    ("egfr", "estimated gfr", "gfr, estimated", "glomerular filtration rate"),
    below=60,
    times=2,
    # Kidney disease is reduced function for more than three months (KDIGO).
    apart_days=90,
    within_days=730,
    stages=((45, "N18.31"), (30, "N18.32"), (15, "N18.4"), (0, "N18.5")),
)  # fmt: skip

#: CPT/HCPCS dialysis services and the ICD-10-PCS hemodialysis and peritoneal dialysis codes.
DIALYSIS_PROCEDURES = (
    "90935", "90937", "90940", "90945", "90947", "90989", "90993", "90997", "90999",
    *(str(c) for c in range(90951, 90971)), "G0257", "5A1D70Z", "5A1D80Z", "5A1D90Z",
    "3E1M39Z",
)  # fmt: skip
DIALYSIS_WORDS = ("dialysis", "hemodialysis", "peritoneal dialysis", "haemodialysis")

EVIDENCE_RULES: tuple[EvidenceRule, ...] = (
    EvidenceRule(
        "diabetes",
        "Diabetes mellitus",
        "E11.9",
        settled_by=(*_DIABETES_CODES, "O24"),
        drugs=(METFORMIN, INSULIN, ORAL_ANTIDIABETIC, SGLT2, GLP1),
        labs=(HBA1C,),
        note_words=("diabetes", "diabetic", "t2dm", "dm2", "dm ii", "iddm", "niddm"),
        refinements=(
            Refinement(("type 1 diabetes", "type i diabetes", "t1dm", "iddm"), "E10.9"),
            Refinement(("type 2 diabetes", "type ii diabetes", "t2dm", "dm2"), "E11.9"),
        ),
    ),
    EvidenceRule(
        "insulin-use",
        "Long-term use of insulin",
        "Z79.4",
        settled_by=("Z794",),
        drugs=(INSULIN,),
        requires=_DIABETES_NOT_TYPE1,
        why="Insulin is on the medication list and diabetes is coded: code its long-term use.",
    ),
    EvidenceRule(
        "oral-hypoglycemic-use",
        "Long-term use of oral diabetes medication",
        "Z79.84",
        settled_by=("Z7984",),
        drugs=(METFORMIN, ORAL_ANTIDIABETIC, SGLT2),
        requires=_DIABETES_CODES,
        why="An oral diabetes medication is on the list and diabetes is coded: code its "
        "long-term use.",
    ),
    EvidenceRule(
        "anticoagulant",
        "Indication for anticoagulation",
        "Z79.01",
        settled_by=("I48", "I26", "I82", "Z867", "Z7901"),
        drugs=(ANTICOAGULANT,),
        why="An anticoagulant is on the medication list without its indication (atrial "
        "fibrillation, venous thromboembolism or its history) or long-term use coded.",
        refinements=(
            Refinement(("atrial fibrillation", "afib", "a-fib", "a fib"), "I48.91"),
            Refinement(("atrial flutter",), "I48.92"),
            # before the conditions themselves: "history of DVT" is not an active clot
            Refinement(("history of pe", "history of pulmonary embolism"), "Z86.711"),
            Refinement(("history of dvt", "history of deep vein thrombosis"), "Z86.718"),
            Refinement(("pulmonary embolism", "pulmonary embolus"), "I26.99"),
            Refinement(("deep vein thrombosis", "deep venous thrombosis", "dvt"), "I82.409"),
        ),
    ),
    EvidenceRule(
        "dialysis-esrd",
        "End stage renal disease",
        "N18.6",
        settled_by=("N186",),
        note_words=(*DIALYSIS_WORDS, "esrd", "end-stage renal", "end stage renal"),
        procedures=DIALYSIS_PROCEDURES,
        why="Dialysis or end stage renal disease in the record without N18.6 coded.",
    ),
    EvidenceRule(
        "dialysis-status",
        "Dependence on renal dialysis",
        "Z99.2",
        settled_by=("Z992",),
        note_words=DIALYSIS_WORDS,
        procedures=DIALYSIS_PROCEDURES,
        why="Dialysis in the record without the dialysis status (Z99.2) coded.",
    ),
    EvidenceRule(
        "ckd",
        "Chronic kidney disease",
        "N18.30",
        settled_by=("N18",),
        labs=(EGFR,),
        why="eGFR below 60 at least twice, three months or more apart, without chronic "
        "kidney disease coded (the stage follows the latest eGFR).",
    ),
    EvidenceRule(
        "hypothyroidism",
        "Hypothyroidism",
        "E03.9",
        settled_by=("E00", "E01", "E02", "E03", "E063", "E890", "C73"),
        drugs=(THYROID_HORMONE,),
    ),
    EvidenceRule(
        "asthma-copd",
        "Asthma or COPD",
        "J45.909",
        settled_by=("J41", "J42", "J43", "J44", "J45", "J47"),
        drugs=(RESCUE_INHALER, INHALED_CONTROLLER),
        note_words=("asthma", "copd", "chronic obstructive pulmonary", "emphysema"),
        refinements=(Refinement(("copd", "chronic obstructive pulmonary", "emphysema"), "J44.9"),),
    ),
    EvidenceRule(
        "hyperlipidemia",
        "Hyperlipidemia",
        "E78.5",
        settled_by=("E78",),
        drugs=(STATIN,),
    ),
    EvidenceRule(
        "heart-failure",
        "Heart failure",
        "I50.9",
        settled_by=("I50", "I11", "I13"),
        drugs=(HEART_FAILURE_DRUG,),
        note_words=("heart failure", "chf", "hfref", "hfpef"),
    ),
    EvidenceRule(
        "atrial-fibrillation",
        "Atrial fibrillation",
        "I48.91",
        settled_by=("I48",),
        note_words=("atrial fibrillation", "afib", "a-fib", "atrial flutter"),
        refinements=(Refinement(("atrial flutter",), "I48.92"),),
    ),
)
