"""db.server_tls: which connections must be verified TLS, and the plain messages for failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from medrec_desktop.db import server_tls
from medrec_desktop.db.errors import known_error_for
from medrec_desktop.db.server_tls import check_ca_certificate, server_target, tls_error
from medrec_desktop.domain.errors import ServerConnectionError
from tests.integration.pg_tls import make_ca, pem

CA = Path("/data/server-ca.pem")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://me@localhost/clinic",
        "postgresql://me@127.0.0.1:5432/clinic",
        "postgresql://me@127.0.0.7/clinic",
        "postgresql://me@[::1]/clinic",
        "postgresql://me@/clinic",
        "postgresql://me@/clinic?host=/var/run/postgresql",
        "postgresql+psycopg://me@localhost/clinic?hostaddr=127.0.0.1",
    ],
)
def test_this_computer_is_reached_as_the_address_says(url: str) -> None:
    target = server_target(url, None)
    assert not target.remote
    assert "sslmode" not in target.url.query and "sslrootcert" not in target.url.query
    assert target.url.drivername == "postgresql+psycopg"


def test_a_local_server_may_use_the_ca_too() -> None:
    target = server_target("postgresql://me@localhost/clinic?sslmode=verify-full", CA)
    assert target.url.query["sslrootcert"] == str(CA)
    assert target.url.query["sslmode"] == "verify-full"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://me:pw@db.clinic.test:5432/clinic",
        "postgresql://me@10.0.0.5/clinic",
        "postgresql://me@db.clinic.test/clinic?sslmode=verify-full",
        # a local-looking name sent to another address, or one remote host among several
        "postgresql://me@localhost/clinic?hostaddr=10.0.0.5",
        "postgresql://me@localhost/clinic?host=localhost&host=db.clinic.test",
        "postgresql://me@/clinic?host=localhost,db.clinic.test",
    ],
)
def test_another_computer_gets_verify_full_with_the_clinic_ca(url: str) -> None:
    target = server_target(url, CA)
    assert target.remote
    query = target.url.query
    assert query["sslmode"] == "verify-full"
    assert query["sslrootcert"] == str(CA)
    assert query["gssencmode"] == "disable"
    assert "pw" not in target.host


def test_the_host_name_decides_even_with_a_loopback_hostaddr() -> None:
    target = server_target("postgresql://me@db.clinic.test/c?hostaddr=127.0.0.1", CA)
    assert target.remote and target.host == "db.clinic.test"
    assert target.url.query["hostaddr"] == "127.0.0.1"


@pytest.mark.parametrize("mode", ["disable", "allow", "prefer", "require", "verify-ca"])
def test_a_weaker_sslmode_to_another_computer_is_refused(mode: str) -> None:
    with pytest.raises(ServerConnectionError) as caught:
        server_target(f"postgresql://me:secret@db.clinic.test/c?sslmode={mode}", CA)
    assert str(caught.value) == server_tls.WEAK_MODE.format(mode=mode, host="db.clinic.test")
    assert "secret" not in str(caught.value)


def test_another_computer_without_a_ca_is_refused() -> None:
    with pytest.raises(ServerConnectionError) as caught:
        server_target("postgresql://me@db.clinic.test/c", None)
    assert str(caught.value) == server_tls.NEEDS_CA.format(host="db.clinic.test")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sslrootcert=/tmp/x.pem", server_tls.OTHER_CA_PARAM.format(param="sslrootcert")),
        ("gssencmode=prefer", server_tls.GSS_ENCRYPTION.format(host="db.clinic.test")),
        (
            "sslmode=verify-full&sslmode=disable",
            server_tls.WEAK_MODE.format(mode="verify-full,disable", host="db.clinic.test"),
        ),
    ],
)
def test_address_parameters_that_would_bypass_the_check_are_refused(
    query: str, expected: str
) -> None:
    with pytest.raises(ServerConnectionError) as caught:
        server_target(f"postgresql://me@db.clinic.test/c?{query}", CA)
    assert str(caught.value) == expected


@pytest.mark.parametrize(
    "url", ["not a url", "mysql://me@db/c", "postgresql://me@db:notaport/c", ""]
)
def test_a_bad_address_is_said_plainly(url: str) -> None:
    with pytest.raises(ServerConnectionError) as caught:
        server_target(url, CA)
    assert str(caught.value) == server_tls.BAD_ADDRESS


def test_only_pem_certificates_count_as_a_ca() -> None:
    check_ca_certificate(pem(make_ca("Clinic CA")[1]), "ca.pem")
    two = pem(make_ca("A")[1]) + pem(make_ca("B")[1])
    check_ca_certificate(two, "bundle.pem")
    for junk in (b"", b"hello", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"):
        with pytest.raises(ServerConnectionError) as caught:
            check_ca_certificate(junk, "notes.txt")
        assert str(caught.value) == server_tls.NOT_A_CA.format(ca="notes.txt")


LIBPQ = {
    # libpq's own words (PostgreSQL 15-18), as psycopg reports them
    'connection failed: connection to server at "127.0.0.1", port 5 failed: '
    "SSL error: certificate verify failed": server_tls.UNTRUSTED,
    'server certificate for "db.clinic.test" (and 1 other name) does not match host name '
    '"records.clinic.test"': server_tls.NAME_MISMATCH,
    "server does not support SSL, but SSL was required": server_tls.NO_TLS,
    'could not read root certificate file "/data/server-ca.pem": no certificate or crl '
    "found": server_tls.NOT_A_CA,
    'root certificate file "/data/server-ca.pem" does not exist': server_tls.NOT_A_CA,
}


@pytest.mark.parametrize(("driver", "template"), list(LIBPQ.items()))
def test_each_tls_failure_has_one_plain_message(driver: str, template: str) -> None:
    target = server_target("postgresql://me:pw@db.clinic.test/c", CA)
    known = tls_error(driver, target)
    assert known is not None
    assert str(known) == template.format(host="db.clinic.test", ca=CA)
    shown = tls_error(driver, target, shown_ca=Path("/home/it/clinic-ca.pem"))
    assert shown is not None and "/data/" not in str(shown)
    # Without the target (a reconnect later on), the same kind of message, still plain.
    later = known_error_for(OSError(driver))
    assert isinstance(later, ServerConnectionError)


def test_other_failures_are_not_tls() -> None:
    assert tls_error("connection refused") is None
    assert isinstance(known_error_for(OSError("connection refused")), ServerConnectionError)
