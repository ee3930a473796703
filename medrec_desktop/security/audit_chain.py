"""The HMAC chain over audit events: pure functions, no database (DESIGN §5).

Each event's MAC covers its own fields and the previous event's MAC, so an edited, deleted,
inserted or reordered event breaks the chain at that point. The head record (last seq and MAC,
MACed under a separate label) catches events cut off the end.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import json.encoder
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
FIELDS = (
    "seq",
    "ts",
    "user_id",
    "username",
    "workstation",
    "patient_id",
    "category",
    "action",
    "outcome",
    "entry_point",
    "reason",
    "emergency",
    "detail",
)


def _not_serializable(obj: object) -> Any:
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _array_encoder() -> Callable[[Sequence[Any]], str]:
    """``json.dumps(values, separators=(",", ":"), ensure_ascii=True)`` for a flat list.

    json.dumps with ``separators`` builds a JSONEncoder, and that builds the C encoder, on
    every call. This builds the same C encoder (same string escaper, separators and number
    formatting, so the same text) once; only the circular-reference bookkeeping is off,
    which never changes the output and cannot matter for a flat list of scalars.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # an interpreter without the C accelerator
        return json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
    encode = make(
        None,  # markers: no circular check
        _not_serializable,
        json.encoder.encode_basestring_ascii,
        None,  # indent
        ":",
        ",",
        False,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan
    )
    join = "".join

    def array(values: Sequence[Any]) -> str:
        return join(encode(values, 0))

    return array


_encode_array = _array_encoder()


def canonical(values: Iterable[Any]) -> bytes:
    """The bytes an event's MAC covers: its values as compact, ASCII-only JSON."""
    return _encode_array(list(values)).encode()


def event_mac(key: bytes, prev_mac: str, values: tuple[Any, ...]) -> str:
    """MAC of one event; ``values`` in FIELDS order (booleans as bool, ids as int or None)."""
    msg = prev_mac.encode() + b"\n" + canonical(values)
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def head_mac(key: bytes, seq: int, mac: str) -> str:
    return hmac.new(key, f"head\n{seq}\n{mac}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    unreadable: bool = False  # the events could not be read (damaged file), not a bad MAC

    @property
    def summary(self) -> str:
        if self.ok:
            return f"Audit trail intact: {self.checked:,} events verified."
        if self.unreadable:
            return f"AUDIT TRAIL NOT VERIFIED: {self.problem}."
        where = f" at event #{self.first_bad_seq}" if self.first_bad_seq is not None else ""
        return f"AUDIT TRAIL TAMPERED{where}: {self.problem} ({self.checked:,} events checked)."


def verify_chain(
    key: bytes,
    rows: Iterable[tuple[Any, ...]],
    head: tuple[int, str, str] | None,
) -> ChainReport:
    """Walk ``rows`` (FIELDS values then the stored MAC, ordered by seq) against the head."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    keyed = hmac.new(key, digestmod=hashlib.sha256)  # keyed once; copied for each event
    encode = _encode_array
    same = hmac.compare_digest
    for row in rows:
        seq = row[0]
        if seq != expected_seq:
            if seq > expected_seq:
                problem = f"events #{expected_seq}..#{seq - 1} are missing (deleted)"
                return ChainReport(False, checked, expected_seq, problem)
            problem = "events are out of order or duplicated"
            return ChainReport(False, checked, seq, problem)
        values = list(row[:-1])
        values[11] = bool(values[11])  # SQLite returns 0/1
        mac = keyed.copy()
        try:
            # Same bytes as event_mac: prev + "\n" + canonical(values) (all ASCII).
            mac.update((prev + "\n" + encode(values)).encode())
            digest = mac.hexdigest()
            intact = same(digest, row[-1])
        except (TypeError, ValueError):  # a value or MAC of a kind the program never writes
            intact = False
        if not intact:
            problem = "the event was changed, inserted or moved (its MAC does not match)"
            return ChainReport(False, checked, seq, problem)
        prev = digest
        expected_seq += 1
        checked += 1
    last_seq = expected_seq - 1
    if head is None:
        if checked == 0:
            return ChainReport(True, 0)
        return ChainReport(False, checked, None, "the chain head record is missing")
    h_seq, h_mac, h_head = head
    if not hmac.compare_digest(head_mac(key, h_seq, h_mac), h_head):
        return ChainReport(False, checked, None, "the chain head record was altered")
    if h_seq != last_seq or h_mac != prev:
        if h_seq > last_seq:
            problem = f"the newest events #{last_seq + 1}..#{h_seq} were deleted"
            return ChainReport(False, checked, last_seq + 1, problem)
        return ChainReport(False, checked, h_seq + 1, "events were added after the chain head")
    return ChainReport(True, checked)
