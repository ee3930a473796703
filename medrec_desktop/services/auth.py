"""Signing in and out, password changes and break-the-glass."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medrec_desktop.domain.dto import BreakGlassInfo, PatientId, UserId, UserSession
from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.domain.errors import (
    AccountLockedError,
    AuthenticationError,
    KnownError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from medrec_desktop.models import BreakGlassGrant, LoginThrottle, Patient, User
from medrec_desktop.security import passwords, permissions
from medrec_desktop.security.audit_root import unwrap_root, wrap_root
from medrec_desktop.services.base import Op, Service, audited, while_password_change_required
from medrec_desktop.services.context import from_iso, iso

LOGIN_FAILED = "Sign-in failed. Check the user name and password."


def normalize_username(name: str) -> str:
    return name.strip().lower()


def wait_message(seconds: float) -> str:
    if seconds > 120:
        minutes = int(seconds // 60) + 1
        return (
            "Too many failed sign-ins with this user name: sign-in is paused for "
            f"{minutes} minutes, or until an administrator unlocks it."
        )
    return (
        "Too many failed sign-ins with this user name: wait "
        f"{max(1, round(seconds))} seconds and try again."
    )


def pause_left(now: dt.datetime, throttle: LoginThrottle | None) -> float | None:
    """Seconds left of the pause or lockout on this user name, or None when it may try."""
    if throttle is None:
        return None
    waits = [from_iso(t) for t in (throttle.locked_until, throttle.next_attempt_at) if t]
    until = max(waits, default=None)
    return (until - now).total_seconds() if until is not None and until > now else None


def count_failure(
    db: Session, now: dt.datetime, name: str, throttle: LoginThrottle | None
) -> None:
    """One more wrong password for ``name``: a growing pause, then the lockout."""
    if throttle is None:
        throttle = LoginThrottle(username=name, failed_count=0)
        db.add(throttle)
    throttle.failed_count += 1
    delay = passwords.delay_after(throttle.failed_count)
    throttle.next_attempt_at = iso(now + delay) if delay else None
    if throttle.failed_count >= passwords.LOCK_AFTER:
        throttle.locked_until = iso(now + dt.timedelta(minutes=passwords.LOCK_MINUTES))


def recheck_password(op: Op, password: str, *, message: str, field: str) -> bool:
    """The signed-in user's password asked again (change-password, break-the-glass, signing).

    Throttled and counted exactly like a sign-in: otherwise a session left open would let
    anyone at the keyboard guess the password without pause or lockout. False means the
    failure (and the throttle step) is committed and the error raised after the commit.
    """
    user = op.user
    throttle = op.db.get(LoginThrottle, user.username)
    wait = pause_left(op.ctx.now(), throttle)
    if wait is not None:
        op.event.reason = "throttled"
        op.fail_after_commit(AccountLockedError(wait_message(wait)))
        return False
    if not passwords.verify_password(user.password_hash, password):
        op.event.reason = "bad password"
        count_failure(op.db, op.ctx.now(), user.username, throttle)
        op.fail_after_commit(ValidationError(message, field=field))
        return False
    if throttle is not None:
        op.db.delete(throttle)
    return True


class AuthService(Service):
    @audited(Action.LOGIN, DataCategory.SESSION, anonymous=True)
    def login(self, op: Op, username: str, password: str) -> UserSession:
        """Check the password. Unknown users and wrong passwords look exactly alike, and take
        the same work: one Argon2 verification with the same parameters, the same throttle
        write and the same audit event."""
        name = normalize_username(username)[:64]
        op.event.username = name
        now = op.ctx.now()
        throttle = op.db.get(LoginThrottle, name)
        wait = pause_left(op.ctx.now(), throttle)
        if wait is not None:
            op.event.action = Action.LOGIN_FAILED
            op.event.reason = "throttled"
            op.fail_after_commit(AccountLockedError(wait_message(wait)))
            return _NO_SESSION
        user = op.db.execute(select(User).where(User.username == name)).scalar()
        ok = passwords.verify_password(user.password_hash if user else None, password)
        if not ok or user is None or not user.active:
            op.event.action = Action.LOGIN_FAILED
            op.event.reason = "bad credentials" if (user is None or not ok) else "disabled"
            count_failure(op.db, op.ctx.now(), name, throttle)
            op.fail_after_commit(AuthenticationError(LOGIN_FAILED))
            return _NO_SESSION
        if throttle is not None:
            op.db.delete(throttle)
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        op.event.user_id = user.id
        return UserSession(
            user_id=UserId(user.id),
            username=user.username,
            display_name=user.display_name,
            role=Role(user.role),
            started_at=now,
            must_change_password=user.must_change_password,
        )

    @audited(Action.LOGOUT, DataCategory.SESSION)
    @while_password_change_required
    def logout(self, op: Op) -> None:
        """Nothing to undo server-side; the event marks the end of the session."""

    @audited(Action.UPDATE, DataCategory.SESSION)
    @while_password_change_required
    def change_password(self, op: Op, current: str, new: str) -> None:
        """Also the one call a temporary password allows; it clears the must-change flag."""
        user = op.user
        op.event.detail = "own password"
        if not recheck_password(
            op, current, message="The current password is not correct.", field="current"
        ):
            return
        passwords.check_policy(new, username=user.username)
        if passwords.verify_password(user.password_hash, new):
            raise ValidationError(
                "Choose a password different from the current one.", field="password"
            )
        user.password_hash = passwords.hash_password(new)
        user.must_change_password = False
        if user.audit_root is not None:
            # The audit root key follows the administrator's password.
            try:
                user.audit_root = wrap_root(unwrap_root(user.audit_root, current), new, "admin")
            except KnownError:
                user.audit_root = None
                op.event.detail = "own password; their copy of the audit root key is gone"

    @audited(Action.BREAK_GLASS, DataCategory.SESSION, patient="patient_id")
    def break_glass(
        self, op: Op, patient_id: PatientId, reason: str, password: str
    ) -> BreakGlassInfo:
        """Emergency access to one patient: needs a reason and the password again."""
        reason = reason.strip()
        op.event.emergency = True
        if len(reason) < 10:
            raise ValidationError(
                "Describe the emergency in a few words (at least 10 characters); "
                "it is recorded and reviewed.",
                field="reason",
            )
        if not recheck_password(
            op, password, message="The password is not correct.", field="password"
        ):
            return _NO_GRANT
        if not permissions.may_break_glass(op.role):
            raise PermissionDeniedError(f"Your role ({op.role.label}) cannot use emergency access.")
        if op.db.get(Patient, patient_id) is None:
            raise NotFoundError("That patient does not exist.")
        now = op.ctx.now()
        expires = now + permissions.BREAK_GLASS_DURATION
        op.db.add(
            BreakGlassGrant(
                user_id=op.user.id,
                patient_id=patient_id,
                reason=reason,
                granted_at=iso(now),
                expires_at=iso(expires),
            )
        )
        # The reason goes into the (encrypted, MACed) audit event so reviewers see it; it never
        # reaches a log file or an error message.
        op.event.reason = reason[:500]
        minutes = int(permissions.BREAK_GLASS_DURATION.total_seconds() // 60)
        op.event.detail = f"emergency access granted for {minutes} minutes"
        return BreakGlassInfo(patient_id=patient_id, reason=reason, expires_at=expires)

    @audited(Action.VIEW, DataCategory.SESSION)
    def active_emergency_grants(self, op: Op) -> list[BreakGlassInfo]:
        now = iso(op.ctx.now())
        rows = op.db.execute(
            select(BreakGlassGrant)
            .where(BreakGlassGrant.user_id == op.user.id)
            .where(BreakGlassGrant.expires_at > now)
            .order_by(BreakGlassGrant.expires_at)
        ).scalars()
        return [
            BreakGlassInfo(PatientId(g.patient_id), g.reason, from_iso(g.expires_at)) for g in rows
        ]

    @audited(Action.QUERY, DataCategory.SESSION, anonymous=True)
    def has_users(self, op: Op) -> bool:
        """Whether any account exists (first-run detection)."""
        return bool(op.db.execute(select(func.count()).select_from(User)).scalar())


# Never returned to a caller: the deferred error is raised after the commit.
_NO_SESSION: UserSession = None  # type: ignore[assignment]
_NO_GRANT: BreakGlassInfo = None  # type: ignore[assignment]
