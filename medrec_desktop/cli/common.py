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


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: usage error: {message}\n")


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
