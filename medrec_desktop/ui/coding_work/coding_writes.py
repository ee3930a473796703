"""What the coding screen writes, each through one Op on the database lane: Save (a coded
encounter changed again asks why), Return to provider (a reason), History, the claim summary
of a coded encounter, and the two ways
out of a version conflict (Mark coded: ``coding_mark.py``). Also what makes the screen a guarded
form: leaving with unsaved codes asks Save / Discard / Cancel.

After every successful write: ``encounter_changed`` and the patient's CODING notification.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QDialog

from medrec_desktop.coding.types import Finding
from medrec_desktop.domain.clinical import ItemVersion
from medrec_desktop.domain.coding_work import CodingData, CodingState
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import ChangeKind, Role
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.services.coding_work import CodingView
from medrec_desktop.services.versioning import VersionConflictError
from medrec_desktop.ui.coding_work.claim_summary_dialog import ClaimSummaryDialog
from medrec_desktop.ui.coding_work.coding_dialogs import HistoryDialog
from medrec_desktop.ui.coding_work.coding_layout import CodingLayout
from medrec_desktop.ui.encounters.texts import day
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.reason_dialog import RequiredReasonDialog
from medrec_desktop.ui.widgets.unsaved import saved_stamp

RECODE = "Why are the codes of this coded encounter changing? The reason is kept in its history."
NOTHING = "Nothing changed since the last save."


@dataclass(frozen=True)
class Outcome:
    """A write of several steps: the encounter as stored after the last step that succeeded
    (None: none did) and what refused the next one."""

    view: CodingView | None
    error: BaseException | None = None


class CodingWrites(CodingLayout):
    """The writes of :class:`EncounterCodingPage`, kept apart from its layout (the page
    gives the methods that raise here)."""

    encounter_changed: Any  # the page's Signal(int)

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
    ) -> None:
        super().__init__(services=services, runner=runner, session=session)
        self.pending: VersionConflictError | None = None
        self.saving = False
        self._after_save: list[Callable[[], None]] = []
        self.own_write = False
        self.dialog: QDialog | None = None
        self.on_reveal: Callable[[], None] | None = None

    def check_now(self, then: Callable[[list[Finding]], None] | None = None) -> None:
        raise NotImplementedError  # the page checks the codes as edited

    def apply_view(self, view: CodingView, *, keep_edits: bool = True) -> None:
        raise NotImplementedError

    def refresh(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ guarded form

    def has_unsaved_changes(self) -> bool:
        return self.view is not None and (self.pending is not None or self.editor.dirty)

    def unsaved_summary(self) -> str:
        view = self.view
        if view is None:
            return "The codes of this encounter"
        c = view.context
        n, m = len(self.editor.diagnoses), len(self.editor.procedures)
        return (
            f"Codes of the {day(c.dos)} encounter of {c.patient_name}: {n} diagnos"
            f"{'es' if n != 1 else 'is'}, {m} procedure line{'s' if m != 1 else ''}"
        )

    def save_then(self, done: Callable[[], None]) -> None:
        self.save(then=done)

    def discard_changes(self) -> None:
        self.pending = None
        self.conflict.hide()
        view = self.view
        self.editor.load(view.coding.data if view is not None and view.coding else None)

    def reveal(self) -> None:
        if self.on_reveal is not None:
            self.on_reveal()

    # ------------------------------------------------------------------ buttons

    def update_buttons(self) -> None:
        view = self.view
        editable = self._may_edit()
        why = "" if editable else self._why_read_only()
        state = view.state if view is not None else None
        coded = state is CodingState.CODED
        self.save_button.setEnabled(editable)
        self.save_button.setToolTip(
            why
            or (
                "Save the changed codes as a new version; you are asked why (Ctrl+S)"
                if coded
                else "Save the codes as a new version (Ctrl+S)"
            )
        )
        coder = self._role() is Role.CODER
        self.mark_button.setEnabled(editable and coder and not (coded and not self.editor.dirty))
        self.mark_button.setToolTip(
            why
            or ("Only a coder marks an encounter coded." if not coder else "")
            or (
                "Already coded: change a code to re-code it."
                if coded and not self.editor.dirty
                else "Finish this encounter: errors need a written override (Ctrl+Enter)"
            )
        )
        self.return_button.setEnabled(editable and not coded)
        self.return_button.setToolTip(
            why
            or (
                "A coded encounter is not returned: change its codes to re-code it first."
                if coded
                else "Send the encounter back to its provider with your reason"
            )
        )
        self.history_button.setEnabled(view is not None and view.coding is not None)
        # The summary is of the coded version as stored: unsaved edits are not on it.
        claimable = coded and not self.editor.dirty and self.pending is None
        self.claim_button.setEnabled(claimable)
        self.claim_button.setToolTip(
            "What the billing office receives for this coded encounter"
            if claimable
            else "Once the encounter is coded (and saved), its claim summary is here"
        )

    # ------------------------------------------------------------------ save

    def save(self, then: Callable[[], None] | None = None) -> None:
        view = self.view
        if self.saving:
            # Asked again while a save runs (leaving right after Ctrl+S): go on after it.
            if then is not None:
                self._after_save.append(then)
            return
        if view is None:
            return
        if not self._may_edit():
            self.message.warning(self._why_read_only())
            return
        if view.state is CodingState.CODED:
            if not self.editor.dirty and self.pending is None:
                self.save_state.info(NOTHING)
                return
            self._ask_reason(
                "Re-code this encounter",
                RECODE,
                "&Save as a new version",
                "e.g. provider's addendum documents the type of diabetes",
                lambda reason, dialog: self._save(reason, dialog, then),
            )
            return
        self._save(None, None, then)

    def _save(
        self,
        reason: str | None,
        dialog: RequiredReasonDialog | None,
        then: Callable[[], None] | None,
        expected: int | None = -1,
    ) -> None:
        view = self.view
        session = self._session()
        if view is None or session is None or self.encounter_id is None:
            return
        work, eid, data = self._services.coding_work, self.encounter_id, self.editor.input()
        version = view.version if expected == -1 else expected
        self.saving = True
        self.save_state.info("Saving…")

        def done(saved: CodingView) -> None:
            self.saving = False
            if dialog is not None:
                dialog.accept()
            self._wrote(saved, saved_stamp())
            waiting, self._after_save = self._after_save, []
            for after in [*([then] if then is not None else []), *waiting]:
                after()

        def failed(err: BaseException) -> None:
            self.saving = False
            self._after_save = []
            if dialog is not None and isinstance(err, ValidationError) and err.field == "reason":
                dialog.refused(err)
                return
            if dialog is not None:
                dialog.dismiss()
            self._failed(err)

        Op(
            self,
            lambda: work.save(session, eid, data, expected_version=version, reason=reason),
            runner=self._runner,
        ).success(done).failure(failed).run()

    # ------------------------------------------------------------------ return, history

    def return_to_provider(self) -> None:
        view = self.view
        if view is None or not self.return_button.isEnabled():
            return
        self._ask_reason(
            "Return to provider",
            f"Return this encounter to {view.context.provider} with your reason. It leaves "
            "the coding worklist until they answer and send it back."
            + (" Your unsaved codes are saved first." if self.editor.dirty else ""),
            "&Return to provider",
            "e.g. the assessment names no diagnosis for the injection given",
            self._return,
        )

    def _return(self, reason: str, dialog: RequiredReasonDialog) -> None:
        view, session = self.view, self._session()
        if view is None or session is None or self.encounter_id is None:
            return
        work, eid = self._services.coding_work, self.encounter_id
        data = self.editor.input() if self.editor.dirty else None
        version = view.version

        def steps() -> Outcome:
            expected, latest = version, None
            if data is not None:
                latest = work.save(session, eid, data, expected_version=expected)
                expected = latest.version
            try:
                return Outcome(
                    work.return_to_provider(session, eid, expected_version=expected, reason=reason)
                )
            except KnownError as err:
                return Outcome(latest, err)

        def done(out: Outcome) -> None:
            if out.view is not None:
                self._wrote(out.view, "↩ Returned to provider" if out.error is None else "")
            if out.error is None:
                dialog.accept()
            elif isinstance(out.error, ValidationError) and out.error.field == "reason":
                dialog.refused(out.error)
            else:
                dialog.dismiss()
                self._failed(out.error)

        def failed(err: BaseException) -> None:
            dialog.dismiss()
            self._failed(err)

        Op(self, steps, runner=self._runner).success(done).failure(failed).run()

    def show_history(self) -> None:
        view, session = self.view, self._session()
        if view is None or session is None or self.encounter_id is None:
            return
        work, eid = self._services.coding_work, self.encounter_id
        c = view.context
        title = f"the codes of the {day(c.dos)} encounter of {c.patient_name}"

        def show(versions: list[ItemVersion[CodingData]]) -> None:
            self._show_dialog(HistoryDialog(title, list(versions), self))

        Op(self, lambda: work.history(session, eid), runner=self._runner).success(show).failure(
            self._failed
        ).run()

    def show_claim_summary(self) -> None:
        """The coded encounter as the billing office receives it (reading it is audited)."""
        if self.encounter_id is None or not self.claim_button.isEnabled():
            return
        self._show_dialog(
            ClaimSummaryDialog(
                self,
                services=self._services,
                runner=self._runner,
                session=self._session,
                encounter_id=self.encounter_id,
            )
        )

    # ------------------------------------------------------------------ conflicts

    def keep_mine(self) -> None:
        err = self.pending
        if err is None:
            return
        theirs: Any = err.stored.data
        version = err.stored.version
        self.conflict.hide()
        if theirs.state is CodingState.CODED:
            self._ask_reason(
                "Re-code this encounter",
                RECODE,
                "&Save over theirs",
                "e.g. my codes follow the addendum",
                lambda reason, dialog: self._save(reason, dialog, None, version),
            )
        else:
            self._save(None, None, None, version)

    def use_theirs(self) -> None:
        self.discard_changes()
        self.refresh()

    # ------------------------------------------------------------------ helpers

    def _wrote(self, view: CodingView, said: str) -> None:
        self.pending = None
        self.conflict.hide()
        self.apply_view(view, keep_edits=False)  # what was typed is what is stored now
        if said:
            self.save_state.ok(said)
        self.message.clear_message()
        self.encounter_changed.emit(view.context.encounter_id)
        self.own_write = True
        try:
            self._services.notify_changed(view.context.patient_id, {ChangeKind.CODING})
        finally:
            self.own_write = False

    def _failed(self, err: BaseException) -> None:
        """A write refused: a newer version to compare with, a plain reason; anything else
        is a bug (the crash dialog)."""
        self.save_state.error("Not saved")
        if isinstance(err, VersionConflictError):
            self.pending = err
            self.conflict.show_conflict(self.editor.input(), err)
            return
        if isinstance(err, KnownError):
            self.message.error(err.message)
            return
        raise err

    def _ask_reason(
        self,
        title: str,
        intro: str,
        action: str,
        placeholder: str,
        submit: Callable[[str, RequiredReasonDialog], object],
    ) -> None:
        made: list[RequiredReasonDialog] = []

        def send(reason: str) -> None:
            submit(reason, made[0])

        dialog = RequiredReasonDialog(
            title=title,
            intro=intro,
            label="&Reason (required):",
            button=action,
            missing="Write the reason: it is kept with this version.",
            placeholder=placeholder,
            submit=send,
            parent=self,
        )
        made.append(dialog)
        self._show_dialog(dialog)

    def _show_dialog(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
