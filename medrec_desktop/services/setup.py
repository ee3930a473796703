"""First-run set-up and clinic settings."""

from __future__ import annotations

from sqlalchemy import func, select

from medrec_desktop.domain.dto import UserId, UserInfo
from medrec_desktop.domain.encounters import (
    UNSIGNED_NOTE_DAYS_DEFAULT,
    UNSIGNED_NOTE_DAYS_SETTING,
    unsigned_note_days,
)
from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.models import AppMeta, ClinicSetting, User
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.context import iso, stored_utc
from medrec_desktop.services.users import create_user_row

# Settings users may change, with their defaults.
DEFAULT_SETTINGS = {
    "clinic_name": "",
    "clinic_address": "",
    "clinic_phone": "",
    "idle_timeout_minutes": "15",
    # Unsigned notes older than this are listed for their provider (issue 10).
    UNSIGNED_NOTE_DAYS_SETTING: str(UNSIGNED_NOTE_DAYS_DEFAULT),
}


class SetupService(Service):
    @audited(Action.CREATE, DataCategory.USERS, anonymous=True)
    def create_first_admin(
        self,
        op: Op,
        install_id: str,
        username: str,
        display_name: str,
        password: str,
        *,
        audit_root: str | None = None,
    ) -> UserInfo:
        """Only possible while the database has no user at all. ``audit_root`` is the audit
        root key wrapped under this administrator's password (security.audit_root)."""
        if op.db.execute(select(func.count()).select_from(User)).scalar():
            raise KnownError("This database already has users; sign in instead.")
        user = create_user_row(op, username, display_name, Role.ADMIN, password, must_change=False)
        user.audit_root = audit_root
        op.db.add(AppMeta(key="install_id", value=install_id))
        op.db.add(AppMeta(key="created_at", value=iso(op.ctx.now())))
        op.event.user_id = user.id
        op.event.username = user.username
        op.event.detail = "installation created"
        return UserInfo(
            UserId(user.id),
            user.username,
            user.display_name,
            Role.ADMIN,
            True,
            False,
            stored_utc(user.created_at),
        )

    @audited(Action.VIEW, DataCategory.SETTINGS, anonymous=True)
    def clinic_settings(self, op: Op) -> dict[str, str]:
        """Letterhead and policy settings: no PHI, readable before sign-in (login screen)."""
        values = dict(DEFAULT_SETTINGS)
        for row in op.db.execute(select(ClinicSetting)).scalars():
            values[row.key] = row.value
        return values

    @audited(Action.UPDATE, DataCategory.SETTINGS)
    def update_settings(self, op: Op, changes: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(changes) - set(DEFAULT_SETTINGS))
        if unknown:
            raise ValidationError(f"Unknown setting: {', '.join(unknown)}.", field=unknown[0])
        if "idle_timeout_minutes" in changes:
            raw = changes["idle_timeout_minutes"].strip()
            if not raw.isdigit() or not 1 <= int(raw) <= 240:
                raise ValidationError(
                    "The idle timeout must be a whole number of minutes from 1 to 240.",
                    field="idle_timeout_minutes",
                )
        if UNSIGNED_NOTE_DAYS_SETTING in changes:
            unsigned_note_days(changes[UNSIGNED_NOTE_DAYS_SETTING] or "-")  # blank is refused
        for key, value in changes.items():
            row = op.db.get(ClinicSetting, key)
            if row is None:
                op.db.add(ClinicSetting(key=key, value=value.strip()))
            else:
                row.value = value.strip()
        op.event.detail = "changed " + ", ".join(sorted(changes))
        values = dict(DEFAULT_SETTINGS)
        op.db.flush()
        for row in op.db.execute(select(ClinicSetting)).scalars():
            values[row.key] = row.value
        return values

    @audited(Action.VIEW, DataCategory.SETTINGS, anonymous=True)
    def install_id(self, op: Op) -> str | None:
        row = op.db.get(AppMeta, "install_id")
        return row.value if row is not None else None
