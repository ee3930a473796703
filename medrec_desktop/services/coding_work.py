"""The coder's work on one encounter (issue 13): its codes saved as versions, checked by the
validation engine with the patient's age and sex, the date of service and the setting taken
from the record (nobody retypes them), "mark coded" refused while errors stand unless each
is overridden with a written reason, "return to provider" with a reason, review suggestions
dismissed with a reason, and the history of every re-coding.

Coding needs both the coding rights (coders) and sight of the clinical record (so an
administrator, who manages code sets but sees no clinical data, cannot read an encounter's
diagnoses); a labelled encounter needs the label's rights too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select

from medrec_desktop.coding.types import CodeSystem, Finding, Setting, Severity
from medrec_desktop.domain.chronic_review import ReviewResult
from medrec_desktop.domain.clinical import ItemInfo, ItemStatus, ItemVersion
from medrec_desktop.domain.coding_work import (
    CareSetting,
    CodedDiagnosis,
    CodedProcedure,
    CodingData,
    CodingInput,
    CodingState,
    Dismissal,
    WorklistFilter,
    WorklistPage,
    clean_reason,
    finding_key,
    overrides_for,
)
from medrec_desktop.domain.encounters import EncounterType
from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from medrec_desktop.models import Encounter, EncounterCoding, Patient
from medrec_desktop.services import chronic_review, coding_worklist, versioning
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.coding import CodeSets
from medrec_desktop.services.context import ServiceContext

ITEM_TYPE = EncounterCoding.__item_type__
NOT_SIGNED = "This note is not signed yet; it can be coded once its provider signs it."
ONLY_PROVIDER = "Only the provider of this visit can send it back to coding."

#: encounter-level checks the code sets cannot make (a claim needs its diagnoses and each
#: professional line its pointer)
ENCOUNTER_RULES = {
    "ENC-NO-DX": "An encounter is coded with at least one diagnosis.",
    "ENC-NO-POINTER": (
        "Each HCPCS or CPT line points to the diagnosis (up to four) that it was done for."
    ),
}


@dataclass(frozen=True)
class EncounterContext:
    """What the coding pane shows above the codes and what the checks use, from the record."""

    encounter_id: int
    patient_id: int
    mrn: str
    patient_name: str
    birth_date: dt.date
    sex: str
    #: the date of service: the visit's local date
    dos: dt.date
    starts_at: dt.datetime
    encounter_type: EncounterType
    provider_id: int
    provider: str
    signed: bool
    sensitivity: str | None

    @property
    def age(self) -> int:
        """Whole years on the date of service (what the MCE age edits need)."""
        b, d = self.birth_date, self.dos
        return d.year - b.year - ((d.month, d.day) < (b.month, b.day))

    @property
    def mce_sex(self) -> str | None:
        return {"female": "F", "male": "M"}.get(self.sex)


@dataclass(frozen=True)
class CodingView:
    """One encounter as the coder works on it: the record's context, the saved coding (None
    before the first save), the findings of the saved codes and who coded it."""

    context: EncounterContext
    coding: ItemInfo[CodingData] | None
    findings: tuple[Finding, ...]
    coded_by: str | None
    open_queries: int

    @property
    def state(self) -> CodingState | None:
        return self.coding.data.state if self.coding is not None else None

    @property
    def version(self) -> int | None:
        return self.coding.version if self.coding is not None else None


def local_dos(starts_at: dt.datetime) -> dt.date:
    return starts_at.astimezone().date()


class EncounterCodingService(Service):
    """``holder.coding_work`` (and the CLI's): needs the workstation's code sets."""

    def __init__(self, *, ctx: ServiceContext, codes: CodeSets) -> None:
        super().__init__(ctx=ctx)
        self._codes = codes

    # ------------------------------------------------------------------ reading

    @audited(Action.VIEW, DataCategory.CODING)
    def get(self, op: Op, encounter_id: int) -> CodingView:
        """The encounter's coding with its findings, checked now against the code sets."""
        context = self._context(op, encounter_id, Action.VIEW)
        row = self._coding_row(op, encounter_id, lock=False)
        op.event.detail = f"coding of encounter {encounter_id}"
        return self._view(op, context, row)

    @audited(Action.VIEW, DataCategory.CODING)
    def history(self, op: Op, encounter_id: int) -> list[ItemVersion[CodingData]]:
        """Every saved version of the encounter's coding, oldest first, each with what changed
        (re-coding shows the codes before and after)."""
        self._context(op, encounter_id, Action.VIEW)
        row = self._coding_row(op, encounter_id, lock=False)
        op.event.detail = f"coding history of encounter {encounter_id}"
        if row is None:
            return []
        return versioning.history(op, ITEM_TYPE, row.id, CodingData)

    @audited(Action.VIEW, DataCategory.CODING)
    def review(self, op: Op, encounter_id: int) -> ReviewResult:
        """Chronic-condition review beside the encounter: conditions the record shows that
        its codes do not, each with its evidence; dismissed ones listed with their reasons."""
        context = self._context(op, encounter_id, Action.VIEW)
        row = self._coding_row(op, encounter_id, lock=False)
        result = chronic_review.review(
            op, self._codes.get(), context, self._data(row) if row is not None else None
        )
        op.event.detail = (
            f"chronic-condition review of encounter {encounter_id}: "
            f"{len(result.suggestions)} suggestions"
        )
        return result

    @audited(Action.QUERY, DataCategory.CODING)
    def worklist(
        self, op: Op, filters: WorklistFilter, *, offset: int = 0, limit: int = 100
    ) -> WorklistPage:
        """Signed encounters by date of service with the counts beside each filter."""
        op.require(Action.QUERY, DataCategory.CLINICAL)
        page = coding_worklist.page(op, filters, offset=offset, limit=limit)
        op.event.detail = f"coding worklist ({filters.scope.value}): " + ",".join(
            str(r.patient_id) for r in page.rows
        )
        return page

    @audited(Action.QUERY, DataCategory.CLINICAL)
    def returned_to_me(self, op: Op) -> WorklistPage:
        """A provider's encounters a coder returned, with the reasons (the provider answers
        with an addendum and sends the encounter back to coding)."""
        page = coding_worklist.page(
            op, WorklistFilter(scope=coding_worklist.WorklistScope.RETURNED, provider_id=op.user.id)
        )
        op.event.detail = "encounters returned to me: " + ",".join(
            str(r.patient_id) for r in page.rows
        )
        return page

    # ------------------------------------------------------------------ writing

    @audited(Action.UPDATE, DataCategory.CODING)
    def save(
        self,
        op: Op,
        encounter_id: int,
        data: CodingInput,
        *,
        expected_version: int | None,
        reason: str | None = None,
    ) -> CodingView:
        """Save the codes (a new version). A coded encounter changed again goes back to
        "being coded" and needs a reason: the re-coding is in its history."""
        context = self._context(op, encounter_id, Action.UPDATE)
        if not context.signed:
            raise ValidationError(NOT_SIGNED)
        setting, diagnoses, procedures = data.validated()
        diagnoses, procedures = self._titled(context.dos, diagnoses, procedures)
        row = self._coding_row(op, encounter_id, lock=True)
        self._require_version(op, row, expected_version)
        before = self._data(row) if row is not None else None
        why = None
        if before is not None and before.state is CodingState.CODED:
            why = clean_reason(reason or "", what="for changing the codes of a coded encounter")
        elif reason:
            why = clean_reason(reason, what="")
        findings = self._findings(context, setting, diagnoses, procedures)
        errors, warnings = _counts(findings)
        new = CodingData(
            encounter_id=encounter_id,
            state=CodingState.IN_PROGRESS,
            setting=setting,
            diagnoses=diagnoses,
            procedures=procedures,
            overrides=before.overrides if before is not None else (),
            dismissals=before.dismissals if before is not None else (),
            error_count=errors,
            warning_count=warnings,
        )
        row = self._write(op, context, row, new, why)
        op.event.detail = (
            f"coding of encounter {encounter_id} saved: {len(diagnoses)} diagnoses, "
            f"{len(procedures)} procedures, {errors} errors"
        )
        return self._view(op, context, row, findings)

    @audited(Action.UPDATE, DataCategory.CODING)
    def mark_coded(
        self,
        op: Op,
        encounter_id: int,
        *,
        expected_version: int,
        overrides: Mapping[str, str] | None = None,
    ) -> CodingView:
        """Finish the encounter. Refused while an error finding stands without an override
        reason (``overrides`` maps ``finding_key(rule, codes)`` to the reason typed; reasons
        given before for the same findings are kept)."""
        if op.role is not Role.CODER:
            raise PermissionDeniedError("Only a coder marks an encounter coded.")
        context = self._context(op, encounter_id, Action.UPDATE)
        row = self._coding_row(op, encounter_id, lock=True)
        if row is None:
            raise ValidationError("Add the codes and save them before marking it coded.")
        self._require_version(op, row, expected_version)
        data = self._data(row)
        if data.state is CodingState.CODED:
            raise ValidationError("This encounter is already coded.")
        findings = self._findings(context, data.setting, data.diagnoses, data.procedures)
        errors = [(f.rule_id, f.codes, f.message) for f in findings if f.severity is Severity.ERROR]
        made, missing = overrides_for(errors, overrides or {}, data.overrides)
        if missing:
            raise OverrideNeededError(missing)
        error_count, warning_count = _counts(findings)
        new = replace(
            data,
            state=CodingState.CODED,
            overrides=made,
            error_count=error_count,
            warning_count=warning_count,
            coded_by=op.user.id,
            coded_at=op.ctx.now(),
            return_reason=None,
        )
        n = len(made)
        why = "Marked coded" + (f" with {n} error{'s' if n != 1 else ''} overridden" if n else "")
        row = self._write(op, context, row, new, why)
        op.event.detail = f"encounter {encounter_id} marked coded, {len(made)} overrides"
        return self._view(op, context, row, findings)

    @audited(Action.UPDATE, DataCategory.CODING)
    def return_to_provider(
        self, op: Op, encounter_id: int, *, expected_version: int | None, reason: str
    ) -> CodingView:
        """Send the encounter back to its provider with the reason (shown in their list)."""
        # Who may act first: a refusal is audited as a denial, not as a missing reason.
        context = self._context(op, encounter_id, Action.UPDATE)
        why = clean_reason(reason, what="for returning the encounter to its provider")
        if not context.signed:
            raise ValidationError(NOT_SIGNED)
        row = self._coding_row(op, encounter_id, lock=True)
        self._require_version(op, row, expected_version)
        data = self._data(row) if row is not None else self._empty(encounter_id)
        if data.state is CodingState.CODED:
            raise ValidationError("This encounter is coded; change its codes to re-code it first.")
        new = replace(data, state=CodingState.RETURNED, return_reason=why)
        row = self._write(op, context, row, new, f"Returned to provider: {why}")
        op.event.detail = f"encounter {encounter_id} returned to its provider"
        return self._view(op, context, row)

    @audited(Action.UPDATE, DataCategory.CLINICAL)
    def send_back_to_coding(
        self, op: Op, encounter_id: int, *, expected_version: int, note: str
    ) -> CodingView:
        """The provider's answer to a return: back on the coders' worklist, with a note
        (what was added or why nothing was)."""
        context = self._context(op, encounter_id, Action.UPDATE, category=DataCategory.CLINICAL)
        if op.role is not Role.PROVIDER or context.provider_id != op.user.id:
            raise PermissionDeniedError(ONLY_PROVIDER)
        why = clean_reason(note, what="(say what you added or why nothing was needed)")
        row = self._coding_row(op, encounter_id, lock=True)
        if row is None or self._data(row).state is not CodingState.RETURNED:
            raise ValidationError("This encounter was not returned to you.")
        self._require_version(op, row, expected_version)
        new = replace(self._data(row), state=CodingState.IN_PROGRESS)
        row = self._write(op, context, row, new, f"Sent back to coding: {why}")
        op.event.detail = f"encounter {encounter_id} sent back to coding"
        return self._view(op, context, row)

    @audited(Action.UPDATE, DataCategory.CODING)
    def dismiss(
        self,
        op: Op,
        encounter_id: int,
        *,
        expected_version: int | None,
        key: str,
        code: str,
        reason: str,
    ) -> CodingView:
        """Set a chronic-condition review suggestion aside for this encounter, with why."""
        context = self._context(op, encounter_id, Action.UPDATE)
        why = clean_reason(reason, what="for dismissing the suggestion")
        if not context.signed:
            raise ValidationError(NOT_SIGNED)
        row = self._coding_row(op, encounter_id, lock=True)
        self._require_version(op, row, expected_version)
        data = self._data(row) if row is not None else self._empty(encounter_id)
        kept = tuple(d for d in data.dismissals if d.key != key)
        new = replace(data, dismissals=(*kept, Dismissal(key=key, code=code, reason=why)))
        row = self._write(op, context, row, new, f"Suggestion dismissed: {why}")
        op.event.detail = f"review suggestion dismissed on encounter {encounter_id}"
        return self._view(op, context, row)

    # ------------------------------------------------------------------ helpers

    def _context(
        self,
        op: Op,
        encounter_id: int,
        action: Action,
        *,
        category: DataCategory = DataCategory.CODING,
    ) -> EncounterContext:
        found = op.db.execute(
            select(Encounter, Patient)
            .join(Patient, Patient.id == Encounter.patient_id)
            .where(Encounter.id == encounter_id)
        ).first()
        if found is None:
            raise NotFoundError("That encounter does not exist.")
        encounter, patient = found
        op.about_patient(patient.id)
        # Coding reads the clinical record: a role without sight of it codes nothing.
        op.require(Action.VIEW, DataCategory.CLINICAL, patient.id)
        op.require(action, category, patient.id)
        if encounter.sensitivity is not None:
            op.require(Action.VIEW, DataCategory.SENSITIVE, patient.id)
        if encounter.status == ItemStatus.ENTERED_IN_ERROR:
            raise ValidationError("This encounter was entered in error; it is not coded.")
        names = versioning.display_names(op.db, (encounter.provider_id,))
        return EncounterContext(
            encounter_id=encounter.id,
            patient_id=patient.id,
            mrn=patient.mrn,
            patient_name=f"{patient.family_name}, {patient.given_names}",
            birth_date=patient.birth_date,
            sex=patient.sex,
            dos=local_dos(encounter.starts_at),
            starts_at=encounter.starts_at,
            encounter_type=EncounterType(encounter.encounter_type),
            provider_id=encounter.provider_id,
            provider=names.get(encounter.provider_id, "(unknown user)"),
            signed=encounter.signed_at is not None,
            sensitivity=encounter.sensitivity,
        )

    @staticmethod
    def _coding_row(op: Op, encounter_id: int, *, lock: bool) -> EncounterCoding | None:
        query = select(EncounterCoding).where(EncounterCoding.encounter_id == encounter_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return op.db.execute(query).scalar_one_or_none()

    @staticmethod
    def _data(row: EncounterCoding) -> CodingData:
        return versioning.to_info(row, CodingData, {}).data

    @staticmethod
    def _empty(encounter_id: int) -> CodingData:
        return CodingData(
            encounter_id=encounter_id, state=CodingState.IN_PROGRESS, setting=CareSetting.OUTPATIENT
        )

    @staticmethod
    def _require_version(op: Op, row: EncounterCoding | None, expected: int | None) -> None:
        if row is None:
            if expected is not None:
                raise NotFoundError("That encounter's coding does not exist.")
            return
        if expected is None:
            # Someone else saved the first version while this pane was open.
            expected = 0
        versioning.require_version(
            row, expected, lambda: versioning.info_of(op.db, row, CodingData)
        )

    @staticmethod
    def _write(
        op: Op,
        context: EncounterContext,
        row: EncounterCoding | None,
        data: CodingData,
        reason: str | None,
    ) -> EncounterCoding:
        if row is None:
            row = EncounterCoding(
                patient_id=context.patient_id,
                status=ItemStatus.ACTIVE.value,
                sensitivity=context.sensitivity,
            )
        versioning.assign(row, data)
        versioning.save(op, row, CodingData, reason=reason)
        return row

    def _titled(
        self,
        dos: dt.date,
        diagnoses: Sequence[CodedDiagnosis],
        procedures: Sequence[CodedProcedure],
    ) -> tuple[tuple[CodedDiagnosis, ...], tuple[CodedProcedure, ...]]:
        """Codes in their display form with the titles of the code set (what was typed is
        kept for a code the code sets do not hold: the findings say so)."""
        store = self._codes.get()

        def title(code: str, system: CodeSystem, typed: str) -> tuple[str, str]:
            found = store.lookup(code, dos, system)
            if found is None:
                return code, typed
            row, _ = found
            shown = (
                f"{row.code[:3]}.{row.code[3:]}"
                if system is CodeSystem.ICD10CM and len(row.code) > 3
                else row.code
            )
            return shown, row.title or typed

        dx = []
        for d in diagnoses:
            code, name = title(d.code, CodeSystem.ICD10CM, d.title)
            dx.append(replace(d, code=code, title=name))
        px = []
        for p in procedures:
            code, name = title(p.code, CodeSystem(p.system.value), p.title)
            px.append(replace(p, code=code, title=name))
        return tuple(dx), tuple(px)

    def _findings(
        self,
        context: EncounterContext,
        setting: CareSetting,
        diagnoses: Sequence[CodedDiagnosis],
        procedures: Sequence[CodedProcedure],
    ) -> tuple[Finding, ...]:
        found = self._codes.get().validate_encounter(
            [d.code for d in diagnoses],
            [(CodeSystem(p.system.value), p.code) for p in procedures],
            context.dos,
            context.age,
            context.mce_sex,
            Setting(setting.value),
        )
        return (*encounter_findings(diagnoses, procedures), *found)

    def _view(
        self,
        op: Op,
        context: EncounterContext,
        row: EncounterCoding | None,
        findings: tuple[Finding, ...] | None = None,
    ) -> CodingView:
        coding = None
        coded_by = None
        if row is not None:
            people = [row.created_by, row.changed_by]
            if row.coded_by is not None:
                people.append(row.coded_by)
            names = versioning.display_names(op.db, people)
            coding = versioning.to_info(row, CodingData, names)
            coded_by = names.get(row.coded_by) if row.coded_by is not None else None
            if findings is None:
                d = coding.data
                findings = self._findings(context, d.setting, d.diagnoses, d.procedures)
        return CodingView(
            context=context,
            coding=coding,
            findings=findings or (),
            coded_by=coded_by,
            open_queries=coding_worklist.open_queries(op, context.encounter_id),
        )


class OverrideNeededError(ValidationError):
    """Errors stand without a written override reason: the keys of those findings."""

    def __init__(self, keys: Sequence[str]) -> None:
        n = len(keys)
        super().__init__(
            f"{n} error{'s' if n != 1 else ''} must be fixed, or overridden with a written "
            "reason, before the encounter is marked coded.",
            field="overrides",
        )
        self.keys = tuple(keys)


def encounter_findings(
    diagnoses: Sequence[CodedDiagnosis], procedures: Sequence[CodedProcedure]
) -> list[Finding]:
    out: list[Finding] = []
    if not diagnoses:
        out.append(
            Finding(
                Severity.ERROR,
                "ENC-NO-DX",
                "Add at least one diagnosis: the first listed is the reason for the visit.",
                ENCOUNTER_RULES["ENC-NO-DX"],
            )
        )
    for p in procedures:
        if p.system.takes_modifiers and not p.pointers and diagnoses:
            out.append(
                Finding(
                    Severity.ERROR,
                    "ENC-NO-POINTER",
                    f"{p.code} points to no diagnosis: choose the diagnosis it was done for.",
                    ENCOUNTER_RULES["ENC-NO-POINTER"],
                    (p.code,),
                )
            )
    return out


def _counts(findings: Sequence[Finding]) -> tuple[int, int]:
    return (
        sum(1 for f in findings if f.severity is Severity.ERROR),
        sum(1 for f in findings if f.severity is Severity.WARNING),
    )


__all__ = [
    "CodingView",
    "EncounterCodingService",
    "EncounterContext",
    "OverrideNeededError",
    "encounter_findings",
    "finding_key",
]
