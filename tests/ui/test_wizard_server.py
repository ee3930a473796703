"""The set-up wizard's server choice: the clinic CA certificate is required for a server on
another computer, chosen in Qt's own file dialog, and a failure is shown on the server page
with everything typed kept. Against a real throwaway PostgreSQL cluster with TLS."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from medrec_desktop.db import server_tls
from medrec_desktop.paths import DataPaths
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.wizard import SetupWizard
from tests.integration.pg_tls import (  # the fixture: pytest finds it by its name here
    SERVER_NAME,
    TlsCluster,
    tls_cluster_fixture,  # noqa: F401
)
from tests.ui.test_file_dialogs import answer_dialog

WAIT = 60_000  # a hang guard, not a figure


def fill_first_pages(wizard: SetupWizard, qtbot: QtBot) -> None:
    nxt = wizard.button(QWizard.WizardButton.NextButton)
    qtbot.keyClicks(wizard.clinic_page.name, "Maple Street Clinic")
    nxt.click()
    page = wizard.admin_page
    qtbot.keyClicks(page.full_name, "Ada Admin")
    page.password.setText("correct horse battery")
    page.password2.setText("correct horse battery")
    nxt.click()
    assert wizard.currentPage() is wizard.location_page


def to_recovery(wizard: SetupWizard) -> None:
    nxt = wizard.button(QWizard.WizardButton.NextButton)
    nxt.click()
    assert wizard.currentPage() is wizard.key_page
    wizard.key_page.passphrase.setText("workstation pass phrase")
    wizard.key_page.passphrase2.setText("workstation pass phrase")
    nxt.click()


def test_server_page_needs_the_ca_and_shows_failures_on_the_page(
    qtbot: QtBot, tmp_path: Path, runner: OpRunner, tls_cluster: TlsCluster
) -> None:
    db = tls_cluster.new_database()
    paths = DataPaths(tmp_path / "clinic")
    wizard = SetupWizard(paths=paths, runner=runner, detect_keyring=False)
    qtbot.addWidget(wizard)
    wizard.show()
    fill_first_pages(wizard, qtbot)
    page = wizard.location_page
    nxt = wizard.button(QWizard.WizardButton.NextButton)
    assert not page.server_url.isEnabled() and not page.ca_button.isEnabled()
    page.use_server.setChecked(True)
    assert wizard.focusWidget() is page.server_url and page.ca_button.isEnabled()
    url = tls_cluster.url(db)
    qtbot.keyClicks(page.server_url, url)
    # The owner account (medrec server setup) creates the tables; it is kept nowhere.
    page.owner_url.setText(tls_cluster.owner_url(db))
    # Another computer and no certificate: refused on the page, the address kept.
    nxt.click()
    assert wizard.currentPage() is page
    assert server_tls.NEEDS_CA.format(host=SERVER_NAME) in page.error.text()
    assert page.server_url.text() == url
    # A weaker sslmode is refused too, before anything is created.
    page.server_url.setText(url + "&sslmode=require")
    nxt.click()
    assert wizard.currentPage() is page and "sslmode=require" in page.error.text()
    page.server_url.setText(url)
    # The certificate is chosen in Qt's own dialog (no "recent files" entry): here the wrong
    # CA, which only the server can tell.
    seen = answer_dialog(tls_cluster.other_ca_cert)
    page.ca_button.click()
    assert len(seen) == 1 and seen[0].private
    assert seen[0].mode == QFileDialog.AcceptMode.AcceptOpen
    assert page.ca_cert.text() == str(tls_cluster.other_ca_cert)
    to_recovery(wizard)
    # Creating fails at the server: back on the server page, message there, all kept.
    qtbot.waitUntil(lambda: wizard.currentPage() is page, timeout=WAIT)
    assert "not signed by the clinic's CA certificate" in page.error.text()
    assert str(tls_cluster.other_ca_cert) in page.error.text()
    assert page.server_url.text() == url and page.ca_cert.text() == str(tls_cluster.other_ca_cert)
    assert wizard.focusWidget() is page.ca_cert
    assert not paths.keys.exists() and tls_cluster.tables(db) == []
    # The right certificate: the clinic is created on the server, over TLS.
    page.ca_cert.setText(str(tls_cluster.ca_cert))
    to_recovery(wizard)
    rec = wizard.recovery_page
    qtbot.waitUntil(lambda: bool(rec.key.text()), timeout=WAIT)
    assert not rec.error.text()
    inst = wizard.installation
    assert inst is not None
    try:
        assert inst.store.is_server
        with inst.store.engine.connect() as conn:
            ssl = conn.execute(
                text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            ).scalar()
        assert ssl is True
        assert paths.server_ca_file.read_bytes() == tls_cluster.ca_cert.read_bytes()
    finally:
        inst.close()
