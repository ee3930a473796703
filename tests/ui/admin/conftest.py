"""Admin pages driven against a real clinic; the service calls run on the DB worker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from medrec_desktop.domain.errors import KnownError
from medrec_desktop.security import passwords
from medrec_desktop.ui.admin.base import AdminPage
from medrec_desktop.ui.tasks import OpRunner
from tests.conftest import Clinic
from tests.ui.conftest import holder

P = TypeVar("P", bound=AdminPage)
WAIT = 15_000


@pytest.fixture
def make_page(qtbot: Any, local_clinic: Clinic, runner: OpRunner) -> Iterator[Callable[..., Any]]:
    """Build a page for the clinic's administrator, shown and loaded."""
    pages: list[AdminPage] = []
    services = holder(local_clinic.inst)

    def make(cls: type[P], **kwargs: Any) -> P:
        page = cls(services=services, runner=runner, session=lambda: local_clinic.admin, **kwargs)
        qtbot.addWidget(page)
        page.resize(1100, 700)
        page.show()
        with qtbot.waitSignal(page.settled, timeout=WAIT):
            page.refresh()
        pages.append(page)
        return page

    yield make
    for page in pages:  # nothing may still run on the worker when the clinic closes
        if page.pending:
            qtbot.waitUntil(lambda p=page: p.pending == 0, timeout=WAIT)


def lock_out(clinic: Clinic, username: str) -> None:
    """Fail to sign in until the account is locked (the fake clock skips the delays)."""
    for _ in range(passwords.LOCK_AFTER):
        try:
            clinic.inst.auth.login(username, "not the password at all")
        except KnownError:
            pass
        clinic.clock.advance(seconds=passwords.MAX_DELAY_SECONDS + 1)
