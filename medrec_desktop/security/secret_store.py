"""Where a workstation keeps the key-encryption key: the OS keyring, and only a secure one."""

from __future__ import annotations

from typing import Protocol

import keyring
import keyring.backend
import keyring.errors

from medrec_desktop.domain.errors import KeyStoreError

SERVICE = "medrec-desktop"

# Backends that store secrets encrypted by the OS. Anything else (keyrings.alt's plaintext and
# "encrypted" files, the null and fail backends, chainers of those) is refused, never used.
SECURE_BACKENDS = frozenset(
    {
        "keyring.backends.Windows.WinVaultKeyring",
        "keyring.backends.macOS.Keyring",
        "keyring.backends.SecretService.Keyring",
        "keyring.backends.kwallet.DBusKeyring",
        "keyring.backends.libsecret.Keyring",
    }
)

NO_SECURE_KEYRING = (
    "This computer has no secure keyring (Windows Credential Manager, macOS Keychain, "
    "GNOME Keyring/Secret Service or KWallet) available, so the database key cannot be kept "
    "there. Protect it with a workstation passphrase instead (setup wizard, or "
    "'medrec init --passphrase' / MEDREC_PASSPHRASE for automation)."
)


class SecretStore(Protocol):
    """The three calls medrec needs from a keyring."""

    @property
    def label(self) -> str: ...

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


def backend_name(backend: keyring.backend.KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def secure_backend(
    backend: keyring.backend.KeyringBackend | None = None,
) -> keyring.backend.KeyringBackend | None:
    """The backend to use if it is on the allowlist, else None."""
    backend = backend if backend is not None else keyring.get_keyring()
    children = getattr(backend, "backends", None)
    if children is not None:  # a ChainerBackend: use its best secure member
        for child in children:
            if backend_name(child) in SECURE_BACKENDS:
                return child  # type: ignore[no-any-return]
        return None
    return backend if backend_name(backend) in SECURE_BACKENDS else None


class OsKeyring:
    """The OS keyring, refused unless its backend is on the allowlist."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        chosen = secure_backend(backend)
        if chosen is None:
            raise KeyStoreError(NO_SECURE_KEYRING)
        self._backend = chosen

    @property
    def label(self) -> str:
        return f"OS keyring ({backend_name(self._backend)})"

    def get(self, name: str) -> str | None:
        try:
            return self._backend.get_password(SERVICE, name)
        except keyring.errors.KeyringError as err:
            raise KeyStoreError(f"The OS keyring could not be read: {err}") from err

    def set(self, name: str, value: str) -> None:
        try:
            self._backend.set_password(SERVICE, name, value)
        except keyring.errors.KeyringError as err:
            raise KeyStoreError(f"The OS keyring could not be written: {err}") from err

    def delete(self, name: str) -> None:
        try:
            self._backend.delete_password(SERVICE, name)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as err:
            raise KeyStoreError(f"The OS keyring could not be written: {err}") from err


def os_keyring_or_none() -> OsKeyring | None:
    try:
        return OsKeyring()
    except KeyStoreError:
        return None
