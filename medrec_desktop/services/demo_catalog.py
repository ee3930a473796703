"""What the demo clinic's charts are made of: conditions with their real ICD-10-CM codes and
the medicines that treat them, allergies, vaccines (CDC CVX codes), past surgeries and family
conditions. Synthetic: no entry describes a real person.
"""

from __future__ import annotations

from dataclasses import dataclass

from medrec_desktop.domain.clinical import Sensitivity


@dataclass(frozen=True)
class Drug:
    name: str
    strength: str
    dose: float
    unit: str  # DoseUnit value
    route: str  # Route value
    frequency: str
    # A later dose at follow-up (a second version), with the reason given.
    raised_to: float | None = None
    raised_strength: str | None = None


@dataclass(frozen=True)
class Condition:
    description: str
    icd10cm: str
    min_age: int
    chance: float  # per patient old enough
    chronic: bool = True
    sex: str | None = None  # "female" / "male": only for that sex
    max_age: int = 120
    label: Sensitivity | None = None
    drugs: tuple[Drug, ...] = ()
    # Acute: resolved a few weeks after its onset (a second version says so).
    resolves: bool = False
    # The description first recorded, corrected in a second version (as typed in a hurry).
    first_typed: str | None = None


BH = Sensitivity.BEHAVIORAL_HEALTH

CONDITIONS: tuple[Condition, ...] = (
    Condition(
        "Essential hypertension",
        "I10",
        30,
        0.32,
        first_typed="HTN",
        drugs=(Drug("Lisinopril", "10 mg", 1, "tablet", "oral", "once daily", 2, "20 mg"),),
    ),
    Condition(
        "Type 2 diabetes mellitus without complications",
        "E11.9",
        35,
        0.14,
        drugs=(Drug("Metformin", "500 mg", 1, "tablet", "oral", "twice daily", 2, "1000 mg"),),
    ),
    Condition(
        "Hyperlipidemia, unspecified",
        "E78.5",
        35,
        0.25,
        drugs=(Drug("Atorvastatin", "20 mg", 1, "tablet", "oral", "once daily at bedtime"),),
    ),
    Condition(
        "Asthma, unspecified, uncomplicated",
        "J45.909",
        3,
        0.09,
        drugs=(
            Drug(
                "Albuterol HFA",
                "90 mcg/actuation",
                2,
                "puff",
                "inhaled",
                "every 4-6 hours as needed",
            ),
        ),
    ),
    Condition("Low back pain, unspecified", "M54.50", 18, 0.12, chronic=False),
    Condition(
        "Generalized anxiety disorder",
        "F41.1",
        14,
        0.07,
        label=BH,
        drugs=(Drug("Sertraline", "50 mg", 1, "tablet", "oral", "once daily", 2, "100 mg"),),
    ),
    Condition(
        "Major depressive disorder, single episode, moderate",
        "F32.1",
        14,
        0.05,
        label=BH,
    ),
    Condition(
        "Gastro-esophageal reflux disease without esophagitis",
        "K21.9",
        18,
        0.12,
        drugs=(Drug("Omeprazole", "20 mg", 1, "capsule", "oral", "once daily before breakfast"),),
    ),
    Condition("Chronic kidney disease, stage 3 unspecified", "N18.30", 55, 0.08),
    Condition(
        "Hypothyroidism, unspecified",
        "E03.9",
        25,
        0.06,
        drugs=(
            Drug("Levothyroxine", "50 mcg", 1, "tablet", "oral", "once daily before breakfast"),
        ),
    ),
    Condition("Obesity, unspecified", "E66.9", 12, 0.10),
    Condition("Osteoarthritis of knee, unspecified", "M17.9", 50, 0.12),
    Condition(
        "Chronic obstructive pulmonary disease, unspecified",
        "J44.9",
        50,
        0.05,
        drugs=(Drug("Tiotropium", "18 mcg", 1, "capsule", "inhaled", "once daily"),),
    ),
    Condition(
        "Unspecified atrial fibrillation",
        "I48.91",
        60,
        0.05,
        drugs=(Drug("Apixaban", "5 mg", 1, "tablet", "oral", "twice daily"),),
    ),
    Condition(
        "Migraine without aura, not intractable, without status migrainosus",
        "G43.009",
        12,
        0.06,
        drugs=(
            Drug("Sumatriptan", "50 mg", 1, "tablet", "oral", "at onset, may repeat in 2 hours"),
        ),
    ),
    Condition(
        "Allergic rhinitis, unspecified",
        "J30.9",
        4,
        0.10,
        drugs=(Drug("Cetirizine", "10 mg", 1, "tablet", "oral", "once daily"),),
    ),
    Condition("Iron deficiency anemia, unspecified", "D50.9", 12, 0.04, sex="female"),
    Condition(
        "Polycystic ovarian syndrome",
        "E28.2",
        15,
        0.05,
        sex="female",
        max_age=50,
        label=Sensitivity.REPRODUCTIVE,
    ),
    Condition(
        "Alcohol abuse, in remission",
        "F10.11",
        21,
        0.02,
        label=Sensitivity.SUBSTANCE_USE,
    ),
    Condition(
        "Asymptomatic human immunodeficiency virus [HIV] infection status",
        "Z21",
        18,
        0.01,
        label=Sensitivity.HIV_STI,
    ),
    Condition(
        "Acute sinusitis, unspecified",
        "J01.90",
        2,
        0.10,
        chronic=False,
        resolves=True,
        drugs=(
            Drug("Amoxicillin", "500 mg", 1, "capsule", "oral", "three times daily for 10 days"),
        ),
    ),
    Condition(
        "Otitis media, unspecified, unspecified ear",
        "H66.90",
        0,
        0.25,
        chronic=False,
        max_age=10,
        resolves=True,
    ),
)

# Lisinopril stopped for a cough, replaced: the classic medication history.
ARB = Drug("Losartan", "50 mg", 1, "tablet", "oral", "once daily")

# (substance, category, reaction, severity)
ALLERGIES: tuple[tuple[str, str, str, str], ...] = (
    ("Penicillin", "drug", "Hives", "moderate"),
    ("Sulfamethoxazole-trimethoprim", "drug", "Rash", "mild"),
    ("Codeine", "drug", "Nausea and vomiting (intolerance)", "mild"),
    ("Peanut", "food", "Anaphylaxis", "severe"),
    ("Shellfish", "food", "Throat tightness, lip swelling", "severe"),
    ("Latex", "environment", "Contact dermatitis", "mild"),
    ("Bee venom", "environment", "Large swelling at the sting site", "moderate"),
    ("Cat dander", "environment", "Sneezing, itchy eyes", "mild"),
)

# (condition, ICD-10-CM, from age, female only)
PAST_CONDITIONS: tuple[tuple[str, str, int, bool], ...] = (
    ("Appendicitis", "K35.80", 8, False),
    ("Community-acquired pneumonia", "J18.9", 2, False),
    ("Kidney stone", "N20.0", 20, False),
    ("Infectious mononucleosis", "B27.90", 12, False),
    ("Fracture of the left wrist", "S62.102A", 6, False),
    ("Gestational diabetes", "O24.419", 20, True),
)

# (procedure, site, laterality, from age, female only)
SURGERIES: tuple[tuple[str, str, str, int, bool], ...] = (
    ("Appendectomy", "abdomen", "not-applicable", 8, False),
    ("Tonsillectomy and adenoidectomy", "throat", "not-applicable", 4, False),
    ("Laparoscopic cholecystectomy", "abdomen", "not-applicable", 30, False),
    ("Knee arthroscopy", "knee", "right", 25, False),
    ("Inguinal hernia repair", "groin", "left", 30, False),
    ("Cataract extraction with lens implant", "eye", "left", 60, False),
    ("Cesarean section", "abdomen", "not-applicable", 20, True),
)

# (relative, condition, ICD-10-CM, onset age range, dies of it)
FAMILY: tuple[tuple[str, str, str, tuple[int, int], bool], ...] = (
    ("mother", "Essential hypertension", "I10", (40, 60), False),
    ("father", "Type 2 diabetes mellitus", "E11.9", (45, 65), False),
    ("father", "Acute myocardial infarction", "I21.9", (55, 70), True),
    ("mother", "Breast cancer", "C50.919", (40, 60), False),
    ("maternal-grandmother", "Alzheimer's disease", "G30.9", (70, 85), True),
    ("paternal-grandfather", "Colon cancer", "C18.9", (60, 75), True),
    ("brother", "Asthma", "J45.909", (4, 12), False),
    ("sister", "Hypothyroidism", "E03.9", (25, 45), False),
)
# A family history a patient may keep private: known carrier of a familial mutation.
GENETIC = ("mother", "BRCA1 gene mutation carrier", "Z15.01")

OCCUPATIONS_RETIRED = "Retired"
