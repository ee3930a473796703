"""How many coder queries wait for the signed-in provider: read after any coding change on
this workstation, at sign-in, after a restore, and every five minutes (queries sent from
another workstation on a shared server arrive without a notification; each reading is an
audit event, so not more often than that)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import ChangeKind, Role
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.status import error_text

INTERVAL_MS = 5 * 60_000


def waiting_text(n: int) -> str:
    return f"Queries: {n} waiting"


class WaitingQueries(QObject):
    #: (count: int) the provider's open queries, read again
    counted = Signal(int)
    #: reading the count failed (plain words)
    failed = Signal(str)

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner, self._session = services, runner, session
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.refresh)
        services.changed.connect(self._changed)
        services.swapped.connect(self.refresh)

    def applies(self) -> bool:
        """Queries are addressed to providers: nobody else has a count."""
        session = self._session()
        return session is not None and session.role is Role.PROVIDER

    def start(self) -> None:
        if self.applies():
            self.timer.start()
            self.refresh()

    def stop(self) -> None:
        self.timer.stop()

    def refresh(self) -> None:
        session = self._session()
        if session is None or not self.applies():
            return
        queries = self._services.inst.coder_queries
        Op(
            self, lambda: queries.waiting_count(session), runner=self._runner, key="waiting"
        ).success(self.counted.emit).failure(self._failed).run()

    def _failed(self, err: BaseException) -> None:
        self.failed.emit(error_text(err))

    def _changed(self, _patient_id: int, kinds: frozenset[ChangeKind]) -> None:
        if not kinds or ChangeKind.CODING in kinds:
            self.refresh()
