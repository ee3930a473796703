"""Who can hear and speak on the clinic's live refresh channel (issue 15, review item 1), on
the real PostgreSQL server: PostgreSQL checks no rights on LISTEN or NOTIFY, so the channel's
name is the lock. It is derived from the clinic's key (domain.change_notices.channel_for);
the enrollment account, whose password is published, can connect to the clinic database but
neither hears the workstations' notices nor reaches them with forged ones, and nothing it may
read names the channel.

No waiting for silence: PostgreSQL queues every committed notice in one order and each
session reads that queue in order, so once a later probe notice has arrived, whatever an
earlier commit sent to that session has arrived before it.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine.url import make_url

from medrec_desktop.domain.change_notices import FORMAT, ChangeNotice, channel_for
from medrec_desktop.domain.enums import ChangeKind, Role
from medrec_desktop.services import live_changes
from medrec_desktop.services.patients import PatientInput
from tests.support import pg
from tests.support.clock import FakeClock
from tests.support.live import Tap, Workstations, channel_of, conninfo, two_workstations

WAIT = 15.0
#: the channel every clinic used before its name was derived from the clinic's key
OLD_CHANNEL = "medrec_changes"
ROSE = PatientInput("Quillfeather", "Rosamund", dt.date(1961, 3, 4), "female")
PROBE = "medrec_test_probe"


@pytest.fixture
def workstations(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> Iterator[Workstations]:
    with two_workstations(request, tmp_path, clock) as ws:
        yield ws


@pytest.fixture
def enrolling(workstations: Workstations) -> Iterator[psycopg.Connection]:
    """A session on the clinic database as the enrollment account (what anyone on the
    clinic's network can open with the published password)."""
    database = make_url(workstations.clinic.server_url).database
    assert database is not None
    url = pg.url_for(database, role=pg.ENROLL_ROLE)
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (pg.ENROLL_ROLE,)
        yield conn


def notify_probe(url: str) -> None:
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute(f"NOTIFY {PROBE}")


def heard_before_probe(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """Every (channel, payload) this session was sent before the probe (which must come)."""
    got: list[tuple[str, str]] = []
    for n in conn.notifies(timeout=WAIT):
        if n.channel == PROBE:
            return got
        got.append((n.channel, n.payload))
    raise AssertionError("the probe notice did not arrive")


def forged(patient_id: int) -> str:
    return json.dumps(
        {
            "v": FORMAT,
            "s": "feedfacefeedface",
            "at": "2026-11-30T14:02:03.000000Z",
            "p": [[patient_id, [ChangeKind.DEMOGRAPHICS.value]]],
        }
    )


def test_the_channel_is_the_clinics_own(workstations: Workstations) -> None:
    ws = workstations
    channel = channel_of(ws.a)
    assert channel != OLD_CHANNEL and channel.startswith("medrec_") and len(channel) == 31
    assert channel == channel_for(ws.b.keyring.material.audit_key)  # every workstation's
    assert channel_for(b"\x01" * 32) != channel  # another clinic's key: another channel


def test_the_enrollment_account_hears_nothing_on_the_old_channel(
    workstations: Workstations, enrolling: psycopg.Connection
) -> None:
    ws = workstations
    enrolling.execute(f"LISTEN {OLD_CHANNEL}")
    enrolling.execute(f"LISTEN {PROBE}")
    tap = Tap(ws.clinic.server_url, channel_of(ws.a))  # the clinic's channel, for comparison
    try:
        ws.b.patients.register(ws.other_sessions[Role.RECORDS], ROSE)
        assert tap.take(1)  # the notice was sent (on the clinic's channel)
        notify_probe(ws.clinic.server_url)
        assert heard_before_probe(enrolling) == []
    finally:
        tap.close()


def test_nothing_the_enrollment_account_may_read_names_the_channel(
    workstations: Workstations, enrolling: psycopg.Connection
) -> None:
    """With a workstation listening and another saving: the server's view of other sessions
    hides their statements (LISTEN <channel>) from it, it reads no table, and no table of the
    clinic holds the name anyway."""
    ws = workstations
    channel = channel_of(ws.a)
    listener = live_changes.listen(ws.a.ctx, lambda _n: None)
    assert listener is not None
    try:
        assert listener.wait_listening(WAIT)
        ws.b.patients.register(ws.other_sessions[Role.RECORDS], ROSE)
        seen = enrolling.execute(
            "SELECT pid, coalesce(query, '') FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
        ).fetchall()
        assert listener.backend_pid in {pid for pid, _q in seen}  # the listener is there...
        assert not [q for _pid, q in seen if channel in q]  # ...its statement is not
        assert not [q for _pid, q in seen if "LISTEN" in q.upper()]
        tables = [
            r[0]
            for r in enrolling.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')"
            )
        ]
        assert "audit_event" in tables and "workstation" in tables
        for table in tables:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                enrolling.execute(f'SELECT 1 FROM "{table}" LIMIT 1')
        # As the superuser: no row of any table holds the name.
        with psycopg.connect(pg.admin_conninfo(make_url(ws.clinic.server_url).database)) as su:
            for table in tables:
                hits = su.execute(
                    f'SELECT count(*) FROM "{table}" t WHERE t::text LIKE %s',
                    (f"%{channel[len('medrec_') :]}%",),
                ).fetchone()
                assert hits == (0,), table
    finally:
        listener.stop()


def test_a_forged_notice_on_another_channel_changes_nothing(
    workstations: Workstations, enrolling: psycopg.Connection
) -> None:
    """The enrollment account NOTIFYs a well-formed notice on the old channel (and on a
    guessed one); workstation A's listener hands on only the real save that follows it."""
    ws = workstations
    heard: queue.Queue[ChangeNotice] = queue.Queue()
    listener = live_changes.listen(ws.a.ctx, heard.put)
    assert listener is not None
    try:
        assert listener.wait_listening(WAIT)
        victim = ws.a.patients.register(ws.clinic.sessions[Role.RECORDS], ROSE)  # A's own
        enrolling.execute("SELECT pg_notify(%s, %s)", (OLD_CHANNEL, forged(victim.id)))
        enrolling.execute("SELECT pg_notify(%s, %s)", ("medrec_" + "0" * 24, forged(victim.id)))
        theirs = ws.b.patients.register(
            ws.other_sessions[Role.RECORDS],
            PatientInput("Other", "Otto", dt.date(1970, 1, 1), "male"),
        )
        first = heard.get(timeout=WAIT)  # committed after the forgeries: arrives after them
        assert first.patients == {theirs.id: frozenset({ChangeKind.DEMOGRAPHICS})}
        assert first.sender == ws.b.ctx.sender
        assert heard.empty()
    finally:
        listener.stop()
