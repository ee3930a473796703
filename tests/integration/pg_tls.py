"""A real throwaway PostgreSQL 15 cluster with TLS on, for the server-mode TLS tests.

initdb runs as the ``postgres`` OS user into a temporary folder that user owns; a throwaway
CA and a server certificate (SAN DNS ``db.clinic.test`` and IP 127.0.0.1) are made with
``cryptography``; the server listens on 127.0.0.1 on a free port with ``ssl=on`` and is
stopped at the end. Clients address it as ``db.clinic.test`` with libpq's
``hostaddr=127.0.0.1``: no DNS is needed, the host counts as another computer, and
``verify-full`` checks the name. Nothing is skipped: without initdb the fixture fails.
"""

from __future__ import annotations

import datetime as dt
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path

import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from medrec_desktop.db import server_roles
from tests.support.pg import APP_PASSWORD, APP_ROLE, OWNER_ROLE

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SERVER_NAME = "db.clinic.test"


@dataclass(frozen=True)
class TlsCluster:
    port: int
    socket_dir: Path
    ca_cert: Path  # the clinic's CA: it signed the server's certificate
    other_ca_cert: Path  # a CA that signed nothing the server has

    def url(
        self, database: str, *, host: str = SERVER_NAME, query: str = "", role: str = APP_ROLE
    ) -> str:
        """The application account's address (``role`` for another account's)."""
        extra = f"&{query}" if query else ""
        # The application account's carries a password, as a clinic's does (the cluster
        # trusts every connection and does not check it).
        who = f"{role}:{APP_PASSWORD}" if role == APP_ROLE else role
        return f"postgresql+psycopg://{who}@{host}:{self.port}/{database}?hostaddr=127.0.0.1{extra}"

    def owner_url(self, database: str) -> str:
        return self.url(database, role=OWNER_ROLE)

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        """The test's own connection, over the Unix socket (no TLS needed there)."""
        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
        )

    def new_database(self) -> str:
        """A clinic database as `medrec server setup` makes one (owner and application
        accounts, made in this cluster the first time)."""
        name = "t_" + uuid.uuid4().hex[:12]
        plan = server_roles.Plan(database=name, owner=OWNER_ROLE, app=APP_ROLE)
        with self.admin() as conn:
            have = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles")}
            for statement in plan.server_statements():
                if statement.split()[2] not in have:
                    conn.execute(statement.encode())
        with psycopg.connect(
            host=str(self.socket_dir), port=self.port, user="postgres", dbname=name
        ) as conn:
            for statement in plan.database_statements():
                conn.execute(statement.encode())
            conn.commit()
        return name

    def tables(self, database: str) -> list[str]:
        with psycopg.connect(
            host=str(self.socket_dir), port=self.port, user="postgres", dbname=database
        ) as conn:
            rows = conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
            ).fetchall()
        return [str(r[0]) for r in rows]


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_ca(common: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(_name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_server_cert(
    ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(SERVER_NAME))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(SERVER_NAME), x509.IPAddress(IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(*argv: str) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", *argv], check=True, capture_output=True, timeout=120
    )


@pytest.fixture(scope="session", name="tls_cluster")
def tls_cluster_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsCluster]:
    initdb = PG_BIN / "initdb"
    assert initdb.exists(), f"{initdb} is missing: install PostgreSQL 15 (the tests need it)"
    owner = pwd.getpwnam("postgres")
    # pytest's own temporary folders are private to this user: the cluster needs one the
    # postgres user owns and can reach.
    root = Path(tempfile.mkdtemp(prefix="medrec-pgtls-"))
    os.chown(root, owner.pw_uid, owner.pw_gid)
    data = root / "data"
    certs = tmp_path_factory.mktemp("tls-certs")
    ca_key, ca = make_ca("Clinic Test CA")
    _, other = make_ca("Some Other CA")
    key, cert = make_server_cert(ca_key, ca)
    (certs / "clinic-ca.pem").write_bytes(pem(ca))
    (certs / "other-ca.pem").write_bytes(pem(other))
    server_key = root / "server.key"
    server_crt = root / "server.crt"
    server_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_crt.write_bytes(pem(cert))
    for f in (server_key, server_crt):
        os.chown(f, owner.pw_uid, owner.pw_gid)
    os.chmod(server_key, 0o600)
    port = free_port()
    started = False
    try:
        _as_postgres(str(initdb), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c ssl=on "
            f"-c ssl_cert_file={server_crt} -c ssl_key_file={server_key}"
        )
        _as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(root / "log"),
            "-o",
            options,
            "start",
        )
        started = True
        yield TlsCluster(port, root, certs / "clinic-ca.pem", certs / "other-ca.pem")
    finally:
        if started:
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-m", "fast", "stop")
        shutil.rmtree(root, ignore_errors=True)
