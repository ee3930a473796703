"""How one kind of chart item shows on screen, declared rather than coded (issue 9).

A :class:`KindView` names the list's columns, the form's fields, where its service lives on
the installation and how the summary lists an item. The list page, the form, the history and
the conflict view are generic over it, so a new kind (medications, immunizations, vitals...)
is one declaration in ``ui/chart/kinds.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from medrec_desktop.domain.clinical import ItemInfo, ItemInput, ItemStatus, Sensitivity
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.services.clinical_items import ClinicalItemService
from medrec_desktop.services.installation import Installation
from medrec_desktop.ui.chart.fields import FieldKind, FieldSpec, Value
from medrec_desktop.ui.chart.form_parts import Behaviour

D = TypeVar("D")
I = TypeVar("I", bound=ItemInput[Any])  # noqa: E741 - the input type, beside D (the data)

# Shared by every form, so their letters are kept free in each kind's fields.
STATUS_FIELD = "status"
SENSITIVITY_FIELD = "sensitivity"
REASON_FIELD = "reason"
STATUS_LABEL = "St&atus"
SENSITIVITY_LABEL = "Sensitivit&y"
REASON_LABEL = "&Reason for change"


@dataclass(frozen=True)
class Column(Generic[D]):
    """A list column: its header, the cell text of an item, and (optionally) a sort key
    when the text does not sort right (dates)."""

    header: str
    show: Callable[[ItemInfo[D]], str]
    sort: Callable[[ItemInfo[D]], str] | None = None


@dataclass(frozen=True)
class Statement(Generic[D]):
    """An explicit "none" for a kind ("No known allergies"): the button recording it, the
    service keeping it, how to make one and how the summary and list say it."""

    button: str
    service: Callable[[Installation], ClinicalItemService[D, Any]]
    make: Callable[[], ItemInput[D]]
    says: Callable[[ItemInfo[D]], str]


@dataclass(frozen=True)
class PageAction:
    """A button of the kind's own under its list (the vitals' "Trend…"): its label with its
    mnemonic, its tooltip, and ``attach``, called once with the list's context
    (``ui/chart/list_page.py``'s ``PageContext``) and the button, to wire what it does."""

    label: str
    tooltip: str
    attach: Callable[[Any, Any], None]


Arrange = Callable[[tuple[ItemInfo[D], ...], bool, dt.date], tuple[ItemInfo[D], ...]]
"""The rows a list shows of the items loaded (all of them, or only the working ones), and in
which order; given the items, whether "show all" is ticked, and today's date."""

Shown = Callable[[ItemInfo[D]], str]


@dataclass(frozen=True)
class KindView(Generic[D, I]):
    """Everything the generic chart screens need to know about one kind of item.

    ``title`` names the list ("Problems") and its tab (with its mnemonic in ``tab``);
    ``noun`` one item; ``editing`` fills a form input from a saved item; ``build`` makes the
    input from the form's values (keyword arguments named like the fields, plus ``status``
    and ``sensitivity``); ``line`` is one item on the summary; ``name`` one item in messages.

    ``status_labels`` are the kind's own words for the statuses ("Stopped", not
    "Inactive"); ``formats`` show a content field of a saved item as the screens do (the
    history uses them: "70.0 kg (154.3 lb)", not 69.989); ``behaviour`` wires fields that
    depend on each other in the form (units, computed values, switching fields on and off);
    ``arrange`` picks and orders the list's rows; ``show_all`` is the list's tick box that
    shows the items off the working list; ``actions`` are the kind's own buttons under it.
    """

    key: str
    title: str
    tab: str
    noun: str
    service: Callable[[Installation], ClinicalItemService[D, I]]
    change: ChangeKind
    columns: tuple[Column[D], ...]
    fields: tuple[FieldSpec, ...]
    statuses: tuple[ItemStatus, ...]
    editing: Callable[[ItemInfo[D]], I]
    build: Callable[..., I]
    line: Callable[[ItemInfo[D]], str]
    name: Callable[[ItemInfo[D]], str]
    summary_title: str
    summary_empty: str
    add_label: str
    statement: Statement[Any] | None = None
    status_labels: Mapping[ItemStatus, str] | None = None
    formats: Mapping[str, Shown[D]] | None = None
    behaviour: Behaviour | None = None
    arrange: Arrange[D] | None = None
    show_all: str = "Show &inactive and resolved"
    actions: tuple[PageAction, ...] = ()

    def status_label(self, status: ItemStatus) -> str:
        found = (self.status_labels or {}).get(status)
        return found if found is not None else status.label

    def input_fields(self) -> tuple[FieldSpec, ...]:
        """The fields that make the input (computed ones are only shown)."""
        return tuple(s for s in self.fields if not s.computed)

    def values_of(self, item: ItemInfo[D]) -> dict[str, Value]:
        """The form's values for a saved item (status and sensitivity included)."""
        typed = self.editing(item)
        values: dict[str, Value] = {}
        for spec in self.input_fields():
            raw = getattr(typed, spec.name)
            if isinstance(raw, dt.datetime):
                raw = raw.isoformat()
            values[spec.name] = raw if isinstance(raw, bool) else "" if raw is None else str(raw)
        values[STATUS_FIELD] = str(item.status.value)
        values[SENSITIVITY_FIELD] = item.sensitivity.value if item.sensitivity else ""
        return values

    def make_input(self, values: Mapping[str, Value]) -> I:
        content = {s.name: values[s.name] for s in self.input_fields()}
        status = ItemStatus(str(values[STATUS_FIELD]))
        label = str(values.get(SENSITIVITY_FIELD) or "")
        return self.build(
            status=status, sensitivity=Sensitivity(label) if label else None, **content
        )

    def all_fields(self, labels: tuple[Sensitivity, ...]) -> tuple[FieldSpec, ...]:
        """The kind's fields, then status and sensitivity (with the labels offered)."""
        status = FieldSpec(
            STATUS_FIELD,
            STATUS_LABEL,
            FieldKind.CHOICE,
            tuple((s.value, self.status_label(s)) for s in self.statuses),
        )
        sensitivity = FieldSpec(
            SENSITIVITY_FIELD,
            SENSITIVITY_LABEL,
            FieldKind.CHOICE,
            (("", "None (anyone with chart access)"),)
            + tuple((s.value, s.label.capitalize()) for s in labels),
        )
        return (*self.fields, status, sensitivity)


def when(value: dt.datetime) -> str:
    return value.astimezone().strftime("%m/%d/%Y %H:%M")
