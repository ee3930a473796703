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


def same_digest(expected: str, stored: object) -> bool:
    """``stored == expected`` for a hex digest read from the database or a file, in constant
    time; anything of a kind the program never writes (bytes, non-ASCII text, None, numbers)
    is simply not equal, never an exception."""
    if not isinstance(stored, str) or not stored.isascii() or len(stored) != len(expected):
        return False
    return hmac.compare_digest(expected, stored)


def head_mac(key: bytes, seq: int, mac: str, fs_key: str | None = None) -> str:
    """The head's seal. It covers the forward-secure key too, so swapping that key is seen."""
    text = f"head\n{seq}\n{mac}" if fs_key is None else f"head\n{seq}\n{mac}\n{fs_key}"
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- forward security
#
# Besides the chain MAC (under the audit key every workstation holds), each event carries a
# forward-secure MAC under a key that evolves with every event (Bellare-Yee): K(1) is the
# installation's audit root key, K(n+1) = SHA-256("evolve" || K(n)). Only the key for the next
# event is stored (in the head); earlier keys cannot be computed from it. The root is held only
# by the administrator's and the recovery key's wrappings, so whoever obtains today's
# workstation secrets can write new events but cannot recompute yesterday's without it being
# seen by a verification that starts from the root.


def fs_evolve(key: bytes) -> bytes:
    return hashlib.sha256(b"medrec-audit-evolve\n" + key).digest()


def fs_event_mac(key: bytes, mac: str) -> str:
    return hmac.new(key, b"fs\n" + mac.encode(), hashlib.sha256).hexdigest()


GENESIS_ENTRY = "audit.genesis"


def genesis_detail(install_id: str, root: bytes) -> str:
    """The genesis event binds the trail to one installation and one root key."""
    commitment = hashlib.sha256(b"medrec-audit-root\n" + root).hexdigest()[:32]
    return f"installation {install_id}; root {commitment}"


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    unreadable: bool = False  # the events could not be read (damaged file), not a bad MAC
    last_seq: int = 0
    last_mac: str = ""
    full: bool = False  # forward-secure MACs were checked from the root key
    note: str | None = None  # something the reader should know although the trail is intact

    @property
    def summary(self) -> str:
        if self.ok:
            how = " (forward-secure MACs checked from the audit root key)" if self.full else ""
            note = f" Note: {self.note}." if self.note else ""
            return f"Audit trail intact: {self.checked:,} events verified{how}.{note}"
        if self.unreadable:
            return f"AUDIT TRAIL NOT VERIFIED: {self.problem}."
        where = f" at event #{self.first_bad_seq}" if self.first_bad_seq is not None else ""
        return f"AUDIT TRAIL TAMPERED{where}: {self.problem} ({self.checked:,} events checked)."


def verify_chain(
    key: bytes,
    rows: Iterable[tuple[Any, ...]],
    head: tuple[Any, ...] | None,
    *,
    install_id: str | None = None,
    root: bytes | None = None,
    marks: Sequence[tuple[int, str]] = (),
    copy: bool = False,
) -> ChainReport:
    """Walk ``rows`` (FIELDS values, the stored MAC, the forward-secure MAC; ordered by seq).

    ``head`` is (seq, mac, head_mac[, fs_key]). With ``install_id`` the trail must start with
    that installation's genesis event. With ``root`` every forward-secure MAC is checked too.
    ``marks`` are (seq, mac) high-water marks kept outside the database: the trail must still
    hold each of them, or the file was rolled back or cut. ``copy``: a backup copy, whose head
    carries no forward-secure key (copies never hold it: services/backup_files.py).
    """
    prev = GENESIS
    expected_seq = 1
    checked = 0
    keyed = hmac.new(key, digestmod=hashlib.sha256)  # keyed once; copied for each event
    encode = _encode_array
    same = hmac.compare_digest
    fs_key = root
    pending_marks: dict[int, list[str]] = {}
    for mark_seq, mark_link in marks:  # several marks may name the same event: check each
        pending_marks.setdefault(mark_seq, []).append(mark_link)
    for row in rows:
        seq = row[0]
        if seq != expected_seq:
            if seq > expected_seq:
                problem = f"events #{expected_seq}..#{seq - 1} are missing (deleted)"
                return ChainReport(False, checked, expected_seq, problem)
            problem = "events are out of order or duplicated"
            return ChainReport(False, checked, seq, problem)
        values = list(row[:-2])
        values[11] = bool(values[11])  # SQLite returns 0/1
        mac = keyed.copy()
        try:
            # Same bytes as event_mac: prev + "\n" + canonical(values) (all ASCII).
            mac.update((prev + "\n" + encode(values)).encode())
            digest = mac.hexdigest()
            intact = same(digest, row[-2])
        except (TypeError, ValueError):  # a value or MAC of a kind the program never writes
            intact = False
        if not intact:
            problem = "the event was changed, inserted or moved (its MAC does not match)"
            return ChainReport(False, checked, seq, problem)
        if seq == 1 and install_id is not None:
            if values[9] != GENESIS_ENTRY or not str(values[12] or "").startswith(
                f"installation {install_id};"
            ):
                problem = (
                    "the trail does not start with this installation's genesis event "
                    "(it was replaced or started afresh)"
                )
                return ChainReport(False, checked, seq, problem)
        if fs_key is not None:
            if not same_digest(fs_event_mac(fs_key, digest), row[-1]):
                problem = (
                    "the event was rewritten by someone holding the workstation's keys "
                    "(its forward-secure MAC does not match)"
                )
                return ChainReport(False, checked, seq, problem)
            fs_key = fs_evolve(fs_key)
        # Only the few events a mark names pay for this check (200,000 events are walked).
        if seq in pending_marks and not all(
            same_digest(digest[: len(m)], m) for m in pending_marks.pop(seq)
        ):
            problem = (
                "the event differs from the one recorded in the high-water mark kept outside "
                "the database (the trail was rewritten or replaced)"
            )
            return ChainReport(False, checked, seq, problem)
        prev = digest
        expected_seq += 1
        checked += 1
    last_seq = expected_seq - 1
    if checked == 0 and install_id is not None:
        return ChainReport(False, 0, 1, "the audit trail is empty (its genesis event is missing)")
    if pending_marks:
        high = max(pending_marks)
        problem = (
            f"the trail ends at event #{last_seq} but the high-water mark kept outside the "
            f"database says #{high} was written: the database file was rolled back to an "
            "older copy or its newest events were cut"
        )
        return ChainReport(False, checked, last_seq + 1, problem)
    if head is None:
        if checked == 0:
            return ChainReport(True, 0)
        return ChainReport(False, checked, None, "the chain head record is missing")
    h_seq, h_mac, h_head = head[0], head[1], head[2]
    h_fs = head[3] if len(head) > 3 else None
    try:
        sealed = same_digest(head_mac(key, h_seq, h_mac, h_fs), h_head)
    except (TypeError, ValueError, AttributeError):  # values of kinds the program never writes
        sealed = False
    if not sealed:
        return ChainReport(False, checked, None, "the chain head record was altered")
    if h_seq != last_seq or h_mac != prev:
        if h_seq > last_seq:
            problem = f"the newest events #{last_seq + 1}..#{h_seq} were deleted"
            return ChainReport(False, checked, last_seq + 1, problem)
        return ChainReport(False, checked, h_seq + 1, "events were added after the chain head")
    if fs_key is not None and not (copy and h_fs is None) and not same_digest(fs_key.hex(), h_fs):
        problem = (
            "the chain head's forward-secure key does not follow from the audit root key "
            "(the newest events were cut and the head rewritten)"
        )
        return ChainReport(False, checked, last_seq + 1, problem)
    return ChainReport(True, checked, last_seq=last_seq, last_mac=prev, full=root is not None)
