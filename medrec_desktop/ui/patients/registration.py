"""Registration and demographics form: inline validation that keeps what was typed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from medrec_desktop.domain.dates import age_on, parse_date
from medrec_desktop.domain.dto import (
    DETAIL_FIELDS,
    ContactInfo,
    CoverageInfo,
    PatientDetails,
    PatientInfo,
    PatientRecord,
    UserSession,
)
from medrec_desktop.domain.enums import Action, ChangeKind, DataCategory
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.security import permissions
from medrec_desktop.services.patient_input import (
    PatientInput,
    check_email,
    check_phone,
    check_postal_code,
    check_state,
)
from medrec_desktop.services.patients import DuplicatesFoundError
from medrec_desktop.ui.patients.compare import DuplicatesDialog, new_column
from medrec_desktop.ui.patients.form_fields import ALL_FIELDS, SECTIONS, FieldSpec
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner
from medrec_desktop.ui.widgets.drafts import DEMOGRAPHICS, DraftKeeper, DraftTarget
from medrec_desktop.ui.widgets.unsaved import ChangeTracker, saved_stamp, track

ERROR_STYLE = "color: #b42318;"  # the text also starts with a warning sign: not colour alone

FORMAT_CHECKS: dict[str, Callable[[str], object]] = {
    "email": check_email,
    "postal_code": check_postal_code,
    "state": check_state,
}


class RegistrationForm(QWidget):
    """New patient (``record=None``) or edit an existing one.

    It is a guarded form (``ui/widgets/unsaved.py``): it knows whether it holds unsaved
    changes, can save them on request before the user is taken elsewhere, or discard them.
    """

    saved = Signal(object)  # PatientInfo
    # The existing record chosen in the duplicates dialog, and what was typed for the new one
    # (offered to the user to apply there, never dropped).
    open_existing = Signal(object, object)  # PatientInfo, PatientInput
    cancelled = Signal()

    def __init__(
        self,
        *,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
        parent: QWidget | None = None,
        registers: bool = False,
    ) -> None:
        super().__init__(parent)
        # The New patient page (``registers``) keeps a draft of a registration being typed;
        # a chart's demographics form only ever edits its stored record.
        self.registers = registers
        self._services = services
        self._runner = runner
        self._session = session
        self.record: PatientRecord | None = None
        self.inputs: dict[str, QLineEdit | QComboBox] = {}
        self.errors: dict[str, QLabel] = {}
        self.read_only_reason = ""  # why this user may only read the form ("" = may edit)
        self.on_reveal: Callable[[], None] | None = None  # set by a page that hides the form
        self._message_field: str | None = None  # the field the top message asks to check
        self._after_save: list[Callable[[], None]] = []  # run in order once stored
        self.saving = False  # a save is on its way: a second one would conflict with it
        self.leaving = False  # the save was asked for by "leave": the caller goes on itself
        outer = QVBoxLayout(self)
        self.heading = QLabel("<h3>New patient</h3>")
        outer.addWidget(self.heading)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Form message")
        outer.addWidget(self.message)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        grid = QGridLayout(body)
        grid.setHorizontalSpacing(18)
        left, right = SECTIONS[:2], SECTIONS[2:]
        for col, sections in enumerate((left, right)):
            column = QVBoxLayout()
            for title, specs in sections:
                column.addWidget(self._group(title, specs))
            column.addStretch(1)
            grid.addLayout(column, 0, col)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        # Where the user looks after pressing Save: "Unsaved changes" or "✓ Saved 14:02".
        self.save_state = QLabel()
        self.save_state.setAccessibleName("Save state")
        buttons.addWidget(self.save_state)
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._cancel)
        self.save_button = QPushButton("&Save")
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: self.save())
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)
        save = QShortcut(QKeySequence.StandardKey.Save, self, lambda: self.save())
        # Only while focus is in this form: several forms with Ctrl+S share one window.
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.tracker = ChangeTracker(self)
        track(self)  # a guarded form: leaving the screen asks about its changes
        self.tracker.watch(self.inputs.values())
        self.tracker.dirty_changed.connect(self._dirty_changed)
        self.drafts = DraftKeeper(
            self, self.tracker, services=services, runner=runner, session=session, parent=self
        )

    # ------------------------------------------------------------------ building

    def _group(self, title: str, specs: tuple[FieldSpec, ...]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for spec in specs:
            widget: QLineEdit | QComboBox
            if spec.kind in ("choice", "editable-choice"):
                widget = QComboBox()
                for choice in spec.choices:
                    # Stored values stay as the services know them ("female", "self");
                    # people read them capitalised.
                    widget.addItem(choice[:1].upper() + choice[1:], choice)
                widget.setEditable(spec.kind == "editable-choice")
            else:
                widget = QLineEdit()
                widget.setPlaceholderText(spec.placeholder)
                widget.editingFinished.connect(lambda key=spec.key: self._check_one(key))
            name = spec.label.replace("&", "") + (" (required)" if spec.required else "")
            widget.setAccessibleName(name)
            error = QLabel()
            error.setStyleSheet(ERROR_STYLE)
            error.setWordWrap(True)
            error.hide()
            error.setAccessibleName(f"{spec.label.replace('&', '')} problem")
            holder = QWidget()
            v = QVBoxLayout(holder)
            v.setContentsMargins(0, 0, 0, 0)
            v.setSpacing(2)
            v.addWidget(widget)
            v.addWidget(error)
            label = QLabel(spec.label + (" *" if spec.required else ""))
            label.setBuddy(widget)
            form.addRow(label, holder)
            self.inputs[spec.key] = widget
            self.errors[spec.key] = error
        return box

    # ------------------------------------------------------------------ values

    def text(self, key: str) -> str:
        widget = self.inputs[key]
        if isinstance(widget, QComboBox):
            data = widget.currentData()
            typed = widget.currentText()
            # An editable list may hold a typed value that is not one of its items.
            if data is None or (
                widget.isEditable() and typed != widget.itemText(widget.currentIndex())
            ):
                return typed
            return str(data)
        return widget.text()

    def set_text(self, key: str, value: str | None) -> None:
        widget = self.inputs[key]
        if isinstance(widget, QComboBox):
            idx = widget.findData(value or "")
            if idx < 0:
                idx = widget.findText(value or "")
            if idx < 0 and widget.isEditable():
                widget.setEditText(value or "")
            else:
                widget.setCurrentIndex(max(idx, 0))
        else:
            widget.setText(value or "")

    def clear_form(self) -> None:
        """An empty new-patient form (also what sign-out leaves behind)."""
        with self.tracker.loading():
            self.record = None
            self.heading.setText("<h3>New patient</h3>")
            for key in self.inputs:
                self.set_text(key, "")
            self.set_text("coverage.1.subscriber_relationship", "self")
            self._clear_errors()
            self._clear_message()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Leave without registering")
        self.save_state.clear()
        self._apply_access()

    def load(self, record: PatientRecord) -> None:
        """Show a stored record; what it shows now is the baseline for unsaved changes."""
        with self.tracker.loading():
            self._fill(record)
        self.cancel_button.setText("Undo changes")
        self.cancel_button.setToolTip("Show the stored record again, dropping your edits")
        self._apply_access()
        self._dirty_changed(False)

    def _fill(self, record: PatientRecord) -> None:
        for key in self.inputs:
            self.set_text(key, "")
        self._clear_errors()
        self._clear_message()
        self.record = record
        p, d = record.info, record.details
        self.heading.setText(f"<h3>Demographics — {p.display_name} (MRN {p.mrn})</h3>")
        self.set_text("family_name", p.family_name)
        self.set_text("given_names", p.given_names)
        self.set_text("birth_date", f"{p.birth_date:%m/%d/%Y}")
        self.set_text("sex", p.sex)
        self.set_text("phone", p.phone)
        for key in DETAIL_FIELDS:
            self.set_text(key, getattr(d, key))
        if d.contacts:
            c = d.contacts[0]
            self.set_text("contact.1.name", c.name)
            self.set_text("contact.1.relationship", c.relationship)
            self.set_text("contact.1.phone", c.phone)
        if d.coverages:
            cov = d.coverages[0]
            for field in (
                "payer",
                "plan",
                "member_id",
                "group_number",
                "subscriber_name",
                "subscriber_relationship",
            ):
                self.set_text(f"coverage.1.{field}", getattr(cov, field))

    def fill_from(self, data: PatientInput) -> list[str]:
        """Put what was typed for a new registration into this form (left unsaved, for review);
        the labels of the fields it changed."""
        typed: dict[str, str | None] = {
            "family_name": data.family_name,
            "given_names": data.given_names,
            "birth_date": f"{data.birth_date:%m/%d/%Y}",
            "sex": data.sex,
            "phone": data.phone,
        }
        typed.update({key: getattr(data.details, key) for key in DETAIL_FIELDS})
        if data.details.contacts:
            c = data.details.contacts[0]
            typed.update(
                {
                    "contact.1.name": c.name,
                    "contact.1.relationship": c.relationship,
                    "contact.1.phone": c.phone,
                }
            )
        if data.details.coverages:
            cov = data.details.coverages[0]
            for field in ("payer", "plan", "member_id", "group_number", "subscriber_name"):
                typed[f"coverage.1.{field}"] = getattr(cov, field)
        changed = []
        for key, value in typed.items():
            # Only what was actually typed; an empty field never blanks a stored value.
            if value and value.strip() and self.text(key).strip() != value.strip():
                self.set_text(key, value)
                changed.append(ALL_FIELDS[key].label.replace("&", ""))
        return changed

    def collect(self) -> PatientInput:
        """What the form says, as service input; ValidationError names the field."""
        dob = parse_date(self.text("birth_date"), field="birth_date")
        if not self.text("sex"):
            raise ValidationError("Choose the patient's sex.", field="sex")
        contacts: tuple[ContactInfo, ...] = ()
        if any(self.text(f"contact.1.{f}").strip() for f in ("name", "relationship", "phone")):
            contacts = (
                ContactInfo(
                    self.text("contact.1.name"),
                    self.text("contact.1.relationship"),
                    self.text("contact.1.phone") or None,
                ),
            )
        coverages: tuple[CoverageInfo, ...] = ()
        cov_keys = ("payer", "plan", "member_id", "group_number", "subscriber_name")
        if any(self.text(f"coverage.1.{f}").strip() for f in cov_keys):
            coverages = (
                CoverageInfo(
                    payer=self.text("coverage.1.payer"),
                    member_id=self.text("coverage.1.member_id"),
                    plan=self.text("coverage.1.plan") or None,
                    group_number=self.text("coverage.1.group_number") or None,
                    subscriber_name=self.text("coverage.1.subscriber_name") or None,
                    subscriber_relationship=self.text("coverage.1.subscriber_relationship")
                    or "self",
                ),
            )
        details = PatientDetails(
            **{key: self.text(key) or None for key in DETAIL_FIELDS},
            contacts=contacts,
            coverages=coverages,
        )
        return PatientInput(
            self.text("family_name"),
            self.text("given_names"),
            dob,
            self.text("sex"),
            self.text("phone") or None,
            details,
        )

    # ------------------------------------------------------------------ validation display

    def _clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.hide()

    def _clear_message(self) -> None:
        self.message.clear()
        self.message.setStyleSheet("")
        self._message_field = None

    def show_error(self, err: ValidationError) -> None:
        key = err.field if err.field in self.errors else None
        if key is None:
            self.message.setStyleSheet(ERROR_STYLE)
            self.message.setText(f"⚠ {err.message}")
            return
        label = self.errors[key]
        label.setStyleSheet(ERROR_STYLE)
        label.setText(f"⚠ {err.message}")
        label.show()
        self.reveal()
        self.inputs[key].setFocus()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(f"⚠ Please check “{ALL_FIELDS[key].label.replace('&', '')}”.")
        self._message_field = key

    def _check_one(self, key: str) -> None:
        """Immediate feedback for fields with a format, when the user leaves them."""
        label = self.errors[key]
        value = self.text(key)
        label.setStyleSheet(ERROR_STYLE)
        try:
            if key == "birth_date" and value.strip():
                born = parse_date(value, field=key)
                shown = f"{born:%m/%d/%Y}"
                if value.strip() != shown:
                    # Short forms (5/1/25, 05012025) are shown back as read, with the age,
                    # so a century or month/day slip is seen before it is saved.
                    self.set_text(key, shown)
                    age = age_on(born, dt.date.today())
                    label.setStyleSheet("")
                    label.setText(f"ℹ Read as {shown} ({age} year{'s' if age != 1 else ''} old).")
                    label.show()
                    if self._message_field == key:
                        self._clear_message()
                    return
            elif key in ("phone", "mobile_phone", "contact.1.phone"):
                check_phone(value, field=key)
            elif key in FORMAT_CHECKS:
                FORMAT_CHECKS[key](value)
        except ValidationError as err:
            label.setText(f"⚠ {err.message}")
            label.show()
            return
        label.clear()
        label.hide()
        if self._message_field == key:
            self._clear_message()  # the field it asked about is fixed: the banner goes too

    # ------------------------------------------------------------------ access and state

    def _apply_access(self) -> None:
        """Read-only for roles that may not write demographics: they see it before typing."""
        session = self._session()
        action = Action.UPDATE if self.record is not None else Action.CREATE
        allowed = session is not None and permissions.allowed(
            session.role, action, DataCategory.DEMOGRAPHICS
        )
        merged = self.record is not None and self.record.merged_into is not None
        if merged:
            self.read_only_reason = "This record was merged into another; it cannot be changed."
        elif not allowed and session is not None:
            what = "change" if self.record is not None else "register"
            self.read_only_reason = (
                f"Your role ({session.role.label}) may read demographics but not {what} them."
            )
        else:
            self.read_only_reason = ""
        editable = not self.read_only_reason
        self._set_editable(editable)

    def _set_editable(self, editable: bool) -> None:
        for widget in self.inputs.values():
            if isinstance(widget, QLineEdit):
                widget.setReadOnly(not editable)
            else:
                widget.setEnabled(editable)
        for button in (self.save_button, self.cancel_button):
            button.setEnabled(editable)
            button.setVisible(editable)
        if not editable:
            self.save_state.setText(f"Read only: {self.read_only_reason}")
        elif self.save_state.text().startswith(("Read only", "Opening")):
            self.save_state.clear()  # a "✓ Saved 14:02" stays where the user looks

    def show_loading(self) -> None:
        """Another patient's chart is on its way: nothing can be typed into a form that is
        about to be filled (the typing would be overwritten, or land on the wrong patient)."""
        self.clear_form()
        self.heading.setText("<h3>Opening the chart…</h3>")
        self.read_only_reason = "Opening the chart…"
        self._set_editable(False)
        self.save_state.setText("Opening the chart…")

    def typed_changes(self) -> dict[str, str]:
        """The fields whose text differs from what was loaded or saved, by key."""
        changed = set(self.tracker.changed_widgets())
        return {key: self.text(key) for key, w in self.inputs.items() if w in changed}

    def _dirty_changed(self, dirty: bool) -> None:
        if self.read_only_reason:
            return
        if dirty:
            self.save_state.setText("<i>Unsaved changes</i>")
        elif self.save_state.text() == "<i>Unsaved changes</i>":
            self.save_state.clear()
        if self.record is not None:
            self.cancel_button.setEnabled(dirty)

    def has_unsaved_changes(self) -> bool:
        return self.tracker.is_dirty() and not self.read_only_reason

    # Drafts: a stored record's changed fields, or what is typed for a new registration (one
    # per user: the patient has no record to keep them under yet).

    def draft_target(self) -> DraftTarget | None:
        if self.read_only_reason:
            return None
        if self.record is None:
            return DraftTarget.registration() if self.registers else None
        info = self.record.info
        return DraftTarget.of(DEMOGRAPHICS, info.id, info.id, info.version)

    def draft_fields(self) -> dict[str, str]:
        return self.typed_changes()

    def restore_fields(self, fields: Mapping[str, str]) -> None:
        for key, value in fields.items():
            if key in self.inputs:
                self.set_text(key, value)

    def unsaved_summary(self) -> str:
        fields = ", ".join(self.tracker.changed()[:6])
        if self.record is not None:
            p = self.record.info
            return f"Demographics of {p.display_name} (MRN {p.mrn}) — changed: {fields}."
        return f"The new patient you were registering — filled in: {fields}."

    def save_then(self, done: Callable[[], None]) -> None:
        self.save(then=done)

    def discard_changes(self) -> None:
        if self.record is not None:
            self.load(self.record)
        else:
            self.clear_form()

    def reveal(self) -> None:
        if self.on_reveal is not None:
            self.on_reveal()

    def _cancel(self) -> None:
        if self.record is not None:
            self.discard_changes()  # "Undo changes": the stored record again
        else:
            self.cancelled.emit()  # leaving asks first if anything was typed

    # ------------------------------------------------------------------ saving

    def save(self, then: Callable[[], None] | None = None) -> None:
        """Save what the form shows; ``then`` runs only after it is stored."""
        session = self._session()
        if session is None or self.read_only_reason:
            return
        if then is not None:
            self._after_save.append(then)
        if self.saving:
            return  # the save on its way stores this; ``then`` waits for it
        self.leaving = bool(self._after_save)
        self._clear_errors()
        self._clear_message()
        try:
            data = self.collect()
        except ValidationError as err:
            self.show_error(err)
            return
        patients = self._services.inst.patients
        record = self.record
        self.save_button.setEnabled(False)
        self.saving = True
        self.save_state.setText("Saving…")
        if record is not None:
            work: Callable[[], PatientInfo] = lambda: patients.update(  # noqa: E731
                session, record.info.id, data, expected_version=record.info.version
            )
            Op(self, work, runner=self._runner).success(self._saved).failure(self._failed).run()
        else:
            Op(self, lambda: patients.find_duplicates(session, data), runner=self._runner).success(
                lambda found: self._after_duplicate_check(data, found)
            ).failure(self._failed).run()

    def _after_duplicate_check(self, data: PatientInput, found: list) -> None:  # type: ignore[type-arg]
        session = self._session()
        if session is None:
            return
        reason: str | None = None
        if found:
            dialog = self.make_duplicates_dialog(data, found)
            dialog.exec()
            if dialog.choice == "open" and dialog.chosen is not None:
                self._not_saved("")
                chosen = dialog.chosen
                # What was typed travels with the existing chart (offered there); this form
                # is emptied so leaving it asks nothing.
                self.clear_form()
                self.open_existing.emit(chosen, data)
                return
            if dialog.choice != "create":
                self._not_saved("Nothing was saved. Your entries are still here.")
                return
            reason = dialog.reason
        patients = self._services.inst.patients
        Op(
            self,
            lambda: patients.register(
                session, data, duplicates_reviewed=reason is not None, reason=reason
            ),
            runner=self._runner,
        ).success(self._saved).failure(self._failed).run()

    def make_duplicates_dialog(self, data: PatientInput, found: list) -> DuplicatesDialog:  # type: ignore[type-arg]
        new = new_column(
            f"{data.family_name}, {data.given_names}",
            f"{data.birth_date:%m/%d/%Y}",
            data.sex.capitalize(),
            data.phone or "",
        )
        return DuplicatesDialog(new, found, self)

    def _not_saved(self, message: str) -> None:
        self._after_save = []
        self.saving = self.leaving = False
        self.save_button.setEnabled(True)
        self._dirty_changed(self.tracker.is_dirty())
        if self.save_state.text() == "Saving…":
            self.save_state.clear()
        self.message.setText(message)

    def _saved(self, info: PatientInfo) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        if self.record is not None:
            # The version just stored is the one the next save builds on.
            self.record = replace(self.record, info=info)
        self.tracker.mark_clean()
        self.message.setStyleSheet("")
        self.message.setText(f"✓ Saved {info.display_name} (MRN {info.mrn}).")
        self.save_state.setText(saved_stamp())
        waiting, self._after_save = self._after_save, []
        # Every other view of this patient (banners, search results, other windows) refreshes.
        self._services.notify_changed(info.id, {ChangeKind.DEMOGRAPHICS})
        self.saved.emit(info)
        self.leaving = False
        for then in waiting:
            then()

    def _failed(self, err: BaseException) -> None:
        self._after_save = []  # the user stays here to fix it
        self.saving = self.leaving = False
        self.save_button.setEnabled(True)
        self._dirty_changed(self.tracker.is_dirty())
        if self.save_state.text() == "Saving…":
            self.save_state.clear()
        if isinstance(err, ValidationError):
            self.show_error(err)
        elif isinstance(err, DuplicatesFoundError | KnownError):
            self.reveal()
            self.message.setStyleSheet(ERROR_STYLE)
            self.message.setText(f"⚠ {err.message}")
        else:
            raise err
