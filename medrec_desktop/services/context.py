"""What every service is built with: the open store, the audit key, a clock, the workstation."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from medrec_desktop.db.store import Store


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    """UTC timestamps as fixed-width ISO text: sortable, portable, exact in the audit MAC."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_iso(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


@dataclass
class ServiceContext:
    store: Store
    audit_key: bytes = field(repr=False)
    clock: Callable[[], dt.datetime] = utc_now
    workstation: str = field(default_factory=socket.gethostname)

    def now(self) -> dt.datetime:
        return self.clock()
