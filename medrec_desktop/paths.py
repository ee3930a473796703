"""Where medrec keeps its files (platformdirs), overridable with MEDREC_DATA_DIR or --data-dir."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "medrec-desktop"
DB_FILE = "medrec.db"
KEYS_FILE = "medrec.keys"
SERVER_FILE = "server.url"
SERVER_CA_FILE = "server-ca.pem"
WORKSTATION_FILE = "workstation.json"


@dataclass(frozen=True)
class DataPaths:
    """Every path below one data directory."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / DB_FILE

    @property
    def keys(self) -> Path:
        return self.root / KEYS_FILE

    @property
    def server_url_file(self) -> Path:
        """Present when this workstation uses a PostgreSQL server instead of a local file."""
        return self.root / SERVER_FILE

    @property
    def server_ca_file(self) -> Path:
        """This workstation's copy of the clinic's CA certificate (server mode, db.server_tls)."""
        return self.root / SERVER_CA_FILE

    @property
    def workstation_file(self) -> Path:
        """Which of the clinic server's workstations this folder is (no secret in it)."""
        return self.root / WORKSTATION_FILE

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def logs(self) -> Path:
        return self.root / "logs"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> DataPaths:
    """--data-dir wins over MEDREC_DATA_DIR, which wins over the platform default."""
    if explicit:
        return DataPaths(Path(explicit).expanduser().resolve())
    env = os.environ.get("MEDREC_DATA_DIR")
    if env:
        return DataPaths(Path(env).expanduser().resolve())
    return DataPaths(default_data_dir())


def make_private_dir(path: Path) -> None:
    """Create a directory readable only by its owner (mode 0700 on POSIX)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        os.chmod(path, 0o700)


def write_private_file(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` atomically to a file only its owner can read (mode 0600 on POSIX).

    ``durable=False`` skips the fsyncs, for data that may safely lag after a power cut.
    """
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
