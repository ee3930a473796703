"""The clinic server's workstations, enrollment codes and server status, as the screens and the
command line see them (issue 15)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from medrec_desktop.domain.errors import KnownError

#: how long an enrollment code may be used after it is shown
CODE_LIFETIME = dt.timedelta(minutes=15)
#: wrong tries before a code is locked (the server's function counts them; schema 0021)
MAX_CODE_FAILURES = 5
MAX_NAME = 64


class WorkstationRevokedError(KnownError):
    """This data folder's workstation was removed by an administrator: it no longer opens."""


class WorkstationUnknownError(KnownError):
    """This data folder is not on the clinic server's list, and the list is no longer empty:
    a computer joins with an enrollment code, it does not add itself."""


@dataclass(frozen=True)
class WorkstationInfo:
    id: int
    uid: str
    name: str
    joined_at: dt.datetime
    joined_by: str | None  # None: it recorded itself (no code)
    last_seen_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revoked_by: str | None
    revoke_reason: str | None
    version: int
    this_one: bool  # the workstation asking

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class IssuedCode:
    """An enrollment code as shown once to the administrator who asked for it."""

    code: str
    workstation_name: str
    expires_at: dt.datetime

    def __repr__(self) -> str:  # never in a log or a traceback
        return f"IssuedCode(<hidden>, {self.workstation_name!r}, {self.expires_at:%H:%M})"


@dataclass(frozen=True)
class ServerStatus:
    """What the Server page says about the connection (no password, no patient data)."""

    address: str  # host:port/database
    tls: str  # in plain words: verified against the clinic's CA, encrypted, local socket...
    account: str
    least_privilege: bool
    schema: str | None
    schema_current: bool
    workstation_uid: str | None
    pending_codes: int


__all__ = [
    "CODE_LIFETIME",
    "MAX_CODE_FAILURES",
    "IssuedCode",
    "ServerStatus",
    "WorkstationInfo",
    "WorkstationRevokedError",
    "WorkstationUnknownError",
]
