"""Converting patient rows to DTOs and back, and keeping search tokens and versions current."""

from __future__ import annotations

import json
from dataclasses import asdict

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from medrec_desktop.domain.dto import (
    DETAIL_FIELDS,
    ContactInfo,
    CoverageInfo,
    PatientDetails,
    PatientId,
    PatientInfo,
    PatientRecord,
)
from medrec_desktop.models import (
    Coverage,
    Patient,
    PatientSearchToken,
    RecordVersion,
    RelatedPerson,
)
from medrec_desktop.services.base import Op
from medrec_desktop.services.context import iso
from medrec_desktop.services.patient_index import fold, patient_tokens
from medrec_desktop.services.patient_input import PatientInput


def info(p: Patient) -> PatientInfo:
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


def record(db: Session, p: Patient) -> PatientRecord:
    contacts = db.execute(
        select(RelatedPerson).where(RelatedPerson.patient_id == p.id).order_by(RelatedPerson.id)
    ).scalars()
    coverages = db.execute(
        select(Coverage).where(Coverage.patient_id == p.id).order_by(Coverage.priority)
    ).scalars()
    details = PatientDetails(
        **{name: getattr(p, name) for name in DETAIL_FIELDS},
        contacts=tuple(
            ContactInfo(c.name, c.relationship, c.phone, c.emergency_contact) for c in contacts
        ),
        coverages=tuple(
            CoverageInfo(
                c.payer,
                c.member_id,
                c.plan,
                c.group_number,
                c.subscriber_name,
                c.subscriber_relationship,
                c.priority,
            )
            for c in coverages
        ),
    )
    merged = PatientId(p.merged_into_id) if p.merged_into_id is not None else None
    return PatientRecord(info(p), details, merged)


def assign(p: Patient, data: PatientInput) -> None:
    """Copy validated input onto the row (no flush: a new row is inserted once, at version 1)."""
    p.family_name = data.family_name
    p.given_names = data.given_names
    p.birth_date = data.birth_date
    p.sex = data.sex
    p.phone = data.phone
    p.sort_key = listing_key(data.family_name, data.given_names)
    for name in DETAIL_FIELDS:
        setattr(p, name, getattr(data.details, name))


def replace_children(db: Session, p: Patient, data: PatientInput) -> None:
    """Replace the row's contacts and coverages and refresh its search tokens."""
    db.execute(delete(RelatedPerson).where(RelatedPerson.patient_id == p.id))
    db.execute(delete(Coverage).where(Coverage.patient_id == p.id))
    for c in data.details.contacts:
        db.add(
            RelatedPerson(
                patient_id=p.id,
                name=c.name,
                relationship=c.relationship,
                phone=c.phone,
                emergency_contact=c.emergency_contact,
            )
        )
    for cov in data.details.coverages:
        db.add(
            Coverage(
                patient_id=p.id,
                priority=cov.priority,
                payer=cov.payer,
                plan=cov.plan,
                member_id=cov.member_id,
                group_number=cov.group_number,
                subscriber_name=cov.subscriber_name,
                subscriber_relationship=cov.subscriber_relationship,
            )
        )
    reindex(db, p)


def listing_key(family: str, given: str) -> str:
    """Name order, accent- and case-insensitive ("de la Torre" among the D's)."""
    return f"{fold(family)}\t{fold(given)}"[:260]


def sort_key(family: str, given: str, patient_id: int) -> str:
    """The listing key plus the id, which keeps namesakes apart inside the token index."""
    return f"{listing_key(family, given)}\t{patient_id:010d}"


def reindex(db: Session, p: Patient) -> None:
    db.execute(delete(PatientSearchToken).where(PatientSearchToken.patient_id == p.id))
    if p.merged_into_id is not None:
        return  # merged records are found through the record they were merged into
    tokens = patient_tokens(
        [p.family_name, p.given_names, p.previous_names], [p.phone, p.mobile_phone], p.mrn
    )
    key = sort_key(p.family_name, p.given_names, p.id)
    db.add_all(PatientSearchToken(patient_id=p.id, token=t, sort_key=key) for t in sorted(tokens))


def snapshot(op: Op, p: Patient) -> None:
    """Keep this saved state forever (DESIGN §6: every edit creates a new version)."""
    data = asdict(record(op.db, p))
    data["info"]["birth_date"] = p.birth_date.isoformat()
    op.db.add(
        RecordVersion(
            entity="patient",
            entity_id=p.id,
            version=p.version_id,
            data_json=json.dumps(data, sort_keys=True, default=str),
            changed_by=op.user.id,
            changed_at=iso(op.ctx.now()),
        )
    )
