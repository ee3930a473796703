"""Mark coded: the findings of the codes exactly as they stand are checked first; each error
not already overridden needs a written reason (one per error, or one for all) before anything
is saved, so Cancel saves nothing; then the codes are saved (a re-coding with its reason) and
the encounter marked coded in one step. Errors the saved codes show that the live check did
not are asked about the same way."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

from medrec_desktop.coding.types import Finding, Severity
from medrec_desktop.domain.coding_work import CodingInput, CodingState, finding_key
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.services.coding_work import OverrideNeededError
from medrec_desktop.ui.coding_work.coding_dialogs import OverrideDialog
from medrec_desktop.ui.coding_work.coding_writes import RECODE, CodingWrites, Outcome
from medrec_desktop.ui.tasks import Op
from medrec_desktop.ui.widgets.unsaved import saved_stamp


class CodingMark(CodingWrites):
    """Mark coded (Ctrl+Enter) of :class:`EncounterCodingPage`."""

    def mark_coded(self) -> None:
        view = self.view
        if view is None or not self.mark_button.isEnabled() or self.saving:
            return
        # The findings of the codes exactly as they are now, before anything is asked.
        self.check_now(then=lambda findings: self._mark_after_check(findings))

    def _mark_after_check(self, findings: list[Finding]) -> None:
        view = self.view
        if view is None:
            return
        if view.state is CodingState.CODED and self.editor.dirty:
            self._ask_reason(
                "Re-code this encounter",
                RECODE,
                "&Continue",
                "e.g. provider's addendum documents the type of diabetes",
                lambda reason, dialog: self._then_overrides(dialog, findings, reason),
            )
            return
        self._ask_overrides(findings, None)

    def _then_overrides(self, dialog: QDialog, findings: list[Finding], recode: str) -> None:
        dialog.accept()
        self._ask_overrides(findings, recode)

    def _ask_overrides(self, findings: list[Finding], recode: str | None) -> None:
        data = self.view.coding.data if self.view is not None and self.view.coding else None
        kept = {o.key for o in data.overrides} if data is not None else set()
        needed = [
            f
            for f in findings
            if f.severity is Severity.ERROR and finding_key(f.rule_id, f.codes) not in kept
        ]
        if not needed:
            self._mark({}, None, recode)
            return
        dialog = OverrideDialog(
            needed, lambda reasons: self._mark(reasons, dialog, recode), parent=self
        )
        self._show_dialog(dialog)

    def _mark(
        self,
        reasons: dict[str, str],
        dialog: OverrideDialog | None,
        recode: str | None,
    ) -> None:
        view, session = self.view, self._session()
        if view is None or session is None or self.encounter_id is None:
            return
        work, eid = self._services.coding_work, self.encounter_id
        data: CodingInput | None = (
            self.editor.input() if self.editor.dirty or view.coding is None else None
        )
        version = view.version

        def steps() -> Outcome:
            expected, latest = version, None
            if data is not None:
                latest = work.save(session, eid, data, expected_version=expected, reason=recode)
                expected = latest.version
            assert expected is not None
            try:
                return Outcome(
                    work.mark_coded(session, eid, expected_version=expected, overrides=reasons)
                )
            except KnownError as err:
                return Outcome(latest, err)

        self.saving = True
        self.save_state.info("Marking coded…")

        def done(out: Outcome) -> None:
            self.saving = False
            waiting, self._after_save = self._after_save, []
            if out.view is not None:
                marked = out.error is None
                self._wrote(out.view, "✓ Marked coded" if marked else saved_stamp())
            if out.view is not None:
                for after in waiting:  # the codes are stored: whoever waited goes on
                    after()
            if out.error is None:
                if dialog is not None:
                    dialog.accept()
                return
            if dialog is not None and isinstance(out.error, OverrideNeededError):
                dialog.refused(out.error)
                return
            if isinstance(out.error, OverrideNeededError):
                # The saved codes have errors the live check had not shown: ask for them.
                self.check_now(then=lambda f: self._ask_overrides(f, None))
                return
            if dialog is not None:
                dialog.reject()
            self._failed(out.error)

        def failed(err: BaseException) -> None:
            self.saving = False
            self._after_save = []
            if dialog is not None:
                dialog.reject()
            self._failed(err)

        Op(self, steps, runner=self._runner).success(done).failure(failed).run()
