"""Closing a scan from the inbox: "not ours" with a reason, or split into parts. Each opens
its dialog, asks the service (with the version of the scan as read) and says back: ``done``
after success; ``elsewhere`` when someone else dealt with the scan meanwhile (the dialog says
so and the inbox should be read again)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.errors import ConflictError
from medrec_desktop.domain.inbox import InboxEntry
from medrec_desktop.services.inbox import InboxService
from medrec_desktop.ui.documents.pages import PageSource
from medrec_desktop.ui.inbox.not_ours_dialog import NotOursDialog
from medrec_desktop.ui.inbox.split_dialog import Parts, SplitDialog
from medrec_desktop.ui.tasks import Op, OpRunner


def open_not_ours(
    parent: QWidget,
    *,
    inbox: InboxService,
    runner: OpRunner,
    session: UserSession,
    entry: InboxEntry,
    done: Callable[[], None],
    elsewhere: Callable[[], None],
) -> NotOursDialog:
    def submit(reason: str) -> None:
        Op(
            dialog,
            lambda: inbox.reject(session, entry.id, reason, expected_version=entry.version),
            runner=runner,
        ).success(rejected).failure(refused).run()

    def rejected(_closed: InboxEntry) -> None:
        dialog.accept()
        done()

    def refused(err: BaseException) -> None:
        if isinstance(err, ConflictError):
            dialog.closed_elsewhere(err)
            elsewhere()
            return
        dialog.refused(err)

    dialog = NotOursDialog(entry.source_name, submit, parent)
    dialog.open()
    return dialog


def open_split(
    parent: QWidget,
    *,
    inbox: InboxService,
    runner: OpRunner,
    session: UserSession,
    entry: InboxEntry,
    pages: PageSource,
    done: Callable[[int], None],
    elsewhere: Callable[[], None],
) -> SplitDialog:
    """``done`` is told how many parts were made."""

    def submit(parts: Parts) -> None:
        Op(
            dialog,
            lambda: inbox.split(session, entry.id, parts, expected_version=entry.version),
            runner=runner,
        ).success(made).failure(refused).run()

    def made(parts: list[InboxEntry]) -> None:
        dialog.accept()
        done(len(parts))

    def refused(err: BaseException) -> None:
        if isinstance(err, ConflictError):
            elsewhere()
        dialog.refused(err)

    dialog = SplitDialog(entry.source_name, pages, submit, parent)
    dialog.open()
    return dialog
