"""What the chronic-condition review reads of a patient's record, in seven queries whatever
the record's length (issue 13's figure: under 200 ms with ten years of data): the active
problems and medications, the coded diagnoses of the other encounters of the two calendar
years around the date of service (and the 12 months before it), this encounter's note and
addenda, the results of the 24 months before it and the procedures of the 90 days before it.

Items with a sensitivity label the caller may not see are left out: they are never used as
evidence, so a suggestion never reveals them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from medrec_desktop.domain.clinical import ItemStatus
from medrec_desktop.domain.encounters import EncounterType
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.result_data import ResultData, results_from_json
from medrec_desktop.domain.result_flags import ValueKind, number_text
from medrec_desktop.models import (
    Encounter,
    EncounterAddendum,
    EncounterCoding,
    LabTest,
    Medication,
    Problem,
    Procedure,
)
from medrec_desktop.services.base import Op

ACTIVE = ItemStatus.ACTIVE.value
#: results this far back are read (two eGFRs three months apart, within two years)
RESULTS_DAYS = 730
#: procedures this far back count as current (dialysis sessions)
PROCEDURE_DAYS = 90
LOOKBACK_DAYS = 365


@dataclass(frozen=True)
class ProblemFact:
    id: int
    description: str
    code: str | None
    chronic: bool
    onset: str | None  # partial date as stored ("2012", "2012-03")


@dataclass(frozen=True)
class MedicationFact:
    name: str
    #: the line shown as evidence ("Metformin 500 mg, 1 tablet oral twice daily")
    text: str
    route: str | None
    indication: str | None
    indication_problem_id: int | None


@dataclass(frozen=True)
class CodedVisit:
    """Another encounter of this patient whose coding is finished."""

    encounter_id: int
    dos: dt.date
    encounter_type: EncounterType
    #: (code, title) in the order coded
    diagnoses: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ResultFact:
    result: ResultData
    collected: dt.date
    this_visit: bool


@dataclass(frozen=True)
class ProcedureFact:
    code: str
    description: str
    performed: dt.date


@dataclass(frozen=True)
class NotePart:
    label: str  # "assessment", "addendum of 03/14/2026"
    text: str


@dataclass(frozen=True)
class RecordFacts:
    problems: tuple[ProblemFact, ...]
    medications: tuple[MedicationFact, ...]
    visits: tuple[CodedVisit, ...]
    results: tuple[ResultFact, ...]
    procedures: tuple[ProcedureFact, ...]
    note: tuple[NotePart, ...]
    #: problems this visit's note says it addressed
    addressed: frozenset[int]


def local_day(at: dt.datetime) -> dt.date:
    """A stored instant's local date (how a date of service is read, as the coding does)."""
    return at.astimezone().date()


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min).astimezone()


def visits_since(dos: dt.date) -> dt.date:
    """The first day whose coded visits the review reads: 12 months back, or the first of
    January of the year before, whichever is earlier."""
    return min(dos - dt.timedelta(days=LOOKBACK_DAYS), dt.date(dos.year - 1, 1, 1))


def read_record(op: Op, *, encounter_id: int, patient_id: int, dos: dt.date) -> RecordFacts:
    """Everything the rules read, as plain facts, the labelled items the caller may not
    see left out."""
    labels = _Labels(op, patient_id)
    db = op.db
    problems = labels.visible(
        db.execute(
            select(
                Problem.id,
                Problem.description,
                Problem.icd10cm,
                Problem.chronic,
                Problem.onset,
                Problem.sensitivity,
            )
            .where(Problem.patient_id == patient_id, Problem.status == ACTIVE)
            .order_by(Problem.id)
        ).all()
    )
    medications = labels.visible(
        db.execute(
            select(
                Medication.name,
                Medication.strength,
                Medication.dose,
                Medication.dose_unit,
                Medication.route,
                Medication.frequency,
                Medication.indication,
                Medication.indication_problem_id,
                Medication.start,
                Medication.stop,
                Medication.sensitivity,
            )
            .where(Medication.patient_id == patient_id, Medication.status == ACTIVE)
            .order_by(Medication.id)
        ).all()
    )
    since = visits_since(dos)
    visits = [
        r
        for r in db.execute(
            select(
                Encounter.id,
                Encounter.starts_at,
                Encounter.encounter_type,
                EncounterCoding.diagnoses,
                Encounter.sensitivity,
                EncounterCoding.sensitivity.label("coding_sensitivity"),
            )
            .join(EncounterCoding, EncounterCoding.encounter_id == Encounter.id)
            .where(
                EncounterCoding.patient_id == patient_id,
                EncounterCoding.state == "coded",
                EncounterCoding.status == ACTIVE,
                Encounter.status != ItemStatus.ENTERED_IN_ERROR.value,
                Encounter.id != encounter_id,
                Encounter.starts_at >= local_midnight(since),
                Encounter.starts_at < local_midnight(dt.date(dos.year + 1, 1, 1)),
            )
            .order_by(Encounter.id)
        ).all()
        if (r.sensitivity is None and r.coding_sensitivity is None) or labels.allowed()
    ]
    note = db.execute(
        select(
            Encounter.reason_for_visit,
            Encounter.subjective,
            Encounter.objective,
            Encounter.assessment,
            Encounter.plan,
            Encounter.problems_addressed,
        ).where(Encounter.id == encounter_id)
    ).one()
    addenda = db.execute(
        select(EncounterAddendum.written_at, EncounterAddendum.text)
        .where(EncounterAddendum.encounter_id == encounter_id)
        .order_by(EncounterAddendum.id)
    ).all()
    day_after = local_midnight(dos + dt.timedelta(days=1))
    tests = labels.visible(
        db.execute(
            select(LabTest.collected_at, LabTest.results, LabTest.encounter_id, LabTest.sensitivity)
            .where(
                LabTest.patient_id == patient_id,
                LabTest.status == ACTIVE,
                or_(
                    LabTest.encounter_id == encounter_id,
                    (LabTest.collected_at >= local_midnight(dos - dt.timedelta(RESULTS_DAYS)))
                    & (LabTest.collected_at < day_after),
                ),
            )
            .order_by(LabTest.id)
        ).all()
    )
    procedures = labels.visible(
        db.execute(
            select(
                Procedure.code, Procedure.description, Procedure.performed_at, Procedure.sensitivity
            )
            .where(
                Procedure.patient_id == patient_id,
                Procedure.status == ACTIVE,
                Procedure.code.is_not(None),
                or_(
                    Procedure.encounter_id == encounter_id,
                    (Procedure.performed_at >= local_midnight(dos - dt.timedelta(PROCEDURE_DAYS)))
                    & (Procedure.performed_at < day_after),
                ),
            )
            .order_by(Procedure.id)
        ).all()
    )
    parts = [
        NotePart(label, text)
        for label, text in (
            ("reason for visit", note.reason_for_visit),
            ("subjective", note.subjective),
            ("objective", note.objective),
            ("assessment", note.assessment),
            ("plan", note.plan),
        )
        if text
    ]
    parts += [NotePart(f"addendum of {local_day(a.written_at):%m/%d/%Y}", a.text) for a in addenda]
    return RecordFacts(
        problems=tuple(
            ProblemFact(p.id, p.description, p.icd10cm, bool(p.chronic), p.onset) for p in problems
        ),
        medications=tuple(medication_fact(m) for m in medications if taken_on(m, dos)),
        visits=tuple(_visit(v) for v in visits),
        results=tuple(
            ResultFact(r, local_day(t.collected_at), t.encounter_id == encounter_id)
            for t in tests
            for r in results_from_json(t.results)
        ),
        procedures=tuple(
            ProcedureFact(p.code, p.description, local_day(p.performed_at)) for p in procedures
        ),
        note=tuple(parts),
        addressed=frozenset(int(i) for i in json.loads(note.problems_addressed or "[]")),
    )


class _Labels:
    """Whether the caller sees labelled items, asked once and only if one is met (asking
    may use, and so flag, an emergency grant)."""

    def __init__(self, op: Op, patient_id: int) -> None:
        self._op, self._patient_id = op, patient_id
        self._allowed: bool | None = None

    def allowed(self) -> bool:
        if self._allowed is None:
            self._allowed = self._op.can(Action.VIEW, DataCategory.SENSITIVE, self._patient_id)
        return self._allowed

    def visible(self, rows: Sequence[Any]) -> list[Any]:
        if any(r.sensitivity for r in rows) and not self.allowed():
            return [r for r in rows if not r.sensitivity]
        return list(rows)


def taken_on(m: Any, dos: dt.date) -> bool:
    """Taken on the date of service as far as its dates say (partial dates compare by
    their own precision: started "2019" is before 2026-11-20)."""
    day = dos.isoformat()
    if m.start and m.start > day[: len(m.start)]:
        return False
    return not (m.stop and m.stop < day[: len(m.stop)])


def medication_fact(m: Any) -> MedicationFact:
    """A medication row (or its content) as the review reads it."""
    parts = [m.name]
    if m.strength:
        parts.append(m.strength)
    text = " ".join(parts)
    how = []
    if m.dose is not None:
        how.append(f"{number_text(m.dose)} {m.dose_unit or ''}".strip())
    if m.route:
        how.append(m.route)
    if m.frequency:
        how.append(m.frequency)
    if how:
        text += ", " + " ".join(how)
    return MedicationFact(m.name, text, m.route, m.indication, m.indication_problem_id)


def _visit(r: Any) -> CodedVisit:
    return CodedVisit(
        encounter_id=r.id,
        dos=local_day(r.starts_at),
        encounter_type=EncounterType(r.encounter_type),
        diagnoses=tuple((d["code"], d.get("title", "")) for d in json.loads(r.diagnoses or "[]")),
    )


def numeric(r: ResultData) -> float | None:
    """A result's number, where it is one (a censored "<15" counts as its bound)."""
    return r.numeric if r.kind is ValueKind.NUMERIC else None
