"""Inline validation messages placed under the field a ValidationError names.

The typed text is never cleared: the message appears, the field is marked and focused.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QWidget

from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.ui.widgets.status import StatusLabel


class FieldErrors:
    """Maps service field names to form widgets, each with a message label below it."""

    def __init__(self, general: StatusLabel) -> None:
        self.general = general
        self._fields: dict[str, tuple[QWidget, StatusLabel]] = {}

    def add_row(self, form: QFormLayout, label: str, widget: QWidget, *names: str) -> StatusLabel:
        """Add ``label``/``widget`` to ``form`` with a message row under it, used for errors
        on any of the service field ``names``."""
        form.addRow(label, widget)
        message = StatusLabel()
        message.setAccessibleName(f"{label.replace('&', '')} message")
        form.addRow("", message)
        for name in names:
            self._fields[name] = (widget, message)
        return message

    def label_for(self, name: str) -> StatusLabel | None:
        entry = self._fields.get(name)
        return entry[1] if entry else None

    def show(self, err: ValidationError) -> None:
        self.clear()
        entry = self._fields.get(err.field or "")
        if entry is None:
            self.general.error(err.message)
            return
        widget, message = entry
        message.error(err.message)
        widget.setProperty("invalid", True)
        widget.setAccessibleDescription(err.message)
        widget.setFocus()

    def clear(self) -> None:
        self.general.clear_message()
        for widget, message in self._fields.values():
            message.clear_message()
            widget.setProperty("invalid", False)
            widget.setAccessibleDescription("")
