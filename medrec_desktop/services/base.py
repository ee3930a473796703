"""The one mechanism that makes a forgotten audit event impossible.

Every public method of a :class:`Service` subclass must be wrapped by :func:`audited` (or, for
calls that touch no PHI and no security state, :func:`no_phi`); defining a class that breaks
this rule raises ``TypeError`` at import time. ``audited`` opens the unit of work, checks the
permission matrix against the account as stored now, runs the body, and writes the audit event
in the same transaction; a refusal or failure is audited in a transaction of its own.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Concatenate, Generic, Literal, ParamSpec, Protocol, TypeVar, cast, overload

from sqlalchemy import select
from sqlalchemy.orm import Session

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Action, DataCategory, Outcome, Role
from medrec_desktop.domain.errors import (
    AuditTamperedError,
    ClinicMovedError,
    DatabaseFileError,
    DatabaseLockedError,
    DiskFullError,
    KnownError,
    PasswordChangeRequiredError,
    PermissionDeniedError,
    ReadOnlyLocationError,
    WrongKeyError,
)
from medrec_desktop.models import BreakGlassGrant, User
from medrec_desktop.security import permissions
from medrec_desktop.services import live_changes
from medrec_desktop.services.audit_writer import PendingEvent, append_event, check_head
from medrec_desktop.services.context import ServiceContext, iso

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S", bound="Service")

# Store-level failures: writing a follow-up audit event would fail the same way.
_STORE_FAILURES = (
    AuditTamperedError,
    ClinicMovedError,
    DatabaseLockedError,
    DiskFullError,
    ReadOnlyLocationError,
    DatabaseFileError,
    WrongKeyError,
)


@dataclass(frozen=True)
class AuditSpec:
    action: Action
    category: DataCategory
    patient_param: str | None
    anonymous: bool
    outside_transaction: bool = False
    reads_first: bool = False


@dataclass
class Op:
    """Handed to an audited body: its transaction, its caller and its audit event."""

    db: Session
    ctx: ServiceContext
    session: UserSession | None
    event: PendingEvent
    _user: User | None = None
    _deferred_error: KnownError | None = field(default=None, repr=False)

    @property
    def user(self) -> User:
        """The caller's account as stored now (not as it was at login)."""
        if self._user is None:
            if self.session is None:
                raise PermissionDeniedError("Please sign in first.")
            self._user = self.db.get(User, self.session.user_id)
        if self._user is None or not self._user.active:
            raise PermissionDeniedError(
                "Your account is disabled or no longer exists. Ask an administrator."
            )
        return self._user

    @property
    def role(self) -> Role:
        return Role(self.user.role)

    def can(self, action: Action, category: DataCategory, patient_id: int | None = None) -> bool:
        """Whether the caller may do this; an emergency grant that is used flags the event."""
        if permissions.allowed(self.role, action, category):
            return True
        if patient_id is not None and permissions.break_glass_covers(action, category):
            now = iso(self.ctx.now())
            grant = self.db.execute(
                select(BreakGlassGrant.id)
                .where(BreakGlassGrant.user_id == self.user.id)
                .where(BreakGlassGrant.patient_id == patient_id)
                .where(BreakGlassGrant.expires_at > now)
                .limit(1)
            ).scalar()
            if grant is not None:
                self.event.emergency = True
                return True
        return False

    def can_for(
        self, action: Action, category: DataCategory, patient_ids: Iterable[int]
    ) -> frozenset[int]:
        """Which of ``patient_ids`` the caller may do this for, in one query whatever their
        number (a clinic-wide list): all of them by role, else those an active emergency
        grant covers. The event is flagged only when a grant is used, that is when it
        covers one of these patients."""
        wanted = frozenset(patient_ids)
        if not wanted or permissions.allowed(self.role, action, category):
            return wanted
        if not permissions.break_glass_covers(action, category):
            return frozenset()
        now = iso(self.ctx.now())
        granted = frozenset(
            self.db.execute(
                select(BreakGlassGrant.patient_id)
                .where(BreakGlassGrant.user_id == self.user.id)
                .where(BreakGlassGrant.patient_id.in_(wanted))
                .where(BreakGlassGrant.expires_at > now)
            ).scalars()
        )
        if granted:
            self.event.emergency = True
        return granted

    def require(
        self, action: Action, category: DataCategory, patient_id: int | None = None
    ) -> None:
        if not self.can(action, category, patient_id):
            raise PermissionDeniedError(
                f"Your role ({self.role.label}) may not {action.value} {category.value} data. "
                "This attempt was recorded."
            )

    def about_patient(self, patient_id: int) -> None:
        """Name the patient in the audit event when the body finds out who it is."""
        self.event.patient_id = patient_id

    def fail_after_commit(self, error: KnownError) -> None:
        """Commit this transaction (e.g. a failed-login counter), audit a failure, then raise."""
        self._deferred_error = error


class Service:
    """Base of every service. Dependencies are keyword-only (DESIGN §3)."""

    def __init__(self, *, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, member in vars(cls).items():
            if name.startswith("_"):
                continue
            if isinstance(member, (staticmethod, classmethod, property)):
                raise TypeError(
                    f"{cls.__name__}.{name}: public service members must be audited methods; "
                    "make helpers private (leading underscore)."
                )
            if not inspect.isfunction(member):
                continue
            if not hasattr(member, "__audit__") and not hasattr(member, "__no_phi__"):
                raise TypeError(
                    f"{cls.__name__}.{name} is a public service entry point without @audited "
                    "(or @no_phi): every PHI access must be audited."
                )


def entry_points(cls: type[Service]) -> dict[str, Callable[..., Any]]:
    """The public entry points of a service class (used by the audit-coverage test)."""
    return {
        name: member
        for name, member in vars(cls).items()
        if not name.startswith("_") and inspect.isfunction(member)
    }


def no_phi(reason: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Mark an entry point that touches neither PHI nor security state (e.g. code lookup)."""

    def mark(fn: Callable[P, R]) -> Callable[P, R]:
        fn.__no_phi__ = reason  # type: ignore[attr-defined]
        return fn

    return mark


def while_password_change_required(fn: Callable[P, R]) -> Callable[P, R]:
    """Let an entry point run while the account holds a temporary password (changing it,
    signing out). Every other audited call is refused until the user has chosen their own.

    Goes *under* ``@audited`` (nearer the ``def``), which reads the mark from the body.
    """
    fn.__while_password_change_required__ = True  # type: ignore[attr-defined]
    return fn


_TEMPORARY_PASSWORD = (
    "An administrator set a temporary password for this account. Choose your own password "
    "before doing anything else (signing in again asks for it). This attempt was recorded."
)


class _Decorator(Protocol):
    """What ``audited(...)`` returns: generic per decorated method (not per ``audited`` call),
    so each method keeps its own parameters with ``op`` replaced by the caller's session."""

    def __call__(
        self, fn: Callable[Concatenate[S, Op, P], R], /
    ) -> Callable[Concatenate[S, UserSession, P], R]: ...


class _AnonymousDecorator(Protocol):
    def __call__(
        self, fn: Callable[Concatenate[S, Op, P], R], /
    ) -> Callable[Concatenate[S, P], R]: ...


@dataclass(frozen=True)
class WriteAtEnd(Generic[R]):
    """What the body of an :func:`audited_reads_first` entry point hands back once it has
    read: ``write(op)`` makes its database changes in the final short transaction (the one
    its audit event goes in) and returns the caller's result; ``undo()`` takes back what the
    body did outside the database (files written) if that transaction fails."""

    write: Callable[[Op], R]
    undo: Callable[[], None] = lambda: None
    #: where ``write`` and the audit event go when the trail no longer lives in the caller's
    #: database: a clinic moved to its server records the move in the server's trail, which
    #: continues the file's (services/server_move.py). None: the caller's own.
    home: ServiceContext | None = None


class _ReadsFirstDecorator(Protocol):
    def __call__(
        self, fn: Callable[Concatenate[S, Op, P], WriteAtEnd[R]], /
    ) -> Callable[Concatenate[S, UserSession, P], R]: ...


@overload
def audited(
    action: Action,
    category: DataCategory,
    *,
    patient: str | None = None,
    anonymous: Literal[False] = False,
    outside_transaction: bool = False,
) -> _Decorator: ...


@overload
def audited(
    action: Action,
    category: DataCategory,
    *,
    patient: str | None = None,
    anonymous: Literal[True],
    outside_transaction: bool = False,
) -> _AnonymousDecorator: ...


def audited(
    action: Action,
    category: DataCategory,
    *,
    patient: str | None = None,
    anonymous: bool = False,
    outside_transaction: bool = False,
) -> _Decorator | _AnonymousDecorator:
    """Make a service method one audited, permission-checked transaction.

    The body is written as ``def name(self, op: Op, ...)``; callers call
    ``service.name(session, ...)`` (or ``service.name(...)`` when ``anonymous``, for login).
    The signature callers see is the body's with ``op`` replaced by the caller's
    :class:`UserSession` (or removed), so mypy checks every call's arguments.
    ``patient`` names the parameter holding the patient id, checked against break-the-glass
    grants and recorded in the event.

    ``outside_transaction``: for long work that writes nothing to the database (a code-set
    import takes seconds): the permission is checked in a short transaction of its own, the
    body runs with no transaction open (``op.db`` must not be used) so nobody else's saves
    wait behind it, and the event is appended afterwards.
    """
    spec = AuditSpec(action, category, patient, anonymous, outside_transaction)
    return cast(_Decorator | _AnonymousDecorator, _decorator(spec))


def audited_reads_first(
    action: Action, category: DataCategory, *, patient: str | None = None
) -> _ReadsFirstDecorator:
    """Like :func:`audited`, for long work that reads much and writes little at the end (a
    bulk export reads every patient for minutes): nobody else's saves may wait behind it.

    The permission is checked in a short transaction of its own (with the audit trail's
    head, as ``outside_transaction`` does); the body then runs in a read snapshot
    (``Store.read_snapshot``: one consistent moment of the record, no write lock held) and
    returns a :class:`WriteAtEnd`, whose ``write`` runs in one short write transaction
    together with the audit event: the record of what was done and its audit event are
    committed together or not at all (then ``undo`` runs). ``op.db`` is the snapshot in the
    body and the write transaction in ``write``; the account is read again in each.
    """
    spec = AuditSpec(action, category, patient, anonymous=False, reads_first=True)
    return cast(_ReadsFirstDecorator, _decorator(spec))


def _decorator(spec: AuditSpec) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    action, category, patient, anonymous = (
        spec.action,
        spec.category,
        spec.patient_param,
        spec.anonymous,
    )

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(fn)
        entry = fn.__qualname__

        @functools.wraps(fn)
        def wrapper(self: Service, *args: Any, **kwargs: Any) -> Any:
            session: UserSession | None = None
            if not anonymous:
                if not args or not isinstance(args[0], UserSession):
                    raise TypeError(f"{entry} needs the caller's UserSession first")
                session, args = args[0], args[1:]
            patient_id = None
            if patient is not None:
                bound = sig.bind(self, None, *args, **kwargs)
                patient_id = bound.arguments.get(patient)
            event = PendingEvent(
                action=action,
                category=category,
                entry_point=entry,
                user_id=session.user_id if session else None,
                username=session.username if session else "",
                patient_id=patient_id,
            )
            return _run(self, fn, session, event, spec, args, kwargs)

        wrapper.__audit__ = spec  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _run(
    service: Service,
    fn: Callable[..., R],
    session: UserSession | None,
    event: PendingEvent,
    spec: AuditSpec,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> R:
    ctx = service._ctx
    if spec.outside_transaction:
        return _run_outside(service, fn, session, event, spec, args, kwargs)
    if spec.reads_first:
        body = cast(Callable[..., WriteAtEnd[R]], fn)
        return _run_reads_first(service, body, session, event, spec, args, kwargs)
    with _failures_recorded(ctx, event):
        with ctx.store.unit_of_work() as db:
            op = Op(db=db, ctx=ctx, session=session, event=event)
            live_changes.watch(db, ctx)
            _admit(op, fn, spec)
            result = fn(service, op, *args, **kwargs)
            if op._deferred_error is not None:
                event.outcome = Outcome.FAILURE
                event.reason = event.reason or type(op._deferred_error).__name__
            # The other workstations hear of the change on commit only (issue 15).
            live_changes.announce(db, ctx)
            append_event(db, ctx, event)
    ctx.committed(event.written)
    if op._deferred_error is not None:
        raise op._deferred_error
    return result


def _run_outside(
    service: Service,
    fn: Callable[..., R],
    session: UserSession | None,
    event: PendingEvent,
    spec: AuditSpec,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> R:
    ctx = service._ctx
    with _failures_recorded(ctx, event):
        op = _admitted(ctx, fn, session, event, spec)
        result = fn(service, op, *args, **kwargs)
        with ctx.store.unit_of_work() as db:
            append_event(db, ctx, event)
        ctx.committed(event.written)
    return result


def _run_reads_first(
    service: Service,
    fn: Callable[..., WriteAtEnd[R]],
    session: UserSession | None,
    event: PendingEvent,
    spec: AuditSpec,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> R:
    ctx = service._ctx
    with _failures_recorded(ctx, event):
        op = _admitted(ctx, fn, session, event, spec)
        finish: WriteAtEnd[R] | None = None
        try:
            with ctx.store.read_snapshot() as db:
                op.db, op._user = db, None
                finish = fn(service, op, *args, **kwargs)
            home = finish.home or ctx
            with home.store.unit_of_work() as db:
                op.db, op._user, op.ctx = db, None, home
                live_changes.watch(db, home)
                # The rights as stored now: an account disabled, demoted or reset while the
                # body ran records nothing.
                _admit(op, fn, spec)
                result = finish.write(op)
                live_changes.announce(db, home)
                append_event(db, home, event)
        except BaseException:
            # Also when the snapshot itself failed to end (a dropped server connection at
            # COMMIT): what the body did outside the database goes with it.
            if finish is not None:
                finish.undo()
            raise
    home.committed(event.written)
    return result


def _admitted(
    ctx: ServiceContext,
    fn: Callable[..., Any],
    session: UserSession | None,
    event: PendingEvent,
    spec: AuditSpec,
) -> Op:
    """Admission in a short transaction of its own, for work done outside one: the rights,
    then the audit trail's head (work that cannot be recorded is not done)."""
    with ctx.store.unit_of_work() as db:
        op = Op(db=db, ctx=ctx, session=session, event=event)
        _admit(op, fn, spec)
        check_head(db, ctx)
    return op


def _admit(op: Op, fn: Callable[..., Any], spec: AuditSpec) -> None:
    """The permission matrix, then the temporary-password rule, on the account as stored now
    (an administrator's reset takes effect on the very next call of an open session)."""
    if spec.anonymous:
        return
    op.require(spec.action, spec.category, op.event.patient_id)
    if op.user.must_change_password and not getattr(
        fn, "__while_password_change_required__", False
    ):
        raise PasswordChangeRequiredError(_TEMPORARY_PASSWORD)


@contextlib.contextmanager
def _failures_recorded(ctx: ServiceContext, event: PendingEvent) -> Iterator[None]:
    """A refusal or failure is audited in a transaction of its own, then re-raised."""
    try:
        yield
    except PermissionDeniedError as err:
        _record_failure(ctx, event, Outcome.DENIED, err.message)
        raise
    except _STORE_FAILURES:
        raise  # writing a follow-up event would fail the same way
    except KnownError as err:
        _record_failure(ctx, event, Outcome.FAILURE, type(err).__name__)
        raise
    except Exception:
        # A bug: record that the call failed. The log keeps the frames and the type only
        # (logs.NoMessageTracebacks): the message might hold PHI.
        log.exception("service call %s failed", event.entry_point)
        _record_failure(ctx, event, Outcome.FAILURE, "internal error")
        raise


def _record_failure(
    ctx: ServiceContext, event: PendingEvent, outcome: Outcome, reason: str
) -> None:
    event.outcome = outcome
    event.reason = reason
    try:
        with ctx.store.unit_of_work() as db:
            append_event(db, ctx, event)
        ctx.committed(event.written)
    except Exception:  # the original error matters more; this one is logged without data
        log.exception("could not write the audit event for a failed call %s", event.entry_point)
