"""Encounters (issue 10): the generic clinical item service for the visit and its SOAP note,
plus signing (the provider's password again), addenda to signed notes, and the reads the
encounter screens need (a patient's list, one encounter with everything linked to it, the
clinic's day, a provider's unsigned notes).

A signed note is locked: the generic update and entered-in-error refuse it in plain words
(``services.encounter_kinds``), and the database refuses it too (schema 0012).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import select

from medrec_desktop.domain.amendments import AddendumInfo, addendum_text
from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemStatus
from medrec_desktop.domain.dto import PatientId
from medrec_desktop.domain.encounter_views import (
    EncounterDetail,
    EncounterList,
    TodayRow,
    UnsignedRow,
)
from medrec_desktop.domain.encounters import (
    UNSIGNED_NOTE_DAYS_SETTING,
    EncounterData,
    EncounterInput,
)
from medrec_desktop.domain.encounters import unsigned_note_days as parse_note_days
from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from medrec_desktop.models import ClinicSetting, Encounter, User
from medrec_desktop.services import encounter_views as views
from medrec_desktop.services import versioning
from medrec_desktop.services.addenda import NOT_SIGNED, addenda_of, write_addendum
from medrec_desktop.services.auth import recheck_password
from medrec_desktop.services.base import Op, audited
from medrec_desktop.services.clinical_items import ClinicalItemService
from medrec_desktop.services.listing import patients_detail

SIGNED = "Signed"  # the reason of the signing version, in the note's history
ONLY_PROVIDER = "Only the provider of this visit can sign its note. This attempt was recorded."
WRONG_PASSWORD = "The password is not correct; the note was not signed."


def read_unsigned_note_days(op: Op) -> int:
    row = op.db.get(ClinicSetting, UNSIGNED_NOTE_DAYS_SETTING)
    try:
        return parse_note_days(row.value if row is not None else None)
    except ValidationError:  # a value stored by hand: the default rather than no list
        return parse_note_days(None)


class EncounterService(ClinicalItemService[EncounterData, EncounterInput]):
    """``inst.encounters``: add/update/get/history/list/entered-in-error as for every item,
    and what only encounters have."""

    # ------------------------------------------------------------------ signing, addenda

    @audited(Action.UPDATE, DataCategory.CLINICAL)
    def sign(
        self, op: Op, encounter_id: ItemId, *, password: str, expected_version: int
    ) -> ItemInfo[EncounterData]:
        """Sign the note: only its own provider, typing their password again (a wrong one is
        refused, counted like a failed sign-in and audited as a failure). Signing is a new
        version of the encounter (who signed, when) and locks the note and everything
        recorded in it."""
        row = self._encounter(op, encounter_id, lock=True)
        self._require_label_access(op, Action.UPDATE, row)
        versioning.require_version(
            row, expected_version, lambda: versioning.info_of(op.db, row, EncounterData)
        )
        op.event.detail = f"encounter {row.id}"
        if row.status == ItemStatus.ENTERED_IN_ERROR:
            raise ValidationError("This encounter was entered in error; it cannot be signed.")
        if row.signed_at is not None:
            raise ValidationError("This note is already signed.")
        if op.role is not Role.PROVIDER or row.provider_id != op.user.id:
            raise PermissionDeniedError(ONLY_PROVIDER)
        if not recheck_password(op, password, message=WRONG_PASSWORD, field="password"):
            return _NOT_SIGNED
        row.signed_by = op.user.id
        row.signed_at = op.ctx.now()
        saved = versioning.save(op, row, EncounterData, reason=SIGNED)
        op.event.detail = f"encounter {row.id} signed, version {saved.version}"
        return saved

    @audited(Action.CREATE, DataCategory.CLINICAL)
    def add_addendum(self, op: Op, encounter_id: ItemId, *, reason: str, text: str) -> AddendumInfo:
        """Add text to a signed note: who (the caller), when (now), why (``reason``)."""
        row = self._encounter(op, encounter_id, lock=True)
        self._require_label_access(op, Action.CREATE, row)
        if row.signed_at is None:
            raise ValidationError(NOT_SIGNED)
        why, body = addendum_text(reason, text)
        added = write_addendum(op, row, why, body)
        op.event.detail = f"addendum {added.id} to encounter {row.id}"
        return added

    # ------------------------------------------------------------------ reading

    @audited(Action.VIEW, DataCategory.CLINICAL)
    def detail(self, op: Op, encounter_id: ItemId) -> EncounterDetail:
        """The encounter view in one call: the note, its addenda (oldest first), the vitals,
        tests and procedures recorded in it, the problems addressed and the amendment
        requests about it."""
        row = self._encounter(op, encounter_id, lock=False)
        self._require_label_access(op, Action.VIEW, row)
        people = {row.created_by, row.changed_by, row.provider_id}
        if row.signed_by is not None:
            people.add(row.signed_by)
        names = versioning.display_names(op.db, people)
        vitals, tests, procedures, withheld = views.linked_entries(op, row)
        addenda = addenda_of(op, row.id)
        op.event.detail = f"encounter {row.id}" + (f", {len(addenda)} addenda" if addenda else "")
        return EncounterDetail(
            item=versioning.to_info(row, EncounterData, names),
            provider=names.get(row.provider_id, "(unknown user)"),
            signed_by=names.get(row.signed_by) if row.signed_by is not None else None,
            addenda=addenda,
            vitals=vitals,
            tests=tests,
            procedures=procedures,
            problems=views.addressed_problems(op, row),
            amendments=views.requests_about(op, row),
            locked=row.signed_at is not None,
            queries=views.answered_queries(op, row),
            withheld=withheld,
        )

    @audited(Action.VIEW, DataCategory.CLINICAL, patient="patient_id")
    def list_for_patient(
        self, op: Op, patient_id: PatientId, *, include_entered_in_error: bool = False
    ) -> EncounterList:
        """The patient's encounters, newest first (one query, whatever their number)."""
        listed = views.patient_encounters(
            op, patient_id, include_entered_in_error=include_entered_in_error
        )
        detail = f"{len(listed.rows)} encounters"
        if listed.withheld:
            detail += "; withheld " + ", ".join(
                f"{s.value} {n}" for s, n in listed.withheld.items()
            )
        op.event.detail = detail
        return listed

    @audited(Action.VIEW, DataCategory.CLINICAL, patient="patient_id")
    def open_choices(self, op: Op, patient_id: PatientId) -> tuple[tuple[int, str], ...]:
        """The encounters an entry may be recorded in (the patient's unsigned visits), for
        the "Encounter" choice of the vitals, test and procedure forms."""
        choices = views.open_encounters(op, patient_id)
        op.event.detail = f"{len(choices)} open encounters"
        return choices

    @audited(Action.QUERY, DataCategory.CLINICAL)
    def today(self, op: Op, day: dt.date) -> tuple[TodayRow, ...]:
        """The clinic's visits on ``day`` (a local date), in order of time."""
        rows = views.day_list(op, day)
        op.event.detail = "day list: " + patients_detail(r.patient_id for r in rows)
        return rows

    @audited(Action.QUERY, DataCategory.CLINICAL)
    def unsigned(self, op: Op, *, provider_id: int | None = None) -> tuple[UnsignedRow, ...]:
        """A provider's (default: the caller's) notes still unsigned longer than the clinic
        setting allows (``unsigned_note_days``), oldest first."""
        who = provider_id if provider_id is not None else op.user.id
        rows = views.unsigned_notes(op, who, read_unsigned_note_days(op))
        op.event.detail = f"unsigned notes of user {who}: " + patients_detail(
            r.patient_id for r in rows
        )
        return rows

    @audited(Action.QUERY, DataCategory.CLINICAL)
    def providers(self, op: Op) -> tuple[tuple[int, str], ...]:
        """The clinic's active providers (id, display name), by name: the form's choice."""
        found = op.db.execute(
            select(User.id, User.display_name)
            .where(User.role == Role.PROVIDER, User.active.is_(True))
            .order_by(User.display_name, User.id)
        ).all()
        op.event.detail = f"{len(found)} providers"
        return tuple((r.id, r.display_name) for r in found)

    # ------------------------------------------------------------------ the clinic setting

    # Every role may read the threshold its unsigned list uses; it holds no PHI. Filed under
    # the caller's session (the one category every role may view).
    @audited(Action.VIEW, DataCategory.SESSION)
    def unsigned_note_days(self, op: Op) -> int:
        """After how many days an unsigned note is listed for its provider."""
        op.event.detail = UNSIGNED_NOTE_DAYS_SETTING
        return read_unsigned_note_days(op)

    @audited(Action.UPDATE, DataCategory.SETTINGS)
    def set_unsigned_note_days(self, op: Op, days: int) -> int:
        """Administrators: list unsigned notes after ``days`` days (0 to 365)."""
        value = parse_note_days(str(days))
        row = op.db.get(ClinicSetting, UNSIGNED_NOTE_DAYS_SETTING)
        if row is None:
            op.db.add(ClinicSetting(key=UNSIGNED_NOTE_DAYS_SETTING, value=str(value)))
        else:
            row.value = str(value)
        op.event.detail = f"changed {UNSIGNED_NOTE_DAYS_SETTING}"
        return value

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _validated(op: Op, data: EncounterInput) -> EncounterData:
        # A provider charting their own visit need not choose themselves.
        if data.provider_id is None and op.role is Role.PROVIDER:
            data = replace(data, provider_id=op.user.id)
        return data.validated(op.ctx.now().date())

    def _encounter(self, op: Op, encounter_id: int, *, lock: bool) -> Encounter:
        """The encounter's row (locked for writes); the event names its patient."""
        if lock:
            row = self._row(op, encounter_id)
        else:
            found = op.db.get(Encounter, encounter_id)
            if found is None:
                raise NotFoundError("That encounter does not exist.")
            row = found
            op.about_patient(row.patient_id)
            op.require(op.event.action, DataCategory.CLINICAL, row.patient_id)
        if not isinstance(row, Encounter):  # pragma: no cover - the kind's model
            raise TypeError("not an encounter")
        return row


# Never returned to a caller: the deferred error is raised after the commit.
_NOT_SIGNED: ItemInfo[EncounterData] = None  # type: ignore[assignment]
