"""Asks why a chronic-condition review suggestion is set aside (the reason is required and
kept on the encounter's coding, in its history)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from medrec_desktop.domain.chronic_review import ReviewSuggestion
from medrec_desktop.domain.coding_work import REASON_MAX
from medrec_desktop.ui.widgets.reason_dialog import RequiredReasonDialog

#: reasons a coder gives often, offered as placeholder examples
EXAMPLE = "e.g. not addressed at this visit; resolved; provider queried"


class DismissDialog(RequiredReasonDialog):
    def __init__(
        self,
        suggestion: ReviewSuggestion,
        submit: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        what = f"{suggestion.code} {suggestion.title}".strip()
        super().__init__(
            title="Dismiss suggestion",
            intro=(
                f"Set “{what}” aside for this encounter? The reason is kept with the "
                "encounter's coding and shown under “Dismissed”."
            ),
            label="&Reason for dismissing (required):",
            button="&Dismiss suggestion",
            missing="Say why this suggestion does not apply to this encounter.",
            submit=submit,
            placeholder=EXAMPLE,
            multiline=False,
            max_length=REASON_MAX,
            parent=parent,
        )
        self.suggestion = suggestion
        self.dismiss_button = self.ok_button
