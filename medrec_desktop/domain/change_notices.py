"""Change notices between the workstations of one clinic server (issue 15, live refresh).

A workstation that commits a change tells the others what changed, so the screens showing it
refresh within a moment: PostgreSQL's NOTIFY, sent inside the transaction that saved the
change (delivered on commit only, never for a rolled-back write), on one channel per clinic.

The channel's name is derived from the clinic's audit key (:func:`channel_for`), which every
workstation of the clinic holds and no database account can read: a fixed name would let
anyone who may connect to the clinic database (the enrollment account, whose password is
published) LISTEN to the stream of patient ids and change kinds, or NOTIFY forged notices to
every workstation. PostgreSQL checks no rights on LISTEN or NOTIFY; the secret name is the
lock. (A session's channels show only to that session; the statement text of another role's
session shows only to superusers and members of that role.)

A notice holds identifiers and kinds only, never PHI: the patient's internal id with the kinds
of change (``ChangeKind``), each changed versioned item as (item type, item id, new version,
patient id), the shared lists that changed (the scanner inbox...), the time of the change and
the sending installation's random token (so a workstation skips its own notices: its screens
were told already). No names, no MRNs, no text, no user.

This module is pure: the JSON form and its size limit. Sending is ``services.live_changes``,
listening ``db.change_listener``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from medrec_desktop.domain.enums import ChangeKind

#: what the clinic's key is bound to when it names the NOTIFY channel (see the docstring)
CHANNEL_LABEL = b"live refresh channel v1"
#: the payload's format; a notice of another format is ignored (an older or newer program)
FORMAT = 1
#: PostgreSQL refuses payloads of 8000 bytes or more: a bigger change goes as several notices
MAX_PAYLOAD = 7000

_SENDER = re.compile(r"^[0-9a-f]{8,64}$")
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class SharedList(StrEnum):
    """Clinic-wide lists that are not one patient's: their screens refresh on a notice."""

    INBOX = "inbox"  # the scanner inbox and its count
    WORKLIST = "worklist"  # the coders' encounter worklist
    QUERIES = "queries"  # coder queries waiting for an answer (and their count)


@dataclass(frozen=True)
class ChangedItem:
    """A versioned item saved as ``version`` (the newest) for ``patient_id``."""

    item_type: str
    item_id: int
    version: int
    patient_id: int


@dataclass(frozen=True)
class ChangeNotice:
    """What one committed transaction changed (or a part of it: see :func:`encode`)."""

    sender: str
    at: dt.datetime  # UTC, tz-aware: when it was saved (the saver's clock)
    patients: Mapping[int, frozenset[ChangeKind]] = field(default_factory=dict)
    items: tuple[ChangedItem, ...] = ()
    lists: frozenset[SharedList] = frozenset()

    def item(self, item_type: str, item_id: int) -> ChangedItem | None:
        """The newest version of that item this notice announces, if it names it."""
        found = [i for i in self.items if i.item_type == item_type and i.item_id == item_id]
        return max(found, key=lambda i: i.version) if found else None

    @property
    def empty(self) -> bool:
        return not (self.patients or self.items or self.lists)


def channel_for(clinic_key: bytes) -> str:
    """The clinic's NOTIFY channel: ``medrec_`` and 24 hex digits (96 bits) of an HMAC of a
    fixed label under the clinic's audit key. Only holders of the key can name it."""
    if len(clinic_key) < 16:
        raise ValueError("the channel is derived from the clinic's 256-bit key")
    digest = hmac.new(clinic_key, CHANNEL_LABEL, hashlib.sha256).hexdigest()
    return "medrec_" + digest[:24]


def _time_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime(_TIME_FORMAT)


def encode(notice: ChangeNotice, limit: int = MAX_PAYLOAD) -> list[str]:
    """The notice as JSON payloads of at most ``limit`` bytes each: one for an ordinary save,
    several for a big one (a merge or an import touching hundreds of items), each naming its
    share of the patients, items and lists."""
    head: dict[str, Any] = {"v": FORMAT, "s": notice.sender, "at": _time_text(notice.at)}
    entries: list[tuple[str, Any]] = [
        ("p", [pid, sorted(k.value for k in kinds)]) for pid, kinds in notice.patients.items()
    ]
    entries += [("i", [i.item_type, i.item_id, i.version, i.patient_id]) for i in notice.items]
    entries += [("l", s.value) for s in sorted(notice.lists)]
    base = len(_dump(head)) + len(',"p":[],"i":[],"l":[]')
    payloads: list[str] = []
    chunk: dict[str, list[Any]] = {}
    size = base
    for key, value in entries:
        cost = len(_dump(value)) + 1
        if base + cost > limit:
            raise ValueError("a single entry of a change notice is larger than the limit")
        if size + cost > limit and chunk:
            payloads.append(_dump(head | chunk))
            chunk, size = {}, base
        chunk.setdefault(key, []).append(value)
        size += cost
    if chunk:
        payloads.append(_dump(head | chunk))
    return payloads


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True)


def decode(payload: str) -> ChangeNotice | None:
    """A payload back as a notice; None for one this program does not read (another format,
    or not a medrec notice at all). Kinds and lists it does not know are left out."""
    try:
        doc = json.loads(payload)
        if not isinstance(doc, dict) or doc.get("v") != FORMAT:
            return None
        sender = doc["s"]
        if not isinstance(sender, str) or not _SENDER.match(sender):
            return None
        at = dt.datetime.strptime(str(doc["at"]), _TIME_FORMAT).replace(tzinfo=dt.UTC)
        patients: dict[int, frozenset[ChangeKind]] = {}
        for pid, kinds in doc.get("p", []):
            patients[_int(pid)] = patients.get(_int(pid), frozenset()) | frozenset(
                _known(ChangeKind, kinds)
            )
        items = tuple(
            ChangedItem(str(t), _int(i), _int(v), _int(p)) for t, i, v, p in doc.get("i", [])
        )
        lists = frozenset(_known(SharedList, doc.get("l", [])))
    except (ValueError, TypeError, KeyError):
        return None
    return ChangeNotice(sender=sender, at=at, patients=patients, items=items, lists=lists)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("not an integer id")
    return value


def _known(enum: type[Any], values: Iterable[Any]) -> Iterator[Any]:
    for value in values:
        try:
            yield enum(value)
        except ValueError:
            continue  # a newer program's kind: its screens are not ours
