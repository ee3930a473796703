"""What every `medrec` command shares: secrets from the environment or a prompt, opening the
database, signing in, and printing text or JSON."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.errors import KnownError, ValidationError
from medrec_desktop.paths import DataPaths
from medrec_desktop.security.secret_store import os_keyring_or_none
from medrec_desktop.services.installation import Installation, Unlock

EXIT_OK, EXIT_KNOWN, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 70


class UsageError(Exception):
    pass


# Options every command takes, before or after its name: `medrec --json users list` and
# `medrec users list --json` mean the same. Name -> value when not given.
GLOBAL_DEFAULTS: dict[str, Any] = {"data_dir": None, "user": None, "json": False}
# Where a sub-command's copy of a global option stores its value, so that a value given before
# the command is neither overwritten by the copy's default nor silently replaced by another.
_LATE = "_after_command"


class _Parser(argparse.ArgumentParser):
    """Every (sub-)command parser: usage errors exit 2, and the global options are accepted at
    every level of the command."""

    def __init__(self, *args: Any, top_level: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        suffix = "" if top_level else _LATE

        def default(name: str) -> Any:
            # A copy with a default would put it back over a value given earlier.
            return GLOBAL_DEFAULTS[name] if top_level else argparse.SUPPRESS

        group = self.add_argument_group("options every command takes")
        group.add_argument(
            "--data-dir",
            dest="data_dir" + suffix,
            metavar="DIR",
            default=default("data_dir"),
            help="data folder (default: MEDREC_DATA_DIR or the OS default)",
        )
        group.add_argument(
            "--user",
            dest="user" + suffix,
            metavar="NAME",
            default=default("user"),
            help="sign in as this user (password from MEDREC_PASSWORD or a prompt)",
        )
        group.add_argument(
            "--json",
            dest="json" + suffix,
            action="store_true",
            default=default("json"),
            help="machine-readable output",
        )

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: usage error: {message}\n")


def merge_global_options(args: argparse.Namespace) -> None:
    """Fold the values given after the command into ``args.data_dir``, ``args.user`` and
    ``args.json``. The same option given before and after with different values is a usage
    error: guessing which one was meant could sign in as the wrong user."""
    for name, unset in GLOBAL_DEFAULTS.items():
        late = getattr(args, name + _LATE, unset)
        if hasattr(args, name + _LATE):
            delattr(args, name + _LATE)
        early = getattr(args, name, unset)
        if early != unset and late != unset and early != late:
            option = "--" + name.replace("_", "-")
            raise UsageError(
                f"{option} is given twice with different values; give it once "
                "(before or after the command)"
            )
        setattr(args, name, late if late != unset else early)


# ---------------------------------------------------------------- secrets from env or prompt


def _secret(env: str, prompt: str, *, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise KnownError(f"{prompt} is needed: set {env} or run this command in a terminal.")
    first = getpass.getpass(f"{prompt}: ")
    if confirm and getpass.getpass(f"{prompt} (again): ") != first:
        raise ValidationError("The two entries do not match.")
    return first


def _unlock() -> Unlock:
    return Unlock(
        secret_store=os_keyring_or_none(),
        passphrase=os.environ.get("MEDREC_PASSPHRASE") or None,
        recovery_key=os.environ.get("MEDREC_RECOVERY_KEY") or None,
    )


def _open(paths: DataPaths) -> Installation:
    how = _unlock()
    if how.secret_store is None and how.passphrase is None and how.recovery_key is None:
        if sys.stdin.isatty():
            how = Unlock(passphrase=getpass.getpass("Workstation passphrase: "))
    return Installation.open(paths, how)


def _login(inst: Installation, args: argparse.Namespace) -> UserSession:
    if not args.user:
        raise UsageError("this command needs --user NAME (password from MEDREC_PASSWORD)")
    password = _secret("MEDREC_PASSWORD", f"Password for {args.user}")
    # Kept for commands that need the password again (the audit root key is wrapped by it,
    # and a tampered trail is verified without recording).
    args.signed_in_password = password
    return inst.auth.login(args.user, password)


def _emit(args: argparse.Namespace, data: Any, text: Callable[[], str]) -> None:
    if args.json:
        print(json.dumps(data, indent=2, default=str))
    else:
        print(text())
