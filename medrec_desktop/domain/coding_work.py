"""An encounter's codes (issue 13): its diagnoses in order, its procedures with modifiers,
units and diagnosis pointers, the errors a coder overrode and the review suggestions they
dismissed, and where the coding stands.

One coding per encounter, versioned like every clinical item (``models.EncounterCoding``):
each save, "mark coded", "return to provider" and re-coding is a version, so the history shows
what changed between them. The code sets are not reachable from here (``domain`` sits below
``coding``): codes are checked for shape here and against the code sets by the service.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from medrec_desktop.domain.clinical import label
from medrec_desktop.domain.errors import ValidationError

#: a claim holds at most this many diagnoses (the institutional claim's 25)
MAX_DIAGNOSES = 25
#: a professional claim's diagnosis pointers reach its first twelve diagnoses (A to L)
POINTABLE_DIAGNOSES = 12
MAX_PROCEDURES = 50
MAX_MODIFIERS = 4
MAX_POINTERS = 4
MAX_UNITS = 999
REASON_MAX = 500
_MODIFIER = re.compile(r"^[A-Z0-9]{2}$")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9.]{1,9}$")


class CodingState(StrEnum):
    IN_PROGRESS = "in_progress"
    CODED = "coded"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    CodingState.IN_PROGRESS: "Being coded",
    CodingState.CODED: "Coded",
    CodingState.RETURNED: "Returned to provider",
}


class CareSetting(StrEnum):
    """The same values as ``coding.types.Setting`` (which this layer cannot import)."""

    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"

    @property
    def label(self) -> str:
        return "Office / outpatient" if self is CareSetting.OUTPATIENT else "Inpatient"


class ProcedureSystem(StrEnum):
    """The same values as the procedure members of ``coding.types.CodeSystem``."""

    ICD10PCS = "icd10pcs"
    HCPCS = "hcpcs"
    CPT = "cpt"

    @property
    def label(self) -> str:
        return {"icd10pcs": "ICD-10-PCS", "hcpcs": "HCPCS", "cpt": "CPT"}[self.value]

    @property
    def takes_modifiers(self) -> bool:
        """Modifiers, units and pointers belong to professional-claim lines (HCPCS, CPT)."""
        return self is not ProcedureSystem.ICD10PCS


@dataclass(frozen=True)
class CodedDiagnosis:
    code: str  # display form (E11.65)
    title: str
    #: the problem-list entry this diagnosis codes, when it came from (or went to) the list
    problem_id: int | None = None

    @property
    def label(self) -> str:
        return f"{self.code} {self.title}".strip()


@dataclass(frozen=True)
class CodedProcedure:
    system: ProcedureSystem
    code: str
    title: str
    modifiers: tuple[str, ...] = ()
    units: int = 1
    #: 1-based positions in the diagnoses, at most four, the first the primary reason
    pointers: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        parts = [f"{self.code} {self.title}".strip()]
        if self.modifiers:
            parts.append("modifiers " + " ".join(self.modifiers))
        if self.units != 1:
            parts.append(f"{self.units} units")
        if self.pointers:
            parts.append("for diagnoses " + ",".join(str(p) for p in self.pointers))
        return "; ".join(parts)


@dataclass(frozen=True)
class Override:
    """An error finding the coder let stand, with the written reason (shown on the coded
    encounter and in its history)."""

    key: str  # finding_key(rule_id, codes)
    rule_id: str
    codes: tuple[str, ...]
    message: str
    reason: str

    @property
    def label(self) -> str:
        return f"{self.rule_id} ({', '.join(self.codes)}): {self.reason}"


@dataclass(frozen=True)
class Dismissal:
    """A chronic-condition review suggestion set aside, with the reason."""

    key: str
    code: str
    reason: str

    @property
    def label(self) -> str:
        return f"{self.code or self.key}: {self.reason}"


def finding_key(rule_id: str, codes: Sequence[str]) -> str:
    """The stable name of one finding on one encounter: its rule and the codes it names."""
    return f"{rule_id}:{','.join(codes)}"


@dataclass(frozen=True)
class CodingData:
    encounter_id: int = field(metadata=label("Encounter"))
    state: CodingState = field(metadata=label("State"))
    setting: CareSetting = field(metadata=label("Setting"))
    diagnoses: tuple[CodedDiagnosis, ...] = field(default=(), metadata=label("Diagnoses"))
    procedures: tuple[CodedProcedure, ...] = field(default=(), metadata=label("Procedures"))
    overrides: tuple[Override, ...] = field(default=(), metadata=label("Errors overridden"))
    dismissals: tuple[Dismissal, ...] = field(default=(), metadata=label("Suggestions dismissed"))
    # Counts of the findings when saved: what the worklist's "has errors" filter reads.
    error_count: int = 0
    warning_count: int = 0
    coded_by: int | None = field(default=None, metadata=label("Coded by"))
    coded_at: dt.datetime | None = field(default=None, metadata=label("Coded at"))
    return_reason: str | None = field(default=None, metadata=label("Returned because"))


@dataclass(frozen=True)
class CodingInput:
    """The coding pane as edited: what the coder typed or picked, checked for shape by
    :meth:`validated` (the code sets are checked by the service)."""

    setting: CareSetting | str = CareSetting.OUTPATIENT
    diagnoses: tuple[CodedDiagnosis, ...] = ()
    procedures: tuple[CodedProcedure, ...] = ()

    def validated(
        self,
    ) -> tuple[CareSetting, tuple[CodedDiagnosis, ...], tuple[CodedProcedure, ...]]:
        try:
            setting = CareSetting(self.setting)
        except ValueError:
            raise ValidationError(
                "Choose the setting: office / outpatient or inpatient.", field="setting"
            ) from None
        if len(self.diagnoses) > MAX_DIAGNOSES:
            raise ValidationError(
                f"A claim holds at most {MAX_DIAGNOSES} diagnoses.", field="diagnoses"
            )
        if len(self.procedures) > MAX_PROCEDURES:
            raise ValidationError(
                f"An encounter holds at most {MAX_PROCEDURES} procedure lines.", field="procedures"
            )
        diagnoses = tuple(
            replace(d, code=_code(d.code, f"diagnosis {i}"), title=d.title.strip())
            for i, d in enumerate(self.diagnoses, 1)
        )
        seen: set[str] = set()
        for d in diagnoses:
            if d.code in seen:
                raise ValidationError(
                    f"{d.code} is listed twice; each diagnosis is coded once.", field="diagnoses"
                )
            seen.add(d.code)
        procedures = tuple(
            _procedure(p, i, len(diagnoses)) for i, p in enumerate(self.procedures, 1)
        )
        return setting, diagnoses, procedures


def _code(raw: str, where: str) -> str:
    code = raw.strip().upper()
    if not _CODE.match(code):
        raise ValidationError(f"The code of {where} is not a code.", field="diagnoses")
    return code


def _procedure(p: CodedProcedure, line: int, dx_count: int) -> CodedProcedure:
    where = f"procedure line {line}"
    try:
        system = ProcedureSystem(p.system)
    except ValueError:
        raise ValidationError(f"Choose the code system of {where}.", field="procedures") from None
    code = _code(p.code, where)
    modifiers = tuple(m.strip().upper() for m in p.modifiers if m.strip())
    if modifiers and not system.takes_modifiers:
        raise ValidationError(f"ICD-10-PCS codes take no modifiers ({where}).", field="procedures")
    if len(modifiers) > MAX_MODIFIERS:
        raise ValidationError(
            f"A procedure line takes at most {MAX_MODIFIERS} modifiers ({where}).",
            field="procedures",
        )
    for m in modifiers:
        if not _MODIFIER.match(m):
            raise ValidationError(
                f"A modifier is two letters or digits, like 25 or LT ({where}).",
                field="procedures",
            )
    if len(set(modifiers)) != len(modifiers):
        raise ValidationError(f"A modifier is listed twice ({where}).", field="procedures")
    if not isinstance(p.units, int) or not 1 <= p.units <= MAX_UNITS:
        raise ValidationError(
            f"Units are a whole number from 1 to {MAX_UNITS} ({where}).", field="procedures"
        )
    pointers = tuple(int(x) for x in p.pointers)
    if len(pointers) > MAX_POINTERS:
        raise ValidationError(
            f"A procedure line points to at most {MAX_POINTERS} diagnoses ({where}).",
            field="procedures",
        )
    if len(set(pointers)) != len(pointers):
        raise ValidationError(f"A diagnosis is pointed to twice ({where}).", field="procedures")
    for x in pointers:
        if not 1 <= x <= dx_count:
            raise ValidationError(
                f"Diagnosis pointer {x} points to no diagnosis ({where}).", field="procedures"
            )
        if x > POINTABLE_DIAGNOSES:
            raise ValidationError(
                f"A procedure can point only to the first {POINTABLE_DIAGNOSES} diagnoses "
                f"(the claim's A to L) ({where}).",
                field="procedures",
            )
    return CodedProcedure(
        system=system,
        code=code,
        title=p.title.strip(),
        modifiers=modifiers,
        units=p.units,
        pointers=pointers if system.takes_modifiers else (),
    )


def clean_reason(text: str, *, what: str) -> str:
    reason = " ".join(text.split())
    if not reason:
        raise ValidationError(f"Write the reason {what}.", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationError(
            f"The reason is {len(reason)} characters long; keep it to {REASON_MAX}.",
            field="reason",
        )
    return reason


# ---------------------------------------------------------------------- editing helpers


def move_diagnosis(
    diagnoses: Sequence[CodedDiagnosis],
    procedures: Sequence[CodedProcedure],
    old: int,
    new: int,
) -> tuple[tuple[CodedDiagnosis, ...], tuple[CodedProcedure, ...]]:
    """Move the diagnosis at ``old`` to ``new`` (0-based); pointers follow the diagnoses they
    pointed to, so reordering never changes what a procedure is for."""
    order = list(range(len(diagnoses)))
    order.insert(new, order.pop(old))
    moved = tuple(diagnoses[i] for i in order)
    where = {was + 1: now + 1 for now, was in enumerate(order)}
    return moved, tuple(
        replace(p, pointers=tuple(where[x] for x in p.pointers)) for p in procedures
    )


def remove_diagnosis(
    diagnoses: Sequence[CodedDiagnosis], procedures: Sequence[CodedProcedure], index: int
) -> tuple[tuple[CodedDiagnosis, ...], tuple[CodedProcedure, ...]]:
    """Remove the diagnosis at ``index`` (0-based); pointers to it go, later ones shift up."""
    kept = tuple(d for i, d in enumerate(diagnoses) if i != index)
    gone = index + 1
    return kept, tuple(
        replace(p, pointers=tuple(x - 1 if x > gone else x for x in p.pointers if x != gone))
        for p in procedures
    )


def overrides_for(
    errors: Sequence[tuple[str, tuple[str, ...], str]],
    reasons: Mapping[str, str],
    kept: Sequence[Override] = (),
) -> tuple[tuple[Override, ...], tuple[str, ...]]:
    """The overrides for ``errors`` (rule id, codes, message): a reason typed now, else one
    written before for the same finding. Returns them and the keys still without a reason."""
    before = {o.key: o for o in kept}
    made: list[Override] = []
    missing: list[str] = []
    for rule_id, codes, message in errors:
        key = finding_key(rule_id, codes)
        typed = " ".join(reasons.get(key, "").split())
        if typed:
            made.append(Override(key, rule_id, codes, message, clean_reason(typed, what="")))
        elif key in before:
            made.append(before[key])
        else:
            missing.append(key)
    return tuple(made), tuple(missing)


# ---------------------------------------------------------------------- the worklist


class WorklistScope(StrEnum):
    TO_CODE = "to_code"  # signed, not coded (being coded or never opened)
    RETURNED = "returned"
    CODED = "coded"
    ALL = "all"

    @property
    def label(self) -> str:
        return {
            "to_code": "To code",
            "returned": "Returned to provider",
            "coded": "Coded",
            "all": "All signed",
        }[self.value]


@dataclass(frozen=True)
class WorklistFilter:
    scope: WorklistScope = WorklistScope.TO_CODE
    since: dt.date | None = None  # dates of service, local dates, inclusive
    until: dt.date | None = None
    provider_id: int | None = None
    encounter_type: str | None = None
    has_open_query: bool | None = None
    has_errors: bool | None = None


@dataclass(frozen=True)
class WorklistRow:
    encounter_id: int
    patient_id: int
    mrn: str
    patient_name: str
    starts_at: dt.datetime  # UTC
    encounter_type: str
    provider: str
    state: CodingState | None  # None: nobody has coded it yet
    error_count: int
    open_queries: int
    coded_by: str | None
    coded_at: dt.datetime | None
    coding_version: int | None
    #: why a coder returned it to its provider (the provider's list shows it)
    return_reason: str | None = None

    @property
    def state_label(self) -> str:
        return self.state.label if self.state is not None else "Not started"


@dataclass(frozen=True)
class WorklistPage:
    rows: tuple[WorklistRow, ...]
    #: rows matching the filter in all (the page shows ``len(rows)`` of them)
    total: int
    #: per scope and per flag, under the filter's dates, provider and type: "to_code",
    #: "returned", "coded", "all", "open_query", "errors"
    counts: Mapping[str, int]
    #: signed encounters with a sensitivity label this role may not see: counted only
    withheld: int = 0
