"""What every admin page shares: its dependencies and the way it calls services."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Job, Lane, Op, OpRunner
from medrec_desktop.ui.widgets.status import StatusLabel

T = TypeVar("T")
SessionGetter = Callable[[], UserSession | None]


class AdminPage(QWidget):
    """Base of the admin pages.

    ``run`` is the only way a page reaches a service: the work gets the current session and
    runs on the database worker; the callbacks run on the GUI thread. Errors go to the page's
    status line unless the caller handles them.
    """

    title = ""
    intro = ""
    #: Emitted when no service call of this page is still running (tests, screenshots).
    settled = Signal()

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: SessionGetter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.runner = runner
        self._session = session
        self.pending = 0
        self.setAccessibleName(self.title)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(16, 12, 16, 12)
        self.layout_.setSpacing(8)
        heading = QLabel(f"<b>{self.title}</b>")
        heading.setStyleSheet("font-size: 15pt;")
        self.layout_.addWidget(heading)
        if self.intro:
            intro = QLabel(self.intro)
            intro.setWordWrap(True)
            self.layout_.addWidget(intro)
        self.status = StatusLabel()

    @property
    def inst(self) -> Installation:
        """The services as they are now (read at call time: a restore swaps them)."""
        return self.services.inst

    def session(self) -> UserSession | None:
        return self._session()

    def refresh(self) -> None:  # pragma: no cover - every page overrides it
        raise NotImplementedError

    def run(
        self,
        work: Callable[[UserSession], T],
        on_ok: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
        *,
        lane: Lane = Lane.DB,
    ) -> bool:
        """Run ``work(session)`` on a worker lane. False (and nothing runs) when nobody is
        signed in."""
        return self.run_job(lambda s, _job: work(s), on_ok, on_error, lane=lane) is not None

    def run_job(
        self,
        work: Callable[[UserSession, Job], T],
        on_ok: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
        *,
        lane: Lane = Lane.DB,
        progress: Callable[[int, int], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
    ) -> Op[T] | None:
        """Like ``run``, with the op's Job (progress, cancel) handed to ``work``; returns the
        op so the page can cancel it (then ``on_cancelled`` runs instead of the callbacks)."""
        session = self._session()
        if session is None:
            return None
        self.pending += 1

        def done(result: T) -> None:
            try:
                on_ok(result)
            finally:
                self._finish()

        def failed(err: BaseException) -> None:
            try:
                if on_error is not None:
                    on_error(err)
                else:
                    self.status.show_error(err)
            finally:
                self._finish()

        op = Op.with_job(self, lambda job: work(session, job), runner=self.runner, lane=lane)

        def finished() -> None:
            if op.cancelled:
                try:
                    if on_cancelled is not None:
                        on_cancelled()
                finally:
                    self._finish()

        if progress is not None:
            op.progress(progress)
        # A page deleted meanwhile hears nothing; its count no longer matters then.
        return op.success(done).failure(failed).finished(finished).run()

    def _finish(self) -> None:
        self.pending -= 1
        if self.pending == 0:
            self.settled.emit()
