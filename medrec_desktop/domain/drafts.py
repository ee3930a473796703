"""Form drafts: what a user typed into a chart form and has not saved yet (DESIGN §6).

A draft is known by its form key, which names the form, not the person: ``problem:45`` is
the edit form of problem 45, ``problem:new:patient=12`` a new problem for patient 12. Build
keys with :func:`item_form_key` and :func:`new_form_key` so the service can tell which saved
item a draft was based on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from medrec_desktop.domain.clinical import ItemId, ItemStatus
from medrec_desktop.domain.dto import PatientId

KEY_MAX = 200
FIELD_NAME_MAX = 64
# Far above any chart form (a long note is a few thousand characters): a draft this long is
# a bug feeding the autosave, refused rather than written every two seconds.
TEXT_MAX = 100_000

_ITEM_KEY = re.compile(r"^(?P<type>[a-z][a-z0-9-]*):(?P<id>[0-9]+)$")


def item_form_key(item_type: str, item_id: int) -> str:
    """The key of the form that edits one saved item: ``problem:45``."""
    return f"{item_type}:{item_id}"


def new_form_key(item_type: str, patient_id: int) -> str:
    """The key of the form that records a new item for a patient: ``problem:new:patient=12``."""
    return f"{item_type}:new:patient={patient_id}"


def edited_item(key: str, item_type: str) -> ItemId | None:
    """The saved item a form key edits (``problem:45`` -> 45), None for a new-item form."""
    m = _ITEM_KEY.match(key)
    if m is None or m.group("type") != item_type:
        return None
    return ItemId(int(m.group("id")))


@dataclass(frozen=True)
class DraftInfo:
    """One unsaved form of the signed-in user, as offered at the next sign-in.

    ``base_version`` is the version of the saved item the form was filled from (None for a
    new item). ``current_version``, ``current_status``, ``changed_by`` and ``changed_at``
    describe the saved item now, so the offer can say that someone saved it meanwhile and
    show both side by side. Times are UTC (tz-aware).

    A new registration's draft has no patient yet: ``patient_id`` and ``mrn`` are None and
    ``patient_name`` is the name as typed (only its author ever reads a draft).
    """

    key: str
    patient_id: PatientId | None
    patient_name: str
    mrn: str | None
    item_type: str
    item_id: ItemId | None
    base_version: int | None
    saved_at: dt.datetime
    current_version: int | None = None
    current_status: ItemStatus | None = None
    changed_by: str | None = None
    changed_at: dt.datetime | None = None

    @property
    def changed_meanwhile(self) -> bool:
        """The saved item has a newer version than the one the draft was typed on."""
        return (
            self.base_version is not None
            and self.current_version is not None
            and self.current_version != self.base_version
        )

    @property
    def item_gone(self) -> bool:
        """The item the draft edits no longer exists (an edit draft without a saved item)."""
        return self.item_id is not None and self.current_version is None


@dataclass(frozen=True)
class Draft:
    """A draft with its fields, as the form put them (field name -> text)."""

    info: DraftInfo
    fields: Mapping[str, str]

    def __repr__(self) -> str:  # the fields hold what was typed: PHI
        return f"Draft({self.info.key!r}, {len(self.fields)} fields)"
