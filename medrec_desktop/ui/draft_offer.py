"""Unsaved work offered back after sign-in (issue 9, drafts).

When a session ended without saving (a crash, a kill, a power cut), the forms' drafts are
still in the database. The next sign-in of the same user lists them calmly: Restore opens the
chart and the form with the typed fields back (unsaved, for review), beside the saved version
when someone saved the record meanwhile, or the New patient page for a registration that was
being typed; Discard deletes one; Later keeps them all for the next sign-in.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.clinical import ItemInfo
from medrec_desktop.domain.drafts import Draft, DraftInfo
from medrec_desktop.domain.dto import PatientInfo
from medrec_desktop.domain.encounter_views import EncounterDetail
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.services.versioning import VersionConflictError
from medrec_desktop.ui.chart.kind_view import KindView
from medrec_desktop.ui.chart.kinds import KIND_VIEWS
from medrec_desktop.ui.encounters.form import ENCOUNTER_ITEM_TYPE
from medrec_desktop.ui.patients.form_fields import ALL_FIELDS
from medrec_desktop.ui.patients.registration import ERROR_STYLE, RegistrationForm
from medrec_desktop.ui.tasks import Op
from medrec_desktop.ui.widgets.drafts import (
    DEMOGRAPHICS,
    REGISTRATION,
    item_type_of,
    may_keep_drafts,
)

if TYPE_CHECKING:
    from medrec_desktop.ui.main_window import MainWindow

KEY_ROLE = Qt.ItemDataRole.UserRole


def kind_of(item_type: str) -> KindView[Any, Any] | None:
    """The chart view of the kind of item a draft was typed for (None: demographics, or a
    kind without a form yet)."""
    for kind in KIND_VIEWS:
        if item_type_of(kind.change) == item_type:
            return kind
    return None


def _when(moment: dt.datetime) -> str:
    local = moment.astimezone()
    if local.date() == dt.datetime.now().astimezone().date():
        return f"{local:%H:%M}"
    return f"{local:%m/%d/%Y %H:%M}"


def describe(info: DraftInfo, kind: KindView[Any, Any] | None) -> str:
    """ "Unsaved work from 14:02: Problem for Okafor, Chidi (MRN 00000003)"; "Unsaved work
    from 14:02: new patient registration (Rivera, Ana)"."""
    if info.item_type == REGISTRATION:
        named = f" ({info.patient_name})" if info.patient_name else ""
        return f"Unsaved work from {_when(info.saved_at)}: new patient registration{named}"
    if info.item_type == DEMOGRAPHICS:
        what = "Demographics"
    elif kind is not None:
        what = kind.noun.capitalize() if info.item_id is not None else f"New {kind.noun}"
    elif info.item_type == ENCOUNTER_ITEM_TYPE:
        what = "Encounter note" if info.item_id is not None else "New encounter"
    else:
        what = info.item_type.replace("-", " ").capitalize()
    who = f"{info.patient_name} (MRN {info.mrn})"
    line = f"Unsaved work from {_when(info.saved_at)}: {what} for {who}"
    if info.changed_meanwhile:
        by = f" by {info.changed_by}" if info.changed_by else ""
        line += f" · saved again since{by}: both versions will be shown"
    elif info.item_gone:
        line += " · the record it edited is gone: it reopens as a new entry"
    return line


class DraftOfferDialog(QDialog):
    """The list of the user's drafts with Restore, Discard and Later."""

    restore_requested = Signal(object)  # DraftInfo
    discard_requested = Signal(object)  # DraftInfo

    def __init__(self, lines: list[tuple[DraftInfo, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unsaved work")
        self.setMinimumWidth(640)
        self.infos = {info.key: info for info, _ in lines}
        self.confirm: QMessageBox | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Your last session ended before this work was saved; what you typed was kept. "
            "Restore it to review and save it, or discard it. Later keeps it for your next "
            "sign-in."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = QListWidget()
        self.list.setAccessibleName("Unsaved work")
        for info, text in lines:
            row = QListWidgetItem(text, self.list)
            row.setData(KEY_ROLE, info.key)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _row: self._restore())
        layout.addWidget(self.list)
        buttons = QDialogButtonBox()
        self.restore_button = QPushButton("&Restore")
        self.discard_button = QPushButton("&Discard…")
        self.later_button = QPushButton("&Later")
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.discard_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(self.later_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.restore_button.setDefault(True)
        self.restore_button.clicked.connect(self._restore)
        self.discard_button.clicked.connect(self._ask_discard)
        self.later_button.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.list.setFocus()

    def chosen(self) -> DraftInfo | None:
        row = self.list.currentItem()
        return self.infos.get(str(row.data(KEY_ROLE))) if row is not None else None

    def _restore(self) -> None:
        info = self.chosen()
        if info is not None:
            self.accept()
            self.restore_requested.emit(info)

    def _ask_discard(self) -> None:
        info = self.chosen()
        if info is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Discard unsaved work?",
            "Discard what you typed? It cannot be brought back.",
            parent=self,
        )
        discard = box.addButton("&Discard", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("&Keep it", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        self.confirm = box

        def answered(_result: int) -> None:
            if box.clickedButton() is discard:
                self.discard_requested.emit(info)
            self.confirm = None
            box.deleteLater()

        box.finished.connect(answered)
        box.open()

    def remove(self, key: str) -> None:
        """One draft discarded: off the list; the dialog closes when none is left."""
        self.infos.pop(key, None)
        for i in range(self.list.count()):
            row = self.list.item(i)
            if row is not None and row.data(KEY_ROLE) == key:
                self.list.takeItem(i)
                break
        if not self.infos:
            self.accept()
        else:
            self.list.setCurrentRow(0)
            self.list.setFocus()


def offer_drafts(window: MainWindow) -> None:
    """Read the signed-in user's drafts; if there are any, offer them (see the module)."""
    session = window.session
    if session is None or not may_keep_drafts(session):
        return
    inst = window.inst

    def found(infos: list[DraftInfo]) -> None:
        if not infos or window.session is not session or window.locked:
            return  # nothing kept, or the user moved on: offered at the next sign-in
        lines = [(i, describe(i, kind_of(i.item_type))) for i in infos]
        dialog = DraftOfferDialog(lines, window)
        dialog.restore_requested.connect(lambda info: restore(window, info))
        dialog.discard_requested.connect(lambda info: _discard(window, dialog, info))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    Op(window, lambda: inst.drafts.my_drafts(session), runner=window.runner).success(found).failure(
        lambda err: _refused(window, err)
    ).run()


def _refused(window: MainWindow, err: BaseException) -> None:
    if not isinstance(err, KnownError):
        raise err
    window.statusBar().showMessage(err.message, 8000)


def _discard(window: MainWindow, dialog: DraftOfferDialog, info: DraftInfo) -> None:
    session = window.session
    if session is None:
        return
    drafts = window.inst.drafts
    Op(dialog, lambda: drafts.discard_draft(session, info.key), runner=window.runner).success(
        lambda _none: dialog.remove(info.key)
    ).failure(lambda err: _refused(window, err)).run()


Reopened = tuple[Draft | None, PatientInfo, ItemInfo[Any] | None]


def restore(window: MainWindow, info: DraftInfo) -> None:
    """Open the draft's chart and form with the typed fields back in it."""
    session, inst = window.session, window.inst
    if session is None:
        return
    if info.item_type == REGISTRATION:
        _restore_registration(window, info)
        return
    if info.item_type == ENCOUNTER_ITEM_TYPE:
        _restore_encounter(window, info)
        return
    kind = kind_of(info.item_type)
    patient_id = info.patient_id
    if (kind is None and info.item_type != DEMOGRAPHICS) or patient_id is None:
        window.statusBar().showMessage("This kind of entry has no form to reopen yet.", 8000)
        return

    def work() -> Reopened:
        draft = inst.drafts.draft(session, info.key)
        patient = inst.patients.get(session, patient_id)
        current = None
        if kind is not None and info.item_id is not None and not info.item_gone:
            current = kind.service(inst).get(session, info.item_id)
        return draft, patient, current

    def reopen(found: Reopened) -> None:
        draft, patient, current = found
        window.activateWindow()  # the offer has closed: the cursor goes back to the window
        if draft is None:
            window.statusBar().showMessage("That unsaved work is no longer kept.", 8000)
        elif kind is None:
            chart = window.chart

            def loaded(_patient: object) -> None:
                chart.patient_changed.disconnect(loaded)
                restore_demographics(chart.form, draft)

            def opening() -> None:
                chart.patient_changed.connect(loaded)  # once the stored record is loaded

            window.open_patient(patient, then=opening)
        else:
            window.open_patient(patient, then=lambda: restore_item(window, kind, draft, current))

    Op(window, work, runner=window.runner).success(reopen).failure(
        lambda err: _refused(window, err)
    ).run()


def _restore_registration(window: MainWindow, info: DraftInfo) -> None:
    """The New patient page with what was typed back in it (nothing is saved until Save)."""
    session, inst = window.session, window.inst
    if session is None:
        return

    def reopen(draft: Draft | None) -> None:
        window.activateWindow()
        if draft is None:
            window.statusBar().showMessage("That unsaved work is no longer kept.", 8000)
        else:
            window.register_patient(then=lambda: restore_registration(window.new_patient, draft))

    Op(window, lambda: inst.drafts.draft(session, info.key), runner=window.runner).success(
        reopen
    ).failure(lambda err: _refused(window, err)).run()


EncounterReopened = tuple[Draft | None, PatientInfo, EncounterDetail | None]


def _restore_encounter(window: MainWindow, info: DraftInfo) -> None:
    """The chart's Encounters tab with the note's form and what was typed back in it."""
    session, inst = window.session, window.inst
    patient_id = info.patient_id
    if session is None or patient_id is None:
        return

    def work() -> EncounterReopened:
        draft = inst.drafts.draft(session, info.key)
        patient = inst.patients.get(session, patient_id)
        detail = None
        if info.item_id is not None and not info.item_gone:
            detail = inst.encounters.detail(session, info.item_id)
        return draft, patient, detail

    def reopen(found: EncounterReopened) -> None:
        draft, patient, detail = found
        window.activateWindow()
        if draft is None:
            window.statusBar().showMessage("That unsaved work is no longer kept.", 8000)
            return
        window.open_patient(
            patient, then=lambda: window.chart.encounters.restore_draft(draft, detail)
        )

    Op(window, work, runner=window.runner).success(reopen).failure(
        lambda err: _refused(window, err)
    ).run()


def restore_registration(form: RegistrationForm, draft: Draft) -> None:
    """Put a registration draft's fields into the (empty) New patient form, unsaved."""
    if form.record is not None:
        return
    form.restore_fields(draft.fields)
    form.drafts.adopt(draft.info.key)
    restored = [key for key in form.inputs if key in draft.fields]
    if restored:
        form.inputs[restored[0]].setFocus()
    form.message.setStyleSheet("")
    form.message.setText(
        f"Restored what you typed at {_when(draft.info.saved_at)}: review, then Save."
    )


def restore_item(
    window: MainWindow, kind: KindView[Any, Any], draft: Draft, current: ItemInfo[Any] | None
) -> None:
    """The kind's form, filled from the saved item with the typed fields on top; if the item
    was saved again since, its conflict view shows both versions side by side."""
    info = draft.info
    if info.patient_id is None:
        return
    page = window.chart.lists[kind.key]
    form = page.form
    form.start(info.patient_id, current)
    form.restore_fields(draft.fields)
    form.drafts.adopt(info.key)
    if current is not None and info.base_version is not None and info.changed_meanwhile:
        # Saved on the version it was typed on, the draft would overwrite the newer one:
        # the user compares both and keeps either or combines them.
        form.base_version = info.base_version
        form.pending = VersionConflictError(current, info.base_version)
        form.conflict.emit(form.pending)
    else:
        form.message.info(f"Restored what you typed at {_when(info.saved_at)}: review, then Save.")
    form.reveal()
    if form.pending is None:
        form.focus_first()  # the conflict view puts the cursor on its own first choice


def restore_demographics(form: RegistrationForm, draft: Draft) -> None:
    """The typed fields on top of the stored record; if it was saved again since, each
    restored field says what is stored now beside what was typed."""
    info = draft.info
    record = form.record
    if record is None or record.info.id != info.patient_id:
        return
    stored = {key: form.text(key) for key in draft.fields if key in form.inputs}
    form.restore_fields(draft.fields)
    form.drafts.adopt(info.key)
    form.reveal()
    restored = [key for key in draft.fields if key in form.inputs]
    if restored:
        form.inputs[restored[0]].setFocus()
    if info.base_version is not None and record.info.version != info.base_version:
        differing = [
            f"{ALL_FIELDS[key].label.replace('&', '')}: saved “{stored[key]}”, "
            f"yours “{draft.fields[key]}”"
            for key in stored
            if stored[key] != draft.fields[key]
        ]
        form.message.setStyleSheet(ERROR_STYLE)
        form.message.setText(
            "⚠ This record was saved again after you typed this. Your typing is on top of "
            "the saved version; check it, then Save (Undo changes shows the stored record)."
            + ("\n" + "\n".join(differing) if differing else "")
        )
    else:
        form.message.setStyleSheet("")
        form.message.setText(
            f"Restored what you typed at {_when(info.saved_at)}: review, then Save."
        )
