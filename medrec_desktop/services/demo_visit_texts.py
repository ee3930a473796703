"""What the demo clinic's visit notes say (issue 10, item 8): the reason for visit and SOAP
sentences for the follow-up of each demo condition (``demo_catalog.CONDITIONS``, by ICD-10-CM
code), acute complaints, well visits, procedures with their codes, addenda and amendment
requests. Synthetic: no sentence describes a real person.

Procedure codes: ICD-10-PCS codes are in the shipped release
(``resources/codesets/icd10pcs_codes_2024.txt``); the two HCPCS Level II codes are among
those every HCPCS release holds (``coding.sanity``), since no HCPCS release is shipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from medrec_desktop.domain.clinical import Sensitivity


@dataclass(frozen=True)
class FollowUp:
    """A chronic condition's visit: ``assessment`` and ``assessment_off`` (off target) take
    the condition's name as ``{name}``; ``measure`` names what says whether it is on target
    ("bp", "a1c", "ldl", "tsh", "potassium", "hgb"), if anything."""

    reason: str
    subjective: tuple[str, ...]
    exam: str
    assessment: str
    assessment_off: str
    plan: tuple[str, ...]
    measure: str | None = None
    telehealth: bool = False  # followed up by video as often as in the office


FOLLOW_UPS: dict[str, FollowUp] = {
    "I10": FollowUp(
        "Hypertension follow-up",
        (
            "Checks blood pressure at home most mornings; readings mostly in the 130s over 80s. "
            "No headache, chest pain or shortness of breath.",
            "Here for blood pressure check. Taking medication daily, no missed doses. "
            "No dizziness or swelling of the ankles.",
        ),
        "Heart regular rate and rhythm, no murmur. No peripheral edema.",
        "{name}: at goal on current treatment.",
        "{name}: above goal today; home readings also higher.",
        (
            "Continue current medication. Low-salt diet reviewed.",
            "Recheck basic metabolic panel yearly. Return in 3 months with home BP log.",
        ),
        measure="bp",
    ),
    "E11.9": FollowUp(
        "Diabetes follow-up",
        (
            "Checks fasting sugars at home, mostly 120-150. No low sugars. "
            "No numbness or tingling in the feet.",
            "Here for diabetes check. Walking 30 minutes most days. "
            "No polyuria or polydipsia, no vision changes.",
        ),
        "Feet: skin intact, pulses 2+ bilaterally, monofilament sensation intact.",
        "{name}: controlled (A1c {a1c}%).",
        "{name}: A1c {a1c}%, above goal of 7%.",
        (
            "Continue metformin. Diet and activity reviewed.",
            "Yearly eye exam reminder given. A1c again in 3 months; urine albumin yearly.",
        ),
        measure="a1c",
    ),
    "E78.5": FollowUp(
        "Cholesterol follow-up",
        (
            "Taking atorvastatin at bedtime; no muscle aches.",
            "Follow-up of cholesterol. Trying to eat less saturated fat. No myalgias.",
        ),
        "Heart regular rate and rhythm. No xanthomas.",
        "{name}: LDL {ldl} mg/dL, at goal on statin.",
        "{name}: LDL {ldl} mg/dL, above goal.",
        ("Continue statin. Lipid panel yearly.", "Heart-healthy diet handout given."),
        measure="ldl",
    ),
    "J45.909": FollowUp(
        "Asthma follow-up",
        (
            "Uses albuterol about once a week, mostly with exercise. No night waking.",
            "Asthma check. A cold last month needed albuterol daily for a week; fine since.",
        ),
        "Lungs clear to auscultation bilaterally, no wheeze. Speaking full sentences.",
        "{name}: well controlled.",
        "{name}: not well controlled.",
        ("Continue albuterol as needed. Asthma action plan reviewed.", "Flu vaccine advised."),
        telehealth=True,
    ),
    "M54.50": FollowUp(
        "Low back pain",
        (
            "Low back pain, worse after lifting at work, no radiation down the legs. "
            "No numbness, no bowel or bladder changes.",
        ),
        "Paraspinal tenderness L4-L5. Straight-leg raise negative bilaterally. "
        "Strength and reflexes normal.",
        "{name}: mechanical, no red flags.",
        "{name}: persistent despite home exercises.",
        (
            "Ibuprofen with food as needed for up to 2 weeks. Back exercises handout.",
            "Referral to physical therapy if not better in 4 weeks.",
        ),
    ),
    "F41.1": FollowUp(
        "Anxiety follow-up",
        (
            "Worry and trouble sleeping improved since starting sertraline. "
            "No side effects reported.",
            "Anxiety follow-up. Work stress continues; using breathing exercises.",
        ),
        "Alert, good eye contact, speech normal rate. GAD-7 score 7.",
        "{name}: improving on treatment.",
        "{name}: symptoms persist.",
        ("Continue sertraline. Counseling referral renewed.", "Follow up in 8 weeks."),
        telehealth=True,
    ),
    "F32.1": FollowUp(
        "Depression follow-up",
        (
            "Mood better, sleeping 7 hours, back to walking daily. No thoughts of self-harm.",
            "Mood follow-up. Some low days; enjoys time with family. Denies suicidal ideation.",
        ),
        "Alert, appropriate affect. PHQ-9 score 8.",
        "{name}: improving.",
        "{name}: partial response.",
        ("Continue counseling every 2 weeks.", "Safety plan reviewed. Follow up in 6 weeks."),
        telehealth=True,
    ),
    "K21.9": FollowUp(
        "Reflux follow-up",
        ("Heartburn controlled on omeprazole; occasional symptoms after late meals.",),
        "Abdomen soft, non-tender, no masses.",
        "{name}: controlled.",
        "{name}: breakthrough symptoms.",
        ("Continue omeprazole; try stepping down to every other day.", "Avoid late meals."),
    ),
    "N18.30": FollowUp(
        "Kidney function follow-up",
        ("Follow-up of chronic kidney disease. Avoiding ibuprofen. No swelling.",),
        "No peripheral edema. Heart regular.",
        "{name}: stable kidney function.",
        "{name}: potassium {potassium} mmol/L, high.",
        (
            "Basic metabolic panel and urine albumin every 6 months.",
            "Avoid NSAIDs. Low-potassium diet handout.",
        ),
        measure="potassium",
    ),
    "E03.9": FollowUp(
        "Thyroid follow-up",
        ("Energy better on levothyroxine, taken on an empty stomach each morning.",),
        "Thyroid not enlarged, no nodules. Reflexes normal.",
        "{name}: TSH {tsh} mIU/L, in range on replacement.",
        "{name}: TSH {tsh} mIU/L, dose adjustment needed.",
        ("Continue levothyroxine. TSH in 6-8 weeks after any dose change, else yearly.",),
        measure="tsh",
    ),
    "E66.9": FollowUp(
        "Weight management",
        ("Working on portion sizes and walking; weight about the same.",),
        "No acanthosis. Waist circumference measured.",
        "{name}: counseled.",
        "{name}: weight up since last visit.",
        ("Nutrition referral offered. Goal 5% weight loss over 6 months.",),
    ),
    "M17.9": FollowUp(
        "Knee pain follow-up",
        ("Knee pain with stairs and after long walks; morning stiffness under 30 minutes.",),
        "Knee: crepitus, small effusion, range of motion 0-115 degrees.",
        "{name}: stable.",
        "{name}: worsening pain despite exercise.",
        (
            "Quadriceps strengthening exercises. Acetaminophen as needed.",
            "Steroid injection offered if pain limits walking.",
        ),
    ),
    "J44.9": FollowUp(
        "COPD follow-up",
        (
            "Short of breath walking up one flight of stairs, unchanged. Morning cough.",
            "COPD check. No flare since the last visit; using tiotropium daily.",
        ),
        "Decreased breath sounds bilaterally, no wheeze. No accessory muscle use.",
        "{name}: stable.",
        "{name}: more dyspnea than at baseline.",
        ("Continue tiotropium. Smoking cessation reinforced.", "Pulmonary rehab referral."),
        telehealth=True,
    ),
    "I48.91": FollowUp(
        "Atrial fibrillation follow-up",
        ("No palpitations, no bleeding on apixaban. No lightheadedness.",),
        "Heart irregularly irregular, rate controlled. No edema.",
        "{name}: rate controlled, anticoagulated.",
        "{name}: rate above target today.",
        ("Continue apixaban. CBC and kidney function yearly.", "ECG at the yearly visit."),
    ),
    "G43.009": FollowUp(
        "Migraine follow-up",
        ("Two or three migraines a month, relieved by sumatriptan within 2 hours.",),
        "Neurologic exam normal. Fundi normal.",
        "{name}: episodic, treatment effective.",
        "{name}: more frequent attacks.",
        ("Headache diary. Continue sumatriptan at onset.", "Consider prevention if frequent."),
        telehealth=True,
    ),
    "J30.9": FollowUp(
        "Allergy symptoms",
        ("Sneezing and itchy eyes each spring; cetirizine helps.",),
        "Nasal mucosa pale and boggy. Conjunctivae mildly injected.",
        "{name}: seasonal, controlled.",
        "{name}: symptoms despite antihistamine.",
        ("Continue cetirizine. Nasal steroid spray added for the season.",),
    ),
    "D50.9": FollowUp(
        "Anemia follow-up",
        ("Less tired since starting iron. No black stools.",),
        "Conjunctivae slightly pale. Heart regular, no murmur.",
        "{name}: hemoglobin {hgb} g/dL, improving.",
        "{name}: hemoglobin {hgb} g/dL, still low.",
        ("Continue oral iron every other day. CBC and ferritin in 3 months.",),
        measure="hgb",
    ),
    "E28.2": FollowUp(
        "Polycystic ovary syndrome follow-up",
        ("Cycles irregular, every 6-8 weeks.",),
        "No hirsutism progression. Abdomen soft.",
        "{name}: stable.",
        "{name}: irregular cycles.",
        ("Lifestyle measures reviewed. A1c and lipids yearly.",),
        telehealth=True,
    ),
    "F10.11": FollowUp(
        "Follow-up: alcohol use in remission",
        ("No alcohol for over a year. Attends a support group weekly.",),
        "Alert, no tremor.",
        "{name}: sustained remission.",
        "{name}: a lapse last month, back in remission.",
        ("Continue support group. Liver enzymes yearly.",),
        telehealth=True,
    ),
    "Z21": FollowUp(
        "HIV care follow-up",
        ("Taking antiretroviral therapy daily, no missed doses. No fevers or weight loss.",),
        "No lymphadenopathy. Oropharynx clear.",
        "{name}: on therapy, viral load undetectable per the infectious disease clinic.",
        "{name}: labs due at the infectious disease clinic.",
        ("Continue therapy per the infectious disease clinic.",),
        telehealth=True,
    ),
}


@dataclass(frozen=True)
class Complaint:
    """An acute visit: ``test`` is a lab done for it ("strep", "urinalysis", "cbc");
    ``procedure`` a key of :data:`PROCEDURES`; ``fever`` means the vitals show one."""

    reason: str
    subjective: str
    exam: str
    assessment: str
    plan: str
    test: str | None = None
    procedure: str | None = None
    fever: bool = False
    min_age: int = 2


COMPLAINTS: tuple[Complaint, ...] = (
    Complaint(
        "Sore throat",
        "Sore throat for 2 days, painful swallowing, no cough.",
        "Tonsils enlarged with exudate. Tender anterior cervical nodes.",
        "Acute pharyngitis; rapid strep done.",
        "Antibiotic if strep positive, else supportive care. Return if worse.",
        test="strep",
        fever=True,
    ),
    Complaint(
        "Cough and congestion",
        "Cough and nasal congestion for 5 days, no shortness of breath.",
        "Lungs clear. Nasal congestion, mild pharyngeal erythema.",
        "Viral upper respiratory infection.",
        "Fluids, rest, honey for cough. Return if fever over 3 days or short of breath.",
    ),
    Complaint(
        "Painful urination",
        "Burning with urination and frequency for 2 days. No flank pain, no fever.",
        "No costovertebral angle tenderness. Abdomen soft, mild suprapubic tenderness.",
        "Acute cystitis; urinalysis consistent.",
        "Nitrofurantoin 100 mg twice daily for 5 days. Urine culture sent.",
        test="urinalysis",
        min_age=16,
    ),
    Complaint(
        "Ankle injury",
        "Rolled the right ankle stepping off a curb yesterday; can bear weight with pain.",
        "Swelling and tenderness over the anterior talofibular ligament. No bony tenderness.",
        "Sprain of the right ankle, Ottawa rules negative.",
        "Splint, ice, elevation. Ibuprofen as needed. Weight bearing as tolerated.",
        procedure="splint",
        min_age=8,
    ),
    Complaint(
        "Laceration of the hand",
        "Cut the left hand on a kitchen knife an hour ago. Tetanus up to date.",
        "2.5 cm linear laceration of the left palm, tendons intact, sensation intact.",
        "Simple laceration of the left hand.",
        "Repaired (see procedure). Wound care reviewed. Suture removal in 10 days.",
        procedure="laceration",
        min_age=6,
    ),
    Complaint(
        "Wart on the hand",
        "Wart on the right index finger for 3 months, not improving with over-the-counter acid.",
        "4 mm verrucous papule on the right index finger.",
        "Common wart.",
        "Cryotherapy (see procedures). Repeat in 3 weeks if still present.",
        procedure="wart",
        min_age=6,
    ),
    Complaint(
        "Changing mole",
        "Mole on the back that has grown over the past few months; partner noticed it.",
        "7 mm irregularly pigmented macule on the upper back.",
        "Atypical pigmented lesion.",
        "Shave biopsy (see procedures); results in about a week.",
        procedure="biopsy",
        min_age=25,
    ),
    Complaint(
        "Muffled hearing",
        "Muffled hearing in the right ear for a week. No pain or discharge.",
        "Right canal occluded by cerumen. After removal, tympanic membrane normal.",
        "Impacted cerumen, right ear.",
        "Cerumen removed (see procedure). Avoid cotton swabs.",
        procedure="cerumen",
        min_age=5,
    ),
    Complaint(
        "Fever",
        "Fever to 101.8 F and body aches since yesterday.",
        "Ill-appearing but non-toxic. Lungs clear. No neck stiffness.",
        "Febrile illness, likely viral.",
        "Fluids, acetaminophen. Return if not improving in 48 hours.",
        test="cbc",
        fever=True,
    ),
    Complaint(
        "Skin abscess",
        "Painful red lump on the right thigh for 4 days, now draining a little.",
        "3 cm fluctuant abscess of the right anterior thigh with surrounding erythema.",
        "Skin abscess of the right thigh.",
        "Incision and drainage done (see procedure). Warm compresses. Recheck in 2 days.",
        procedure="abscess",
        min_age=12,
    ),
)

WELL_CHILD = (
    "Well-child visit",
    "Here with a parent for a well-child check. Eating and sleeping well; "
    "meeting developmental milestones.",
    "Growth along the curve. Heart, lungs, abdomen normal. Development appropriate for age.",
    "Healthy child.",
    "Vaccines per schedule. Anticipatory guidance given. Next well-child visit in a year.",
)
PHYSICAL = (
    "Annual physical examination",
    "Here for the yearly physical. No new complaints. Exercise: walking several times a week.",
    "Well-appearing. Heart regular, lungs clear, abdomen soft. Skin without concerning lesions.",
    "Routine adult health examination.",
    "Screening per age reviewed. Labs reviewed with the patient. Return in a year.",
)
MEDICATION_REFILL = "Patient called asking for a refill of {med}; no new symptoms."
LAB_DRAW = "Venipuncture, {arm} antecubital fossa, one attempt; tolerated well."


@dataclass(frozen=True)
class DemoProcedure:
    """A procedure done in the clinic: its code (``system`` "pcs" or "hcpcs"), where, and
    the sentence the note says of it."""

    description: str
    system: str | None
    code: str
    body_site: str | None
    laterality: str | None
    note: str
    by_nurse: bool = False
    label: Sensitivity | None = None


PROCEDURES: dict[str, DemoProcedure] = {
    "splint": DemoProcedure(
        "Posterior splint applied, right ankle",
        "pcs",
        "2W3LX1Z",
        "ankle",
        "right",
        "Posterior splint applied; distal pulses and sensation intact afterwards.",
        by_nurse=True,
    ),
    "laceration": DemoProcedure(
        "Simple repair of 2.5 cm laceration, left hand",
        "pcs",
        "0HQGXZZ",
        "hand",
        "left",
        "Lidocaine 1% local; irrigated; closed with four 5-0 nylon sutures.",
    ),
    "wart": DemoProcedure(
        "Cryotherapy of common wart",
        "pcs",
        "0H5FXZZ",
        "right index finger",
        "right",
        "Liquid nitrogen, two freeze-thaw cycles.",
    ),
    "biopsy": DemoProcedure(
        "Shave biopsy of skin lesion, upper back",
        "pcs",
        "0HB6XZX",
        "upper back",
        "not-applicable",
        "Lidocaine with epinephrine; shave biopsy; hemostasis with aluminum chloride; "
        "specimen to pathology.",
    ),
    "cerumen": DemoProcedure(
        "Removal of impacted cerumen, right ear",
        "pcs",
        "09C3XZZ",
        "external auditory canal",
        "right",
        "Cerumen removed with curette under direct vision.",
        by_nurse=True,
    ),
    "abscess": DemoProcedure(
        "Incision and drainage of abscess, right thigh",
        "pcs",
        "0H9HXZZ",
        "anterior thigh",
        "right",
        "Lidocaine local; incised and drained; packed with iodoform gauze.",
    ),
    "knee": DemoProcedure(
        "Corticosteroid injection, knee joint",
        "pcs",
        "3E0U33Z",
        "knee",
        "right",
        "Consent obtained. Chlorhexidine prep. Triamcinolone 40 mg with lidocaine injected "
        "through a lateral approach.",
    ),
    "nebulizer": DemoProcedure(
        "Nebulized albuterol treatment",
        "pcs",
        "3E0F7GC",
        "respiratory tract",
        "not-applicable",
        "Albuterol 2.5 mg by nebulizer; wheeze cleared, SpO2 improved afterwards.",
        by_nurse=True,
    ),
    "dexamethasone": DemoProcedure(
        "Dexamethasone 10 mg intramuscular injection",
        "hcpcs",
        "J1100",
        "gluteal muscle",
        "right",
        "Dexamethasone 10 mg IM given for the flare.",
        by_nurse=True,
    ),
    "ecg": DemoProcedure(
        "12-lead electrocardiogram",
        "pcs",
        "4A02X4Z",
        "chest",
        "not-applicable",
        "ECG: atrial fibrillation, controlled ventricular rate, no acute ST changes.",
        by_nurse=True,
    ),
    "flu": DemoProcedure(
        "Influenza vaccine administration",
        "hcpcs",
        "G0008",
        "deltoid",
        "left",
        "Influenza vaccine given; observed 15 minutes without reaction.",
        by_nurse=True,
    ),
    "iud": DemoProcedure(
        "Insertion of levonorgestrel intrauterine device",
        "pcs",
        "0UH97HZ",
        "uterus",
        "not-applicable",
        "Consent obtained; uterus sounded to 7 cm; device placed without difficulty, strings "
        "trimmed to 3 cm.",
        label=Sensitivity.REPRODUCTIVE,
    ),
    "counseling": DemoProcedure(
        "Smoking cessation counseling, 10 minutes",
        None,
        "",
        None,
        None,
        "Counseled on quitting for 10 minutes; nicotine patch discussed.",
    ),
}

# (reason, text): an addendum to a signed note, a few days later.
ADDENDA: tuple[tuple[str, str], ...] = (
    (
        "Lab results received after signing",
        "Results of the labs drawn at this visit reviewed; discussed with the patient by "
        "phone. No change to the plan.",
    ),
    (
        "Late entry: medication reconciliation",
        "Medication reconciliation completed after the visit: the patient also takes a daily "
        "multivitamin and vitamin D 1,000 IU.",
    ),
    (
        "Clarification",
        "The examination described was of the right side; the left side was not examined "
        "at this visit.",
    ),
    (
        "Information received from the patient",
        "The patient called after the visit with home blood pressure readings of the past "
        "week, averaging 132/84.",
    ),
    (
        "Outside records received",
        "Records from the urgent care visit of the week before reviewed; consistent with the "
        "history given at this visit.",
    ),
)


@dataclass(frozen=True)
class Request:
    """A patient's amendment request, and what the decision says."""

    concerns: str
    requested_change: str
    patient_reason: str
    accepted_text: str = ""
    denial_reason: str = ""
    disagreement: str = ""


ACCEPTED = Request(
    "When the symptoms started, in the history of this visit",
    "The note says my symptoms started two weeks before the visit; they started two days before.",
    "The wrong date could matter for my disability claim.",
    accepted_text="Amended at the patient's request: the symptoms described in the history "
    "began two days before this visit, not two weeks.",
)
DENIED = Request(
    "The assessment of this visit",
    "Remove the statement that I missed doses of my medication.",
    "I only missed doses because the pharmacy was out of stock.",
    denial_reason="The note records accurately what the patient reported at the visit, "
    "that doses had been missed; the record is accurate and complete as written.",
    disagreement="I disagree with the denial. The doses were missed because the pharmacy had "
    "no stock, which I told the nurse, and the note makes it look like my fault.",
)
PENDING = Request(
    "The vital signs of this visit",
    "Add that I brought my own blood pressure log to the visit, with normal readings.",
    "So the record shows my home readings too.",
)

# A problem that resolves (``demo_catalog.Condition.resolves``): the visit it was found at.
ACUTE_PROBLEMS: dict[str, tuple[str, str, str, str]] = {
    "J01.90": (
        "Sinus pain and congestion",
        "Facial pain and thick nasal discharge for 10 days, worse again after starting to improve.",
        "Tenderness over the maxillary sinuses, purulent nasal discharge. Lungs clear.",
        "Amoxicillin as prescribed. Saline rinses. Return if not better in 3 days.",
    ),
    "H66.90": (
        "Ear pain and fever",
        "Ear pain and fever since last night; pulling at the ear, sleeping poorly.",
        "Tympanic membrane red and bulging, no perforation.",
        "Pain relief with acetaminophen. Recheck in 2-3 days if not improving.",
    ),
}
RESULTS_CALL = (
    "Lab results",
    "Called the patient to go over the results of the labs drawn on {day}.",
    "Results: {summary}.",
    "Diet and exercise reviewed; recheck at the next visit.",
)
CRITICAL_CALLS: dict[str, tuple[str, str]] = {
    "potassium": (
        "Hyperkalemia, critical.",
        "Patient reached; no palpitations or weakness. Lisinopril held; low-potassium diet. "
        "Repeat potassium tomorrow morning.",
    ),
    "glucose": (
        "Severe hyperglycemia.",
        "Patient reached; thirsty, no vomiting or confusion. Sent to urgent care today; "
        "follow-up visit this week.",
    ),
    "low-potassium": (
        "Hypokalemia, critical, after three days of vomiting and diarrhea.",
        "Patient reached; keeping fluids down now. Potassium chloride 40 mEq twice daily for "
        "3 days. Repeat potassium tomorrow morning.",
    ),
    "hemoglobin": (
        "Severe anemia.",
        "Patient sent to the emergency department for evaluation and possible transfusion.",
    ),
}
HEMOLYZED = (
    "Corrected report from the lab: the first specimen was hemolyzed",
    "Corrected report: the potassium of the first specimen was falsely high (hemolyzed); "
    "repeated on a fresh specimen.",
)
LOCATIONS = {
    "office": ("Exam room 1", "Exam room 2", "Exam room 3", "Exam room 4"),
    "procedure": ("Procedure room",),
    "lab-only": ("Lab",),
    "telehealth": ("Video visit",),
}
CANCELLED = ("Patient did not come", "Cancelled by the patient", "Rescheduled by the clinic")
WRONG_CHART = "Opened in the wrong patient's chart"
NOTE_COMPLETED = "Assessment and plan completed"
