"""Change notices between workstations (issue 15, live refresh): their JSON form, its size
limit, what a reader of another version does with them, and which rows say what changed."""

from __future__ import annotations

import datetime as dt
import json
from types import ModuleType
from typing import Any

import pytest

from medrec_desktop.domain.change_notices import (
    MAX_PAYLOAD,
    ChangedItem,
    ChangeNotice,
    SharedList,
    channel_for,
    decode,
    encode,
)
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.models import (
    ITEM_MODELS,
    ClinicalNote,
    CoderQuery,
    Coverage,
    FormDraft,
    InboxItem,
    LoginThrottle,
    Patient,
    Problem,
)
from medrec_desktop.services import chart_kinds, documents, encounter_kinds, result_kinds
from medrec_desktop.services.clinical_items import ClinicalItemKind
from medrec_desktop.services.live_changes import ITEM_CHANGES, notice_of

AT = dt.datetime(2026, 11, 30, 14, 2, 3, 456789, tzinfo=dt.UTC)
SENDER = "0123456789abcdef"


def notice(**kw: Any) -> ChangeNotice:
    return ChangeNotice(sender=SENDER, at=AT, **kw)


def test_a_notice_round_trips_through_one_payload() -> None:
    sent = notice(
        patients={7: frozenset({ChangeKind.PROBLEMS}), 9: frozenset()},
        items=(ChangedItem("problem", 12, 3, 7),),
        lists=frozenset({SharedList.INBOX}),
    )
    (payload,) = encode(sent)
    assert json.loads(payload) == {
        "v": 1,
        "s": SENDER,
        "at": "2026-11-30T14:02:03.456789Z",
        "p": [[7, ["problems"]], [9, []]],
        "i": [["problem", 12, 3, 7]],
        "l": ["inbox"],
    }
    assert decode(payload) == sent
    assert sent.item("problem", 12) == ChangedItem("problem", 12, 3, 7)
    assert sent.item("problem", 13) is None and sent.item("allergy", 12) is None


def test_a_big_change_goes_as_several_payloads_under_the_limit() -> None:
    items = tuple(ChangedItem("lab-test", 100_000 + i, 1, 5_000 + i % 40) for i in range(900))
    patients = {5_000 + i: frozenset({ChangeKind.RESULTS}) for i in range(40)}
    payloads = encode(notice(patients=patients, items=items))
    assert len(payloads) > 1
    assert all(len(p.encode()) <= MAX_PAYLOAD for p in payloads)
    back = [decode(p) for p in payloads]
    assert all(b is not None and b.sender == SENDER and b.at == AT for b in back)
    assert [i for b in back if b for i in b.items] == list(items)
    assert {pid: k for b in back if b for pid, k in b.patients.items()} == patients


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "not json",
        "[]",
        '{"v": 2, "s": "0123456789abcdef", "at": "2026-11-30T14:02:03.000000Z"}',
        '{"v": 1, "s": "NOT HEX!", "at": "2026-11-30T14:02:03.000000Z"}',
        '{"v": 1, "s": "0123456789abcdef", "at": "yesterday"}',
        '{"v": 1, "s": "0123456789abcdef", "at": "2026-11-30T14:02:03.000000Z", "p": [["7", []]]}',
        '{"v": 1, "s": "0123456789abcdef", "at": "2026-11-30T14:02:03.000000Z", "i": [[1, 2]]}',
    ],
)
def test_a_payload_this_program_does_not_read_is_ignored(payload: str) -> None:
    assert decode(payload) is None


def test_kinds_and_lists_of_a_newer_program_are_left_out() -> None:
    payload = json.dumps(
        {
            "v": 1,
            "s": SENDER,
            "at": "2026-11-30T14:02:03.000000Z",
            "p": [[7, ["problems", "telepathy"]]],
            "l": ["inbox", "fax-queue"],
        }
    )
    read = decode(payload)
    assert read is not None
    assert read.patients == {7: frozenset({ChangeKind.PROBLEMS})}
    assert read.lists == frozenset({SharedList.INBOX})


def _declared_kinds() -> dict[str, ChangeKind]:
    found: dict[str, ChangeKind] = {}
    modules: list[ModuleType] = [chart_kinds, documents, encounter_kinds, result_kinds]
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, ClinicalItemKind):
                found[value.item_type] = value.change
    return found


def test_every_item_type_says_what_it_changes_as_its_kind_declares() -> None:
    assert set(ITEM_CHANGES) == set(ITEM_MODELS)
    declared = _declared_kinds()
    assert len(declared) >= 15
    for item_type, change in declared.items():
        assert ITEM_CHANGES[item_type] is change, item_type


class _Ctx:
    """The two things notice_of reads of a ServiceContext."""

    sender = SENDER

    def now(self) -> dt.datetime:
        return AT


def test_rows_say_what_changed_and_private_rows_say_nothing() -> None:
    problem = Problem(id=4, patient_id=7, version=2)
    rows = [
        problem,
        Patient(id=8, merged_into_id=None),
        Coverage(id=1, patient_id=9),
        ClinicalNote(id=1, patient_id=10),
        CoderQuery(id=5, patient_id=11, version=1),
        InboxItem(id=3),
        FormDraft(id=1, patient_id=12),
        LoginThrottle(),
    ]
    made = notice_of(rows, set(), _Ctx())  # type: ignore[arg-type]
    assert made.patients == {
        7: frozenset({ChangeKind.PROBLEMS}),
        8: frozenset({ChangeKind.DEMOGRAPHICS}),
        9: frozenset({ChangeKind.DEMOGRAPHICS}),
        10: frozenset({ChangeKind.NOTES}),
        11: frozenset({ChangeKind.CODING}),
    }  # the draft's patient (12) is nobody else's screen
    assert made.items == (ChangedItem("problem", 4, 2, 7), ChangedItem("coder-query", 5, 1, 11))
    assert made.lists == frozenset({SharedList.INBOX, SharedList.QUERIES, SharedList.WORKLIST})


def test_a_merge_changes_both_records() -> None:
    gone = Patient(id=8, merged_into_id=3)
    made = notice_of([gone], {id(gone)}, _Ctx())  # type: ignore[arg-type]
    merge = frozenset({ChangeKind.MERGE, ChangeKind.DEMOGRAPHICS, ChangeKind.NOTES})
    assert made.patients == {8: merge, 3: merge}


def test_the_channel_is_named_from_the_clinics_key_only() -> None:
    """Same key, same channel on every workstation; another key, another channel; a valid
    lower-case identifier that shows nothing of the key (an HMAC of a fixed label)."""
    import hashlib
    import hmac
    import re

    key = bytes(range(32))
    name = channel_for(key)
    assert name == channel_for(bytes(range(32)))
    assert re.fullmatch(r"medrec_[0-9a-f]{24}", name)
    assert name != channel_for(bytes(range(1, 33)))
    assert name != "medrec_changes"
    assert key.hex()[:24] not in name
    expected = hmac.new(key, b"live refresh channel v1", hashlib.sha256).hexdigest()[:24]
    assert name == "medrec_" + expected
    with pytest.raises(ValueError):
        channel_for(b"short")
