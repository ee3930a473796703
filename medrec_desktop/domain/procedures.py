"""Treatments and procedures done (issue 10): what was done, in words, with an optional
ICD-10-PCS, HCPCS Level II or CPT code; when, by whom, where on the body, the outcome and any
complications, the problem it treated and the encounter it was done in.

A code is checked here by its shape in its system (the system is worked out from the shape
when not given: the three never look alike). Whether a PCS or HCPCS code exists in the
loaded release is what the code picker shows when it is picked or typed; CPT is licensed and
not shipped, so a well-formed CPT code typed by hand is kept without such a check.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum

from medrec_desktop.domain.clinical import ItemId, ItemInfo, ItemInput, ItemStatus, label
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.histories import Laterality
from medrec_desktop.domain.item_fields import optional_choice, optional_text, required_text
from medrec_desktop.domain.partial_dates import EARLIEST_YEAR

DESCRIPTION_MAX = 500
NAME_MAX = 200

PROCEDURE_STATUSES = frozenset({ItemStatus.ACTIVE, ItemStatus.INACTIVE})
PROCEDURE_STATUS_LABELS = {
    ItemStatus.ACTIVE: "Recorded",
    ItemStatus.INACTIVE: "Set aside",
    ItemStatus.ENTERED_IN_ERROR: "Entered in error",
}

# Offered in the outcome field's list; any other text is kept as typed.
COMMON_OUTCOMES = (
    "completed as planned",
    "completed with difficulty",
    "partially completed",
    "abandoned",
    "unsuccessful",
)


class ProcedureCodeSystem(StrEnum):
    PCS = "pcs"
    HCPCS = "hcpcs"
    CPT = "cpt"

    @property
    def label(self) -> str:
        return _SYSTEM_LABELS[self]


_SYSTEM_LABELS = {
    ProcedureCodeSystem.PCS: "ICD-10-PCS",
    ProcedureCodeSystem.HCPCS: "HCPCS Level II",
    ProcedureCodeSystem.CPT: "CPT",
}

# Shapes only. PCS: seven characters, digits and letters but I and O (never used, so they
# cannot be mistaken for 1 and 0). HCPCS Level II: a letter A-V and four digits. CPT: five
# digits (category I), or four digits and F (category II), T (category III), U (laboratory
# analyses) or M (multianalyte assays).
_SHAPES = {
    ProcedureCodeSystem.PCS: re.compile(r"^[0-9A-HJ-NP-Z]{7}$"),
    ProcedureCodeSystem.HCPCS: re.compile(r"^[A-V][0-9]{4}$"),
    ProcedureCodeSystem.CPT: re.compile(r"^[0-9]{4}[0-9FTUM]$"),
}
_A = {  # the article, as the name is said ("an aitch-see-pics code")
    ProcedureCodeSystem.PCS: "an",
    ProcedureCodeSystem.HCPCS: "an",
    ProcedureCodeSystem.CPT: "a",
}
_EXAMPLES = {
    ProcedureCodeSystem.PCS: "seven characters, for example 0DTJ4ZZ",
    ProcedureCodeSystem.HCPCS: "a letter and four digits, for example J1100",
    ProcedureCodeSystem.CPT: "five characters, for example 45378 or 3074F",
}


def procedure_code(
    text: str, system: ProcedureCodeSystem | str | None
) -> tuple[ProcedureCodeSystem | None, str | None]:
    """``(system, code)`` as stored: ``0dtj4zz`` -> (PCS, ``0DTJ4ZZ``); blank -> (None, None).

    With no system given it is worked out from the shape. A code that does not fit its
    system (or any system) is refused naming the ``code`` field, with the expected shape; a
    system chosen without a code is refused too (nothing to code).
    """
    compact = text.strip().replace(" ", "").replace("-", "").upper()
    chosen = optional_choice(ProcedureCodeSystem, system, field="code_system", what="a code set")
    if not compact:
        if chosen is not None:
            raise ValidationError(
                f"Type or pick the {chosen.label} code, or set the code set back to none.",
                field="code",
            )
        return None, None
    if chosen is not None:
        if not _SHAPES[chosen].match(compact):
            # Not what was typed: people type procedure names into code fields too.
            raise ValidationError(
                f"That does not look like {_A[chosen]} {chosen.label} code "
                f"({_EXAMPLES[chosen]}). Check the code set, or leave the code blank.",
                field="code",
            )
        return chosen, compact
    for candidate, shape in _SHAPES.items():
        if shape.match(compact):
            return candidate, compact
    raise ValidationError(
        "That does not look like a procedure code: ICD-10-PCS has seven characters "
        "(0DTJ4ZZ), HCPCS a letter and four digits (J1100), CPT five characters (45378). "
        "Leave it blank if you do not know the code.",
        field="code",
    )


@dataclass(frozen=True, kw_only=True)
class ProcedureData:
    """``description`` is kept as typed; the code is optional. ``performed_at`` is UTC.
    ``problem_id`` links the problem it treated (same patient, checked when saved);
    ``encounter_id`` the visit it was done in (checked when saved)."""

    description: str = field(metadata=label("Procedure"))
    code_system: ProcedureCodeSystem | None = field(default=None, metadata=label("Code set"))
    code: str | None = field(default=None, metadata=label("Code"))
    performed_at: dt.datetime = field(metadata=label("Performed"))
    performed_by: str | None = field(default=None, metadata=label("Performed by"))
    body_site: str | None = field(default=None, metadata=label("Body site"))
    laterality: Laterality | None = field(default=None, metadata=label("Side"))
    outcome: str | None = field(default=None, metadata=label("Outcome"))
    complications: str | None = field(default=None, metadata=label("Complications"))
    problem_id: ItemId | None = field(default=None, metadata=label("For problem"))
    encounter_id: int | None = field(default=None, metadata=label("Encounter"))
    notes: str | None = field(default=None, metadata=label("Notes"))

    @property
    def code_text(self) -> str:
        """ "0DTJ4ZZ (ICD-10-PCS)", or blank."""
        if self.code is None:
            return ""
        system = f" ({self.code_system.label})" if self.code_system else ""
        return f"{self.code}{system}"


@dataclass(frozen=True, kw_only=True)
class ProcedureInput(ItemInput[ProcedureData]):
    """The procedure form as typed. ``performed_at`` naive means local time (what the form's
    date-and-time field gives); it is stored in UTC. ``code_system`` blank: from the code."""

    description: str
    code_system: ProcedureCodeSystem | str | None = None
    code: str = ""
    performed_at: dt.datetime | None = None
    performed_by: str = ""
    body_site: str = ""
    laterality: Laterality | str | None = None
    outcome: str = ""
    complications: str = ""
    problem_id: int | None = None
    encounter_id: int | None = None
    notes: str = ""

    def validated(self, today: dt.date) -> ProcedureData:
        if self.status not in PROCEDURE_STATUSES:
            raise ValidationError("A procedure is recorded or set aside.", field="status")
        description = required_text(
            self.description,
            field="description",
            what="description",
            missing="Say what was done (the procedure or treatment, in words).",
            limit=DESCRIPTION_MAX,
        )
        system, code = procedure_code(self.code, self.code_system)
        return ProcedureData(
            description=description,
            code_system=system,
            code=code,
            performed_at=_performed_at(self.performed_at, today),
            performed_by=optional_text(
                self.performed_by, field="performed_by", what="performer", limit=NAME_MAX
            ),
            body_site=optional_text(
                self.body_site, field="body_site", what="body site", limit=NAME_MAX
            ),
            laterality=optional_choice(
                Laterality, self.laterality, field="laterality", what="a side"
            ),
            outcome=optional_text(self.outcome, field="outcome", what="outcome"),
            complications=optional_text(
                self.complications, field="complications", what="complications"
            ),
            problem_id=ItemId(self.problem_id) if self.problem_id else None,
            encounter_id=self.encounter_id or None,
            notes=optional_text(self.notes, field="notes", what="notes"),
        )

    @classmethod
    def editing(cls, item: ItemInfo[ProcedureData]) -> ProcedureInput:
        data = item.data
        return cls(
            status=item.status,
            sensitivity=item.sensitivity,
            description=data.description,
            code_system=data.code_system,
            code=data.code or "",
            performed_at=data.performed_at,
            performed_by=data.performed_by or "",
            body_site=data.body_site or "",
            laterality=data.laterality,
            outcome=data.outcome or "",
            complications=data.complications or "",
            problem_id=data.problem_id,
            encounter_id=data.encounter_id,
            notes=data.notes or "",
        )


def _performed_at(value: dt.datetime | None, today: dt.date) -> dt.datetime:
    if value is None:
        raise ValidationError("Enter when the procedure was done.", field="performed_at")
    utc = value.astimezone(dt.UTC).replace(microsecond=0)
    if utc.date() > today:
        raise ValidationError(
            "A procedure is recorded once done: the date cannot be in the future.",
            field="performed_at",
        )
    if utc.year < EARLIEST_YEAR:
        raise ValidationError(
            f"That is before {EARLIEST_YEAR}; check the year.", field="performed_at"
        )
    return utc
