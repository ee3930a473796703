"""The HMAC chain over audit events: pure functions, no database (DESIGN §5).

Each event's MAC covers its own fields and the previous event's MAC, so an edited, deleted,
inserted or reordered event breaks the chain at that point. The head record (last seq and MAC,
MACed under a separate label) catches events cut off the end.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
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


def canonical(values: Iterable[Any]) -> bytes:
    return json.dumps(list(values), separators=(",", ":"), ensure_ascii=True).encode()


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

    @property
    def summary(self) -> str:
        if self.ok:
            return f"Audit trail intact: {self.checked:,} events verified."
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
    new = hmac.new
    sha = hashlib.sha256
    dumps = json.dumps
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
        msg = prev.encode() + b"\n" + dumps(values, separators=(",", ":")).encode()
        mac = new(key, msg, sha).hexdigest()
        if not hmac.compare_digest(mac, row[-1]):
            problem = "the event was changed, inserted or moved (its MAC does not match)"
            return ChainReport(False, checked, seq, problem)
        prev = mac
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
