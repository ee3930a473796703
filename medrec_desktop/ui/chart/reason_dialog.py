"""Asks why an item is being marked entered in error (the reason is required)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from medrec_desktop.ui.widgets.reason_dialog import RequiredReasonDialog


class EnteredInErrorDialog(RequiredReasonDialog):
    def __init__(
        self, what: str, submit: Callable[[str], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(
            title="Mark entered in error",
            intro=(
                f"Mark “{what}” as entered in error? It leaves the chart's lists and stays "
                "readable in its history and the audit trail."
            ),
            label="&Reason (required):",
            button="&Mark entered in error",
            missing="Say why this was entered in error.",
            submit=submit,
            placeholder="e.g. recorded on the wrong patient",
            multiline=False,
            parent=parent,
        )
        self.mark_button = self.ok_button
