"""Frozen content dataclasses to plain values and back, generically from their type hints.

Used for the version rows' JSON (a version must read back as exactly the DTO that was saved)
and for copying a kind's content onto its table's columns, so a new kind declares its
dataclass and columns and writes no conversion code.
Understood field types: str, int, bool, float, dates, UTC datetimes, partial dates, string
enums, NewTypes of those, ``X | None`` of those, nested dataclasses and tuples of any of
them (``tuple[ResultData, ...]``), which a table column holds as JSON text.

A field added to a kind later has a default, and versions saved before it existed read back
with that default (their JSON has no such key).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import types
import typing
from typing import Any, TypeVar

from medrec_desktop.domain.clinical import ItemInfo
from medrec_desktop.domain.partial_dates import PartialDate

T = TypeVar("T")


# Values that are already plain: most of an item's leaves, answered first (a test's results
# are hundreds of them, and the demo clinic writes thousands of tests).
_SCALARS = frozenset({str, int, float, bool, type(None)})
_FIELD_NAMES: dict[type[Any], tuple[str, ...]] = {}


def _field_names(cls: type[Any]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def to_plain(value: Any) -> Any:
    """JSON-safe values: dataclasses become dicts, dates ISO text, enums their value."""
    if type(value) in _SCALARS:
        return value
    if isinstance(value, PartialDate):  # before dataclasses: it is one, stored as text
        return value.storage
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: to_plain(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    return value


def to_column(value: Any) -> Any:
    """A content value as its table column holds it (dates stay dates: the column is typed)."""
    if isinstance(value, PartialDate):
        return value.storage
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):  # a list inside one item: JSON text in its column
        return json.dumps(to_plain(value), sort_keys=True)
    return value


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    if cls not in _HINTS:  # resolving string annotations is slow: once per class
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def from_plain(cls: type[T], plain: Any) -> T:
    """Rebuild a dataclass of ``cls`` from :func:`to_plain`'s output (or from column values)."""
    hints = _hints(cls)
    return cls(
        **{
            f.name: _value(hints[f.name], plain[f.name])
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            if f.name in plain or not _has_default(f)
        }
    )


def _has_default(f: dataclasses.Field[Any]) -> bool:
    return f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING


def item_from_plain(data_type: type[T], plain: Any) -> ItemInfo[T]:
    """An ``ItemInfo`` whose content is ``data_type`` (its type hint is a TypeVar)."""
    hints = _hints(ItemInfo)
    values = {
        f.name: _value(hints[f.name], plain[f.name])
        for f in dataclasses.fields(ItemInfo)
        if f.name != "data"
    }
    return ItemInfo(**values, data=from_plain(data_type, plain["data"]))


def _value(hint: Any, raw: Any) -> Any:
    if raw is None:
        return None
    supertype = getattr(hint, "__supertype__", None)  # a NewType
    if supertype is not None:
        return _value(supertype, raw)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(options) != 1:
            raise TypeError(f"unsupported union {hint!r}")
        return _value(options[0], raw)
    if typing.get_origin(hint) is tuple:
        (inner, _) = typing.get_args(hint)
        if isinstance(raw, str):  # read from its column (to_column's JSON)
            raw = json.loads(raw)
        return tuple(_value(inner, v) for v in raw)
    if hint is PartialDate:
        return raw if isinstance(raw, PartialDate) else PartialDate.from_storage(raw)
    if hint is dt.datetime:
        return raw if isinstance(raw, dt.datetime) else dt.datetime.fromisoformat(raw)
    if hint is dt.date:
        return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(raw)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(raw)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return from_plain(hint, raw)
    if hint in (str, int, float):
        return hint(raw)
    if hint is bool:
        return bool(raw)
    raise TypeError(f"unsupported field type {hint!r}")
