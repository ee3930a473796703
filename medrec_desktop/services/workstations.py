"""The clinic server's workstations (issue 15): the list, enrollment codes, removal, and what a
data folder's workstation is checked against when it opens.

A folder that works on a server remembers which workstation it is (``workstation.json``: a uid
and a name, no secret). Opening checks that row: a removed workstation is refused in plain
words (who, when, what to do), a known one notes when it was last seen (one UPDATE).

A folder the server does not know records itself only while the server's list is empty: the
computer that founds the clinic, the first folder after a clinic moved from its file or was
restored from a backup made before workstations were recorded (schema 0021). Once the list has
a row, an unknown folder is refused (audited) and told to join with an enrollment code:
otherwise a removed workstation would only have to delete its workstation.json to be let in
again under a new name. A restore records the folder it was run in itself, as part of the
restore (an administrator's act: the owner's account and the founding administrator's password
or the recovery key); other folders whose workstation the restored list does not hold (joined
after that backup) join again with codes.

Removal is enforced by the app. A removed computer that kept its data folder still holds the
application account's password (server.url) and the clinic's keys; after removing a lost or
stolen one, IT changes the application account's password and joins the other workstations
again (the README says how).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select, text, update
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import aliased

from medrec_desktop.db import migrate, server_roles
from medrec_desktop.db.store import Store
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import (
    ConflictError,
    KnownError,
    NotFoundError,
    ValidationError,
)
from medrec_desktop.domain.workstations import (
    CODE_LIFETIME,
    MAX_CODE_FAILURES,
    MAX_NAME,
    IssuedCode,
    ServerStatus,
    WorkstationInfo,
    WorkstationRevokedError,
    WorkstationUnknownError,
)
from medrec_desktop.models import Enrollment, User, Workstation
from medrec_desktop.paths import DataPaths, write_private_file
from medrec_desktop.security import enrollment
from medrec_desktop.services.base import Op, Service, audited
from medrec_desktop.services.context import ServiceContext

log = logging.getLogger(__name__)

FILE_ONLY = (
    "This workstation keeps its records in an encrypted file on this computer: nothing joins "
    "it. Workstations join a clinic server (PostgreSQL; see the README, server mode)."
)
UNKNOWN_WORKSTATION = (
    "This computer's data folder is not on the clinic server's list of workstations (its "
    "workstation.json is missing or names no workstation the server knows), so medrec does "
    "not open here. A computer joins the clinic with an enrollment code: ask an administrator "
    "for one (Administration › Server › Add a workstation…), then join this computer into an "
    "empty data folder (the setup wizard: Join this clinic's server)."
)
# pg_advisory_xact_lock key: "mrws" (one unknown folder at a time records itself)
_REGISTER_LOCK = 0x6D727773


@dataclass(frozen=True)
class EnrollmentKit:
    """What an enrollment code carries from this workstation (Installation makes it): the
    application account's address with its password, this key file without this
    workstation's own slots (with the audit high-water mark), and the key that unwraps it."""

    server_url: str
    keyfile: bytes
    mwk: bytes

    def __repr__(self) -> str:
        return "EnrollmentKit(<hidden>)"


# ---------------------------------------------------------------- the folder's own record


@dataclass(frozen=True)
class Here:
    uid: str
    name: str


def read_here(paths: DataPaths) -> Here | None:
    """Which workstation this folder is, or None (never recorded, or unreadable)."""
    try:
        doc = json.loads(paths.workstation_file.read_text("utf-8"))
        return Here(str(uuid.UUID(str(doc["uid"]))), str(doc["name"])[:MAX_NAME])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_here(paths: DataPaths, here: Here) -> None:
    doc = {"uid": here.uid, "name": here.name}
    write_private_file(paths.workstation_file, json.dumps(doc, indent=2).encode())


@dataclass(frozen=True)
class OnOpen:
    """What the server says about this folder's workstation when it opens."""

    known: bool
    revoked_message: str | None = None


def check_on_open(store: Store, here: Here | None, now: Callable[[], dt.datetime]) -> OnOpen:
    """Look this workstation up and, if it may work, note that it was seen (one UPDATE, one
    short transaction; not audited: no one acted)."""
    if here is None:
        return OnOpen(known=False)
    with store.unit_of_work() as db:
        revoker = aliased(User)
        row = db.execute(
            select(Workstation, revoker.username)
            .outerjoin(revoker, revoker.id == Workstation.revoked_by)
            .where(Workstation.uid == here.uid)
        ).first()
        if row is None:
            return OnOpen(known=False)
        ws, by = row
        if ws.revoked_at is not None:
            return OnOpen(known=True, revoked_message=_revoked_message(ws, by))
        db.execute(
            update(Workstation)
            .where(Workstation.id == ws.id)
            .values(last_seen_at=now())
            .execution_options(synchronize_session=False)
        )
    return OnOpen(known=True)


def _revoked_message(ws: Workstation, by: str | None) -> str:
    assert ws.revoked_at is not None
    when = ws.revoked_at.strftime("%Y-%m-%d %H:%M UTC")
    who = by or "an administrator"
    return (
        f"This workstation ({ws.name}) was removed from the clinic's server by {who} on "
        f"{when}, so medrec does not open here any more. If that was a "
        "mistake, ask an administrator for an enrollment code and join this computer again "
        "into an empty data folder (the setup wizard: Join this clinic's server)."
    )


# ---------------------------------------------------------------- the service


class WorkstationService(Service):
    def __init__(
        self,
        *,
        ctx: ServiceContext,
        kit: Callable[[], EnrollmentKit] | None = None,
        here: Callable[[], Here | None] = lambda: None,
    ) -> None:
        super().__init__(ctx=ctx)
        self._kit = kit
        self._here = here

    @audited(Action.VIEW, DataCategory.SETTINGS)
    def list_workstations(self, op: Op) -> list[WorkstationInfo]:
        """Every workstation the clinic's server knows, removed ones too (newest first)."""
        joiner, revoker = aliased(User), aliased(User)
        rows = op.db.execute(
            select(Workstation, joiner.username, revoker.username)
            .outerjoin(joiner, joiner.id == Workstation.joined_by)
            .outerjoin(revoker, revoker.id == Workstation.revoked_by)
            .order_by(Workstation.id)
        ).all()
        here = self._here()
        op.event.detail = f"{len(rows)} workstations"
        return [_info(ws, by, rb, here) for ws, by, rb in rows]

    @audited(Action.VIEW, DataCategory.SETTINGS)
    def server_status(self, op: Op) -> ServerStatus:
        """The connection as the Server page shows it: address, TLS, account, schema."""
        store = op.ctx.store
        if not store.is_server:
            raise KnownError(FILE_ONLY)
        conn = op.db.connection()
        acct = server_roles.account(conn)
        ssl = conn.execute(
            text("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        ).first()
        url = store.engine.url
        if ssl is not None and ssl[0]:
            version = str(ssl[1] or "TLS")
            if url.query.get("sslmode") == "verify-full":
                tls = f"Encrypted ({version}), the server checked against the clinic's CA"
            else:
                tls = f"Encrypted ({version}); certificate not checked (this computer)"
        else:
            tls = "Not encrypted: a connection on this computer (local socket or loopback)"
        schema = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        now = conn.execute(select(func.now())).scalar_one()
        pending = op.db.execute(
            select(func.count())
            .select_from(Enrollment)
            .where(Enrollment.used_at.is_(None))
            .where(Enrollment.ciphertext.is_not(None))
            .where(Enrollment.expires_at > now)
            .where(Enrollment.failed_attempts < MAX_CODE_FAILURES)
        ).scalar_one()
        here = self._here()
        return ServerStatus(
            address=store.server_label or "",
            tls=tls,
            account=acct.name,
            least_privilege=not acct.too_powerful,
            schema=str(schema) if schema else None,
            schema_current=schema == migrate.head_revision(),
            workstation_uid=here.uid if here else None,
            pending_codes=int(pending),
        )

    @audited(Action.ADMIN, DataCategory.SETTINGS)
    def issue_code(self, op: Op, name: str) -> IssuedCode:
        """An enrollment code for a new workstation called ``name``: shown once, valid for
        15 minutes by the server's clock, for one use."""
        if not op.ctx.store.is_server or self._kit is None:
            raise KnownError(FILE_ONLY)
        name = _check_name(op, name)
        # Before anything is stored: a code whose payload could not sign in is refused.
        kit = self._kit()
        _check_kit(kit)
        server_now = op.db.execute(select(func.now())).scalar_one()
        # Payloads of codes that ran out are not kept a minute longer than needed (nor one
        # claimed whose payload step was never committed).
        op.db.execute(
            update(Enrollment)
            .where(Enrollment.ciphertext.is_not(None))
            .where(Enrollment.expires_at <= server_now)
            .values(ciphertext=None)
            .execution_options(synchronize_session=False)
        )
        taken = set(op.db.execute(select(Enrollment.lookup)).scalars())
        code = enrollment.new_code()
        while code.lookup in taken:
            code = enrollment.new_code()
        kdf = enrollment.new_kdf()
        keys = enrollment.derive(code, kdf)
        expires = server_now + CODE_LIFETIME
        row = Enrollment(
            lookup=code.lookup,
            workstation_name=name,
            kdf=kdf,
            verifier=keys.verifier,
            ciphertext=None,
            created_by=op.user.id,
            created_at=server_now,
            expires_at=expires,
            failed_attempts=0,
        )
        op.db.add(row)
        op.db.flush()
        payload = enrollment.Payload(
            install_id=op.ctx.install_id or "",
            workstation_name=name,
            server_url=kit.server_url,
            keyfile=kit.keyfile,
            mwk=kit.mwk,
            issued_by=op.user.username,
            enrollment_id=row.id,
        )
        row.ciphertext = enrollment.seal(keys, code.lookup, payload)
        op.event.detail = (
            f"enrollment code #{row.id} ({code.lookup}-…) issued for workstation {name!r}, "
            f"valid until {expires:%H:%M} UTC"
        )[:200]
        return IssuedCode(code.text(), name, expires)

    @audited(Action.ADMIN, DataCategory.SETTINGS)
    def revoke(
        self, op: Op, workstation_id: int, reason: str, *, expected_version: int
    ) -> WorkstationInfo:
        """Remove a workstation: its folder no longer opens (see the module's docstring for
        what removal cannot do)."""
        if not op.ctx.store.is_server:
            raise KnownError(FILE_ONLY)
        reason = " ".join(reason.split())
        if not reason:
            raise ValidationError(
                "Say why the workstation is removed (it is recorded).", field="reason"
            )
        ws = op.db.get(Workstation, workstation_id)
        if ws is None:
            raise NotFoundError("That workstation is not on the clinic server's list.")
        if ws.version_id != expected_version or ws.revoked_at is not None:
            raise ConflictError(
                f"{ws.name} was changed on another workstation meanwhile"
                + (" (it is already removed)" if ws.revoked_at is not None else "")
                + ". The list is shown as it is now."
            )
        ws.revoked_at = op.ctx.now()
        ws.revoked_by = op.user.id
        ws.revoke_reason = reason[:500]
        op.db.flush()
        op.event.detail = f"workstation removed: {ws.name!r} (#{ws.id}); reason: {reason}"[:200]
        joiner = op.db.get(User, ws.joined_by) if ws.joined_by is not None else None
        by = joiner.username if joiner is not None else None
        return _info(ws, by, op.user.username, self._here())

    @audited(Action.ADMIN, DataCategory.SETTINGS, anonymous=True)
    def record_join(self, op: Op, enrollment_id: int, here: Here) -> WorkstationInfo:
        """A workstation has just joined with a code: it is recorded (who issued the code is
        named in the event), and the code notes which workstation used it."""
        if not op.ctx.store.is_server:
            raise KnownError(FILE_ONLY)
        code = op.db.get(Enrollment, enrollment_id)
        if code is None:
            raise NotFoundError("The enrollment code is not on the clinic server any more.")
        issuer = op.db.get(User, code.created_by)
        ws = Workstation(
            uid=here.uid,
            name=here.name[:MAX_NAME],
            joined_at=op.ctx.now(),
            joined_by=code.created_by,
            last_seen_at=op.ctx.now(),
        )
        op.db.add(ws)
        op.db.flush()
        code.used_by_workstation = ws.id
        op.event.username = "new workstation"
        issued_by = issuer.username if issuer is not None else "?"
        op.event.detail = (
            f"workstation joined: {ws.name!r} (#{ws.id}) with enrollment code #{code.id} "
            f"issued by {issued_by}"
        )[:200]
        return _info(ws, issued_by, None, here)

    @audited(Action.ADMIN, DataCategory.SETTINGS, anonymous=True)
    def register_self(
        self, op: Op, here: Here, *, founded_by: int | None = None, restored: bool = False
    ) -> int:
        """A folder the server does not know records itself: the computer that creates the
        clinic (``founded_by``: its first administrator), the folder a restore ran in
        (``restored``), or any folder while the server's list is empty (a clinic moved from
        its file, a server set up before workstations were recorded). Otherwise refused: see
        the module's docstring. Returns the new row's id."""
        if not op.ctx.store.is_server:
            raise KnownError(FILE_ONLY)
        op.event.username = "workstation"
        if founded_by is None and not restored:
            # One at a time: two unknown folders opening at once on an empty list would
            # otherwise both find it empty.
            op.db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _REGISTER_LOCK})
            listed = op.db.execute(select(func.count()).select_from(Workstation)).scalar_one()
            if listed:
                op.event.detail = (
                    f"workstation {here.name!r} not on the list tried to record itself; refused"
                )[:200]
                raise WorkstationUnknownError(UNKNOWN_WORKSTATION)
        ws = Workstation(
            uid=here.uid,
            name=here.name[:MAX_NAME],
            joined_at=op.ctx.now(),
            joined_by=founded_by,
            last_seen_at=op.ctx.now(),
        )
        op.db.add(ws)
        op.db.flush()
        if founded_by is not None:
            how = "it created the clinic"
        elif restored:
            how = "a backup was restored in its folder"
        else:
            how = "the list was empty"
        op.event.detail = f"workstation recorded: {ws.name!r} (#{ws.id}); {how}"[:200]
        return ws.id

    @audited(Action.ADMIN, DataCategory.SETTINGS, anonymous=True)
    def refuse_removed(self, op: Op, here: Here, message: str) -> None:
        """A removed workstation tried to open: recorded (a failure), then refused."""
        op.event.username = "workstation"
        op.event.detail = f"removed workstation {here.name!r} tried to open; refused"[:200]
        raise WorkstationRevokedError(message)


NO_PASSWORD = (
    "This workstation's address of the clinic server (server.url) carries no password: it "
    "signs in some other way (a password file, or a server that trusts this computer), which a "
    "new computer would not have. A code would hand it an address it cannot sign in with, so "
    "none was issued. Issue codes from a workstation whose address carries the application "
    "account's password, or give this one the password first: medrec server connect "
    "postgresql://medrec_app:PASSWORD@host/database."
)
CLIENT_CERTIFICATE = (
    "This workstation signs in to the clinic server with a client certificate of its own "
    "(sslcert/sslkey in server.url), which stays on this computer: a new computer could not "
    "sign in with what a code carries, so none was issued. Connect new computers as this one "
    "was (medrec server connect, with a certificate of their own), or issue codes from a "
    "workstation that signs in with the application account's password."
)


def _check_kit(kit: EnrollmentKit) -> None:
    """Refuse, in plain words, a code whose payload's address could not sign in elsewhere."""
    try:
        url = make_url(kit.server_url)
    except Exception as err:
        raise KnownError(NO_PASSWORD) from err
    if any(url.query.get(k) for k in ("sslcert", "sslkey")):
        raise KnownError(CLIENT_CERTIFICATE)
    if not url.password:
        raise KnownError(NO_PASSWORD)


def _check_name(op: Op, name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError(
            "Give the new workstation a name people recognise (for example Front desk 2).",
            field="name",
        )
    if len(name) > MAX_NAME or not name.isprintable():
        raise ValidationError(
            f"A workstation's name is at most {MAX_NAME} ordinary characters.", field="name"
        )
    clash = op.db.execute(
        select(Workstation.id)
        .where(func.lower(Workstation.name) == name.lower())
        .where(Workstation.revoked_at.is_(None))
    ).first()
    if clash is not None:
        raise ValidationError(
            f"A workstation called {name} is already on the list: choose another name.",
            field="name",
        )
    return name


def _info(
    ws: Workstation, by: str | None, revoked_by: str | None, here: Here | None
) -> WorkstationInfo:
    return WorkstationInfo(
        id=ws.id,
        uid=ws.uid,
        name=ws.name,
        joined_at=ws.joined_at,
        joined_by=by,
        last_seen_at=ws.last_seen_at,
        revoked_at=ws.revoked_at,
        revoked_by=revoked_by,
        revoke_reason=ws.revoke_reason,
        version=ws.version_id,
        this_one=here is not None and here.uid == ws.uid,
    )


def new_here(name: str) -> Here:
    return Here(str(uuid.uuid4()), " ".join(name.split())[:MAX_NAME] or "workstation")


__all__ = [
    "EnrollmentKit",
    "Here",
    "OnOpen",
    "WorkstationService",
    "check_on_open",
    "new_here",
    "read_here",
    "write_here",
]
