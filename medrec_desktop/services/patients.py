"""The patient registry: registration, demographics, search, duplicates, merge, and notes."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medrec_desktop.domain.dto import (
    DuplicateCandidate,
    NoteId,
    NoteInfo,
    PatientId,
    PatientInfo,
    PatientRecord,
    VersionInfo,
)
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import ConflictError, KnownError, NotFoundError, ValidationError
from medrec_desktop.domain.merge_choice import MergeSuggestion
from medrec_desktop.domain.names import WHOLE_NAME_RATIO, names_alike, whole_name_ratio
from medrec_desktop.models import (
    AuditEvent,
    ClinicalNote,
    Coverage,
    Patient,
    PatientSearchToken,
    RecordVersion,
    User,
)
from medrec_desktop.services import patient_merge
from medrec_desktop.services import patient_rows as rows
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.context import iso, stored_utc
from medrec_desktop.services.listing import patients_detail
from medrec_desktop.services.patient_index import PHONE_PREFIX, digits, words
from medrec_desktop.services.patient_input import SEXES, PatientInput
from medrec_desktop.services.patient_search import SEARCH_LIMIT, PatientMatches, find

__all__ = [
    "SEARCH_LIMIT",
    "SEXES",
    "DuplicatesFoundError",
    "PatientInput",
    "PatientMatches",
    "PatientService",
]


# The audit entry points that mean "this user opened this patient's chart" (the recent list).
CHART_OPENINGS = (
    "PatientService.get",
    "PatientService.record",
    "PatientService.open_chart",
    "ChartSummaryService.open",
)


class DuplicatesFoundError(KnownError):
    """Registration stopped because likely duplicates exist (ids only: no PHI in errors)."""

    def __init__(self, candidate_ids: Sequence[int]) -> None:
        super().__init__(
            f"{len(candidate_ids)} existing patient(s) look like the same person. "
            "Compare them before creating a new record."
        )
        self.candidate_ids = tuple(candidate_ids)


def _get(db: Session, patient_id: int) -> Patient:
    patient = db.get(Patient, patient_id)
    if patient is None:
        raise NotFoundError("That patient does not exist.")
    return patient


def duplicate_candidates(
    db: Session, data: PatientInput, exclude: int | None
) -> list[DuplicateCandidate]:
    """Existing patients that look like ``data`` (validated): same or similar name and the
    same date of birth, the same phone or the same insurance member ID; best first."""
    reasons: dict[int, list[str]] = {}
    scores: dict[int, float] = {}
    wanted = words(f"{data.given_names} {data.family_name}")
    same_dob = db.execute(
        select(Patient).where(
            Patient.birth_date == data.birth_date, Patient.merged_into_id.is_(None)
        )
    ).scalars()
    for p in same_dob:
        # The search's notion of "similar spelling" (sounds alike, one typo), or close
        # letter for letter.
        name = words(f"{p.given_names} {p.family_name}")
        if names_alike(wanted, name):
            # Say "same" when it is the same: "similar" would make staff look for a difference.
            same = sorted(wanted) == sorted(name)
            kind = "same name" if same else "similar name"
            reasons.setdefault(p.id, []).append(f"{kind} and same date of birth")
            ratio = max(whole_name_ratio(wanted, name), WHOLE_NAME_RATIO)
            scores[p.id] = scores.get(p.id, 0) + ratio
    for phone in {digits(data.phone)[-10:], digits(data.details.mobile_phone)[-10:]} - {""}:
        if len(phone) < 7:
            continue
        for pid in db.execute(
            select(PatientSearchToken.patient_id).where(
                PatientSearchToken.token == PHONE_PREFIX + phone
            )
        ).scalars():
            reasons.setdefault(pid, []).append("same phone number")
            scores[pid] = scores.get(pid, 0) + 0.6
    for cov in data.details.coverages:
        for pid in db.execute(
            select(Coverage.patient_id).where(
                Coverage.member_id == cov.member_id.strip().upper(),
                func.lower(Coverage.payer) == cov.payer.strip().lower(),
            )
        ).scalars():
            reasons.setdefault(pid, []).append("same insurance member ID")
            scores[pid] = scores.get(pid, 0) + 0.9
    found = []
    for pid, why in reasons.items():
        if pid == exclude:
            continue
        candidate = db.get(Patient, pid)
        if candidate is None or candidate.merged_into_id is not None:
            continue
        found.append(
            DuplicateCandidate(rows.info(candidate), tuple(dict.fromkeys(why)), scores[pid])
        )
    return sorted(found, key=lambda c: -c.score)


def create_patient(op: Op, clean: PatientInput) -> Patient:
    """Register a validated patient with the next MRN (its first version kept); the event
    names it. The duplicate check is the caller's (registration, an import)."""
    now = iso(op.ctx.now())
    next_no = (op.db.execute(select(func.max(Patient.id))).scalar() or 0) + 1
    patient = Patient(mrn=f"{next_no:08d}", created_at=now, updated_at=now)
    rows.assign(patient, clean)
    op.db.add(patient)
    op.db.flush()
    rows.replace_children(op.db, patient, clean)
    op.about_patient(patient.id)
    rows.snapshot(op, patient)
    return patient


def record_versions(db: Session, patient_id: int) -> list[VersionInfo]:
    """A patient's stored versions, each summarised by what changed since the one before."""
    result = db.execute(
        select(RecordVersion, User.display_name)
        .join(User, User.id == RecordVersion.changed_by)
        .where(RecordVersion.entity == "patient", RecordVersion.entity_id == patient_id)
        .order_by(RecordVersion.id)
    ).all()
    versions: list[VersionInfo] = []
    previous: dict[str, object] | None = None
    for v, who in result:
        state = json.loads(v.data_json)
        if "info" not in state:  # bulk-loaded records carry a summary instead of a state
            versions.append(
                VersionInfo(v.version, who, stored_utc(v.changed_at), state.get("summary", ""))
            )
            continue
        flat = {**state["info"], **state["details"], "merged_into": state["merged_into"]}
        flat.pop("version", None)
        if "summary" in state:  # a merge says what happened and why
            summary = state["summary"]
        elif previous is None:
            summary = "registered"
        else:
            changed = [k for k in flat if flat[k] != previous.get(k)]
            summary = (
                "changed " + ", ".join(k.replace("_", " ") for k in changed)
                if changed
                else "saved without changes"
            )
        versions.append(VersionInfo(v.version, who, stored_utc(v.changed_at), summary))
        previous = flat
    return versions


class PatientService(Service):
    # ------------------------------------------------------------------ demographics

    @audited(Action.QUERY, DataCategory.DEMOGRAPHICS)
    def find_duplicates(self, op: Op, data: PatientInput) -> list[DuplicateCandidate]:
        """Likely existing records of the same person, for side-by-side review."""
        clean = data.validated(op.ctx.now().date())
        found = duplicate_candidates(op.db, clean, None)
        op.event.detail = patients_detail(c.patient.id for c in found)
        return found

    @audited(Action.CREATE, DataCategory.DEMOGRAPHICS)
    def register(
        self,
        op: Op,
        data: PatientInput,
        *,
        duplicates_reviewed: bool = False,
        reason: str | None = None,
    ) -> PatientInfo:
        """Create a patient with the next MRN. Refused while unreviewed duplicates exist; a
        person registered beside likely duplicates needs the reason they are different, which
        is recorded with the registration."""
        clean = data.validated(op.ctx.now().date())
        why = (reason or "").strip()
        if len(why) > 500:
            raise ValidationError("Keep the reason under 500 characters.", field="duplicate_reason")
        found = duplicate_candidates(op.db, clean, None)
        if found and not duplicates_reviewed:
            raise DuplicatesFoundError([c.patient.id for c in found])
        if found and not why:
            raise ValidationError(
                "Say why this is a different person from the similar existing record(s).",
                field="duplicate_reason",
            )
        patient = create_patient(op, clean)
        if found:
            ids = ", ".join(str(c.patient.id) for c in found)
            op.event.detail = f"registered after duplicate review of patients {ids}"
            op.event.reason = why  # typed words in the reason field, never in the details
        return rows.info(patient)

    @audited(Action.VIEW, DataCategory.DEMOGRAPHICS, patient="patient_id")
    def get(self, op: Op, patient_id: PatientId) -> PatientInfo:
        return rows.info(_get(op.db, patient_id))

    @audited(Action.VIEW, DataCategory.DEMOGRAPHICS, patient="patient_id")
    def record(self, op: Op, patient_id: PatientId) -> PatientRecord:
        """Full demographics, contacts and insurance, as the registration form shows them."""
        return rows.record(op.db, _get(op.db, patient_id))

    @audited(Action.QUERY, DataCategory.DEMOGRAPHICS)
    def find_by_mrn(self, op: Op, mrn: str) -> PatientInfo:
        typed = mrn.strip()
        wanted = {typed, typed.zfill(8)} if typed.isdigit() else {typed}
        patient = op.db.execute(select(Patient).where(Patient.mrn.in_(wanted))).scalar()
        if patient is None:
            raise NotFoundError("No patient has that MRN.")
        op.about_patient(patient.id)
        return rows.info(patient)

    @audited(Action.QUERY, DataCategory.DEMOGRAPHICS)
    def list_all(self, op: Op, *, limit: int = 500) -> list[PatientInfo]:
        result = op.db.execute(
            select(Patient)
            .where(Patient.merged_into_id.is_(None))
            .order_by(Patient.sort_key, Patient.id)
            .limit(limit)
        ).scalars()
        listed = [rows.info(p) for p in result]
        op.event.detail = patients_detail(p.id for p in listed)
        return listed

    @audited(Action.QUERY, DataCategory.DEMOGRAPHICS)
    def search(self, op: Op, text: str, *, limit: int = SEARCH_LIMIT) -> PatientMatches:
        """Name fragments in any order, date of birth, MRN or phone digits, as typed; then,
        if the page is not full, names spelt alike (``exact`` on the result tells them apart).
        """
        found = find(op.db, text, today=op.ctx.now().date(), limit=limit)
        # Every patient a search shows is named in its audit event (ids only, no search text).
        op.event.detail = patients_detail(p.id for p in found)
        return found

    @audited(Action.QUERY, DataCategory.DEMOGRAPHICS)
    def recent(self, op: Op, *, limit: int = 10) -> list[PatientInfo]:
        """The patients this user opened most recently (from their own audit events)."""
        seen = op.db.execute(
            select(AuditEvent.patient_id)
            .where(
                AuditEvent.user_id == op.user.id,
                AuditEvent.entry_point.in_(CHART_OPENINGS),
                AuditEvent.outcome == "success",
                AuditEvent.patient_id.is_not(None),
            )
            .order_by(AuditEvent.seq.desc())
            .limit(limit * 10)
        ).scalars()
        found: list[PatientInfo] = []
        ids: list[int] = []
        for pid in seen:
            patient = op.db.get(Patient, pid)
            while patient is not None and patient.merged_into_id is not None:
                patient = op.db.get(Patient, patient.merged_into_id)
            if patient is None or patient.id in ids:
                continue
            ids.append(patient.id)
            found.append(rows.info(patient))
            if len(found) == limit:
                break
        op.event.detail = patients_detail(ids)
        return found

    @audited(Action.UPDATE, DataCategory.DEMOGRAPHICS, patient="patient_id")
    def update(
        self, op: Op, patient_id: PatientId, data: PatientInput, *, expected_version: int
    ) -> PatientInfo:
        patient = _get(op.db, patient_id)
        if patient.merged_into_id is not None:
            raise ValidationError(
                f"This record was merged into MRN {_get(op.db, patient.merged_into_id).mrn}; "
                "edit that record instead."
            )
        if patient.version_id != expected_version:
            raise ConflictError(
                "Someone else changed this patient since you opened the record. "
                "Your changes were not saved; reopen the record and apply them again."
            )
        clean = data.validated(op.ctx.now().date())
        before = rows.record(op.db, patient)
        rows.assign(patient, clean)
        patient.updated_at = iso(op.ctx.now())
        op.db.flush()  # bumps version_id (optimistic lock against other workstations)
        rows.replace_children(op.db, patient, clean, before=before)
        rows.snapshot(op, patient, rows.record_after_save(patient, clean))
        return rows.info(patient)

    @audited(Action.VIEW, DataCategory.DEMOGRAPHICS, patient="patient_id")
    def history(self, op: Op, patient_id: PatientId) -> list[VersionInfo]:
        _get(op.db, patient_id)
        return record_versions(op.db, patient_id)

    @audited(Action.VIEW, DataCategory.DEMOGRAPHICS, patient="patient_id")
    def open_chart(self, op: Op, patient_id: PatientId) -> tuple[PatientRecord, list[VersionInfo]]:
        """What an open chart shows (record and its versions): one view, one audit event."""
        record = rows.record(op.db, _get(op.db, patient_id))
        return record, record_versions(op.db, patient_id)

    @audited(Action.VIEW, DataCategory.DEMOGRAPHICS, patient="patient_id")
    def merge_suggestion(
        self, op: Op, patient_id: PatientId, other_id: PatientId
    ) -> MergeSuggestion:
        """Which of two records of the same person to keep in a merge, and why."""
        if patient_id == other_id:
            raise ValidationError("Choose two different patients to merge.")
        a, b = _get(op.db, patient_id), _get(op.db, other_id)
        op.event.detail = patients_detail([a.id, b.id])
        return patient_merge.suggestion(op, a, b, now=op.ctx.now())

    @audited(Action.DELETE, DataCategory.DEMOGRAPHICS, patient="keep_id")
    def merge(self, op: Op, keep_id: PatientId, merge_id: PatientId, *, reason: str) -> PatientInfo:
        """Merge ``merge_id`` into ``keep_id``: its notes, contacts and insurance move over;
        the merged record stays, pointing at the one kept, so its history is traceable.
        ``reason`` (required) is recorded in the audit event and both records' history."""
        if keep_id == merge_id:
            raise ValidationError("Choose two different patients to merge.")
        return patient_merge.merge(op, _get(op.db, keep_id), _get(op.db, merge_id), reason)

    # ------------------------------------------------------------------ notes

    @audited(Action.CREATE, DataCategory.CLINICAL, patient="patient_id")
    def add_note(
        self, op: Op, patient_id: PatientId, text: str, *, sensitive: bool = False
    ) -> NoteInfo:
        if sensitive:
            op.require(Action.CREATE, DataCategory.SENSITIVE, patient_id)
        if not text.strip():
            raise ValidationError("The note is empty.", field="text")
        _get(op.db, patient_id)
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
            stored_utc(note.created_at),
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
        found = op.db.execute(query).all()
        hidden = (
            0
            if show_sensitive
            else op.db.execute(
                select(func.count())
                .select_from(ClinicalNote)
                .where(ClinicalNote.patient_id == patient_id, ClinicalNote.sensitive.is_(True))
            ).scalar_one()
        )
        op.event.detail = f"{len(found)} notes" + (f", {hidden} sensitive hidden" if hidden else "")
        return [
            NoteInfo(
                NoteId(n.id),
                PatientId(n.patient_id),
                author,
                n.sensitive,
                n.text,
                stored_utc(n.created_at),
                n.entered_in_error,
            )
            for n, author in found
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
