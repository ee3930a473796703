"""What is done to an open note through a short dialog: signing it (the password again) and
adding an addendum. Each dialog stays open until the service has answered, so a refusal is
shown where the user is looking; the note is then read again and shown as stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from medrec_desktop.domain.clinical import ItemId
from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.encounter_views import EncounterDetail
from medrec_desktop.domain.enums import ChangeKind
from medrec_desktop.services.encounters import EncounterService
from medrec_desktop.ui.encounters.addendum_dialog import AddendumDialog
from medrec_desktop.ui.encounters.form import EncounterForm
from medrec_desktop.ui.encounters.sign_dialog import SignDialog
from medrec_desktop.ui.encounters.texts import note_name
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner


class NoteActions(QObject):
    """The dialogs of one encounters page; ``dialog`` is the one open, if any."""

    def __init__(
        self,
        *,
        form: EncounterForm,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._widget = parent
        self._form = form
        self._services, self._runner, self._session = services, runner, session
        self.dialog: Any = None
        form.sign_requested.connect(self.sign)
        form.addendum_requested.connect(self.add_addendum)

    def open_dialog(self, dialog: Any) -> None:
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog: Any) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def sign(self) -> None:
        """The provider's password again, then the note is signed and shown locked."""
        item, session = self._form.item, self._session()
        if item is None or session is None:
            return
        encounters = self._services.inst.encounters
        name = note_name(item.data.starts_at, item.data.encounter_type)

        def submit(password: str) -> None:
            Op(
                self._widget,
                lambda: _signed_detail(encounters, session, item.id, password, item.version),
                runner=self._runner,
            ).success(signed).failure(dialog.refused).run()

        def signed(detail: EncounterDetail) -> None:
            dialog.accept()
            self._form.show_signed(detail)
            self._services.notify_changed(detail.item.patient_id, {ChangeKind.ENCOUNTERS})

        dialog = SignDialog(name, session.display_name, submit, self._widget)
        self.open_dialog(dialog)

    def add_addendum(self) -> None:
        item, session = self._form.item, self._session()
        if item is None or session is None:
            return
        encounters = self._services.inst.encounters
        name = note_name(item.data.starts_at, item.data.encounter_type)

        def submit(reason: str, text: str) -> None:
            def work() -> EncounterDetail:
                encounters.add_addendum(session, item.id, reason=reason, text=text)
                return encounters.detail(session, item.id)

            Op(self._widget, work, runner=self._runner).success(added).failure(dialog.refused).run()

        def added(detail: EncounterDetail) -> None:
            dialog.added()
            form = self._form
            form.show_detail(detail)
            form.message.ok(f"Addendum added under the note, by {session.display_name}.")
            form.focus_first()
            self._services.notify_changed(detail.item.patient_id, {ChangeKind.ENCOUNTERS})

        dialog = AddendumDialog(name, submit, self._widget)
        self.open_dialog(dialog)


def _signed_detail(
    encounters: EncounterService,
    session: UserSession,
    encounter_id: ItemId,
    password: str,
    version: int,
) -> EncounterDetail:
    """Sign, then read the note back as its view shows it (two audited steps, one op)."""
    encounters.sign(session, encounter_id, password=password, expected_version=version)
    return encounters.detail(session, encounter_id)
