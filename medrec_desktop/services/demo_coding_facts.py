"""What the demo clinic's coding (``demo_coding.py``) reads of the synthetic patients' charts,
and the diagnoses a coder would give each of their visits.

Read in one audited call (``DemoService.coding_facts``): the signed visits (not entered in
error, not cancelled, without a sensitivity label: a coder may not see those), the problems
each addressed, the HCPCS procedures done in it, the patients' active problems and
medications and who has an HbA1c result. The diagnoses come from the problems the visit
addressed and, for visits that addressed none, from its reason (an acute complaint, a
physical, a flu shot): the codes the demo's own notes describe.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Select, or_, select

from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.dates import age_on
from medrec_desktop.domain.procedures import ProcedureCodeSystem
from medrec_desktop.models import Encounter, LabTest, Medication, Patient, Problem, Procedure
from medrec_desktop.services.base import Op

#: the demo's second coder (user name, full name): two coders make the productivity report
SECOND_CODER = ("cody", "Cody Coder, CPC")

#: a visit's reason (or the start of it) -> the diagnosis its note documents
REASONS: tuple[tuple[str, str], ...] = (
    ("Sore throat", "J02.9"),
    ("Cough and congestion", "J06.9"),
    ("Painful urination", "N30.00"),
    ("Ankle injury", "S93.401A"),
    ("Laceration of the hand", "S61.412A"),
    ("Wart on the hand", "B07.8"),
    ("Cryotherapy of common wart", "B07.8"),
    ("Changing mole", "D48.5"),
    ("Shave biopsy", "D48.5"),
    ("Muffled hearing", "H61.21"),
    ("Removal of impacted cerumen", "H61.21"),
    ("Fever", "R50.9"),
    ("Skin abscess", "L02.415"),
    ("Incision and drainage of abscess", "L02.415"),
    ("Sinus pain and congestion", "J01.90"),
    ("Ear pain and fever", "H66.90"),
    ("Influenza vaccination", "Z23"),
    ("IUD insertion", "Z30.430"),
    ("Repeat potassium", "E87.5"),
)
PHYSICAL = "Annual physical examination"
PHYSICAL_LABS = "Fasting labs before the yearly physical"
WELL_CHILD = "Well-child visit"


@dataclass(frozen=True)
class Visit:
    id: int
    patient_id: int
    starts_at: dt.datetime  # UTC
    signed_at: dt.datetime  # UTC
    reason: str
    age: int  # on the date of service
    #: what a coder gives it, first-listed first (empty: nothing the demo can code)
    diagnoses: tuple[str, ...]
    #: HCPCS codes of the procedures done in it (the demo's PCS codes are inpatient codes)
    hcpcs: tuple[str, ...]

    @property
    def dos(self) -> dt.date:
        return self.starts_at.astimezone().date()


@dataclass(frozen=True)
class CodingFacts:
    #: newest first
    visits: tuple[Visit, ...]
    #: patient -> codes of their active problems
    problems: Mapping[int, frozenset[str]]
    #: patient -> names of their active medications, lower case
    medications: Mapping[int, frozenset[str]]
    #: patients with an HbA1c result
    a1c: frozenset[int]
    #: patient -> (birth date, sex)
    people: Mapping[int, tuple[dt.date, str]]


def diagnoses_for(reason: str, addressed: list[str], age: int) -> tuple[str, ...]:
    """The diagnoses a coder gives a visit: the reason's own code first (a physical's Z code
    before the chronic problems it followed up), then the problems it addressed."""
    first: list[str] = []
    if reason in (PHYSICAL, PHYSICAL_LABS):
        if age < 18:
            first.append("Z00.129")
        else:
            # With abnormal findings when chronic problems were taken care of at the visit.
            first.append("Z00.01" if addressed and reason == PHYSICAL else "Z00.00")
    elif reason == WELL_CHILD:
        if age >= 18:
            return ()
        first.append("Z00.129")
    else:
        for part in reason.split("; "):
            code = next((c for start, c in REASONS if part.startswith(start)), None)
            if code is not None:
                first.append(code)
    out: list[str] = []
    for code in (*first, *addressed):
        if code and code not in out:
            out.append(code)
    return tuple(out)


def read_facts(op: Op, synthetic: Select[int]) -> CodingFacts:
    """The facts of the synthetic patients ``synthetic`` selects (their ids)."""
    db = op.db
    people = {
        pid: (born, sex)
        for pid, born, sex in db.execute(
            select(Patient.id, Patient.birth_date, Patient.sex).where(Patient.id.in_(synthetic))
        )
    }
    problem_codes: dict[int, str] = {}
    active: dict[int, set[str]] = defaultdict(set)
    for item_id, pid, code, status in db.execute(
        select(Problem.id, Problem.patient_id, Problem.icd10cm, Problem.status).where(
            Problem.patient_id.in_(synthetic)
        )
    ):
        if code:
            problem_codes[item_id] = code
            if status == ItemStatus.ACTIVE.value:
                active[pid].add(code)
    medications: dict[int, set[str]] = defaultdict(set)
    for pid, name in db.execute(
        select(Medication.patient_id, Medication.name).where(
            Medication.patient_id.in_(synthetic), Medication.status == ItemStatus.ACTIVE.value
        )
    ):
        medications[pid].add(name.casefold())
    a1c = frozenset(
        db.execute(
            select(LabTest.patient_id).where(
                LabTest.patient_id.in_(synthetic),
                LabTest.status != ItemStatus.ENTERED_IN_ERROR.value,
                or_(LabTest.loinc == "4548-4", LabTest.name.ilike("%a1c%")),
            )
        ).scalars()
    )
    hcpcs: dict[int, list[str]] = defaultdict(list)
    for encounter_id, code in db.execute(
        select(Procedure.encounter_id, Procedure.code).where(
            Procedure.patient_id.in_(synthetic),
            Procedure.code_system == ProcedureCodeSystem.HCPCS.value,
            Procedure.encounter_id.is_not(None),
            Procedure.status != ItemStatus.ENTERED_IN_ERROR.value,
        )
    ):
        if code and encounter_id is not None:
            hcpcs[encounter_id].append(code)
    visits = []
    for row in db.execute(
        select(
            Encounter.id,
            Encounter.patient_id,
            Encounter.starts_at,
            Encounter.signed_at,
            Encounter.reason_for_visit,
            Encounter.problems_addressed,
        )
        .where(
            Encounter.patient_id.in_(synthetic),
            Encounter.signed_at.is_not(None),
            Encounter.status == ItemStatus.ACTIVE.value,
            Encounter.sensitivity.is_(None),
        )
        .order_by(Encounter.starts_at.desc(), Encounter.id.desc())
    ):
        born, _sex = people[row.patient_id]
        dos = row.starts_at.astimezone().date()
        age = age_on(born, dos)
        addressed = [problem_codes.get(i, "") for i in json.loads(row.problems_addressed or "[]")]
        visits.append(
            Visit(
                id=row.id,
                patient_id=row.patient_id,
                starts_at=row.starts_at,
                signed_at=row.signed_at,
                reason=row.reason_for_visit,
                age=age,
                diagnoses=diagnoses_for(row.reason_for_visit, addressed, age),
                hcpcs=tuple(hcpcs.get(row.id, ())),
            )
        )
    return CodingFacts(
        visits=tuple(visits),
        problems={p: frozenset(c) for p, c in active.items()},
        medications={p: frozenset(m) for p, m in medications.items()},
        a1c=a1c,
        people=people,
    )
