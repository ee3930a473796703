"""One encounter: when, what kind, who, where and why, the SOAP note written down the page,
the problems it addressed and the entries linked to it.

Unsigned, it is a guarded form like every chart form (``ui/widgets/unsaved.py``): Save makes a
new version, leaving with changes asks Save / Discard / Cancel, typing is kept as a draft,
and a save refused because someone saved meanwhile goes to the conflict view. Signed, the
note is shown read only with who signed it and when, and changes only by addendum: the
addenda follow the note, in the order written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.clinical import ItemId, ItemInfo
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.encounter_views import EncounterDetail
from medrec_desktop.domain.encounters import EncounterData
from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.security import permissions
from medrec_desktop.services.versioning import VersionConflictError
from medrec_desktop.ui.chart.field_widgets import LookupChoice
from medrec_desktop.ui.chart.fields import FieldInput, Value
from medrec_desktop.ui.chart.form_parts import attach
from medrec_desktop.ui.chart.guarded_item_form import GuardedItemForm
from medrec_desktop.ui.chart.kind_view import (
    REASON_FIELD,
    SENSITIVITY_FIELD,
    KindView,
)
from medrec_desktop.ui.encounters.kinds import Names, is_signed
from medrec_desktop.ui.encounters.note_column import NOTE_WIDTH, NoteColumn
from medrec_desktop.ui.encounters.note_parts import (
    error_label,
)
from medrec_desktop.ui.encounters.side_panel import PROBLEMS_FIELD, NoteSide
from medrec_desktop.ui.encounters.texts import note_name, type_label, when
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.changed_elsewhere import ChangedElsewhereBar
from medrec_desktop.ui.widgets.drafts import DraftKeeper, DraftTarget
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.unsaved import ChangeTracker, saved_stamp, track

ENCOUNTER_ITEM_TYPE = "encounter"  # the encounter model's item type (drafts name it)
SIGNED_STYLE = (
    "background: palette(alternate-base); border: 1px solid palette(mid); "
    "border-radius: 4px; padding: 6px 8px;"
)


class EncounterForm(GuardedItemForm):
    saved = Signal(object)  # ItemInfo[EncounterData] as saved
    conflict = Signal(object)  # VersionConflictError
    closed = Signal()  # back to the list
    filled = Signal()  # a new encounter or a saved one shown (option loading listens)
    sign_requested = Signal()
    addendum_requested = Signal()
    amendment_requested = Signal()
    link_requested = Signal(str)  # the chart list key of the entry to add ("vitals")

    def __init__(
        self,
        *,
        kind: KindView[EncounterData, Any],
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        describe: Callable[[], str],
        problem_options: Callable[[UserSession, PatientId], list[tuple[str, str]]],
        names: Names,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self._services, self._runner, self._session = services, runner, session
        self._describe = describe
        self._problem_options = problem_options
        self.names = names
        self.patient_id: PatientId | None = None
        self.item: ItemInfo[EncounterData] | None = None
        self.detail: EncounterDetail | None = None
        self.base_version: int | None = None
        self.pending: VersionConflictError | None = None
        self.saving = False
        self.on_reveal: Callable[[], None] | None = None
        self.inputs: dict[str, FieldInput] = {}
        self.errors: dict[str, StatusLabel] = {}

        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.state = QLabel()
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        self.state.setWordWrap(True)
        self.state.setAccessibleName("Note state")
        self.message = StatusLabel()
        self.message.setAccessibleName("Form message")
        self.elsewhere = ChangedElsewhereBar("encounter")
        self.elsewhere.setMaximumWidth(NOTE_WIDTH)
        self.elsewhere.reload.connect(self.reload_theirs)
        self.elsewhere.keep_editing.connect(self.keep_editing)
        outer.addWidget(self.heading)
        outer.addWidget(self.state)
        outer.addWidget(self.message)
        outer.addWidget(self.elsewhere)

        body = QWidget()
        columns = QHBoxLayout(body)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setSpacing(20)
        self.note = NoteColumn(kind)
        self.inputs.update(self.note.inputs)
        self.errors.update(self.note.errors)
        self.grid = self.note.grid  # what the generic form parts read (FormHost)
        self.addenda = self.note.addenda
        self.queries = self.note.queries
        self.header_box, self.header_text = self.note.header_box, self.note.header_text
        columns.addWidget(self.note, 3)

        self.side = NoteSide(kind)
        self.side.link_requested.connect(self.link_requested)
        self.inputs.update(self.side.inputs)
        self.errors.update(self.side.errors)
        # The side's parts, by the names the page and the tests use.
        self.problems = self.side.problems
        self.linked = self.side.linked
        self.link_button, self.link_menu = self.side.link_button, self.side.link_menu
        self.amendments_text = self.side.amendments_text
        columns.addWidget(self.side, 0, Qt.AlignmentFlag.AlignTop)
        columns.addStretch(0)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        scroll.viewport().setAutoFillBackground(False)
        body.setAutoFillBackground(False)
        outer.addWidget(scroll, 1)

        self.reason = QLineEdit()
        self.reason.setPlaceholderText("optional: e.g. added the plan discussed by phone")
        self.reason.setAccessibleName("Reason for change")
        self.reason_row = QWidget()
        reason_line = QHBoxLayout(self.reason_row)
        reason_line.setContentsMargins(0, 0, 0, 0)
        reason_label = QLabel("Reason for change")
        reason_label.setBuddy(self.reason)
        reason_line.addWidget(reason_label)
        reason_line.addWidget(self.reason, 1)
        self.reason_row.setMaximumWidth(NOTE_WIDTH)
        self.errors[REASON_FIELD] = error_label("Reason for change")
        outer.addWidget(self.reason_row)
        outer.addWidget(self.errors[REASON_FIELD])

        buttons = QHBoxLayout()
        self.save_state = QLabel()
        self.save_state.setAccessibleName("Save state")
        self.amend_button = QPushButton("Record amendment re&quest…")
        self.amend_button.setToolTip("The patient asks for a change to this signed note")
        self.amend_button.clicked.connect(self.amendment_requested)
        self.addendum_button = QPushButton("&Add addendum…")
        self.addendum_button.setToolTip("Add to the signed note: why, and the text")
        self.addendum_button.clicked.connect(self.addendum_requested)
        self.sign_button = QPushButton("S&ign…")
        self.sign_button.setToolTip("Sign the note with your password (saves first); it locks")
        self.sign_button.clicked.connect(self.sign)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Back to the list (Esc); asks first if anything is unsaved")
        self.cancel_button.clicked.connect(self.cancel)
        self.save_button = QPushButton("&Save")
        self.save_button.setToolTip("Save a new version (Ctrl+S)")
        self.save_button.clicked.connect(lambda: self.save())
        buttons.addWidget(self.save_state)
        buttons.addStretch(1)
        for b in (
            self.amend_button,
            self.addendum_button,
            self.sign_button,
            self.cancel_button,
            self.save_button,
        ):
            buttons.addWidget(b)
        outer.addLayout(buttons)
        shortcut(
            QKeySequence(QKeySequence.StandardKey.Save),
            self,
            self.save,
            Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        self.tracker = ChangeTracker(self)
        track(self)
        watched = [w for f in self.inputs.values() for w in f.tracked]
        self.tracker.watch([*watched, self.problems.held, self.reason])
        self.tracker.dirty_changed.connect(self._dirty_changed)
        self.drafts = DraftKeeper(
            self, self.tracker, services=services, runner=runner, session=session, parent=self
        )
        attach(self, self, None, services=services, runner=runner, session=session)
        self.filled.connect(self._load_problems)
        self.filled.connect(self._load_providers)
        services.remote_changed.connect(self.remote_changed)

    # ------------------------------------------------------------------ building

    def set_linkable(self, keys: set[str]) -> None:
        self.side.set_linkable(keys)

    # ------------------------------------------------------------------ filling

    def values(self) -> dict[str, Value]:
        found: dict[str, Value] = {name: f.value() for name, f in self.inputs.items()}
        found[PROBLEMS_FIELD] = self.problems.value()
        return found

    def start_new(self, patient_id: PatientId) -> None:
        self.patient_id = patient_id
        self.pending = None
        self.detail = None
        self._fill(None)
        self.save_state.clear()
        self.message.clear_message()

    def show_detail(self, detail: EncounterDetail) -> None:
        """A saved encounter, with its addenda and linked entries."""
        if self.item is None or self.item.id != detail.item.id:
            self.save_state.clear()  # "Saved 14:02" belongs to the note it was said of
            self.message.clear_message()
        self.patient_id = detail.item.patient_id
        self.pending = None
        self.detail = detail
        self._fill(detail.item)

    def _fill(self, item: ItemInfo[EncounterData] | None) -> None:
        self.item = item
        self.base_version = item.version if item is not None else None
        self.elsewhere.hide()
        self._theirs = None
        session = self._session()
        role = session.role if session is not None else None
        signed = item is not None and is_signed(item)
        gone = item is not None and item.entered_in_error
        action = Action.CREATE if item is None else Action.UPDATE
        may_edit = (
            role is not None
            and permissions.allowed(role, action, DataCategory.CLINICAL)
            and not signed
            and not gone
        )
        may_label = role is not None and permissions.allowed(role, action, DataCategory.SENSITIVE)
        self.clear_errors()
        with self.tracker.loading():
            values = self.kind.values_of(item) if item is not None else {}
            if item is None and session is not None and role is Role.PROVIDER:
                values["provider_id"] = str(session.user_id)  # a provider writes their own
            for name, field in self.inputs.items():
                default: Value = ""
                if field.combo is not None and name not in values:
                    default = str(field.combo.itemData(0) or "")
                field.set_value(values.get(name, default))
                field.set_read_only(not may_edit)
            self.problems.set_value(str(values.get(PROBLEMS_FIELD, "")))
            self.problems.set_read_only(not may_edit)
            self.reason.clear()
        self.inputs[SENSITIVITY_FIELD].set_read_only(not (may_edit and may_label))
        self.note.reading(not may_edit, self._header_text(item) if item is not None else None)
        self._show_state(item, signed, gone, may_edit, role)
        self._show_detail_parts(signed, may_edit)
        self.filled.emit()

    def _header_text(self, item: ItemInfo[EncounterData]) -> str:
        d = item.data
        detail = self.detail
        provider = detail.provider if detail is not None else self.names.user(d.provider_id)
        first = f"Provider: {provider}" + (f" · Location: {d.location}" if d.location else "")
        return f"{first}\nReason for visit: {d.reason_for_visit}"

    def _show_state(
        self,
        item: ItemInfo[EncounterData] | None,
        signed: bool,
        gone: bool,
        may_edit: bool,
        role: Role | None,
    ) -> None:
        session = self._session()
        detail = self.detail
        if item is None:
            self.heading.setText("New encounter")
            self.state.setText("Fields marked * are required. Save keeps it unsigned.")
            self.state.setStyleSheet("")
        else:
            self.heading.setText(
                f"{type_label(item.data.encounter_type)} · {when(item.data.starts_at)}"
            )
            if gone:
                self.state.setText(
                    f"⊘ Entered in error ({item.reason or 'no reason given'}): kept for the "
                    "audit, read only."
                )
                self.state.setStyleSheet(SIGNED_STYLE)
            elif signed and item.data.signed_at is not None:
                signer = detail.signed_by if detail is not None and detail.signed_by else "?"
                self.state.setText(
                    f"✔ Signed by {signer} on {when(item.data.signed_at)}. The note is "
                    "locked: later changes go in an addendum, shown under the note."
                )
                self.state.setStyleSheet(SIGNED_STYLE)
            else:
                self.state.setText(
                    f"✎ Not signed yet · version {item.version}, last changed by "
                    f"{item.changed_by} on {when(item.changed_at)}"
                )
                self.state.setStyleSheet("")
        is_provider = (
            item is not None
            and session is not None
            and int(item.data.provider_id) == int(session.user_id)
        )
        new_provider = item is None and role is Role.PROVIDER
        self.save_button.setVisible(may_edit)
        self.reason_row.setVisible(may_edit and item is not None)
        self.sign_button.setVisible(may_edit and (is_provider or new_provider))
        may_add = role is not None and permissions.allowed(
            role, Action.CREATE, DataCategory.CLINICAL
        )
        self.addendum_button.setVisible(signed and not gone and may_add)
        self.amend_button.setVisible(signed and not gone and may_add)
        self.link_button.setVisible(may_edit and item is not None and bool(self.side.linkable))
        self.cancel_button.setText("Cancel" if may_edit else "Back to the list")
        if item is not None and not may_edit and not signed and not gone:
            self.message.info("Your role can read this encounter but not change it.")

    def _show_detail_parts(self, signed: bool, may_edit: bool) -> None:
        detail = self.detail
        self.addenda.show_addenda(detail.addenda if detail and signed else ())
        self.queries.show_queries(detail.queries if detail and signed else ())
        self.side.show_detail(detail, read_only=not may_edit)

    def _load_problems(self) -> None:
        """The patient's problems to tick, for a note that can still change."""
        session, pid = self._session(), self.patient_id
        if session is None or pid is None or not self.save_button.isVisibleTo(self):
            return
        self.problems.status.setText("loading…")
        options = self._problem_options

        def failed(err: BaseException) -> None:
            if not isinstance(err, KnownError):
                raise err
            self.problems.status.setText(f"⚠ {err.message}")

        Op(self, lambda: options(session, pid), runner=self._runner, key="problems").success(
            self.problems.set_options
        ).failure(failed).run()

    def _load_providers(self) -> None:
        """The clinic's providers to choose from; the note's own provider stays offered
        even if no longer active (a note is never silently given to someone else)."""
        session = self._session()
        choice = self.inputs["provider_id"].widget
        if session is None or not isinstance(choice, LookupChoice):
            return
        detail = self.detail
        own = (int(detail.item.data.provider_id), detail.provider) if detail is not None else None
        encounters = self._services.inst.encounters

        def loaded(found: tuple[tuple[int, str], ...]) -> None:
            offered = list(found)
            if own is not None and own[0] not in {i for i, _ in offered}:
                offered.append(own)
            self.names.users.update(offered)
            choice.set_options([(str(i), name) for i, name in offered])

        def failed(err: BaseException) -> None:
            if not isinstance(err, KnownError):
                raise err
            choice.status.setText(f"⚠ {err.message}")

        if own is not None:
            self.names.users[own[0]] = own[1]
            choice.set_options([(str(own[0]), own[1])])
        Op(
            self, lambda: encounters.providers(session), runner=self._runner, key="providers"
        ).success(loaded).failure(failed).run()

    def focus_first(self) -> None:
        if self.save_button.isVisibleTo(self):
            self.inputs["starts_at"].focus.setFocus(Qt.FocusReason.OtherFocusReason)
        elif self.addendum_button.isVisibleTo(self):
            self.addendum_button.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear_message()

    # ------------------------------------------------------------------ saving

    def save(self) -> None:
        self._save(self.base_version, None)

    def _save(self, expected: int | None, then: Callable[[], None] | None) -> None:
        session, patient_id, item = self._session(), self.patient_id, self.item
        if session is None or patient_id is None or not self.save_button.isVisibleTo(self):
            return
        self.clear_errors()
        self.message.clear_message()
        data = self.kind.make_input(self.values())
        service = self._services.inst.encounters
        reason = self.reason.text()
        if item is None:

            def work() -> ItemInfo[EncounterData]:
                return service.add(session, patient_id, data)
        else:
            version = expected if expected is not None else item.version

            def work() -> ItemInfo[EncounterData]:
                return service.update(
                    session, item.id, data, expected_version=version, reason=reason or None
                )

        self.saving = True
        self.save_button.setEnabled(False)
        self.save_state.setText("Saving…")
        Op(self, work, runner=self._runner, key="save").success(
            lambda info: self._saved(info, then)
        ).failure(self._failed).finished(self._finished).run()

    def _finished(self) -> None:
        self.saving = False
        self.save_button.setEnabled(True)

    def _saved(self, info: ItemInfo[EncounterData], then: Callable[[], None] | None) -> None:
        self.pending = None
        if self.detail is not None and self.detail.item.id == info.id:
            self.detail = _with_item(self.detail, info)
        self._fill(info)
        self.save_state.setText(saved_stamp())
        self._services.notify_changed(info.patient_id, {self.kind.change})
        self.saved.emit(info)
        if then is not None:
            then()

    def show_error(self, err: ValidationError) -> None:
        """Under the field it names (the typed text stays), or at the top."""
        label = self.errors.get(err.field or "")
        if label is None:
            self.message.error(err.message)
            return
        label.error(err.message)
        if err.field == REASON_FIELD:
            self.reason.setFocus(Qt.FocusReason.OtherFocusReason)
        elif err.field == PROBLEMS_FIELD:
            self.problems.list.setFocus(Qt.FocusReason.OtherFocusReason)
        elif err.field in self.inputs:
            self.inputs[err.field].focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def sign(self) -> None:
        """Sign: what is typed is saved first (a note is signed as stored)."""
        if not self.sign_button.isVisibleTo(self) or self.saving:
            return
        if self.item is None or self.has_unsaved_changes():
            self._save(self.base_version, self.sign_requested.emit)
        else:
            self.sign_requested.emit()

    def show_signed(self, detail: EncounterDetail) -> None:
        self.show_detail(detail)
        self.message.ok(
            f"Signed: {note_name(detail.item.data.starts_at, detail.item.data.encounter_type)}."
        )
        self.focus_first()

    # ------------------------------------------------------------------ concurrent edits

    def keep_mine(self) -> None:
        if self.pending is not None:
            self._save(self.pending.stored.version, None)

    def keep_theirs(self) -> None:
        if self.pending is not None:
            stored = self.pending.stored
            self.pending = None
            self._fill(stored)
            self.closed.emit()

    def combine(self, mine: set[str]) -> None:
        if self.pending is None:
            return
        typed = self.values()
        stored = self.pending.stored
        self.pending = None
        self._fill(stored)
        for name in mine:
            self.set_value(name, typed[name])
        self.save_state.clear()
        self.message.info(
            f"Combined with the version {stored.changed_by} saved: review, then Save."
        )
        self.focus_first()

    def set_value(self, name: str, value: Value) -> None:
        if name == PROBLEMS_FIELD:
            self.problems.set_value(str(value))
        elif name in self.inputs:
            self.inputs[name].set_value(value)

    # ------------------------------------------------------------------ saved elsewhere
    # (the rest: GuardedItemForm)

    def _read_stored(self, item_id: int) -> Callable[[], EncounterDetail] | None:
        session = self._session()
        if session is None:
            return None
        encounters = self._services.inst.encounters
        return lambda: encounters.detail(session, ItemId(item_id))

    def _stored_item(self, read: Any) -> ItemInfo[Any]:
        assert isinstance(read, EncounterDetail)
        return read.item

    def _show_stored(self, read: Any) -> None:
        assert isinstance(read, EncounterDetail)
        self.show_detail(read)
        self.save_state.clear()

    # ------------------------------------------------------------------ drafts

    def draft_target(self) -> DraftTarget | None:
        if self.patient_id is None or self.save_button.isHidden():
            return None
        item_id = self.item.id if self.item is not None else None
        return DraftTarget.of(ENCOUNTER_ITEM_TYPE, self.patient_id, item_id, self.base_version)

    def draft_fields(self) -> dict[str, str]:
        typed = {
            n: v if isinstance(v, str) else ("true" if v else "") for n, v in self.values().items()
        }
        return typed | {REASON_FIELD: self.reason.text()}

    def restore_fields(self, fields: Mapping[str, str]) -> None:
        for name, value in fields.items():
            if name != REASON_FIELD:
                self.set_value(name, value)
        self.reason.setText(fields.get(REASON_FIELD, ""))

    # ------------------------------------------------------------------ guarded form
    # (the rest: GuardedItemForm)

    def _noun(self) -> str:
        return "Encounter"


def _with_item(detail: EncounterDetail, item: ItemInfo[EncounterData]) -> EncounterDetail:
    from dataclasses import replace

    return replace(detail, item=item)
