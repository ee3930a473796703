"""Joining a workstation to a server on another computer (issue 15): the enrollment account
connects only over verified TLS, so a missing or wrong CA certificate is refused before the code
is sent (and the code stays usable). Against a real throwaway PostgreSQL cluster with TLS."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine.url import make_url

from medrec_desktop.db import server_roles, server_tls
from medrec_desktop.domain.errors import ServerConnectionError
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.installation import Installation, NewAdmin
from medrec_desktop.services.workstation_join import JoinRequest, join
from tests.conftest import ADMIN_PASSWORD, PASSPHRASE
from tests.integration.pg_tls import (  # the fixture: pytest finds it by its name here
    SERVER_NAME,
    TlsCluster,
    tls_cluster_fixture,  # noqa: F401
)


def test_join_over_verified_tls_and_a_wrong_ca_spends_no_code(
    tls_cluster: TlsCluster, tmp_path: Path
) -> None:
    db = tls_cluster.new_database()
    first, _ = Installation.create(
        DataPaths(tmp_path / "reception"),
        admin=NewAdmin("admin", "Ada Admin", ADMIN_PASSWORD),
        passphrase=PASSPHRASE,
        server_url=tls_cluster.url(db),
        server_ca=tls_cluster.ca_cert,
        owner_url=tls_cluster.owner_url(db),
    )
    try:
        admin = first.auth.login("admin", ADMIN_PASSWORD)
        code = first.workstations.issue_code(admin, "Front desk 2").code
        # As typed at the new computer: no account (medrec fills in medrec_enroll).
        address = f"postgresql://{SERVER_NAME}:{tls_cluster.port}/{db}?hostaddr=127.0.0.1"
        folder = tmp_path / "new"

        def attempt(ca: Path | None) -> Installation:
            request = JoinRequest(address, code, ca_cert=ca, passphrase=PASSPHRASE)
            return join(DataPaths(folder), request)

        with pytest.raises(ServerConnectionError) as no_ca:
            attempt(None)
        assert no_ca.value.message == server_tls.NEEDS_CA.format(host=SERVER_NAME)
        with pytest.raises(ServerConnectionError, match="not signed by the clinic's CA"):
            attempt(tls_cluster.other_ca_cert)
        assert not folder.exists()
        # The enrollment account's password is public, so it may hold only a few connections
        # (server_roles.ENROLL_CONNECTIONS): when they are taken, joining says to wait.
        held = [
            psycopg.connect(
                host=str(tls_cluster.socket_dir),
                port=tls_cluster.port,
                user=server_roles.DEFAULT_ENROLL,
                dbname=db,
            )
            for _ in range(server_roles.ENROLL_CONNECTIONS)
        ]
        try:
            with pytest.raises(ServerConnectionError, match="Try again in a minute"):
                attempt(tls_cluster.ca_cert)
        finally:
            for conn in held:
                conn.close()
        # No attempt reached the code: it is still waiting, and now it joins.
        assert first.workstations.server_status(admin).pending_codes == 1
        joined = attempt(tls_cluster.ca_cert)
        try:
            paths = DataPaths(folder)
            assert paths.server_ca_file.read_bytes() == tls_cluster.ca_cert.read_bytes()
            url = make_url(paths.server_url_file.read_text())
            assert url.host == SERVER_NAME and url.username == "medrec_test_app"
            assert url.query.get("hostaddr") == "127.0.0.1"
            with joined.store.engine.connect() as conn:
                ssl = conn.execute(
                    text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                ).scalar()
            assert ssl is True
            status = joined.workstations.server_status(joined.auth.login("admin", ADMIN_PASSWORD))
            assert "checked against the clinic's CA" in status.tls and status.least_privilege
        finally:
            joined.close()
    finally:
        first.close()
