"""The fast audit paths (Core writer, driver-cursor verification, per-check connections) keep
the exact MAC format and every guarantee of the straightforward code they replaced."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from medrec_desktop.db.engine import PAGE_SIZE
from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import AuditTamperedError
from medrec_desktop.security.audit_chain import FIELDS, GENESIS, canonical, event_mac, verify_chain
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.patients import PatientInput
from tests.conftest import ADMIN_PASSWORD, Clinic
from tests.integration.test_faults import pages_in_file

KEY = b"k" * 32
PATIENT = PatientInput("Okafor", "Chidi", dt.date(1980, 3, 4), "male")


def reference_mac(key: bytes, prev: str, values: list[Any]) -> str:
    """The MAC exactly as first specified: json.dumps, then HMAC-SHA256 (never optimised)."""
    body = json.dumps(values, separators=(",", ":"), ensure_ascii=True).encode()
    return hmac.new(key, prev.encode() + b"\n" + body, hashlib.sha256).hexdigest()


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(),  # any code point: quotes, controls, non-ASCII, surrogates' neighbours
)


@given(st.lists(scalars, max_size=16))
def test_canonical_form_is_byte_identical_to_json_dumps(values: list[Any]) -> None:
    expected = json.dumps(values, separators=(",", ":"), ensure_ascii=True).encode()
    assert canonical(values) == expected
    assert canonical(tuple(values)) == expected


def _chain(rows: list[list[Any]], key: bytes = KEY) -> list[tuple[Any, ...]]:
    prev, out = GENESIS, []
    for values in rows:
        mac = reference_mac(key, prev, [*values[:11], bool(values[11]), values[12]])
        out.append((*values, mac, None))  # no forward-secure MAC: checked elsewhere
        prev = mac
    return out


def _values(seq: int, emergency: Any, text_: str = "note 1") -> list[Any]:
    return [
        seq,
        "2026-11-26T09:00:00.000000Z",
        2,
        "doc",
        "ws\u00e9",
        7,
        "clinical",
        "create",
        "success",
        "PatientService.add_note",
        None,
        emergency,
        text_,
    ]


def test_verify_accepts_sqlite_and_postgres_booleans() -> None:
    ints = _chain([_values(1, 0), _values(2, 1, 'caf\u00e9 "x"\n')])
    bools = [(*r[:11], bool(r[11]), *r[12:]) for r in ints]
    from medrec_desktop.security.audit_chain import head_mac

    head = (2, ints[-1][-2], head_mac(KEY, 2, ints[-1][-2]))
    assert verify_chain(KEY, ints, head).ok
    assert verify_chain(KEY, bools, head).ok
    assert event_mac(KEY, GENESIS, tuple(bools[0][:-2])) == bools[0][-2]


@pytest.mark.parametrize(
    "forge",
    [
        lambda r: (*r[:3], b"\x00blob", *r[4:]),  # a value the program never writes
        lambda r: (*r[:-2], "\u00e9" * 64, None),  # a MAC that is not hex
        lambda r: (*r[:-2], None, None),
    ],
    ids=["blob-value", "non-ascii-mac", "null-mac"],
)
def test_values_the_program_never_writes_are_reported_not_crashed_on(forge: Any) -> None:
    rows = _chain([_values(1, 0), _values(2, 0), _values(3, 0)])
    rows[1] = forge(rows[1])
    report = verify_chain(KEY, rows, None)
    assert not report.ok and report.first_bad_seq == 2


def _stored(c: Clinic) -> list[tuple[Any, ...]]:
    with c.inst.store.engine.connect() as conn:
        cols = ", ".join(FIELDS)
        rows = conn.execute(text(f"SELECT {cols}, mac FROM audit_event ORDER BY seq"))
        return [tuple(r) for r in rows]


def test_written_chain_matches_the_reference_format(clinic: Clinic) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    patient = clinic.inst.patients.register(provider, PATIENT)
    clinic.inst.patients.add_note(provider, patient.id, 'Caf\u00e9 visit, "stable".\n')
    key = clinic.inst.keyring.material.audit_key
    prev = GENESIS
    rows = _stored(clinic)
    assert len(rows) > 10
    for row in rows:
        values = [*row[:11], bool(row[11]), row[12]]
        assert reference_mac(key, prev, values) == row[-1], row[0]
        prev = row[-1]
    report = clinic.inst.audit.verify(clinic.admin)
    assert report.ok and report.checked == len(rows)


def test_a_forged_row_past_the_head_stops_recording_and_is_named(clinic: Clinic) -> None:
    last = _stored(clinic)[-1]
    forged = (last[0] + 1, *last[1:10], "forged", *last[11:13], "0" * 64)
    assert len(forged) == len(FIELDS) + 1
    cols = ", ".join((*FIELDS, "mac"))
    marks = ", ".join(f":p{i}" for i in range(len(forged)))
    with clinic.inst.store.engine.begin() as conn:
        conn.execute(
            text(f"INSERT INTO audit_event ({cols}) VALUES ({marks})"),
            {f"p{i}": v for i, v in enumerate(forged)},
        )
    provider = clinic.sessions[Role.PROVIDER]
    before = _stored(clinic)
    # The head no longer names the newest event: nothing is sealed over the forged row, and
    # the registration it would have recorded is not saved either.
    with pytest.raises(AuditTamperedError, match="tampered"):
        clinic.inst.patients.register(provider, PATIENT)
    assert _stored(clinic) == before
    with clinic.inst.store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM patient")).scalar() == 0
    report = clinic.inst.verify_audit_unrecorded("admin", ADMIN_PASSWORD)
    assert not report.ok and report.first_bad_seq == forged[0]


def test_concurrent_writers_extend_the_chain_one_at_a_time(clinic: Clinic) -> None:
    provider = clinic.sessions[Role.PROVIDER]
    patient = clinic.inst.patients.register(provider, PATIENT)
    before = len(_stored(clinic))
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(15):
                clinic.inst.patients.add_note(provider, patient.id, f"writer {n} note {i}")
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(_stored(clinic)) == before + 45
    report = clinic.inst.audit.verify(clinic.admin)
    assert report.ok, report.summary


def test_verify_names_a_damaged_page_and_still_records_itself(local_clinic: Clinic) -> None:
    inst = local_clinic.inst
    provider = local_clinic.sessions[Role.PROVIDER]
    patient = inst.patients.register(provider, PATIENT)
    before = pages_in_file(local_clinic)
    inst = local_clinic.inst
    for number in range(40):
        inst.patients.add_note(provider, patient.id, f"Visit {number}. " * 250)
    inst.close()
    path = local_clinic.paths.database
    # The middle of the pages the notes were written to (never one that opening reads).
    page = (before + path.stat().st_size // PAGE_SIZE) // 2
    with path.open("r+b") as fh:
        fh.seek((page - 1) * PAGE_SIZE + PAGE_SIZE // 2)
        byte = fh.read(1)[0]
        fh.seek((page - 1) * PAGE_SIZE + PAGE_SIZE // 2)
        fh.write(bytes([byte ^ 0x5A]))
    inst = local_clinic.reopen()
    admin = inst.auth.login("admin", "correct horse battery")
    report = inst.verify(admin)
    assert not report.ok
    assert f"encrypted page check: HMAC verification failed for page {page}" in report.problems
    assert "medrec restore" in report.summary
    # The call was audited, and the pool holds no connection spoiled by the damaged page.
    newest = inst.audit.events(admin, AuditFilter(), limit=1)[0]
    assert newest.entry_point.endswith("verify_database")
    assert newest.detail == f"{len(report.problems)} problems"
    for _ in range(4):
        assert len(inst.audit.events(admin, AuditFilter(), limit=1)) == 1
