"""The inbox count the main window shows ("Inbox (4)" in the areas, "Inbox: 4 waiting (1 over
3 days)" in the status bar), read on a worker lane."""

from __future__ import annotations

from dataclasses import dataclass

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.inbox.texts import summary_text


@dataclass(frozen=True)
class InboxSummary:
    waiting: int
    old: int
    highlight_days: int

    @property
    def text(self) -> str:
        return summary_text(self.waiting, self.old, self.highlight_days)


def read_summary(inst: Installation, session: UserSession) -> InboxSummary:
    """How many scans wait (the service's count), and how many of them longer than the
    clinic's days (read only when some wait). Runs off the GUI thread."""
    waiting = inst.inbox.count(session)
    days = inst.inbox.settings(session).highlight_days
    old = 0
    if waiting:
        now = inst.ctx.now()
        old = sum(1 for e in inst.inbox.entries(session) if e.is_old(now, days))
    return InboxSummary(waiting, old, days)
