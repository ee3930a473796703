"""The set-up wizard's join road (issue 15): the clinic page offers "Join this clinic's server",
the join page takes the address and the code, the key page follows, and the last page joins.
A wrong code brings the join page back with the message and everything typed kept; nothing is
written. Against the real PostgreSQL test server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy.engine.url import make_url

from medrec_desktop.domain.enums import Role
from medrec_desktop.paths import DataPaths
from medrec_desktop.security import enrollment
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.wizard import SetupWizard
from tests.conftest import PASSPHRASE, PG_URL, Clinic, sign_in_all
from tests.support import pg
from tests.ui.test_mnemonics_every_screen import check

WAIT = 60_000  # a hang guard, not a figure


@pytest.fixture
def server_clinic(request: pytest.FixtureRequest) -> Iterator[Clinic]:
    if not PG_URL:
        pytest.skip("MEDREC_TEST_PG_URL is not set (CI sets it)")
    from tests.conftest import pg_copy

    with pg_copy(
        request.getfixturevalue("_pg_template"),
        request.getfixturevalue("tmp_path"),
        request.getfixturevalue("clock"),
    ) as c:
        yield c


def to_join_page(wizard: SetupWizard, qtbot: QtBot) -> None:
    page = wizard.clinic_page
    page.join.setFocus()
    qtbot.keyClick(page.join, Qt.Key.Key_Space)
    assert page.joining() and not page.name.isEnabled()
    wizard.button(QWizard.WizardButton.NextButton).click()
    assert wizard.currentPage() is wizard.join_page


def through_the_key_page(wizard: SetupWizard) -> None:
    nxt = wizard.button(QWizard.WizardButton.NextButton)
    nxt.click()
    assert wizard.currentPage() is wizard.key_page
    wizard.key_page.passphrase.setText(PASSPHRASE)
    wizard.key_page.passphrase2.setText(PASSPHRASE)
    nxt.click()


def test_join_road_refuses_a_wrong_code_on_the_page_then_joins(
    qtbot: QtBot, server_clinic: Clinic, tmp_path: Path, runner: OpRunner
) -> None:
    c = server_clinic
    issued = c.inst.workstations.issue_code(c.admin, "Front desk 2")
    folder = tmp_path / "new-workstation"
    wizard = SetupWizard(paths=DataPaths(folder), runner=runner, detect_keyring=False)
    qtbot.addWidget(wizard)
    wizard.show()
    to_join_page(wizard, qtbot)
    page = wizard.join_page
    assert wizard.focusWidget() is page.server_url
    address = make_url(c.server_url).set(username=pg.ENROLL_ROLE).render_as_string()
    qtbot.keyClicks(page.server_url, address)
    # A typing mistake is caught on the page, before anything is sent.
    qtbot.keyClicks(page.code, issued.code[:-1] + ("0" if issued.code[-1] != "0" else "1"))
    wizard.button(QWizard.WizardButton.NextButton).click()
    assert wizard.currentPage() is page and "typing mistake" in page.error.text()
    assert wizard.focusWidget() is page.code
    # A well-formed wrong code: only the server can tell, after the key page.
    good = enrollment.parse_code(issued.code)
    wrong = enrollment.Code(good.lookup, "1" * enrollment.SECRET_CHARS).text()
    page.code.setText(wrong.lower())  # typed in lower case, as people do
    through_the_key_page(wizard)
    qtbot.waitUntil(lambda: wizard.currentPage() is page, timeout=WAIT)
    assert "not right" in page.error.text() and "4 more tries" in page.error.text()
    assert page.server_url.text() == address and page.code.text() == wrong.lower()
    assert wizard.focusWidget() is page.code
    assert not folder.exists() or not any(folder.iterdir())
    # The right code: joined, and the users sign in there as anywhere.
    page.code.setText(issued.code)
    through_the_key_page(wizard)
    joined = wizard.joined_page
    qtbot.waitUntil(lambda: joined.done, timeout=WAIT)
    assert "Front desk 2" in joined.status.text() and not joined.error.text()
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish.isVisible() and finish.isEnabled()
    inst = wizard.installation
    assert inst is not None and wizard.session is None
    try:
        sessions = sign_in_all(inst)
        assert inst.audit.verify(sessions[Role.ADMIN]).ok
        names = [w.name for w in inst.workstations.list_workstations(sessions[Role.ADMIN])]
        assert "Front desk 2" in names
    finally:
        inst.close()
    finish.click()
    assert not wizard.isVisible()


def test_join_road_has_unique_mnemonics(qtbot: QtBot, tmp_path: Path, runner: OpRunner) -> None:
    wizard = SetupWizard(paths=DataPaths(tmp_path / "c"), runner=runner, detect_keyring=False)
    qtbot.addWidget(wizard)
    wizard.show()
    problems: list[str] = []
    check("wizard › clinic (two roads)", wizard, problems)
    to_join_page(wizard, qtbot)
    check("wizard › join", wizard, problems)
    # Escape with a code typed asks before dropping it.
    wizard.join_page.code.setText("ABCD")
    wizard.reject()
    assert wizard.leave_prompt is not None and wizard.leave_prompt.isVisible()
    wizard.leave_prompt.done(0)
    assert not problems, "\n".join(problems)
