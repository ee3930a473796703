"""Joining a workstation with an enrollment code, and removing one (issue 15 items 4 and 8).

Everything runs against the real PostgreSQL test server: an administrator issues a code on
one data folder, a second empty folder joins with it as the enrollment role (which may read no
table), and the two work on the same records. The attacks are made with the enrollment role's
own credentials and with the server's copy of the sealed payload.
"""

from __future__ import annotations

import base64
import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine.url import make_url

from medrec_desktop.domain.enums import Role
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.domain.workstations import (
    MAX_CODE_FAILURES,
    WorkstationRevokedError,
    WorkstationUnknownError,
)
from medrec_desktop.paths import DataPaths
from medrec_desktop.security import enrollment
from medrec_desktop.services.audit import AuditFilter
from medrec_desktop.services.installation import Installation, Unlock
from medrec_desktop.services.patients import PatientInput
from medrec_desktop.services.workstation_join import JoinRequest, join
from medrec_desktop.services.workstations import new_here, read_here, write_here
from tests.conftest import ADMIN_PASSWORD, PASSPHRASE, PG_URL, Clinic, sign_in_all
from tests.integration.chart_samples import new_patient
from tests.support import pg

pytestmark = pytest.mark.skipif(not PG_URL, reason="MEDREC_TEST_PG_URL is not set (CI sets it)")

JOINSON = PatientInput("Joinson", "Wanda", dt.date(1977, 4, 5), "female", "503-555-0190")


@pytest.fixture
def server_clinic(request: pytest.FixtureRequest) -> Iterator[Clinic]:
    from tests.conftest import pg_copy

    with pg_copy(
        request.getfixturevalue("_pg_template"),
        request.getfixturevalue("tmp_path"),
        request.getfixturevalue("clock"),
    ) as c:
        yield c


def address(c: Clinic) -> str:
    """The server's address as someone at the new computer types it (the test server's
    enrollment role is named; in a clinic medrec fills in medrec_enroll)."""
    url = make_url(c.server_url)._replace(password=None).set(username=pg.ENROLL_ROLE)
    return url.render_as_string(hide_password=False)


def joining(c: Clinic, folder: Path, code: str) -> Installation:
    return join(
        DataPaths(folder), JoinRequest(address(c), code, passphrase=PASSPHRASE), clock=c.clock
    )


def events(c: Clinic) -> list[str]:
    return [
        f"{e.entry_point}|{e.outcome}|{e.detail or ''}"
        for e in c.inst.audit.events(c.admin, AuditFilter())
    ]


def enrollment_rows(c: Clinic) -> list[tuple[object, ...]]:
    with c.insider() as owner, owner.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT lookup, ciphertext, used_at, failed_attempts, used_by_workstation "
                    "FROM enrollment ORDER BY id"
                )
            )
        ]


def test_a_joined_workstation_works_on_the_same_records(
    server_clinic: Clinic, tmp_path: Path
) -> None:
    c = server_clinic
    pid = new_patient(c)
    issued = c.inst.workstations.issue_code(c.admin, "Front desk 2")
    assert len(issued.code) == 24 and issued.code.count("-") == 4
    folder = tmp_path / "second"
    second = joining(c, folder, issued.code)
    try:
        paths = DataPaths(folder)
        second.current_mark()  # the high-water mark's writer is done (no keys.tmp meanwhile)
        # Its own key file (passphrase slot, the clinic's recovery slot), its own address file
        # (the application account), and which workstation it is.
        assert sorted(p.name for p in folder.iterdir() if p.suffix != ".lock") == [
            "medrec.keys",
            "server.url",
            "workstation.json",
        ]
        assert make_url(paths.server_url_file.read_text()).username == pg.APP_ROLE
        assert second.keyring.keyfile.install_id == c.inst.keyring.keyfile.install_id
        assert set(second.keyring.keyfile.kinds) == {"passphrase", "recovery"}
        here = read_here(paths)
        assert here is not None and here.name == "Front desk 2"
        # Users sign in as anywhere and see the same records; saves chain into the same trail.
        sessions = sign_in_all(second)
        assert second.patients.record(sessions[Role.NURSE], pid).info.id == pid
        other = second.patients.register(sessions[Role.FRONT_DESK], JOINSON)
        assert c.inst.patients.get(c.sessions[Role.NURSE], other.id).family_name == "Joinson"
        assert second.audit.verify(sessions[Role.ADMIN]).ok
        assert c.inst.audit.verify(c.admin).ok
        assert second.verify(sessions[Role.ADMIN]).ok
        # The list names it, who let it in, and that it is the one asking.
        listed = {w.name: w for w in second.workstations.list_workstations(sessions[Role.ADMIN])}
        assert listed["Front desk 2"].joined_by == "admin" and listed["Front desk 2"].this_one
        assert not any(w.this_one for n, w in listed.items() if n != "Front desk 2")
    finally:
        second.close()
    # The recovery key opens the joined folder too (its slot came along as it was).
    again = Installation.open(DataPaths(folder), Unlock(recovery_key=c.recovery_key))
    again.close()
    trail = events(c)
    assert any(
        "WorkstationService.issue_code|success|enrollment code #" in e and "Front desk 2" in e
        for e in trail
    )
    assert any(
        "WorkstationService.record_join|success|workstation joined: 'Front desk 2'" in e
        and "issued by admin" in e
        for e in trail
    )
    # The payload was handed out once: the server keeps no copy of it.
    [(lookup, sealed, used_at, failures, used_by)] = enrollment_rows(c)
    assert sealed is None and used_at is not None and failures == 0 and used_by is not None
    assert issued.code.startswith(str(lookup))


def test_a_code_used_twice_is_refused_the_second_time_and_nothing_is_written(
    server_clinic: Clinic, tmp_path: Path
) -> None:
    c = server_clinic
    issued = c.inst.workstations.issue_code(c.admin, "Nurses' station")
    joining(c, tmp_path / "first", issued.code).close()
    with pytest.raises(ValidationError, match="used already") as refused:
        joining(c, tmp_path / "third", issued.code)
    assert refused.value.field == "code"
    assert not (tmp_path / "third").exists() or not any((tmp_path / "third").iterdir())


def test_an_expired_code_is_refused_and_its_payload_erased(
    server_clinic: Clinic, tmp_path: Path
) -> None:
    c = server_clinic
    issued = c.inst.workstations.issue_code(c.admin, "Back office")
    # Sixteen minutes later, by the server's clock (which decides: the joining computer's
    # clock is not trusted): the owner moves the code's expiry back instead of waiting.
    with c.insider() as owner, owner.begin() as conn:
        conn.execute(
            text(
                "UPDATE enrollment SET expires_at = to_char((now() - interval '1 minute') "
                "AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
            )
        )
    with pytest.raises(ValidationError, match="expired"):
        joining(c, tmp_path / "late", issued.code)
    [(_, sealed, used_at, _, _)] = enrollment_rows(c)
    assert sealed is None and used_at is None
    assert not (tmp_path / "late").exists()


def test_wrong_codes_are_counted_and_lock_the_code(server_clinic: Clinic, tmp_path: Path) -> None:
    c = server_clinic
    issued = c.inst.workstations.issue_code(c.admin, "Lab")
    good = enrollment.parse_code(issued.code)
    # Right lookup, wrong secret, a valid check character: only the server can tell.
    wrong = enrollment.Code(good.lookup, "0" * enrollment.SECRET_CHARS).text()
    # A typing mistake is caught here, before anything is sent or counted.
    typo = issued.code[:-1] + ("0" if issued.code[-1] != "0" else "1")
    with pytest.raises(ValidationError, match="typing mistake"):
        joining(c, tmp_path / "typo", typo)
    for attempt in range(1, MAX_CODE_FAILURES):
        with pytest.raises(ValidationError, match="not right") as refused:
            joining(c, tmp_path / f"try{attempt}", wrong)
        left = MAX_CODE_FAILURES - attempt
        assert f"{left} more tr" in refused.value.message
    with pytest.raises(ValidationError, match="locked"):
        joining(c, tmp_path / "last", wrong)
    # Even the right code no longer works: locked, and its payload erased.
    with pytest.raises(ValidationError, match="locked"):
        joining(c, tmp_path / "right", issued.code)
    [(_, sealed, used_at, failures, _)] = enrollment_rows(c)
    assert sealed is None and used_at is None and failures == MAX_CODE_FAILURES
    assert not any(p.exists() for p in tmp_path.iterdir() if p.name != "data")


def test_two_claims_at_once_exactly_one_joins(server_clinic: Clinic, tmp_path: Path) -> None:
    c = server_clinic
    issued = c.inst.workstations.issue_code(c.admin, "Twin")
    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def attempt(name: str) -> None:
        start.wait()
        try:
            results[name] = joining(c, tmp_path / name, issued.code)
        except KnownError as err:
            results[name] = err

    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    won = [r for r in results.values() if isinstance(r, Installation)]
    lost = [r for r in results.values() if isinstance(r, KnownError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert "used already" in lost[0].message
    won[0].close()
    names = [w.name for w in c.inst.workstations.list_workstations(c.admin)]
    assert names.count("Twin") == 1


def test_a_removed_workstation_no_longer_opens_and_the_others_do(
    server_clinic: Clinic, tmp_path: Path
) -> None:
    c = server_clinic
    joined = joining(c, tmp_path / "laptop", c.inst.workstations.issue_code(c.admin, "Laptop").code)
    joined.close()
    ws = next(w for w in c.inst.workstations.list_workstations(c.admin) if w.name == "Laptop")
    with pytest.raises(ValidationError, match="why"):
        c.inst.workstations.revoke(c.admin, ws.id, "  ", expected_version=ws.version)
    removed = c.inst.workstations.revoke(
        c.admin, ws.id, "Stolen from the car park", expected_version=ws.version
    )
    assert removed.revoked and removed.revoked_by == "admin"
    # A second removal from a list shown before is a conflict, said so.
    with pytest.raises(KnownError, match="already removed"):
        c.inst.workstations.revoke(c.admin, ws.id, "again", expected_version=ws.version)
    with pytest.raises(WorkstationRevokedError) as refused:
        Installation.open(DataPaths(tmp_path / "laptop"), Unlock(passphrase=PASSPHRASE))
    message = refused.value.message
    assert "Laptop" in message and "removed" in message and "by admin" in message
    assert "enrollment code" in message  # what to do
    # The founding workstation still opens; the attempt is in the trail.
    c.reopen()
    trail = events(c)
    assert any("revoke|success|workstation removed: 'Laptop'" in e for e in trail)
    assert any("Stolen from the car park" in e for e in trail)
    assert any("refuse_removed|failure|removed workstation 'Laptop'" in e for e in trail)


def test_the_founding_workstation_is_on_the_list_and_an_unknown_folder_is_refused(
    server_clinic: Clinic,
) -> None:
    c = server_clinic
    [founder] = c.inst.workstations.list_workstations(c.admin)
    assert founder.this_one and founder.joined_by == "admin" and founder.last_seen_at
    # A folder the server does not know, once the list has a row: it does not add itself (the
    # computer must join with a code), and the attempt is in the trail.
    code = c.inst.workstations.issue_code(c.admin, "Other").code
    c.paths.workstation_file.unlink()
    with pytest.raises(WorkstationUnknownError, match="ask an administrator") as refused:
        c.reopen()
    assert "enrollment code" in refused.value.message
    assert not c.paths.workstation_file.exists()
    other = joining(c, c.paths.root.parent / "other", code)
    try:
        session = other.auth.login("admin", ADMIN_PASSWORD)
        assert [w.name for w in other.workstations.list_workstations(session)] == [
            founder.name,
            "Other",
        ]
        assert any(
            "register_self|failure|workstation" in e and "tried to record itself; refused" in e
            for e in [
                f"{e.entry_point}|{e.outcome}|{e.detail or ''}"
                for e in other.audit.events(session, AuditFilter())
            ]
        )
    finally:
        other.close()


def test_a_removed_workstation_that_deletes_its_workstation_file_stays_out(
    server_clinic: Clinic, tmp_path: Path
) -> None:
    """The attack: removed, the laptop deletes workstation.json (or writes a new uid) to be
    taken for a folder the server does not know yet, which would record itself."""
    c = server_clinic
    laptop = DataPaths(tmp_path / "laptop")
    joining(c, laptop.root, c.inst.workstations.issue_code(c.admin, "Laptop").code).close()
    ws = next(w for w in c.inst.workstations.list_workstations(c.admin) if w.name == "Laptop")
    c.inst.workstations.revoke(c.admin, ws.id, "Lost", expected_version=ws.version)
    laptop.workstation_file.unlink()
    with pytest.raises(WorkstationUnknownError):
        Installation.open(laptop, Unlock(passphrase=PASSPHRASE))
    write_here(laptop, new_here("Innocent new name"))
    with pytest.raises(WorkstationUnknownError):
        Installation.open(laptop, Unlock(passphrase=PASSPHRASE))
    listed = c.inst.workstations.list_workstations(c.admin)
    assert [(w.name, w.revoked) for w in listed] == [(listed[0].name, False), ("Laptop", True)]


def test_a_folder_records_itself_while_the_servers_list_is_empty(server_clinic: Clinic) -> None:
    """A server set up before workstations were recorded (or a clinic moved from its file):
    nobody is on the list yet, so the first folder that opens records itself, audited."""
    c = server_clinic
    c.inst.close()
    with c.insider() as owner, owner.begin() as conn:
        conn.execute(text("DELETE FROM workstation"))
    c.paths.workstation_file.unlink()
    c.reopen()
    [me] = c.inst.workstations.list_workstations(c.admin)
    assert me.this_one and me.joined_by is None
    assert read_here(c.paths) is not None
    assert any("register_self|success|workstation recorded" in e for e in events(c))
    assert any("the list was empty" in e for e in events(c))


def test_the_enrollment_role_can_read_no_table(server_clinic: Clinic) -> None:
    """The attacker knows the enrollment role's documented password and tries its own
    credentials on every table, and to create, change and read what it may not."""
    c = server_clinic
    new_patient(c)
    c.inst.workstations.issue_code(c.admin, "Target")
    url = make_url(address(c)).set(drivername="postgresql")
    with c.insider() as owner, owner.connect() as conn:
        tables = list(
            conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            .scalars()
            .all()
        )
    assert {"patient", "audit_event", "enrollment", "workstation", "app_user"} <= set(tables)
    attacks = [f"SELECT * FROM {t} LIMIT 1" for t in tables] + [
        "UPDATE enrollment SET failed_attempts = 0",
        "INSERT INTO workstation (uid, name, joined_at, version_id) VALUES ('x', 'x', 'x', 1)",
        "CREATE TABLE mine (x int)",
        "CREATE TEMPORARY TABLE mine (x int)",
        "SELECT lo_import('/etc/passwd')",
        "SET ROLE medrec_test_app",
    ]
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        for attack in attacks:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(attack.encode())
        # What it may do: ask for a salt, claim (and be counted).
        assert conn.execute("SELECT medrec_enrollment_salt('ZZZZ')").fetchone() == (None,)
        conn.execute("SELECT medrec_claim_enrollment('ZZZZ', %s, %s)", (b"\0" * 32, b"\1" * 32))
        row = conn.execute(
            "SELECT outcome FROM medrec_enrollment_payload('ZZZZ', %s, %s)",
            (b"\0" * 32, b"\1" * 32),
        ).fetchone()
        assert row == ("unknown",)
        # The functions run as their owner with a pinned search_path: a function of its own
        # named like a table's lookup cannot be slipped in first (it may create nothing).
        config = conn.execute(
            "SELECT proname, proconfig FROM pg_proc WHERE proname IN "
            "('medrec_claim_enrollment', 'medrec_enrollment_payload', 'medrec_enrollment_salt')"
        ).fetchall()
        assert len(config) == 3
        assert all(any("search_path=" in str(x) for x in c[1]) for c in config)


def test_the_servers_copy_of_the_payload_gives_nothing_away(server_clinic: Clinic) -> None:
    """The sealed payload is in the enrollment table, which the application account (and the
    server's administrators, and every server backup) can read: scan it for the secrets it
    carries, in every encoding they are written in."""
    c = server_clinic
    c.inst.workstations.issue_code(c.admin, "Scanned")
    [(_, sealed, _, _, _)] = enrollment_rows(c)
    assert isinstance(sealed, bytes) and len(sealed) > 200
    material = c.inst.keyring.material
    mwk = c.inst.keyring.mwk_for_same_install()
    app_url = c.server_url
    needles: list[bytes] = [
        app_url.encode(),
        pg.APP_ROLE.encode(),
        c.inst.keyring.keyfile.install_id.encode(),
        b"medrec-keys",
        b"audit_root",
    ]
    for secret in (material.db_key, material.audit_key, mwk):
        needles += [
            secret,
            secret.hex().encode(),
            base64.b64encode(secret),
            base64.b64encode(secret)[:20],
        ]
    for needle in needles:
        assert needle not in sealed
    # And its verifier is no key to it: the stored SHA-256 differs from the sealing key.
    with c.insider() as owner, owner.connect() as conn:
        verifier = conn.execute(text("SELECT verifier FROM enrollment")).scalar_one()
    assert len(verifier) == 64 and bytes.fromhex(verifier) not in sealed


def test_a_one_computer_file_issues_no_codes(local_clinic: Clinic) -> None:
    with pytest.raises(KnownError, match="nothing joins it"):
        local_clinic.inst.workstations.issue_code(local_clinic.admin, "Front desk 2")
    assert local_clinic.inst.workstations.list_workstations(local_clinic.admin) == []


def test_a_joined_workstation_signs_in_with_the_admin_password_too(
    server_clinic: Clinic, tmp_path: Path
) -> None:
    """The accounts are the clinic's, not the computer's: the administrator who issued the
    code signs in on the new workstation with the same password."""
    c = server_clinic
    joined = joining(c, tmp_path / "w", c.inst.workstations.issue_code(c.admin, "W").code)
    try:
        session = joined.auth.login("admin", ADMIN_PASSWORD)
        assert {w.name for w in joined.workstations.list_workstations(session)} >= {"W"}
    finally:
        joined.close()


# ---------------------------------------------------------------- rolling a claim back


def enroll_connect(c: Clinic) -> psycopg.Connection[tuple[object, ...]]:
    """The attacker's own session as the enrollment role (public password), in transactions
    it opens and ends as it likes."""
    url = make_url(address(c)).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False))


def proofs(c: Clinic, issued_code: str) -> tuple[str, bytes, bytes]:
    """The code's lookup, the right proof (from the code) and a wrong one (a wrong secret)."""
    good = enrollment.parse_code(issued_code)
    with enroll_connect(c) as conn:
        row = conn.execute("SELECT medrec_enrollment_salt(%s)", (good.lookup,)).fetchone()
    assert row is not None
    kdf = str(row[0])
    bad = enrollment.Code(good.lookup, "0" * enrollment.SECRET_CHARS)
    return good.lookup, enrollment.derive(good, kdf).proof, enrollment.derive(bad, kdf).proof


def test_a_claim_rolled_back_gives_nothing_and_leaves_the_code_for_its_workstation(
    server_clinic: Clinic, tmp_path: Path
) -> None:
    """The attack: with the public password, claim in a transaction, look at the answer, roll
    back; so that wrong tries are never counted and the right one takes the payload while the
    code stays unused. Step 1 answers the same to right and wrong, step 2 refuses the
    transaction that made the attempt, and a rolled-back attempt leaves nothing to collect."""
    c = server_clinic
    issued = c.inst.workstations.issue_code(c.admin, "Reception 3")
    lookup, right, wrong = proofs(c, issued.code)
    nonce = b"\x07" * 32
    answers = []
    with enroll_connect(c) as conn:
        for proof in (wrong, right, wrong, right, wrong, right):
            answers.append(
                conn.execute(
                    "SELECT medrec_claim_enrollment(%s, %s, %s)", (lookup, proof, nonce)
                ).fetchall()
            )
            # Asking for the outcome in the same transaction: refused, whatever the proof.
            conn.execute("SAVEPOINT ask")
            with pytest.raises(psycopg.errors.RaiseException, match="commit the enrollment"):
                conn.execute(
                    "SELECT * FROM medrec_enrollment_payload(%s, %s, %s)", (lookup, proof, nonce)
                )
            conn.execute("ROLLBACK TO SAVEPOINT ask")
            conn.rollback()
        assert all(a == answers[0] for a in answers)  # right and wrong look alike
        # After the rollbacks: no claim is there to collect; the code is simply still open
        # (what anyone is told who sends a proof without a committed claim, right or wrong).
        for proof in (right, wrong):
            row = conn.execute(
                "SELECT outcome, payload, tries_left FROM medrec_enrollment_payload(%s, %s, %s)",
                (lookup, proof, nonce),
            ).fetchone()
            assert row == ("wrong", None, MAX_CODE_FAILURES)
            conn.rollback()
    [(_, sealed, used_at, failures, _)] = enrollment_rows(c)
    assert sealed is not None and used_at is None and failures == 0
    # The real workstation joins with its code as if nothing had happened: nothing was taken.
    joining(c, tmp_path / "reception", issued.code).close()


def test_wrong_tries_count_once_committed_and_only_then_say_so(server_clinic: Clinic) -> None:
    c = server_clinic
    issued = c.inst.workstations.issue_code(c.admin, "Counted")
    lookup, _, wrong = proofs(c, issued.code)
    nonce = b"\x01" * 32
    with enroll_connect(c) as conn:
        for attempt in range(1, MAX_CODE_FAILURES + 1):
            conn.execute("SELECT medrec_claim_enrollment(%s, %s, %s)", (lookup, wrong, nonce))
            conn.commit()  # the only way to learn the outcome: the failure is counted for good
            row = conn.execute(
                "SELECT outcome, tries_left FROM medrec_enrollment_payload(%s, %s, %s)",
                (lookup, wrong, nonce),
            ).fetchone()
            conn.rollback()
            if attempt < MAX_CODE_FAILURES:
                assert row == ("wrong", MAX_CODE_FAILURES - attempt)
            else:
                assert row == ("locked", 0)
    [(_, sealed, used_at, failures, _)] = enrollment_rows(c)
    assert sealed is None and used_at is None and failures == MAX_CODE_FAILURES


def test_the_payload_leaves_only_once_the_code_is_spent_for_good(
    server_clinic: Clinic, tmp_path: Path
) -> None:
    """Someone who has the code and claims first gets the payload only after the claim is
    committed: the code is then used for good, rolling the payload step back changes nothing,
    and the real workstation is told the code was used (the theft is noticed)."""
    c = server_clinic
    issued = c.inst.workstations.issue_code(c.admin, "Taken")
    lookup, right, _ = proofs(c, issued.code)
    nonce, other = b"\x02" * 32, b"\x03" * 32
    with enroll_connect(c) as conn:
        conn.execute("SELECT medrec_claim_enrollment(%s, %s, %s)", (lookup, right, nonce))
        conn.commit()
        [(_, _, used_at, _, _)] = enrollment_rows(c)
        assert used_at is not None  # spent before anything was handed out
        # Only the claimant's nonce collects it: the right proof alone does not.
        row = conn.execute(
            "SELECT outcome, payload FROM medrec_enrollment_payload(%s, %s, %s)",
            (lookup, right, other),
        ).fetchone()
        assert row == ("used", None)
        conn.rollback()
        row = conn.execute(
            "SELECT outcome, payload FROM medrec_enrollment_payload(%s, %s, %s)",
            (lookup, right, nonce),
        ).fetchone()
        assert row is not None and row[0] == "ok" and isinstance(row[1], bytes)
        conn.rollback()  # the payload step rolled back: the code stays used all the same
    [(_, sealed, used_at, _, _)] = enrollment_rows(c)
    assert used_at is not None and sealed is not None
    with pytest.raises(ValidationError, match="used already"):
        joining(c, tmp_path / "late", issued.code)


# ---------------------------------------------------------------- after a server restore


def test_after_a_restore_into_a_new_database_workstations_join_again(
    server_clinic: Clinic, tmp_path: Path
) -> None:
    """A restore re-creates the schema, and with it went the enrollment role's right to use
    it: the restore gives it back (found by its database rights), the folder the restore ran
    in is on the restored list, and a new workstation joins the restored clinic."""
    c = server_clinic
    out = c.inst.backup(c.admin, tmp_path / "clinic.medrec-backup", lambda done, total: None)
    name = f"t_rejoin_{uuid.uuid4().hex[:10]}"
    url = pg.new_database(name)
    try:
        restored_paths = DataPaths(tmp_path / "restored")
        restored = Installation.restore(
            restored_paths,
            out,
            Unlock(recovery_key=c.recovery_key),
            server_url=url,
            owner_url=pg.owner_of(url),
        )
        restored.close()
        restored = Installation.open(restored_paths, Unlock(recovery_key=c.recovery_key))
        try:
            admin = restored.auth.login("admin", ADMIN_PASSWORD)
            listed = restored.workstations.list_workstations(admin)
            assert [w.this_one for w in listed] == [False, True]  # the founder, then this one
            there = make_url(url)._replace(password=None).set(username=pg.ENROLL_ROLE)

            def request(name: str) -> JoinRequest:
                code = restored.workstations.issue_code(admin, name).code
                address = there.render_as_string(hide_password=False)
                return JoinRequest(address, code, passphrase=PASSPHRASE)

            joined = join(DataPaths(tmp_path / "joined"), request("After restore"))
            try:
                names = [w.name for w in joined.workstations.list_workstations(admin)]
                assert names[-1] == "After restore"
            finally:
                joined.close()
            # Without its right on the schema, the message names the real cause and remedy.
            pg.admin(f"REVOKE USAGE ON SCHEMA public FROM {pg.ENROLL_ROLE}", name)
            second = request("Second")
            with pytest.raises(KnownError) as refused:
                join(DataPaths(tmp_path / "refused"), second)
            assert "medrec server enrollment-setup" in refused.value.message
            assert "older version" not in refused.value.message
            pg.admin(f"GRANT USAGE ON SCHEMA public TO {pg.ENROLL_ROLE}", name)
            join(DataPaths(tmp_path / "second"), second).close()  # the same code: not spent
        finally:
            restored.close()
        # Tables from before workstations could join: then (and only then) "older version".
        with psycopg.connect(pg.admin_conninfo(name), autocommit=True) as conn:
            conn.execute("DROP FUNCTION medrec_enrollment_payload(text, bytea, bytea)")
            conn.execute("DROP TABLE enrollment")
        with pytest.raises(KnownError, match="older version"):
            join(DataPaths(tmp_path / "old"), second)
    finally:
        pg.drop_database(name)


def test_no_code_is_issued_whose_address_could_not_sign_in(server_clinic: Clinic) -> None:
    """An address without a password (a password file, a trusting server) or with this
    computer's own client certificate would reach the new computer useless, the code spent:
    refused in plain words before anything is stored."""
    c = server_clinic
    kept = c.paths.server_url_file.read_text()
    url = make_url(kept)
    try:
        c.paths.server_url_file.write_text(url._replace(password=None).render_as_string(False))
        with pytest.raises(KnownError, match="carries no password") as refused:
            c.inst.workstations.issue_code(c.admin, "Front desk 2")
        assert "medrec server connect" in refused.value.message
        cert = url.update_query_dict({"sslcert": "/etc/me.crt", "sslkey": "/etc/me.key"})
        c.paths.server_url_file.write_text(cert.render_as_string(False))
        with pytest.raises(KnownError, match="client certificate"):
            c.inst.workstations.issue_code(c.admin, "Front desk 2")
    finally:
        c.paths.server_url_file.write_text(kept)
    assert enrollment_rows(c) == []
    assert c.inst.workstations.server_status(c.admin).pending_codes == 0
    c.inst.workstations.issue_code(c.admin, "Front desk 2")  # with its password: issued
    assert len(enrollment_rows(c)) == 1
