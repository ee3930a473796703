"""UTC instants from the services shown in the workstation's local time (DESIGN §9)."""

from __future__ import annotations

import datetime as dt


def _local(value: dt.datetime) -> dt.datetime:
    # A naive value can only have come from storage, which is UTC.
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone()


def local_datetime(value: dt.datetime, *, seconds: bool = True) -> str:
    return _local(value).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def local_date(value: dt.datetime) -> str:
    return _local(value).strftime("%Y-%m-%d")


def utc_text(value: dt.datetime) -> str:
    """The exact stored form (ISO 8601, UTC, microseconds), for tooltips and exports."""
    return _local(value).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
