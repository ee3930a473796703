"""The form of one chart item, for every kind alike (its fields come from its KindView).

It is a guarded form (``ui/widgets/unsaved.py``): leaving with changes asks Save / Discard /
Cancel, a save says "✓ Saved 14:02" where the user looks, and a refused value is explained
under its field with the typed text kept. A save refused because someone saved another
version meanwhile is handed to the conflict view (``conflict``); nothing is overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.coding.types import CodeSystem
from medrec_desktop.domain.clinical import ItemId, ItemInfo, Sensitivity
from medrec_desktop.domain.dto import PatientId, UserSession
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.security import permissions
from medrec_desktop.services.versioning import VersionConflictError
from medrec_desktop.ui.chart.code_picker import CodePicker
from medrec_desktop.ui.chart.fields import FieldInput, FieldKind, Value
from medrec_desktop.ui.chart.form_parts import attach
from medrec_desktop.ui.chart.guarded_item_form import GuardedItemForm
from medrec_desktop.ui.chart.kind_view import (
    REASON_FIELD,
    REASON_LABEL,
    SENSITIVITY_FIELD,
    KindView,
    when,
)
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.changed_elsewhere import ChangedElsewhereBar
from medrec_desktop.ui.widgets.drafts import DraftKeeper, DraftTarget, item_type_of
from medrec_desktop.ui.widgets.shortcuts import shortcut
from medrec_desktop.ui.widgets.status import StatusLabel
from medrec_desktop.ui.widgets.unsaved import ChangeTracker, saved_stamp, track

FORM_WIDTH = 760  # a calm column of fields, not a line stretched across a wide screen


class ItemForm(GuardedItemForm):
    saved = Signal(object)  # ItemInfo as saved
    conflict = Signal(object)  # VersionConflictError
    closed = Signal()  # back to the list (cancelled, discarded or theirs kept)
    filled = Signal()  # the fields were filled for a new item or a saved one (behaviours)

    def __init__(
        self,
        *,
        kind: KindView[Any, Any],
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        describe: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self._services, self._runner, self._session = services, runner, session
        self._describe = describe  # the patient, for the leave question
        self.patient_id: PatientId | None = None
        self.item: ItemInfo[Any] | None = None
        self.base_version: int | None = None  # the version this form's values were filled from
        self.pending: VersionConflictError | None = None
        self.on_reveal: Callable[[], None] | None = None
        self.inputs: dict[str, FieldInput] = {}
        self.errors: dict[str, StatusLabel] = {}

        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.subheading = QLabel()
        self.subheading.setAccessibleName("Version")
        self.message = StatusLabel()
        self.message.setAccessibleName("Form message")
        self.elsewhere = ChangedElsewhereBar(kind.noun)
        self.elsewhere.setMaximumWidth(FORM_WIDTH)
        self.elsewhere.reload.connect(self.reload_theirs)
        self.elsewhere.keep_editing.connect(self.keep_editing)
        outer.addWidget(self.heading)
        outer.addWidget(self.subheading)
        outer.addWidget(self.message)
        outer.addWidget(self.elsewhere)
        body = QWidget()
        body.setMaximumWidth(FORM_WIDTH)
        self.grid = QFormLayout(body)
        self.grid.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.grid.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.grid.setVerticalSpacing(6)
        for spec in kind.all_fields(tuple(Sensitivity)):
            field = FieldInput(spec, code_picker=self._picker)
            text = spec.label + (" *" if spec.required else "")
            self._add_row(text, field.focus, field.container)
            self.inputs[spec.name] = field
            for name in (spec.name, *spec.errors):
                self.errors[name] = self._last_error
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("optional: e.g. corrected the onset year")
        self.reason.setAccessibleName("Reason for change")
        self.reason_label = self._add_row(REASON_LABEL, self.reason, self.reason)
        self.reason_row = self._last_holder
        self.errors[REASON_FIELD] = self._last_error
        # A long form (social history) scrolls; Tab brings each field into view.
        self.scroll_area = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        # The page's own background (setWidget makes the form paint the window colour).
        scroll.viewport().setAutoFillBackground(False)
        body.setAutoFillBackground(False)
        outer.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        self.save_state = QLabel()
        self.save_state.setAccessibleName("Save state")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Back to the list (Esc); asks first if anything is unsaved")
        self.cancel_button.clicked.connect(self.cancel)
        self.save_button = QPushButton("&Save")
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.save_button.clicked.connect(lambda: self.save())
        buttons.addWidget(self.save_state)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        button_row = QWidget()
        button_row.setMaximumWidth(FORM_WIDTH)
        button_row.setLayout(buttons)
        outer.addWidget(button_row)
        shortcut(
            QKeySequence(QKeySequence.StandardKey.Save),
            self,
            self.save,
            Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        self.tracker = ChangeTracker(self)
        track(self)  # a guarded form: leaving the screen asks about its changes
        self.tracker.watch([w for f in self.inputs.values() for w in f.tracked] + [self.reason])
        self.tracker.dirty_changed.connect(self._dirty_changed)
        self.drafts = DraftKeeper(
            self, self.tracker, services=services, runner=runner, session=session, parent=self
        )
        attach(self, self, kind.behaviour, services=services, runner=runner, session=session)
        services.remote_changed.connect(self.remote_changed)

    def _picker(self, systems: tuple[CodeSystem, ...]) -> CodePicker:
        return CodePicker(services=self._services, runner=self._runner, systems=systems)

    def _add_row(self, text: str, buddy: QWidget, container: QWidget) -> QLabel:
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(container)
        error = StatusLabel()
        error.setAccessibleName(f"{text.replace('&', '').rstrip(' *')} problem")
        column.addWidget(error)
        # A tick box carries its own label (and mnemonic): the label column stays empty.
        label = QLabel("" if container is buddy and buddy.inherits("QCheckBox") else text)
        if label.text():
            label.setBuddy(buddy)
        self.grid.addRow(label, holder)
        self._last_error = error
        self._last_holder = holder
        return label

    # ------------------------------------------------------------------ filling

    def values(self) -> dict[str, Value]:
        return {name: f.value() for name, f in self.inputs.items()}

    def start(self, patient_id: PatientId, item: ItemInfo[Any] | None) -> None:
        """Fill the form for a new item (``item`` None) or to edit ``item``."""
        self.patient_id = patient_id
        self.pending = None
        self._fill(item)
        self.save_state.clear()
        self.message.clear_message()
        self.focus_first()

    def _fill(self, item: ItemInfo[Any] | None) -> None:
        self.item = item
        self.base_version = item.version if item is not None else None
        self.elsewhere.hide()
        self._theirs = None
        session = self._session()
        role = session.role if session is not None else None
        action = Action.CREATE if item is None else Action.UPDATE
        may_edit = role is not None and permissions.allowed(role, action, DataCategory.CLINICAL)
        may_label = role is not None and permissions.allowed(role, action, DataCategory.SENSITIVE)
        self.clear_errors()
        with self.tracker.loading():
            self._offer_labels(may_label, item.sensitivity if item is not None else None)
            values = self.kind.values_of(item) if item is not None else {}
            for name, field in self.inputs.items():
                default: Value = False if field.spec.kind is FieldKind.CHECKBOX else ""
                if field.combo is not None and name not in values:
                    default = str(field.combo.itemData(0) or "")
                field.set_value(values.get(name, default))
                field.set_read_only(not may_edit)
            self.reason.clear()
        self.inputs[SENSITIVITY_FIELD].set_read_only(not (may_edit and may_label))
        self.inputs[SENSITIVITY_FIELD].focus.setToolTip(
            "" if may_label else "Your role cannot set sensitivity labels."
        )
        noun = self.kind.noun
        if item is None:
            self.heading.setText(f"New {noun}")
            self.subheading.setText("Fields marked * are required.")
        else:
            self.heading.setText(f"{noun.capitalize()}: {self.kind.name(item)}")
            self.subheading.setText(
                f"Version {item.version}, last changed by {item.changed_by} on "
                f"{when(item.changed_at)}"
            )
        self.reason_row.setVisible(item is not None)
        self.reason_label.setVisible(item is not None)
        self.save_button.setVisible(may_edit)
        self.reason.setReadOnly(not may_edit)
        if not may_edit:
            self.message.info(f"Your role can read this {noun} but not change it.")
        self.filled.emit()

    def _offer_labels(self, may_label: bool, current: Sensitivity | None) -> None:
        """Only the labels this role may set are offered; an item's own label is shown even
        to a role that may not set it (read-only), never silently dropped."""
        combo = self.inputs[SENSITIVITY_FIELD].combo
        assert combo is not None
        combo.clear()
        combo.addItem("None (anyone with chart access)", "")
        for label in Sensitivity:
            if may_label or label is current:
                combo.addItem(label.label.capitalize(), label.value)

    def focus_first(self) -> None:
        first = next(iter(self.inputs.values()))
        first.focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear_errors(self) -> None:
        for label in set(self.errors.values()):
            label.clear_message()

    # ------------------------------------------------------------------ saving

    def save(self) -> None:
        self._save(self.base_version, None)

    def _save(self, expected: int | None, then: Callable[[], None] | None) -> None:
        session, patient_id, item = self._session(), self.patient_id, self.item
        if session is None or patient_id is None or not self.save_button.isVisible():
            return
        self.clear_errors()
        self.message.clear_message()
        data = self.kind.make_input(self.values())
        service = self.kind.service(self._services.inst)
        reason = self.reason.text()
        if item is None:

            def work() -> ItemInfo[Any]:
                return service.add(session, patient_id, data)
        else:
            version = expected if expected is not None else item.version

            def work() -> ItemInfo[Any]:
                return service.update(
                    session, item.id, data, expected_version=version, reason=reason or None
                )

        self.save_button.setEnabled(False)
        self.save_state.setText("Saving…")
        Op(self, work, runner=self._runner, key="save").success(
            lambda info: self._saved(info, then)
        ).failure(self._failed).finished(lambda: self.save_button.setEnabled(True)).run()

    def _saved(self, info: ItemInfo[Any], then: Callable[[], None] | None) -> None:
        self.pending = None
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
        target = self.reason if err.field == REASON_FIELD else self.inputs[err.field or ""].focus
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        # Under the last fields (Sensitivity) the message would sit below the scrolled view:
        # brought into view once the form has made room for it.
        QTimer.singleShot(0, label, lambda: self.scroll_area.ensureWidgetVisible(label, 0, 8))

    # ------------------------------------------------------------------ concurrent edits

    def keep_mine(self) -> None:
        """Save what was typed over the version saved meanwhile (the user chose to)."""
        if self.pending is not None:
            self._save(self.pending.stored.version, None)

    def keep_theirs(self) -> None:
        """Drop what was typed; the stored version is what stays."""
        if self.pending is not None:
            stored = self.pending.stored
            self.pending = None
            self._fill(stored)
            self.closed.emit()

    def combine(self, mine: set[str]) -> None:
        """The form filled with the stored version, then the fields in ``mine`` set back to
        what was typed: reviewed by the user, saved on the stored version."""
        if self.pending is None:
            return
        typed = self.values()
        stored = self.pending.stored
        self.pending = None
        self._fill(stored)
        for name in mine:
            self.inputs[name].set_value(typed[name])
        self.save_state.clear()
        self.message.info(
            f"Combined with the version {stored.changed_by} saved: review, then Save."
        )
        self.focus_first()

    # ------------------------------------------------------------------ saved elsewhere
    # (the rest: GuardedItemForm)

    def _read_stored(self, item_id: int) -> Callable[[], ItemInfo[Any]] | None:
        session = self._session()
        if session is None:
            return None
        service = self.kind.service(self._services.inst)
        return lambda: service.get(session, ItemId(item_id))

    def _stored_item(self, read: Any) -> ItemInfo[Any]:
        assert isinstance(read, ItemInfo)
        return read

    def _show_stored(self, read: Any) -> None:
        self.pending = None
        self._fill(self._stored_item(read))
        self.save_state.clear()

    # ------------------------------------------------------------------ drafts

    def draft_target(self) -> DraftTarget | None:
        if self.patient_id is None or self.save_button.isHidden():
            return None  # no patient yet, or read only: nothing of the user's to keep
        item_type = item_type_of(self.kind.change)
        item_id = self.item.id if self.item is not None else None
        return DraftTarget.of(item_type, self.patient_id, item_id, self.base_version)

    def draft_fields(self) -> dict[str, str]:
        typed = {
            n: v if isinstance(v, str) else ("true" if v else "") for n, v in self.values().items()
        }
        return typed | {REASON_FIELD: self.reason.text()}

    def restore_fields(self, fields: Mapping[str, str]) -> None:
        for name, field in self.inputs.items():
            if name in fields:
                field.set_value(fields[name])  # a tick takes "true" / ""
        self.reason.setText(fields.get(REASON_FIELD, ""))

    # ------------------------------------------------------------------ guarded form
    # (the rest: GuardedItemForm)

    def _noun(self) -> str:
        return self.kind.noun.capitalize()
