"""Change notices between two workstations on the real PostgreSQL server (issue 15 item 5):
a save on one reaches the other as ids and kinds only, on commit only; the listener survives
the server ending its session and closes its connection when stopped."""

from __future__ import annotations

import datetime as dt
import json
import queue
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from medrec_desktop.domain.change_notices import ChangedItem, ChangeNotice, SharedList, decode
from medrec_desktop.domain.enums import ChangeKind, Role
from medrec_desktop.domain.errors import ConflictError, ValidationError
from medrec_desktop.domain.problems import ProblemInput
from medrec_desktop.services import live_changes
from medrec_desktop.services.patients import PatientInput
from tests.conftest import Clinic
from tests.support.clock import FakeClock
from tests.support.live import Tap, Workstations, channel_of, conninfo, two_workstations

WAIT = 15.0
ROSE = PatientInput("Quillfeather", "Rosamund", dt.date(1961, 3, 4), "female", "503-555-0177")


@pytest.fixture
def workstations(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> Iterator[Workstations]:
    with two_workstations(request, tmp_path, clock) as ws:
        yield ws


@pytest.fixture
def tap(workstations: Workstations) -> Iterator[Tap]:
    t = Tap(workstations.clinic.server_url, channel_of(workstations.a))
    yield t
    t.close()


class Heard:
    """What a workstation's listener hands on (on its own thread)."""

    def __init__(self) -> None:
        self.notices: queue.Queue[ChangeNotice] = queue.Queue()
        self.reconnects: queue.Queue[bool] = queue.Queue()

    def next(self) -> ChangeNotice:
        return self.notices.get(timeout=WAIT)


def listening(ws: Workstations, heard: Heard) -> live_changes.ChangeListener:
    listener = live_changes.listen(
        ws.a.ctx, heard.notices.put, on_reconnect=lambda: heard.reconnects.put(True)
    )
    assert listener is not None
    assert listener.wait_listening(WAIT)
    return listener


def test_a_save_on_one_workstation_reaches_the_other_as_ids_and_kinds(
    workstations: Workstations,
) -> None:
    ws = workstations
    heard = Heard()
    listener = listening(ws, heard)
    try:
        records = ws.other_sessions[Role.RECORDS]
        rose = ws.b.patients.register(records, ROSE)
        registered = heard.next()
        assert registered.sender == ws.b.ctx.sender != ws.a.ctx.sender
        assert registered.patients == {rose.id: frozenset({ChangeKind.DEMOGRAPHICS})}

        problem = ws.b.problems.add(records, rose.id, ProblemInput(description="Asthma"))
        added = heard.next()
        assert added.patients == {rose.id: frozenset({ChangeKind.PROBLEMS})}
        assert added.items == (ChangedItem("problem", problem.id, 1, rose.id),)
        assert added.at == ws.clinic.clock.now  # the saver's clock

        ws.b.problems.update(
            records, problem.id, ProblemInput(description="Asthma, mild"), expected_version=1
        )
        assert heard.next().item("problem", problem.id) == ChangedItem(
            "problem", problem.id, 2, rose.id
        )
    finally:
        listener.stop()


def test_a_workstation_does_not_hear_its_own_saves(workstations: Workstations) -> None:
    ws = workstations
    heard = Heard()
    listener = listening(ws, heard)
    try:
        records = ws.clinic.sessions[Role.RECORDS]
        ws.a.patients.register(records, ROSE)  # A's own: its screens were told already
        theirs = ws.b.patients.register(
            ws.other_sessions[Role.RECORDS],
            PatientInput("Other", "Otto", dt.date(1970, 1, 1), "male"),
        )
        assert heard.next().patients == {theirs.id: frozenset({ChangeKind.DEMOGRAPHICS})}
    finally:
        listener.stop()


def test_nothing_is_sent_for_a_refused_or_rolled_back_write_nor_for_a_read(
    workstations: Workstations, tap: Tap
) -> None:
    ws = workstations
    records = ws.other_sessions[Role.RECORDS]
    rose = ws.b.patients.register(records, ROSE)
    problem = ws.b.problems.add(records, rose.id, ProblemInput(description="Asthma"))
    tap.take(2)  # the registration and the problem
    with pytest.raises(ConflictError):  # a stale version: refused, rolled back
        ws.b.problems.update(
            records, problem.id, ProblemInput(description="Stale"), expected_version=7
        )
    with pytest.raises(ValidationError):  # refused after the row was locked for update
        ws.b.problems.update(records, problem.id, ProblemInput(description=""), expected_version=1)
    ws.b.problems.list(records, rose.id)
    ws.b.patients.open_chart(records, rose.id)
    ws.b.patients.add_note(records, rose.id, "Seen today.")
    (payload,) = tap.take(1)  # the first notice after the refusals is the note's
    note = decode(payload)
    assert note is not None and note.patients == {rose.id: frozenset({ChangeKind.NOTES})}


def test_the_payloads_hold_no_phi(workstations: Workstations, tap: Tap) -> None:
    ws = workstations
    records = ws.other_sessions[Role.RECORDS]
    provider = ws.other_sessions[Role.PROVIDER]
    rose = ws.b.patients.register(records, ROSE)
    problem = ws.b.problems.add(
        provider, rose.id, ProblemInput(description="Xerophthalmia of Quillfeather", onset="2019")
    )
    ws.b.problems.update(
        provider,
        problem.id,
        ProblemInput(description="Xerophthalmia, resolved", onset="2019"),
        expected_version=1,
    )
    ws.b.patients.add_note(provider, rose.id, "Zanzibar confidential remark")
    moved = PatientInput("Quillfeather-Oaks", "Rosamund", dt.date(1961, 3, 4), "female")
    ws.b.patients.update(records, rose.id, moved, expected_version=rose.version)
    payloads = tap.take(5)

    forbidden = [
        "Quillfeather",
        "Rosamund",
        "1961",
        "0177",
        rose.mrn,
        "Xerophthalmia",
        "Zanzibar",
        "female",
        "2019",
        records.username,
        records.display_name,
        provider.username,
        provider.display_name,
    ]
    for payload in payloads:
        for text in forbidden:
            assert text.lower() not in payload.lower(), (text, payload)
        doc = json.loads(payload)
        assert set(doc) <= {"v", "s", "at", "p", "i", "l"}
        # Ids, kinds and versions only: every value is a number or a word of ours.
        for pid, kinds in doc.get("p", []):
            assert isinstance(pid, int) and set(kinds) <= {k.value for k in ChangeKind}
        for item_type, item_id, version, pid in doc.get("i", []):
            assert item_type == "problem" and all(
                isinstance(n, int) for n in (item_id, version, pid)
            )
        assert set(doc.get("l", [])) <= {s.value for s in SharedList}


def test_the_listener_connects_again_after_the_server_ends_its_session(
    workstations: Workstations,
) -> None:
    ws = workstations
    heard = Heard()
    listener = listening(ws, heard)
    try:
        first = listener.backend_pid
        with psycopg.connect(conninfo(ws.clinic.server_url), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first,))
        assert heard.reconnects.get(timeout=WAIT)  # told: what was sent meanwhile is lost
        assert listener.wait_listening(WAIT) and listener.backend_pid != first
        rose = ws.b.patients.register(ws.other_sessions[Role.RECORDS], ROSE)
        assert heard.next().patients == {rose.id: frozenset({ChangeKind.DEMOGRAPHICS})}
    finally:
        listener.stop()


def test_stopping_closes_the_listening_connection(workstations: Workstations) -> None:
    ws = workstations
    listener = listening(ws, Heard())
    pid = listener.backend_pid
    listener.stop()
    assert not listener.listening
    with psycopg.connect(conninfo(ws.clinic.server_url), autocommit=True) as admin:
        gone = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,))
        assert gone.fetchone() == (0,)


def test_a_merge_tells_both_records(workstations: Workstations, tap: Tap) -> None:
    ws = workstations
    records = ws.other_sessions[Role.RECORDS]
    keep = ws.b.patients.register(records, ROSE)
    gone = ws.b.patients.register(
        records,
        PatientInput("Quillfeather", "Rosa", dt.date(1961, 3, 4), "female"),
        duplicates_reviewed=True,
        reason="told apart at the desk, later found to be the same person",
    )
    tap.take(2)
    ws.b.patients.merge(records, keep.id, gone.id, reason="same person")
    notices = [decode(p) for p in tap.take(1)]
    assert notices[0] is not None
    merge = frozenset({ChangeKind.MERGE, ChangeKind.DEMOGRAPHICS, ChangeKind.NOTES})
    assert notices[0].patients == {keep.id: merge, gone.id: merge}


def test_on_the_local_file_nothing_listens_and_nothing_is_sent(local_clinic: Clinic) -> None:
    assert live_changes.listen(local_clinic.inst.ctx, lambda _n: None) is None
    with local_clinic.inst.store.unit_of_work() as db:
        live_changes.watch(db, local_clinic.inst.ctx)
        assert not db.info  # nothing is collected for a notice nobody would hear
