"""What a kind's form behaviour may use of the generic chart form, and the wiring every form
gets: choices loaded from the patient's chart, and a picked name filling a text field.

A behaviour (``KindView.behaviour``) ties fields that depend on each other: the vitals'
units and computed BMI, the social history's pack-years and AUDIT-C score, the fields an
immunization needs once it is marked refused. It is called once when the form is built, and
listens to the form's ``filled`` signal (a new item, or a saved one opened).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.ui.chart.field_widgets import CodeAhead, LookupChoice
from medrec_desktop.ui.chart.fields import FieldInput, Value
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.status import StatusLabel


class FormHost(Protocol):
    """The parts of the item form (``ui/chart/item_form.py``) a behaviour reads."""

    inputs: dict[str, FieldInput]
    errors: dict[str, StatusLabel]
    grid: QFormLayout
    patient_id: PatientId | None
    item: Any
    filled: SignalInstance

    def save(self) -> None: ...


@dataclass(frozen=True)
class FormParts:
    """The form's inputs by field name, and what a behaviour needs to read the chart."""

    widget: QWidget
    host: FormHost
    services: ServicesHolder
    runner: OpRunner
    session: Callable[[], UserSession | None]
    # What a field held when a switch turned it off, put back if it is turned on again.
    stash: dict[str, Value] = field(default_factory=dict)

    @property
    def inputs(self) -> Mapping[str, FieldInput]:
        return self.host.inputs

    @property
    def filled(self) -> SignalInstance:
        return self.host.filled

    def is_new(self) -> bool:
        return self.host.item is None

    def label_of(self, name: str) -> QLabel | None:
        """The label in the form's left column of field ``name``."""
        holder = self.inputs[name].container.parentWidget()
        found = self.host.grid.labelForField(holder) if holder is not None else None
        return found if isinstance(found, QLabel) else None

    def text_of(self, name: str) -> str:
        value = self.inputs[name].value()
        return value if isinstance(value, str) else ""

    def switch(self, name: str, on: bool, *, required: bool = False) -> None:
        """Field ``name`` in use or not (greyed, its text set aside until it is back in use,
        so a refused vaccine keeps no lot number but switching back finds it again); a
        field in use may be required, which its label and accessible name say."""
        input_ = self.inputs[name]
        value = input_.value()
        if not input_.read_only:
            if not on and value:
                self.stash[name] = value
                input_.set_value(False if isinstance(value, bool) else "")
            elif on and not value and name in self.stash:
                input_.set_value(self.stash.pop(name))
        input_.container.setEnabled(on)
        label = self.label_of(name)
        if label is not None:
            text = label.text().removesuffix(" *")
            label.setText(text + (" *" if on and required else ""))
        plain = input_.spec.plain_label
        input_.focus.setAccessibleName(
            plain + (" (required)" if on and required else "" if on else " (not used)")
        )


Behaviour = Callable[[FormParts], object]


def attach(
    widget: QWidget,
    host: FormHost,
    behaviour: Behaviour | None,
    *,
    services: ServicesHolder,
    runner: OpRunner,
    session: Callable[[], UserSession | None],
) -> FormParts:
    """Wire the form's loaded choices and filled names, then the kind's own behaviour."""
    parts = FormParts(widget, host, services, runner, session)
    parts.filled.connect(parts.stash.clear)
    for input_ in parts.inputs.values():
        if isinstance(input_.widget, LookupChoice):
            _load_options(parts, input_, input_.widget)
        if input_.spec.fills:
            _fill_name(parts, input_)
    if behaviour is not None:
        behaviour(parts)
    return parts


def _load_options(parts: FormParts, input_: FieldInput, choice: LookupChoice) -> None:
    options = input_.spec.options
    if options is None:
        return

    def load() -> None:
        session, pid = parts.session(), parts.host.patient_id
        if session is None or pid is None:
            choice.set_options([])
            return
        inst = parts.services.inst

        def failed(err: BaseException) -> None:
            if not isinstance(err, KnownError):
                raise err
            choice.status.setText(f"⚠ {err.message}")

        choice.status.setText("loading…")
        Op(
            parts.widget,
            lambda: options(inst, session, pid),
            runner=parts.runner,
            key=f"options-{input_.spec.name}",
        ).success(choice.set_options).failure(failed).run()

    parts.filled.connect(load)


def _fill_name(parts: FormParts, input_: FieldInput) -> None:
    """The picked name goes into the text field ``spec.fills`` unless the user typed their
    own there (it is blank, or still holds the name the last pick put in)."""
    target = parts.inputs[input_.spec.fills]
    last: list[str] = [""]

    def put(name: str) -> None:
        current = target.value()
        if isinstance(current, str) and current.strip() in ("", last[0]):
            target.set_value(name)
            last[0] = name

    parts.filled.connect(lambda: last.__setitem__(0, ""))
    widget = input_.widget
    if isinstance(widget, CodeAhead):
        widget.picked.connect(lambda _code, name: put(name))
    elif isinstance(widget, LookupChoice):
        widget.combo.activated.connect(lambda _i: put(_plain(widget.current_text())))


NAME_APART = " — "
"""Between a chart choice's name and what follows it (code, status): a picked choice fills
a text field with the name alone."""


def _plain(text: str) -> str:
    return text.split(NAME_APART, 1)[0]
