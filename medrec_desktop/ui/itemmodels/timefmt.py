"""Stored UTC timestamps (ISO 8601 text) shown in the workstation's local time."""

from __future__ import annotations

import datetime as dt


def parse_utc(ts: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(ts)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def local_datetime(ts: str) -> str:
    value = parse_utc(ts)
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else ts


def local_date(ts: str) -> str:
    value = parse_utc(ts)
    return value.astimezone().strftime("%Y-%m-%d") if value else ts
