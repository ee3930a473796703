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
from medrec_desktop.domain.phones import format_phone
from medrec_desktop.models import (
    Coverage,
    Patient,
    PatientSearchText,
    PatientSearchToken,
    RecordVersion,
    RelatedPerson,
)
from medrec_desktop.services.base import Op
from medrec_desktop.services.context import iso
from medrec_desktop.services.patient_index import fold, patient_tokens, search_text
from medrec_desktop.services.patient_input import PatientInput


def info(p: Patient) -> PatientInfo:
    return PatientInfo(
        id=PatientId(p.id),
        mrn=p.mrn,
        family_name=p.family_name,
        given_names=p.given_names,
        birth_date=p.birth_date,
        sex=p.sex,
        # Stored as typed before phones had one form: shown in that form all the same.
        phone=format_phone(p.phone),
        version=p.version_id,
    )


def record(db: Session, p: Patient) -> PatientRecord:
    contacts = db.execute(
        select(RelatedPerson).where(RelatedPerson.patient_id == p.id).order_by(RelatedPerson.id)
    ).scalars()
    coverages = db.execute(
        select(Coverage).where(Coverage.patient_id == p.id).order_by(Coverage.priority)
    ).scalars()
    shown = {name: getattr(p, name) for name in DETAIL_FIELDS}
    shown["mobile_phone"] = format_phone(p.mobile_phone)
    details = PatientDetails(
        **shown,
        contacts=tuple(
            ContactInfo(c.name, c.relationship, format_phone(c.phone), c.emergency_contact)
            for c in contacts
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


def _same_children(before: PatientDetails, data: PatientInput) -> bool:
    by_priority = tuple(sorted(data.details.coverages, key=lambda c: c.priority))
    return before.contacts == data.details.contacts and before.coverages == by_priority


def replace_children(
    db: Session, p: Patient, data: PatientInput, *, before: PatientRecord | None = None
) -> None:
    """Replace the row's contacts and coverages and refresh its search tokens.

    With ``before`` (the record as it was read in this transaction), unchanged contacts and
    coverages are left alone: a form save that changes a phone number writes only that.
    """
    if before is not None and _same_children(before.details, data):
        reindex(db, p)
        return
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
    """Bring the row's search tokens up to date, writing only the tokens that changed (each
    token row costs index pages on every save otherwise)."""
    if p.merged_into_id is not None:
        # Merged records are found through the record they were merged into.
        db.execute(delete(PatientSearchToken).where(PatientSearchToken.patient_id == p.id))
        db.execute(delete(PatientSearchText).where(PatientSearchText.patient_id == p.id))
        return
    tokens = patient_tokens(
        [p.family_name, p.given_names, p.previous_names], [p.phone, p.mobile_phone], p.mrn
    )
    key = sort_key(p.family_name, p.given_names, p.id)
    stored = db.execute(
        select(PatientSearchToken.token, PatientSearchToken.sort_key).where(
            PatientSearchToken.patient_id == p.id
        )
    ).all()
    if any(k != key for _, k in stored):  # the name changed: every token's sort key did
        db.execute(delete(PatientSearchToken).where(PatientSearchToken.patient_id == p.id))
        stored = []
    have = {t for t, _ in stored}
    gone = have - tokens
    if gone:
        db.execute(
            delete(PatientSearchToken).where(
                PatientSearchToken.patient_id == p.id, PatientSearchToken.token.in_(gone)
            )
        )
    db.add_all(
        PatientSearchToken(patient_id=p.id, token=t, sort_key=key) for t in sorted(tokens - have)
    )
    text = search_text(tokens)
    row = db.get(PatientSearchText, p.id)
    if row is None:
        db.add(PatientSearchText(patient_id=p.id, sort_key=key, tokens=text))
    elif (row.sort_key, row.tokens) != (key, text):
        row.sort_key, row.tokens = key, text


def record_after_save(p: Patient, data: PatientInput) -> PatientRecord:
    """What :func:`record` would read back right after ``data`` was saved onto ``p``, built
    without reading the children again."""
    details = PatientDetails(
        **{name: getattr(p, name) for name in DETAIL_FIELDS},
        contacts=tuple(data.details.contacts),
        coverages=tuple(sorted(data.details.coverages, key=lambda c: c.priority)),
    )
    merged = PatientId(p.merged_into_id) if p.merged_into_id is not None else None
    return PatientRecord(info(p), details, merged)


def snapshot(
    op: Op, p: Patient, saved: PatientRecord | None = None, *, summary: str | None = None
) -> None:
    """Keep this saved state forever (DESIGN §6: every edit creates a new version).
    ``saved`` is the record as just written, when the caller has it; ``summary`` is what the
    history shows for this version instead of the changed fields (a merge and its reason)."""
    data = asdict(saved if saved is not None else record(op.db, p))
    data["info"]["birth_date"] = p.birth_date.isoformat()
    if summary is not None:
        data["summary"] = summary
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
