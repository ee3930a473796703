"""Chronic-condition review beside the encounter's codes (issue 13): what the record says
that the codes do not, each suggestion with its kind, code and title, why, and its evidence;
one action adds the code to the diagnoses being edited, one sets the suggestion aside with a
reason. Suggestions dismissed on this encounter are listed apart with their reasons.

Keyboard: the arrows move through the suggestions, A adds the code, D dismisses; the buttons
have Alt+E and Alt+M, and Alt+V brings the cursor to the list (letters the coding screen
beside it leaves free).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.chronic_review import ReviewResult, ReviewSuggestion
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.services.versioning import VersionConflictError
from medrec_desktop.ui.coding_work.review_dismiss import DismissDialog
from medrec_desktop.ui.coding_work.review_items import HEAD_ROLE, TAIL_ROLE, SuggestionDelegate
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel

KEY_ROLE = Qt.ItemDataRole.UserRole
NO_ENCOUNTER = "Open an encounter to review it."


def _norm(code: str) -> str:
    return code.strip().replace(".", "").upper()


class ReviewPanel(QWidget):
    #: (code: str, title: str) the user took a suggestion: add this diagnosis
    add_code = Signal(str, str)
    #: a suggestion was dismissed (saved: the coding has a new version)
    dismissed = Signal()

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
    ) -> None:
        super().__init__()
        self._services = services
        self._runner = runner
        self._session = session
        self.encounter_id: int | None = None
        self.patient_id: int | None = None
        #: the coding's version as last read (None: nothing saved yet), what a dismissal
        #: is checked against
        self.version: int | None = None
        self.result = ReviewResult(suggestions=())
        self._codes: frozenset[str] = frozenset()
        self.dialog: DismissDialog | None = None

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.heading = QLabel("Chronic-condition re&view")
        self.heading.setStyleSheet("font-weight: 600;")
        column.addWidget(self.heading)
        self.status = StatusLabel()
        self.status.setAccessibleName("Review status")
        column.addWidget(self.status)

        self.list = QListWidget()
        self.list.setAccessibleName("Chronic-condition review suggestions")
        self.list.setWordWrap(True)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setItemDelegate(SuggestionDelegate(self.list))
        self.list.setToolTip("A: add the code · D: dismiss with a reason")
        self.heading.setBuddy(self.list)
        column.addWidget(self.list, 3)

        self.detail = QLabel()
        self.detail.setAccessibleName("Why it is suggested")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scroll = QScrollArea()
        scroll.setWidget(self.detail)
        scroll.setWidgetResizable(True)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        column.addWidget(scroll, 2)

        row = QHBoxLayout()
        self.add_button = QPushButton("Add cod&e")
        self.add_button.setToolTip("Add this code to the diagnoses (A in the list)")
        self.dismiss_button = QPushButton("Dis&miss…")
        self.dismiss_button.setToolTip("Set this suggestion aside with a reason (D in the list)")
        row.addWidget(self.add_button)
        row.addWidget(self.dismiss_button)
        row.addStretch(1)
        column.addLayout(row)

        self.dismissed_toggle = QToolButton()
        self.dismissed_toggle.setCheckable(True)
        self.dismissed_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.dismissed_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.dismissed_toggle.setAutoRaise(True)
        self.dismissed_toggle.setAccessibleName("Show the dismissed suggestions")
        column.addWidget(self.dismissed_toggle)
        self.dismissed_list = QListWidget()
        self.dismissed_list.setAccessibleName("Dismissed suggestions with their reasons")
        self.dismissed_list.setWordWrap(True)
        self.dismissed_list.setResizeMode(QListView.ResizeMode.Adjust)
        self.dismissed_list.setItemDelegate(SuggestionDelegate(self.dismissed_list))
        self.dismissed_list.hide()
        column.addWidget(self.dismissed_list)

        self.list.currentRowChanged.connect(self._show_current)
        self.add_button.clicked.connect(self.add_current)
        self.dismiss_button.clicked.connect(self.dismiss_current)
        self.dismissed_toggle.toggled.connect(self._toggle_dismissed)
        shortcut(Qt.Key.Key_A, self.list, self.add_current)
        shortcut(Qt.Key.Key_D, self.list, self.dismiss_current)
        services.changed.connect(self._changed)
        services.swapped.connect(self.reload)
        self._show(self.result)

    # ------------------------------------------------------------------ API

    def show_encounter(self, encounter_id: int | None) -> None:
        """Review this encounter (None: show nothing)."""
        if encounter_id != self.encounter_id:
            self._codes = frozenset()
            self.patient_id = None
        self.encounter_id = encounter_id
        self.reload()

    def set_codes(self, codes: Sequence[str]) -> None:
        """The diagnoses as being edited: suggestions already coded drop out at once."""
        self._codes = frozenset(_norm(c) for c in codes)
        self._show(self.result)

    @property
    def shown(self) -> list[ReviewSuggestion]:
        """The suggestions in the list, in order (those already in the codes left out)."""
        return [
            s for s in self.result.suggestions if _norm(s.code) not in self._codes or not s.code
        ]

    def current(self) -> ReviewSuggestion | None:
        row = self.list.currentRow()
        shown = self.shown
        return shown[row] if 0 <= row < len(shown) else None

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        session = self._session()
        eid = self.encounter_id
        if eid is None or session is None:
            self.version = None
            self._show(ReviewResult(suggestions=()))
            self.status.info(NO_ENCOUNTER)
            return
        self.status.info("Reviewing the record…")
        services = self._services

        def load() -> tuple[int, int | None, ReviewResult]:
            work = services.coding_work
            view = work.get(session, eid)
            return view.context.patient_id, view.version, work.review(session, eid)

        Op(self, load, runner=self._runner, key="review").success(self._loaded).failure(
            self._failed
        ).run()

    def _loaded(self, loaded: tuple[int, int | None, ReviewResult]) -> None:
        self.patient_id, self.version, result = loaded
        self._show(result)

    def _failed(self, err: BaseException) -> None:
        self._show(ReviewResult(suggestions=()))
        self.status.show_error(err)

    def _changed(self, patient_id: int, _kinds: object) -> None:
        if patient_id == self.patient_id and self.encounter_id is not None:
            self.reload()

    # ------------------------------------------------------------------ showing

    def _show(self, result: ReviewResult) -> None:
        before = self.current()
        self.result = result
        shown = self.shown
        self.list.clear()
        for s in shown:
            head = f"{s.code}  {s.title}" if s.code else f"(no code)  {s.title}"
            tail = s.kind.label + (f" · {s.hcc}" if s.hcc else "")
            item = QListWidgetItem(f"{head}\n{tail}")
            item.setData(KEY_ROLE, s.key)
            item.setData(HEAD_ROLE, head)
            item.setData(TAIL_ROLE, tail)
            item.setToolTip(s.reason)
            self.list.addItem(item)
        keys = [s.key for s in shown]
        self.list.setCurrentRow(
            keys.index(before.key) if before is not None and before.key in keys else 0
        )
        self._show_current()
        self.dismissed_list.clear()
        for s, why in result.dismissed:
            what = f"{s.code} {s.title}".strip()
            item = QListWidgetItem(f"{what}\nDismissed: {why}")
            item.setData(HEAD_ROLE, what)
            item.setData(TAIL_ROLE, f"Dismissed: {why}")
            self.dismissed_list.addItem(item)
        n = len(result.dismissed)
        # As tall as its lines (up to four), so the suggestions keep the room.
        rows = sum(self.dismissed_list.sizeHintForRow(i) for i in range(min(n, 4)))
        self.dismissed_list.setMaximumHeight(rows + 2 * self.dismissed_list.frameWidth() + 2)
        self.dismissed_toggle.setText(f"Dismissed ({n})")
        self.dismissed_toggle.setVisible(bool(n))
        self.dismissed_list.setVisible(bool(n) and self.dismissed_toggle.isChecked())
        if self.encounter_id is not None:
            self._count(len(shown), len(result.suggestions) - len(shown))

    def _count(self, shown: int, taken: int) -> None:
        if shown:
            text = f"{shown} suggestion{'s' if shown != 1 else ''} to review"
        else:
            text = "Nothing to suggest: the codes cover what the record shows."
        if taken:
            text += f" ({taken} already among the diagnoses being edited)"
        self.status.info(text)

    def _show_current(self, _row: int = -1) -> None:
        s = self.current()
        self.add_button.setEnabled(s is not None and bool(s.code))
        self.dismiss_button.setEnabled(s is not None)
        if s is None:
            self.detail.setText("")
            return
        lines = [s.reason]
        if s.hcc:
            lines.append(f"HCC: {s.hcc}")
        lines += ["", "Evidence:"] + [f"• {e}" for e in s.evidence]
        self.detail.setText("\n".join(lines))

    def _toggle_dismissed(self, on: bool) -> None:
        self.dismissed_toggle.setArrowType(
            Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow
        )
        self.dismissed_list.setVisible(on and bool(self.result.dismissed))

    # ------------------------------------------------------------------ actions

    def add_current(self) -> None:
        s = self.current()
        if s is None or not s.code:
            return
        self.add_code.emit(s.code, s.title)

    def dismiss_current(self) -> None:
        s = self.current()
        if s is None or self.encounter_id is None:
            return
        dialog = DismissDialog(s, lambda reason: self._dismiss(dialog, s, reason), self)
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        dialog.open()

    def _dialog_closed(self, dialog: DismissDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        # The cursor goes back where the user was (some platforms leave no window active).
        self.window().activateWindow()
        self.list.setFocus()

    def _dismiss(self, dialog: DismissDialog, s: ReviewSuggestion, reason: str) -> None:
        session = self._session()
        eid = self.encounter_id
        if session is None or eid is None:
            dialog.dismiss()
            return
        services, version = self._services, self.version

        def save() -> int | None:
            return services.coding_work.dismiss(
                session, eid, expected_version=version, key=s.key, code=s.code, reason=reason
            ).version

        def saved(new_version: int | None) -> None:
            self.version = new_version
            if self.dialog is dialog:  # still open (Esc while saving closes it)
                dialog.accept()
            self.dismissed.emit()
            self.reload()

        def refused(err: BaseException) -> None:
            if self.dialog is not dialog:
                self.status.show_error(err)
            elif isinstance(err, VersionConflictError):
                self.version = err.stored.version
                dialog.conflicted(
                    f"{err.stored.changed_by} saved this encounter's coding meanwhile "
                    f"(version {err.stored.version}); nothing was dismissed. The review is "
                    "being read again: if the suggestion still applies, press Dismiss "
                    "suggestion again."
                )
                self.reload()
            else:
                dialog.refused(err)

        Op(self, save, runner=self._runner).success(saved).failure(refused).run()
