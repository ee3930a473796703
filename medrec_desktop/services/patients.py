"""The patient record's core: registration, demographics and notes.

Issue 3 grows registration into full USCDI demographics; this module already holds the rules
every record follows: role checks, audit, versions, nothing destroyed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

from sqlalchemy import func, select

from medrec_desktop.domain.dto import NoteId, NoteInfo, PatientId, PatientInfo
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import ConflictError, NotFoundError, ValidationError
from medrec_desktop.models import ClinicalNote, Patient, RecordVersion, User
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.context import iso

SEXES = ("female", "male", "intersex", "unknown")


@dataclass(frozen=True)
class PatientInput:
    family_name: str
    given_names: str
    birth_date: dt.date
    sex: str
    phone: str | None = None

    def validated(self, today: dt.date) -> PatientInput:
        family = self.family_name.strip()
        given = self.given_names.strip()
        if not family:
            raise ValidationError("Enter the family (last) name.", field="family_name")
        if not given:
            raise ValidationError("Enter the given (first) name.", field="given_names")
        if self.birth_date > today:
            raise ValidationError("The date of birth is in the future.", field="birth_date")
        if self.birth_date.year < 1880:
            raise ValidationError("The date of birth is too far in the past.", field="birth_date")
        sex = self.sex.strip().lower()
        if sex not in SEXES:
            raise ValidationError(f"Sex must be one of: {', '.join(SEXES)}.", field="sex")
        phone = (self.phone or "").strip() or None
        if phone is not None and sum(ch.isdigit() for ch in phone) < 7:
            raise ValidationError("The phone number has too few digits.", field="phone")
        return PatientInput(family, given, self.birth_date, sex, phone)


def _info(p: Patient) -> PatientInfo:
    return PatientInfo(
        id=PatientId(p.id),
        mrn=p.mrn,
        family_name=p.family_name,
        given_names=p.given_names,
        birth_date=p.birth_date,
        sex=p.sex,
        phone=p.phone,
        version=p.version_id,
    )


def _snapshot(op: Op, p: Patient) -> None:
    data = asdict(_info(p))
    data["birth_date"] = p.birth_date.isoformat()
    op.db.add(
        RecordVersion(
            entity="patient",
            entity_id=p.id,
            version=p.version_id,
            data_json=json.dumps(data, sort_keys=True),
            changed_by=op.user.id,
            changed_at=iso(op.ctx.now()),
        )
    )


class PatientService(Service):
    @audited(Action.CREATE, DataCategory.DEMOGRAPHICS)
    def register(self, op: Op, data: PatientInput) -> PatientInfo:
        clean = data.validated(op.ctx.now().date())
        now = iso(op.ctx.now())
        next_no = (op.db.execute(select(func.max(Patient.id))).scalar() or 0) + 1
        patient = Patient(
            mrn=f"{next_no:08d}",
            family_name=clean.family_name,
            given_names=clean.given_names,
            birth_date=clean.birth_date,
            sex=clean.sex,
            phone=clean.phone,
            created_at=now,
            updated_at=now,
        )
        op.db.add(patient)
        op.db.flush()
        op.about_patient(patient.id)
        _snapshot(op, patient)
        return _info(patient)

    @audited(Action.VIEW, DataCategory.DEMOGRAPHICS, patient="patient_id")
    def get(self, op: Op, patient_id: PatientId) -> PatientInfo:
        patient = op.db.get(Patient, patient_id)
        if patient is None:
            raise NotFoundError("That patient does not exist.")
        return _info(patient)

    @audited(Action.QUERY, DataCategory.DEMOGRAPHICS)
    def find_by_mrn(self, op: Op, mrn: str) -> PatientInfo:
        patient = op.db.execute(select(Patient).where(Patient.mrn == mrn.strip())).scalar()
        if patient is None:
            raise NotFoundError("No patient has that MRN.")
        op.about_patient(patient.id)
        return _info(patient)

    @audited(Action.QUERY, DataCategory.DEMOGRAPHICS)
    def list_all(self, op: Op, *, limit: int = 500) -> list[PatientInfo]:
        rows = op.db.execute(
            select(Patient).order_by(Patient.family_name, Patient.given_names).limit(limit)
        ).scalars()
        return [_info(p) for p in rows]

    @audited(Action.UPDATE, DataCategory.DEMOGRAPHICS, patient="patient_id")
    def update(
        self, op: Op, patient_id: PatientId, data: PatientInput, *, expected_version: int
    ) -> PatientInfo:
        patient = op.db.get(Patient, patient_id)
        if patient is None:
            raise NotFoundError("That patient does not exist.")
        if patient.version_id != expected_version:
            raise ConflictError(
                "Someone else changed this patient since you opened the record. "
                "Your changes were not saved; reopen the record and apply them again."
            )
        clean = data.validated(op.ctx.now().date())
        patient.family_name = clean.family_name
        patient.given_names = clean.given_names
        patient.birth_date = clean.birth_date
        patient.sex = clean.sex
        patient.phone = clean.phone
        patient.updated_at = iso(op.ctx.now())
        op.db.flush()  # bumps version_id (optimistic lock against other workstations)
        _snapshot(op, patient)
        return _info(patient)

    @audited(Action.CREATE, DataCategory.CLINICAL, patient="patient_id")
    def add_note(
        self, op: Op, patient_id: PatientId, text: str, *, sensitive: bool = False
    ) -> NoteInfo:
        if sensitive:
            op.require(Action.CREATE, DataCategory.SENSITIVE, patient_id)
        if not text.strip():
            raise ValidationError("The note is empty.", field="text")
        if op.db.get(Patient, patient_id) is None:
            raise NotFoundError("That patient does not exist.")
        note = ClinicalNote(
            patient_id=patient_id,
            author_id=op.user.id,
            sensitive=sensitive,
            text=text,
            created_at=iso(op.ctx.now()),
            entered_in_error=False,
        )
        op.db.add(note)
        op.db.flush()
        op.event.detail = f"note {note.id}" + (" sensitive" if sensitive else "")
        return NoteInfo(
            NoteId(note.id),
            patient_id,
            op.user.display_name,
            sensitive,
            text,
            note.created_at,
            False,
        )

    @audited(Action.VIEW, DataCategory.CLINICAL, patient="patient_id")
    def notes(self, op: Op, patient_id: PatientId) -> list[NoteInfo]:
        """The patient's notes; sensitive ones only for roles (or grants) that may see them."""
        show_sensitive = op.can(Action.VIEW, DataCategory.SENSITIVE, patient_id)
        query = (
            select(ClinicalNote, User.display_name)
            .join(User, User.id == ClinicalNote.author_id)
            .where(ClinicalNote.patient_id == patient_id)
            .order_by(ClinicalNote.created_at, ClinicalNote.id)
        )
        if not show_sensitive:
            query = query.where(ClinicalNote.sensitive.is_(False))
        rows = op.db.execute(query).all()
        hidden = (
            0
            if show_sensitive
            else op.db.execute(
                select(func.count())
                .select_from(ClinicalNote)
                .where(ClinicalNote.patient_id == patient_id, ClinicalNote.sensitive.is_(True))
            ).scalar_one()
        )
        op.event.detail = f"{len(rows)} notes" + (f", {hidden} sensitive hidden" if hidden else "")
        return [
            NoteInfo(
                NoteId(n.id),
                PatientId(n.patient_id),
                author,
                n.sensitive,
                n.text,
                n.created_at,
                n.entered_in_error,
            )
            for n, author in rows
        ]

    @audited(Action.DELETE, DataCategory.CLINICAL)
    def mark_note_entered_in_error(self, op: Op, note_id: NoteId) -> None:
        """'Deleting' a note only flags it; the text stays retrievable for the audit."""
        note = op.db.get(ClinicalNote, note_id)
        if note is None:
            raise NotFoundError("That note does not exist.")
        op.about_patient(note.patient_id)
        op.require(Action.DELETE, DataCategory.CLINICAL, note.patient_id)
        if note.sensitive:
            op.require(Action.DELETE, DataCategory.SENSITIVE, note.patient_id)
        note.entered_in_error = True
        op.event.detail = f"note {note.id}"
