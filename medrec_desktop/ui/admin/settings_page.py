"""Clinic-wide settings kept in the database: letterhead, the idle-lock policy and after how
many days an unsigned note is listed for its provider.

``saved(dict)`` is emitted with the stored values after a save, so the main window can apply
a new idle timeout at once.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QWidget,
)

from medrec_desktop.domain.encounters import (
    UNSIGNED_NOTE_DAYS_DEFAULT,
    UNSIGNED_NOTE_DAYS_MAX,
    UNSIGNED_NOTE_DAYS_SETTING,
)
from medrec_desktop.domain.errors import ValidationError
from medrec_desktop.ui.admin.base import AdminPage, SessionGetter
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import OpRunner
from medrec_desktop.ui.widgets.fielderrors import FieldErrors
from medrec_desktop.ui.widgets.unsaved import ChangeTracker, saved_stamp, track


class SettingsPage(AdminPage):
    title = "Clinic settings"
    intro = "These settings apply to every workstation that uses this database."
    saved = Signal(dict)

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: SessionGetter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(services=services, runner=runner, session=session, parent=parent)
        self.errors = FieldErrors(self.status)
        self.clinic_name = QLineEdit()
        self.clinic_name.setAccessibleName("Clinic name")
        self.clinic_name.setMaxLength(200)
        self.clinic_address = QLineEdit()
        self.clinic_address.setAccessibleName("Clinic address")
        self.clinic_address.setPlaceholderText("Street, city, state ZIP")
        self.clinic_address.setMaxLength(300)
        self.clinic_phone = QLineEdit()
        self.clinic_phone.setAccessibleName("Clinic phone")
        self.clinic_phone.setPlaceholderText("(555) 555-0100")
        self.clinic_phone.setMaxLength(40)
        self.idle = QSpinBox()
        self.idle.setRange(1, 240)
        self.idle.setSuffix(" minutes")
        self.idle.setAccessibleName("Lock after idle minutes")
        self.idle.setToolTip("Workstations lock after this long without keyboard or mouse use")

        self.unsigned_days = QSpinBox()
        self.unsigned_days.setRange(0, UNSIGNED_NOTE_DAYS_MAX)
        self.unsigned_days.setSuffix(" days")
        self.unsigned_days.setAccessibleName("List unsigned notes after days")
        self.unsigned_days.setToolTip(
            "A provider's notes left unsigned longer than this are listed on their Today page"
        )

        letterhead = QGroupBox("Letterhead (printed records and exports)")
        form = self._form(letterhead)
        self.errors.add_row(form, "Clinic &name", self.clinic_name, "clinic_name")
        self.errors.add_row(form, "&Address", self.clinic_address, "clinic_address")
        self.errors.add_row(form, "Phon&e", self.clinic_phone, "clinic_phone")
        security = QGroupBox("Security")
        form = self._form(security)
        self.errors.add_row(form, "&Lock after idle", self.idle, "idle_timeout_minutes")
        hint = QLabel("Each workstation uses the new time from its next sign-in.")
        form.addRow("", hint)
        notes = QGroupBox("Encounter notes")
        form = self._form(notes)
        self.errors.add_row(
            form, "List &unsigned notes after", self.unsigned_days, UNSIGNED_NOTE_DAYS_SETTING
        )
        form.addRow("", QLabel("Providers see their notes unsigned for longer on Today."))
        self.layout_.addWidget(letterhead)
        self.layout_.addWidget(security)
        self.layout_.addWidget(notes)
        self._align_labels(letterhead, security, notes)

        self.save_button = QPushButton("&Save")
        self.save_button.setToolTip("Save the settings (Ctrl+S)")
        self.save_button.clicked.connect(lambda: self.save())
        self.revert_button = QPushButton("Re&vert")
        self.revert_button.setToolTip("Discard unsaved changes")
        self.revert_button.clicked.connect(self.discard_changes)
        # Ctrl+S saves while focus is on this page (the window's own Ctrl+S, if any, should
        # route to the page shown).
        save = QAction("Save settings", self)
        save.setShortcut(QKeySequence.StandardKey.Save)
        save.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.triggered.connect(lambda: self.save())
        self.addAction(save)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.revert_button)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.status)
        self.layout_.addStretch(1)
        order: list[QWidget] = [
            self.clinic_name,
            self.clinic_address,
            self.clinic_phone,
            self.idle,
            self.unsigned_days,
            self.save_button,
            self.revert_button,
        ]
        for first, second in zip(order, order[1:], strict=False):
            self.setTabOrder(first, second)
        # A guarded form (ui/widgets/unsaved.py): leaving with changes asks first.
        self.tracker = ChangeTracker(self)
        track(self)  # a guarded form: leaving the screen asks about its changes
        self.tracker.watch(
            [
                self.clinic_name,
                self.clinic_address,
                self.clinic_phone,
                self.idle,
                self.unsigned_days,
            ]
        )
        self.tracker.dirty_changed.connect(self._dirty_changed)
        self._after_save: Callable[[], None] | None = None

    @staticmethod
    def _align_labels(*boxes: QGroupBox) -> None:
        """One label column across the group boxes, as if they were one form."""
        labels = [w for box in boxes for w in box.findChildren(QLabel) if w.buddy() is not None]
        width = max(label.sizeHint().width() for label in labels)
        for label in labels:
            label.setMinimumWidth(width)

    @staticmethod
    def _form(box: QGroupBox) -> QFormLayout:
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        box.setMaximumWidth(720)
        return form

    def refresh(self) -> None:
        """Show the stored settings (not while the user has edits here: coming back to this
        tab must not throw them away)."""
        if not self.tracker.is_dirty():
            self._load()

    def _load(self) -> None:
        self.errors.clear()
        self.run(lambda _s: self.inst.setup.clinic_settings(), self._show)

    def _show(self, values: dict[str, str]) -> None:
        with self.tracker.loading():
            self.clinic_name.setText(values.get("clinic_name", ""))
            self.clinic_address.setText(values.get("clinic_address", ""))
            self.clinic_phone.setText(values.get("clinic_phone", ""))
            raw = values.get("idle_timeout_minutes", "15")
            self.idle.setValue(int(raw) if raw.isdigit() else 15)
            days = values.get(UNSIGNED_NOTE_DAYS_SETTING, "")
            self.unsigned_days.setValue(int(days) if days.isdigit() else UNSIGNED_NOTE_DAYS_DEFAULT)

    # ------------------------------------------------------------------ unsaved changes

    def _dirty_changed(self, dirty: bool) -> None:
        self.revert_button.setEnabled(dirty)
        if dirty:
            self.status.info("Unsaved changes.")
        elif self.status.message == "Unsaved changes.":
            self.status.clear_message()

    def has_unsaved_changes(self) -> bool:
        return self.tracker.is_dirty()

    def unsaved_summary(self) -> str:
        return "Clinic settings — changed: " + ", ".join(self.tracker.changed()) + "."

    def save_then(self, done: Callable[[], None]) -> None:
        self.save(then=done)

    def discard_changes(self) -> None:
        self._load()

    def reveal(self) -> None:
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QTabWidget):
            parent = parent.parentWidget()
        if parent is not None:
            parent.setCurrentWidget(self)

    def values(self) -> dict[str, str]:
        return {
            "clinic_name": self.clinic_name.text(),
            "clinic_address": self.clinic_address.text(),
            "clinic_phone": self.clinic_phone.text(),
            "idle_timeout_minutes": str(self.idle.value()),
            UNSIGNED_NOTE_DAYS_SETTING: str(self.unsigned_days.value()),
        }

    def save(self, then: Callable[[], None] | None = None) -> None:
        self.errors.clear()
        changes = self.values()
        if not changes["clinic_name"].strip():
            self.errors.show(
                ValidationError(
                    "Enter the clinic's name: it heads every printed record.", field="clinic_name"
                )
            )
            return
        self.save_button.setEnabled(False)

        def done(values: dict[str, str]) -> None:
            self.save_button.setEnabled(True)
            self._show(values)
            self.status.ok(saved_stamp().removeprefix("✓ ") + ".")  # "Saved 14:02."
            self.saved.emit(values)
            if then is not None:
                then()

        def failed(err: BaseException) -> None:
            self.save_button.setEnabled(True)
            if isinstance(err, ValidationError):
                self.errors.show(err)
            else:
                self.status.show_error(err)

        self.run(lambda s: self.inst.setup.update_settings(s, changes), done, failed)
