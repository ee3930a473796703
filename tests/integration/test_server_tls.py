"""Clinic server mode over TLS, against a real throwaway PostgreSQL cluster with its own CA."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine.url import make_url

from medrec_desktop.db import server_tls
from medrec_desktop.domain.errors import ServerConnectionError
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from tests.conftest import ADMIN_PASSWORD, PASSPHRASE
from tests.integration.pg_tls import (  # the fixture: pytest finds it by its name here
    SERVER_NAME,
    TlsCluster,
    free_port,
    make_ca,
    pem,
    tls_cluster_fixture,  # noqa: F401
)
from tests.support.cli import medrec_argv
from tests.support.pg import OWNER_ROLE

SHARED_PG = make_url(os.environ.get("MEDREC_TEST_PG_URL") or "postgresql://postgres@127.0.0.1/test")


def create(paths: DataPaths, url: str, ca: Path | None) -> Installation:
    inst, _ = Installation.create(
        paths,
        admin=NewAdmin("admin", "Ada Admin", ADMIN_PASSWORD),
        passphrase=PASSPHRASE,
        server_url=url,
        server_ca=ca,
        owner_url=make_url(url).set(username=OWNER_ROLE).render_as_string(hide_password=False),
    )
    return inst


def ssl_in_use(inst: Installation) -> bool:
    with inst.store.engine.connect() as conn:
        return bool(
            conn.execute(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).scalar()
        )


def assert_nothing_created(paths: DataPaths, cluster: TlsCluster, database: str) -> None:
    assert not paths.keys.exists()
    assert not paths.server_url_file.exists()
    assert not paths.server_ca_file.exists()
    assert cluster.tables(database) == []


def test_init_and_open_over_verified_tls(tls_cluster: TlsCluster, tmp_path: Path) -> None:
    db = tls_cluster.new_database()
    paths = DataPaths(tmp_path / "data")
    inst = create(paths, tls_cluster.url(db), tls_cluster.ca_cert)
    try:
        assert ssl_in_use(inst)
        query = inst.store.engine.url.query
        assert query["sslmode"] == "verify-full"
        assert query["sslrootcert"] == str(paths.server_ca_file)
        # The certificate chosen is copied into the data folder, readable by its owner only.
        assert paths.server_ca_file.read_bytes() == tls_cluster.ca_cert.read_bytes()
        assert stat.S_IMODE(paths.server_ca_file.stat().st_mode) == 0o600
    finally:
        inst.close()
    tls_cluster.ca_cert.rename(tls_cluster.ca_cert.with_suffix(".moved"))  # the copy is used
    try:
        inst = Installation.open(paths, Unlock(passphrase=PASSPHRASE))
        try:
            assert ssl_in_use(inst)
            session = inst.auth.login("admin", ADMIN_PASSWORD)
            assert session.username == "admin"
        finally:
            inst.close()
    finally:
        tls_cluster.ca_cert.with_suffix(".moved").rename(tls_cluster.ca_cert)


def test_a_different_ca_is_refused_in_plain_words_and_nothing_is_created(
    tls_cluster: TlsCluster,
    tmp_path: Path,
) -> None:
    db = tls_cluster.new_database()
    paths = DataPaths(tmp_path / "data")
    with pytest.raises(ServerConnectionError) as caught:
        create(paths, tls_cluster.url(db), tls_cluster.other_ca_cert)
    # The file named is the one the user chose (its copy in the data folder is removed).
    assert str(caught.value) == server_tls.UNTRUSTED.format(
        ca=tls_cluster.other_ca_cert, host=SERVER_NAME
    )
    assert "BEGIN CERTIFICATE" not in str(caught.value)
    assert_nothing_created(paths, tls_cluster, db)


def test_a_certificate_for_another_name_gives_the_name_message(
    tls_cluster: TlsCluster,
    tmp_path: Path,
) -> None:
    """The server's certificate names db.clinic.test; the address names another host (same
    machine, same CA): verify-full refuses, and neither the password nor the certificate
    shows in the message."""
    db = tls_cluster.new_database()
    paths = DataPaths(tmp_path / "data")
    url = tls_cluster.url(db, host="records.clinic.test").replace(
        "postgres@", "postgres:s3cret-pw@"
    )
    with pytest.raises(ServerConnectionError) as caught:
        create(paths, url, tls_cluster.ca_cert)
    message = str(caught.value)
    assert message == server_tls.NAME_MISMATCH.format(host="records.clinic.test")
    assert "s3cret-pw" not in message
    assert_nothing_created(paths, tls_cluster, db)


@pytest.mark.parametrize("mode", ["disable", "prefer", "require", "verify-ca"])
def test_a_weaker_sslmode_to_another_computer_is_refused_before_connecting(
    tls_cluster: TlsCluster,
    tmp_path: Path,
    mode: str,
) -> None:
    db = tls_cluster.new_database()
    paths = DataPaths(tmp_path / "data")
    with pytest.raises(ServerConnectionError) as caught:
        create(paths, tls_cluster.url(db, query=f"sslmode={mode}"), tls_cluster.ca_cert)
    assert str(caught.value) == server_tls.WEAK_MODE.format(mode=mode, host=SERVER_NAME)
    assert_nothing_created(paths, tls_cluster, db)
    # The same address to a port where nothing listens says the same: no connection was tried
    # (one would have answered "could not be reached").
    closed = tls_cluster.url(db, query=f"sslmode={mode}").replace(
        f":{tls_cluster.port}/", f":{free_port()}/"
    )
    with pytest.raises(ServerConnectionError) as caught:
        create(paths, closed, tls_cluster.ca_cert)
    assert str(caught.value) == server_tls.WEAK_MODE.format(mode=mode, host=SERVER_NAME)


def test_a_server_without_tls_gives_the_no_tls_message(tmp_path: Path) -> None:
    """The shared development server has no TLS; addressed by name as another computer."""
    url = (
        f"postgresql+psycopg://postgres@{SERVER_NAME}:{SHARED_PG.port or 5432}/"
        f"{SHARED_PG.database}?hostaddr={SHARED_PG.host}"
    )
    ca = tmp_path / "ca.pem"
    ca.write_bytes(pem(make_ca("Clinic Test CA")[1]))
    paths = DataPaths(tmp_path / "data")
    with pytest.raises(ServerConnectionError) as caught:
        create(paths, url, ca)
    assert str(caught.value) == server_tls.NO_TLS.format(host=SERVER_NAME)
    assert not paths.keys.exists() and not paths.server_url_file.exists()


def test_open_needs_the_data_folders_copy_of_the_ca(
    tls_cluster: TlsCluster, tmp_path: Path
) -> None:
    db = tls_cluster.new_database()
    paths = DataPaths(tmp_path / "data")
    create(paths, tls_cluster.url(db), tls_cluster.ca_cert).close()
    # Replaced by another CA's certificate: the server no longer checks out.
    paths.server_ca_file.write_bytes(tls_cluster.other_ca_cert.read_bytes())
    with pytest.raises(ServerConnectionError) as caught:
        Installation.open(paths, Unlock(passphrase=PASSPHRASE))
    assert "not signed by the clinic's CA certificate" in str(caught.value)
    # Gone: said before any connection is tried.
    paths.server_ca_file.unlink()
    with pytest.raises(ServerConnectionError) as caught:
        Installation.open(paths, Unlock(passphrase=PASSPHRASE))
    assert str(caught.value) == server_tls.CA_MISSING.format(
        ca=paths.server_ca_file, host=SERVER_NAME
    )


def test_a_file_that_is_not_a_certificate_is_refused(
    tls_cluster: TlsCluster, tmp_path: Path
) -> None:
    db = tls_cluster.new_database()
    paths = DataPaths(tmp_path / "data")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a certificate\n")
    with pytest.raises(ServerConnectionError) as caught:
        create(paths, tls_cluster.url(db), notes)
    assert str(caught.value) == server_tls.NOT_A_CA.format(ca=notes)
    with pytest.raises(ServerConnectionError) as caught:
        create(paths, tls_cluster.url(db), tmp_path / "missing.pem")
    assert "is not a CA certificate" in str(caught.value)
    assert_nothing_created(paths, tls_cluster, db)


def test_cli_init_over_tls_and_refusal_without_a_certificate(
    tls_cluster: TlsCluster,
    tmp_path: Path,
) -> None:
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDREC_")} | {
        "MEDREC_PASSPHRASE": PASSPHRASE,
        "MEDREC_PASSWORD": ADMIN_PASSWORD,
    }
    db = tls_cluster.new_database()
    data = tmp_path / "data"
    refused = subprocess.run(
        medrec_argv(
            "--data-dir", str(data), "init", "--passphrase", "--server", tls_cluster.url(db)
        ),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert refused.returncode != 0
    assert "Choose the clinic's CA certificate" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not data.exists() or not any(data.iterdir())
    made = subprocess.run(
        medrec_argv(
            "--data-dir",
            str(data),
            "init",
            "--passphrase",
            "--server",
            tls_cluster.url(db),
            "--owner",
            tls_cluster.owner_url(db),
            "--ca-cert",
            str(tls_cluster.ca_cert),
        ),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    assert DataPaths(data).server_ca_file.read_bytes() == tls_cluster.ca_cert.read_bytes()
