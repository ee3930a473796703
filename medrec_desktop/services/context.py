"""What every service is built with: the open store, the audit key, a clock, the workstation."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from medrec_desktop.db.store import Store
from medrec_desktop.security.audit_mark import Mark

log = logging.getLogger(__name__)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    """UTC timestamps as fixed-width ISO text: sortable, portable, exact in the audit MAC."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_iso(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def stored_utc(text: str) -> dt.datetime:
    """A stored timestamp as a tz-aware UTC datetime for a DTO. Tolerates ISO forms other than
    the program's own (rows written by older versions or by hand): naive means UTC."""
    try:
        return from_iso(text)
    except ValueError:
        value = dt.datetime.fromisoformat(text)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


@dataclass
class ServiceContext:
    store: Store
    audit_key: bytes = field(repr=False)
    clock: Callable[[], dt.datetime] = utc_now
    workstation: str = field(default_factory=socket.gethostname)
    # The installation the trail must belong to (its genesis event names it).
    install_id: str | None = None
    # Called with (seq, chain MAC) after each committed audit event: moves the high-water mark
    # kept outside the database (security.audit_mark).
    on_committed: Callable[[int, str], None] | None = field(default=None, repr=False)
    # Set when the trail was found not to hold the mark kept outside the database (a file put
    # back, a mark removed or forged): nothing more is recorded until an administrator restores
    # a backup or resets the mark after investigating (services/installation.py).
    tampered: str | None = None
    # Set once the clinic has moved to its server (services/server_move.py): the file is no
    # longer the record, so nothing more is recorded in it; the message says where it went.
    moved: str | None = None
    # Reads that mark back (None where the store has no key file beside it).
    read_mark: Callable[[], Mark | None] | None = field(default=None, repr=False)
    # This open installation's random token in the change notices it sends (issue 15, live
    # refresh), so it can tell its own notices from the other workstations'. Not a secret.
    sender: str = field(default_factory=lambda: secrets.token_hex(8))

    def committed(self, written: tuple[int, str] | None) -> None:
        if written is None or self.on_committed is None:
            return
        try:
            self.on_committed(*written)
        except OSError:
            # The event is safely in the database; a mark that lags is only an older (still
            # genuine) point of the chain. Logged without data.
            log.warning("could not update the audit high-water mark", exc_info=True)

    def now(self) -> dt.datetime:
        return self.clock()
