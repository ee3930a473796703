"""Items changed as a consequence of saving another (a problem's label passed to the
medications that treat it, an encounter's label to what was recorded in it, a superseded
social history): each change is a version of its own saying why, and the save's audit event
names it. Used by the kinds' ``after_save`` hooks (services/chart_kinds.py,
services/encounter_kinds.py), which this module must not import.
"""

from __future__ import annotations

from typing import Any

from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.models import ClinicalItem
from medrec_desktop.services import versioning
from medrec_desktop.services.base import Op


def may_change(op: Op, row: ClinicalItem) -> bool:
    """Whether this save may change ``row`` as a side effect: a labelled item only by someone
    allowed to change labelled items (checked before anything of it is touched)."""
    return row.sensitivity is None or op.can(Action.UPDATE, DataCategory.SENSITIVE, row.patient_id)


def side_effect(op: Op, row: ClinicalItem, data: type[Any], reason: str) -> None:
    """Another item changed as a consequence of this save: a version of its own saying why,
    named in this save's audit event (ids only)."""
    versioning.save(op, row, data, reason=reason)
    op.event.detail = f"{op.event.detail or ''}; also {row.__item_type__} {row.id}".lstrip("; ")
