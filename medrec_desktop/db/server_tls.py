"""TLS for a clinic PostgreSQL server (DESIGN §4): how to connect, and what to say when it fails.

A server on another computer is always reached with ``sslmode=verify-full`` against the
clinic's own CA certificate (a copy kept in the data folder): the connection is encrypted and
the server must prove, with a certificate that CA signed, that it is the host the address
names. Nothing here connects: :func:`server_target` decides the connection from the address
and the CA file, and :func:`tls_error` turns libpq's words into one plain message each.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from sqlalchemy.engine.url import URL, make_url

from medrec_desktop.domain.errors import ServerConnectionError

#: the only sslmode accepted for a server on another computer
VERIFY_FULL = "verify-full"
#: names that mean this computer (Unix socket paths are recognised separately)
LOCAL_NAMES = frozenset({"", "localhost"})
#: a CA certificate is a few kilobytes; a bundle of a handful is still far below this
MAX_CA_BYTES = 1_000_000

BAD_ADDRESS = (
    "The database server address is not valid. It should look like "
    "postgresql://user@host:5432/dbname."
)
NEEDS_CA = (
    "The server {host} is on another computer, so medrec encrypts the connection and checks "
    "the server's certificate. Choose the clinic's CA certificate (a .pem or .crt file; ask "
    "your IT person for it; with medrec init: --ca-cert FILE)."
)
CA_MISSING = (
    "This workstation's copy of the clinic's CA certificate ({ca}) is missing, so the server "
    "{host} cannot be checked and medrec will not connect. Ask your IT person for the clinic's "
    "CA certificate and put it back at that place."
)
WEAK_MODE = (
    "The server address asks for sslmode={mode}, which would let the connection to {host} go "
    "unencrypted or unchecked. Remove sslmode from the address: medrec always uses "
    "sslmode=verify-full with the clinic's CA certificate for a server on another computer."
)
OTHER_CA_PARAM = (
    "Leave {param} out of the server address: medrec uses the clinic's CA certificate chosen "
    "with --ca-cert (or in the setup wizard) for a server on another computer."
)
GSS_ENCRYPTION = (
    "Leave gssencmode out of the server address: medrec encrypts the connection to {host} "
    "with TLS, checked against the clinic's CA certificate."
)
NOT_A_CA = (
    "{ca} is not a CA certificate (a PEM file that begins with "
    '"-----BEGIN CERTIFICATE-----"). Ask your IT person for the clinic\'s CA certificate.'
)
UNTRUSTED = (
    "The server's certificate is not signed by the clinic's CA certificate ({ca}), so medrec "
    "did not connect to {host}. Ask your IT person for the clinic's CA certificate, and check "
    "that the address names the clinic's server."
)
NAME_MISMATCH = (
    "The server's certificate is not made out to the name {host}, so medrec did not connect. "
    "Use the server's name exactly as its certificate gives it (ask your IT person), not an "
    "IP address or another name for it."
)
NO_TLS = (
    "The server {host} does not offer encrypted (TLS) connections, so medrec did not connect. "
    "Ask your IT person to turn TLS on at the server (ssl = on, with a certificate signed by "
    "the clinic's CA)."
)


@dataclass(frozen=True)
class ServerTarget:
    """How to reach the server: ``url`` is what the engine gets; ``host`` names it in messages
    (never the user name or password); ``remote`` means verified TLS is enforced."""

    url: URL
    host: str
    remote: bool
    ca_cert: Path | None


def server_target(url: str, ca_cert: Path | None) -> ServerTarget:
    """Decide the connection for ``url`` with the clinic's CA certificate at ``ca_cert``.

    This computer (no host, ``localhost``, a loopback address or a Unix socket path) is
    reached as the address says (with the CA certificate, if one is given). Any other host
    gets ``sslmode=verify-full`` and ``sslrootcert=ca_cert``; an address asking for anything
    weaker, or no CA certificate, is refused before any connection is tried.
    """
    try:
        parsed = make_url(url.strip())
    except Exception as err:  # SQLAlchemy's ArgumentError, or a bad port number
        raise ServerConnectionError(BAD_ADDRESS) from err
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername != "postgresql+psycopg":
        raise ServerConnectionError(BAD_ADDRESS)
    query = dict(parsed.query)
    hosts = [parsed.host or "", *_values(query.get("host"))]
    addrs = _values(query.get("hostaddr"))
    host = next((h for h in hosts if h), "localhost")
    remote = not all(_is_local(h) for h in hosts) or not all(_is_local(a) for a in addrs)
    if remote:
        mode = query.get("sslmode", VERIFY_FULL)
        if mode != VERIFY_FULL:
            shown = mode if isinstance(mode, str) else ",".join(mode)
            raise ServerConnectionError(WEAK_MODE.format(mode=shown, host=host))
        if "sslrootcert" in query:
            raise ServerConnectionError(OTHER_CA_PARAM.format(param="sslrootcert"))
        if query.get("gssencmode", "disable") != "disable":
            raise ServerConnectionError(GSS_ENCRYPTION.format(host=host))
        if ca_cert is None:
            raise ServerConnectionError(NEEDS_CA.format(host=host))
        # gssencmode: libpq would otherwise use Kerberos encryption instead of TLS when a
        # ticket is at hand, and no certificate would be checked.
        query.update(sslmode=VERIFY_FULL, sslrootcert=str(ca_cert), gssencmode="disable")
    elif ca_cert is not None and "sslrootcert" not in query:
        query["sslrootcert"] = str(ca_cert)
    return ServerTarget(parsed.set(query=query), host, remote, ca_cert)


def _values(value: str | tuple[str, ...] | None) -> list[str]:
    if value is None:
        return []
    parts = [value] if isinstance(value, str) else list(value)
    # libpq also takes comma-separated lists of hosts and addresses.
    return [p.strip() for part in parts for p in part.split(",")]


def _is_local(host: str) -> bool:
    if host in LOCAL_NAMES or host.startswith("/") or host.startswith("@"):
        return True  # no host, this computer by name, or a Unix socket (path or abstract)
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_ca_certificate(data: bytes, shown: str) -> None:
    """Refuse anything but one or more PEM certificates; ``shown`` names the file in the
    message. The contents never appear in a message."""
    try:
        if len(data) > MAX_CA_BYTES or not x509.load_pem_x509_certificates(data):
            raise ValueError
    except ValueError as err:
        raise ServerConnectionError(NOT_A_CA.format(ca=shown)) from err


def tls_error(
    text: str, target: ServerTarget | None = None, *, shown_ca: Path | None = None
) -> ServerConnectionError | None:
    """The plain message for a libpq connection failure about TLS, or None if it is not one.

    ``text`` is the driver's message; only its kind is used, so nothing from it (and no
    certificate or password) reaches the user. ``shown_ca`` names the CA file in messages
    when it is not the one connected with (at set-up: the file chosen, not its copy).
    """
    low = text.lower()
    host = target.host if target is not None else "the clinic's server"
    ca_file = shown_ca or (target.ca_cert if target is not None else None)
    ca = str(ca_file) if ca_file is not None else "the CA file"
    if "does not match host name" in low or "could not get server's host name" in low:
        return ServerConnectionError(NAME_MISMATCH.format(host=host))
    if "server does not support ssl" in low:
        return ServerConnectionError(NO_TLS.format(host=host))
    if "root certificate file" in low:  # unreadable, or not a certificate
        return ServerConnectionError(NOT_A_CA.format(ca=ca))
    if "certificate verify failed" in low or "unable to get local issuer" in low:
        return ServerConnectionError(UNTRUSTED.format(ca=ca, host=host))
    return None


__all__ = [
    "ServerTarget",
    "check_ca_certificate",
    "server_target",
    "tls_error",
]
