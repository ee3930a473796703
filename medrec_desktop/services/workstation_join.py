"""Joining a workstation to the clinic's server with an enrollment code (issue 15).

The new computer has no account that may read a table yet. It connects as the enrollment role
(over verified TLS to another computer, as always), fetches the code's salt, derives the proof
from the code's secret part and claims the code (db migration 0021: once, counted, within 15
minutes; in two transactions, the outcome and payload only once the claim is committed). What
comes back is sealed under the same secret: the application account's address
and password, the key material (the master wrapping key and the key file's shared parts: the
recovery slot, the wrapped audit root, the audit high-water mark). This computer then writes its
own key file (a keyring or passphrase slot of its own), server.url and the CA copy, opens the
clinic as the application account (every check of an ordinary start applies) and records
itself. Until that has worked nothing stays in the folder; a code claimed is spent either way.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine.url import URL, make_url

from medrec_desktop.db import server_roles
from medrec_desktop.db.engine import postgres_engine
from medrec_desktop.db.server_tls import BAD_ADDRESS
from medrec_desktop.domain.errors import (
    KeyStoreError,
    KnownError,
    ServerConnectionError,
    ValidationError,
)
from medrec_desktop.domain.workstations import MAX_CODE_FAILURES
from medrec_desktop.paths import DataPaths, make_private_dir, write_private_file
from medrec_desktop.security import audit_mark, enrollment
from medrec_desktop.security.keyslots import (
    KeyRing,
    check_passphrase,
    dump_keyfile,
    keyring_entry_name,
    parse_keyfile,
)
from medrec_desktop.security.secret_store import SecretStore
from medrec_desktop.services.context import utc_now
from medrec_desktop.services.installation import Clock, Installation, Unlock, check_server_choice
from medrec_desktop.services.workstations import Here, new_here, write_here

log = logging.getLogger(__name__)

CODE = enrollment.BAD_CODE_FIELD
NEW_CODE = "Ask the administrator for a new code (Administration › Server › Add a workstation…)."
OUTCOMES = {
    "used": "This code was used already: a code joins one workstation, once. " + NEW_CODE,
    "expired": "This code has expired (codes last 15 minutes). " + NEW_CODE,
    "locked": (
        f"This code was typed wrong {MAX_CODE_FAILURES} times, so it is locked. " + NEW_CODE
    ),
}
NO_ENROLLMENT = (
    "The server at {host} did not let this computer in to join (its enrollment account, "
    "{role}, is missing or refused). An administrator makes it with medrec server setup; a "
    "server set up before workstations could join needs its enrollment part: medrec server "
    "enrollment-setup."
)
BUSY = (
    "Several computers are joining the clinic's server at this moment (it lets only a few in at "
    "once). Try again in a minute; the code was not used."
)
OLD_SERVER = (
    "The clinic's server does not offer joining yet (its tables are from an older version of "
    "medrec). The administrator upgrades it once: medrec server upgrade --owner ..."
)
NO_RIGHTS = (
    "The server at {host} lets the enrollment account {role} connect, but not use the clinic's "
    "joining functions (a database restored from a backup, or set up by hand, lacks that "
    "right). The administrator gives it once: medrec server enrollment-setup --database "
    "{database} prints the SQL (or runs it with --run ADMIN_URL). Then try again with the same "
    "code."
)
NOT_A_CLINIC = (
    "The database {database} at {host} holds no medrec tables: check that the address names "
    "the clinic's server and database."
)
INCOMPLETE = (
    "The clinic's server has the workstations' tables but not the functions that join a "
    "workstation (a damaged or partly restored database?). Ask the administrator to check "
    "it: medrec server upgrade --owner ... brings a server to this version's schema."
)
# What the enrollment role may see in the catalogs, which every role reads: is the function
# there, may it use its schema, are there medrec tables at all, and the workstations' table.
_DIAGNOSE = text(
    "SELECT "
    "EXISTS (SELECT FROM pg_proc WHERE proname = 'medrec_enrollment_payload'), "
    "EXISTS (SELECT FROM pg_proc WHERE proname = 'medrec_enrollment_payload' "
    "        AND has_schema_privilege(pronamespace, 'USAGE')), "
    "EXISTS (SELECT FROM pg_class WHERE relname = 'alembic_version' AND relkind = 'r'), "
    "EXISTS (SELECT FROM pg_class WHERE relname = 'enrollment' AND relkind = 'r')"
)
_TLS_KEYS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "gssencmode", "host", "hostaddr")


@dataclass(frozen=True)
class JoinRequest:
    """What the person joining gives: the server's address (host, port, database; the
    enrollment account is filled in), the clinic's CA certificate file (required for a server
    on another computer), the code, and how this computer keeps its key."""

    address: str
    code: str
    ca_cert: Path | None = None
    secret_store: SecretStore | None = None
    passphrase: str | None = None
    name: str | None = None  # this computer's name on the list; default: the code's

    def __repr__(self) -> str:
        return "JoinRequest(<hidden>)"


def enrollment_address(address: str) -> str:
    """The address as the enrollment role connects: the role's name and documented password
    are put in when the address names none (``postgresql://db.clinic.lan/medrec``)."""
    try:
        url = make_url(address.strip())
    except Exception as err:
        raise ServerConnectionError(BAD_ADDRESS) from err
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    url = url.set(
        username=url.username or server_roles.DEFAULT_ENROLL,
        password=url.password or server_roles.ENROLL_PASSWORD,
    )
    return url.render_as_string(hide_password=False)


def application_address(address: str, payload_url: str) -> str:
    """This computer's address of the clinic's server for day-to-day work: where it reached the
    server (host, port, database, TLS: the issuing computer may have reached it another way,
    e.g. as localhost) with the application account and password from the payload, and the
    payload's other connection options (a search_path, say)."""
    typed = make_url(address.strip())
    issued = make_url(payload_url)
    query = {k: v for k, v in issued.query.items() if k not in _TLS_KEYS}
    query.update(typed.query)
    url: URL = typed.set(
        drivername="postgresql+psycopg",
        username=issued.username,
        password=issued.password,
        query=query,
    )
    return url.render_as_string(hide_password=False)


def claim(address: str, ca_cert: Path | None, code: enrollment.Code) -> enrollment.Payload:
    """Claim the code as the enrollment role and open its payload. A wrong, expired, used or
    locked code is a ValidationError on the "code" field; the code is spent once this returns."""
    url = enrollment_address(address)
    host = make_url(url).host or "localhost"
    role = make_url(url).username or server_roles.DEFAULT_ENROLL
    try:
        engine = postgres_engine(url, ca_cert=ca_cert, pool_size=1, max_overflow=0)
    except sa_exc.DBAPIError as err:
        if "too many connections" in str(err.orig).lower():
            raise ServerConnectionError(BUSY) from err
        raise ServerConnectionError(NO_ENROLLMENT.format(host=host, role=role)) from err
    try:
        with _function_errors(engine), engine.connect() as conn:
            kdf = conn.execute(
                text("SELECT medrec_enrollment_salt(:lookup)"), {"lookup": code.lookup}
            ).scalar()
        if kdf is None:
            raise ValidationError(
                f"This server has no enrollment code beginning {code.lookup}. Check the code "
                "and that the address names the clinic's server and database.",
                field=CODE,
            )
        keys = enrollment.derive(code, str(kdf))
        nonce = os.urandom(32)
        params = {"lookup": code.lookup, "proof": keys.proof, "nonce": nonce}
        # Step 1 records the attempt (a wrong proof counted, a right one spends the code) and
        # answers nothing; only once it is committed does step 2, in a transaction of its own,
        # say how it went and hand over the payload (migration 0021 says why).
        with _function_errors(engine), engine.begin() as conn:
            conn.execute(text("SELECT medrec_claim_enrollment(:lookup, :proof, :nonce)"), params)
        with _function_errors(engine), engine.begin() as conn:
            outcome, sealed, left = conn.execute(
                text(
                    "SELECT outcome, payload, tries_left "
                    "FROM medrec_enrollment_payload(:lookup, :proof, :nonce)"
                ),
                params,
            ).one()
    finally:
        engine.dispose()
    if outcome == "wrong":
        raise ValidationError(
            "That code is not right. Compare it with the administrator's screen, group by "
            f"group ({left} more {'try' if left == 1 else 'tries'} before it is locked).",
            field=CODE,
        )
    if outcome != "ok" or sealed is None:
        message = OUTCOMES.get(str(outcome))
        if message is None:
            message = f"This server has no enrollment code beginning {code.lookup}."
        raise ValidationError(message, field=CODE)
    return enrollment.open_sealed(keys, code.lookup, bytes(sealed))


@contextlib.contextmanager
def _function_errors(engine: Engine) -> Iterator[None]:
    try:
        yield
    except sa_exc.ProgrammingError as err:
        if "does not exist" in str(err.orig).lower():
            raise KnownError(_why_no_function(engine)) from err
        raise
    except sa_exc.OperationalError as err:
        raise ServerConnectionError(
            "The connection to the clinic's server broke off while joining. Check the network "
            "and try again (if the code was already accepted, ask for a new one)."
        ) from err


def _why_no_function(engine: Engine) -> str:
    """Why the enrollment functions are not found, in words that name the remedy: a missing
    right (enrollment-setup), tables really older (upgrade), or no clinic at that address."""
    url = engine.url
    names = {"host": url.host or "localhost", "role": url.username, "database": url.database}
    try:
        with engine.connect() as conn:
            exists, usable, tables, enrollments = conn.execute(_DIAGNOSE).one()
    except sa_exc.DBAPIError:
        return INCOMPLETE
    if exists and not usable:
        return NO_RIGHTS.format(**names)
    if not tables:
        return NOT_A_CLINIC.format(**names)
    if not enrollments:
        return OLD_SERVER
    return INCOMPLETE


def join(paths: DataPaths, request: JoinRequest, *, clock: Clock = utc_now) -> Installation:
    """Join the clinic's server into the empty data folder ``paths`` and open it. Returns the
    open installation (nobody signed in: users sign in as on any workstation)."""
    if Installation.exists(paths) or paths.keys.exists():
        raise KnownError(
            f"{paths.root} already holds a medrec database; it was not touched. Choose an "
            "empty folder to join this computer to the clinic's server."
        )
    if request.secret_store is None and not request.passphrase:
        raise KeyStoreError(
            "Choose how this workstation keeps the database key: the OS keyring or a "
            "workstation passphrase."
        )
    if request.passphrase:
        check_passphrase(request.passphrase)
    code = enrollment.parse_code(request.code)
    if not request.address.strip():
        raise ValidationError(
            "Enter the clinic server's address, for example postgresql://db.clinic.lan/medrec.",
            field="address",
        )
    # A bad address, a weaker sslmode or a missing CA certificate: said before connecting.
    ca_pem = check_server_choice(enrollment_address(request.address), request.ca_cert)
    payload = claim(request.address, request.ca_cert, code)
    return _settle(paths, request, payload, ca_pem, clock)


def _settle(
    paths: DataPaths,
    request: JoinRequest,
    payload: enrollment.Payload,
    ca_pem: bytes | None,
    clock: Clock,
) -> Installation:
    """Write this workstation's files from the payload, open, record; undo the files if any
    step fails (the code stays spent: the message says so)."""
    keyfile = parse_keyfile(payload.keyfile, "enrollment's key file")
    if keyfile.install_id != payload.install_id:
        raise KeyStoreError("The enrollment code's key file belongs to another clinic.")
    shared = replace(keyfile, slots=tuple(s for s in keyfile.slots if s.kind == "recovery"))
    ring = KeyRing(shared, payload.mwk)
    _ = ring.material  # decrypts, or says the key file is damaged, before anything is written
    try:
        mark = audit_mark.from_json(json.loads(payload.keyfile).get("audit_mark"))
    except ValueError:
        mark = None
    here: Here = new_here(request.name or payload.workstation_name)
    store = request.secret_store
    entry = keyring_entry_name(payload.install_id)
    kept_entry = store.get(entry) if store is not None else None
    make_private_dir(paths.root)
    written: list[Path] = []
    inst: Installation | None = None
    try:
        if store is not None:
            ring.set_keyring_slot(store)
        else:
            assert request.passphrase
            ring.set_passphrase_slot(request.passphrase)
        written.append(paths.keys)
        write_private_file(paths.keys, dump_keyfile(ring.keyfile, mark))
        if ca_pem is not None:
            written.append(paths.server_ca_file)
            write_private_file(paths.server_ca_file, ca_pem)
        written.append(paths.server_url_file)
        write_private_file(
            paths.server_url_file,
            application_address(request.address, payload.server_url).encode(),
        )
        how = Unlock(secret_store=store, passphrase=None if store else request.passphrase)
        inst = Installation.open(paths, how, clock=clock, check_workstation=False)
        inst.workstations.record_join(payload.enrollment_id, here)
        written.append(paths.workstation_file)
        write_here(paths, here)
    except BaseException as err:
        if inst is not None:
            inst.close()
        for path in (*written, Path(f"{paths.keys}.lock")):
            path.unlink(missing_ok=True)
        if store is not None:
            if kept_entry is not None:
                store.set(entry, kept_entry)
            else:
                store.delete(entry)
        if isinstance(err, KnownError):
            raise _spent(err) from err
        raise
    return inst


def _spent(err: KnownError) -> KnownError:
    """The same kind of error, saying that nothing stayed and the code is spent."""
    message = (
        err.message + " Nothing was kept in the data folder; the code is used up, so ask the "
        "administrator for a new one."
    )
    try:
        return type(err)(message)
    except TypeError:  # an error class with other arguments
        return KnownError(message)


__all__ = [
    "JoinRequest",
    "application_address",
    "claim",
    "enrollment_address",
    "join",
]
