"""A problem on the problem list: its content and its form input (issue 9)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from medrec_desktop.domain.clinical import ItemInfo, ItemInput, ItemStatus, label
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.domain.partial_dates import PartialDate, parse_optional, refuse_before

PROBLEM_STATUSES = frozenset({ItemStatus.ACTIVE, ItemStatus.INACTIVE, ItemStatus.RESOLVED})
DESCRIPTION_MAX = 500

# The shape of an ICD-10-CM code only (a letter, a digit, then up to five letters or digits);
# whether it exists in the code set is the coding service's check, made when it is picked.
_ICD10CM_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$")


def icd10cm_shape(text: str, *, field: str = "icd10cm") -> str | None:
    """``e11.65`` -> ``E11.65``; blank -> None; a plain ValidationError for another shape."""
    compact = text.strip().replace(".", "").replace(" ", "").upper()
    if not compact:
        return None
    if not _ICD10CM_SHAPE.match(compact):
        raise ValidationError(
            # Not what was typed: in a code field people type diagnoses too.
            "That does not look like an ICD-10-CM code (for example E11.9 or J45.909). "
            "Leave it blank if you do not know the code.",
            field=field,
        )
    return compact if len(compact) == 3 else f"{compact[:3]}.{compact[3:]}"


@dataclass(frozen=True)
class ProblemData:
    """``description`` is kept exactly as typed (outer spaces aside); the code is optional."""

    description: str = field(metadata=label("Problem"))
    icd10cm: str | None = field(default=None, metadata=label("ICD-10-CM code"))
    onset: PartialDate | None = field(default=None, metadata=label("Onset"))
    resolution: PartialDate | None = field(default=None, metadata=label("Resolved"))
    chronic: bool = field(default=False, metadata=label("Chronic"))


@dataclass(frozen=True, kw_only=True)
class ProblemInput(ItemInput[ProblemData]):
    """The problem form as typed: dates as text ("1998", "03/1998", "03/14/1998")."""

    description: str
    icd10cm: str = ""
    onset: str = ""
    resolution: str = ""
    chronic: bool = False

    def validated(self, today: dt.date) -> ProblemData:
        description = self.description.strip()
        if not description:
            raise ValidationError("Describe the problem.", field="description")
        if len(description) > DESCRIPTION_MAX:
            raise ValidationError(
                f"The description is {len(description)} characters long; keep it to "
                f"{DESCRIPTION_MAX}.",
                field="description",
            )
        if self.status not in PROBLEM_STATUSES:
            raise ValidationError("A problem is active, inactive or resolved.", field="status")
        onset = parse_optional(self.onset, today=today, field="onset")
        resolution = parse_optional(self.resolution, today=today, field="resolution")
        refuse_before(
            resolution,
            onset,
            field="resolution",
            message="The problem cannot be resolved before its onset.",
        )
        if resolution is not None and self.status is ItemStatus.ACTIVE:
            raise ValidationError(
                "An active problem has no resolution date: set the status to resolved, or "
                "clear the date.",
                field="resolution",
            )
        return ProblemData(
            description=description,
            icd10cm=icd10cm_shape(self.icd10cm),
            onset=onset,
            resolution=resolution,
            chronic=self.chronic,
        )

    @classmethod
    def editing(cls, item: ItemInfo[ProblemData]) -> ProblemInput:
        """The form filled from a saved problem (to edit it)."""
        data = item.data
        return cls(
            status=item.status,
            sensitivity=item.sensitivity,
            description=data.description,
            icd10cm=data.icd10cm or "",
            onset=data.onset.display if data.onset else "",
            resolution=data.resolution.display if data.resolution else "",
            chronic=data.chronic,
        )
