"""User accounts (administrators only)."""

from __future__ import annotations

import re

from sqlalchemy import delete, select

from medrec_desktop.domain.dto import UserId, UserInfo
from medrec_desktop.domain.enums import Action, DataCategory, Role
from medrec_desktop.domain.errors import NotFoundError, ValidationError
from medrec_desktop.models import LoginThrottle, User
from medrec_desktop.security import passwords
from medrec_desktop.services.auth import normalize_username
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.context import from_iso, iso, stored_utc

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def parse_role(text: str) -> Role:
    key = text.strip().lower().replace(" ", "_").replace("-", "_")
    aliases = {"admin": Role.ADMIN, "records": Role.RECORDS, "frontdesk": Role.FRONT_DESK}
    if key in aliases:
        return aliases[key]
    try:
        return Role(key)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise ValidationError(f"Unknown role {text!r}. Roles: {names}.", field="role") from None


def validate_username(name: str) -> str:
    norm = normalize_username(name)
    if not USERNAME_RE.match(norm):
        raise ValidationError(
            "User names are 2-64 characters: letters, digits, dot, dash or underscore, "
            "starting with a letter or digit.",
            field="username",
        )
    return norm


def create_user_row(
    op: Op, username: str, display_name: str, role: Role, password: str, *, must_change: bool
) -> User:
    """Shared by `add_user` and first-run set-up (which has no administrator yet)."""
    norm = validate_username(username)
    display_name = display_name.strip()
    if not display_name:
        raise ValidationError("Enter the person's full name.", field="display_name")
    passwords.check_policy(password, username=norm)
    if op.db.execute(select(User.id).where(User.username == norm)).scalar() is not None:
        raise ValidationError(f"The user name {norm!r} is already taken.", field="username")
    user = User(
        username=norm,
        display_name=display_name[:128],
        role=role.value,
        password_hash=passwords.hash_password(password),
        active=True,
        must_change_password=must_change,
        created_at=iso(op.ctx.now()),
    )
    op.db.add(user)
    op.db.flush()
    return user


class UserService(Service):
    @audited(Action.CREATE, DataCategory.USERS)
    def add_user(
        self,
        op: Op,
        username: str,
        display_name: str,
        role: Role,
        password: str,
        *,
        must_change_password: bool = True,
    ) -> UserInfo:
        user = create_user_row(
            op, username, display_name, role, password, must_change=must_change_password
        )
        op.event.detail = f"user {user.username} role {user.role}"
        return self._info(op, user)

    @audited(Action.VIEW, DataCategory.USERS)
    def list_users(self, op: Op) -> list[UserInfo]:
        users = op.db.execute(select(User).order_by(User.username)).scalars().all()
        return [self._info(op, u) for u in users]

    @audited(Action.UPDATE, DataCategory.USERS)
    def disable_user(self, op: Op, username: str) -> UserInfo:
        user = self._get(op, username)
        if user.id == op.user.id:
            raise ValidationError("You cannot disable your own account.", field="username")
        user.active = False
        op.event.detail = f"disable {user.username}"
        return self._info(op, user)

    @audited(Action.UPDATE, DataCategory.USERS)
    def enable_user(self, op: Op, username: str) -> UserInfo:
        user = self._get(op, username)
        user.active = True
        op.event.detail = f"enable {user.username}"
        return self._info(op, user)

    @audited(Action.UPDATE, DataCategory.USERS)
    def unlock_user(self, op: Op, username: str) -> UserInfo:
        user = self._get(op, username)
        op.db.execute(delete(LoginThrottle).where(LoginThrottle.username == user.username))
        op.event.detail = f"unlock {user.username}"
        return self._info(op, user)

    @audited(Action.UPDATE, DataCategory.USERS)
    def reset_password(self, op: Op, username: str, new_password: str) -> UserInfo:
        """Set a temporary password the user must change at next sign-in."""
        user = self._get(op, username)
        passwords.check_policy(new_password, username=user.username)
        user.password_hash = passwords.hash_password(new_password)
        user.must_change_password = True
        op.db.execute(delete(LoginThrottle).where(LoginThrottle.username == user.username))
        op.event.detail = f"reset password {user.username}"
        if user.audit_root is not None:
            # Wrapped under the old password, which nobody here knows: it cannot follow.
            user.audit_root = None
            op.event.detail += "; their copy of the audit root key is gone"
        return self._info(op, user)

    @audited(Action.UPDATE, DataCategory.USERS)
    def set_role(self, op: Op, username: str, role: Role) -> UserInfo:
        user = self._get(op, username)
        if user.id == op.user.id and role != Role.ADMIN:
            raise ValidationError("You cannot remove your own administrator role.", field="role")
        user.role = role.value
        op.event.detail = f"role {user.username} {role.value}"
        return self._info(op, user)

    @staticmethod
    def _get(op: Op, username: str) -> User:
        user = op.db.execute(
            select(User).where(User.username == normalize_username(username))
        ).scalar()
        if user is None:
            raise NotFoundError("There is no user with that name.")
        return user

    @staticmethod
    def _info(op: Op, user: User) -> UserInfo:
        throttle = op.db.get(LoginThrottle, user.username)
        locked = bool(
            throttle and throttle.locked_until and from_iso(throttle.locked_until) > op.ctx.now()
        )
        return UserInfo(
            id=UserId(user.id),
            username=user.username,
            display_name=user.display_name,
            role=Role(user.role),
            active=user.active,
            locked=locked,
            created_at=stored_utc(user.created_at),
        )
