"""Whether the Qt libraries and a platform plugin are installed (for `--self-test`)."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets  # noqa: F401 - loading them is the check


def qt_libraries() -> str:
    """A one-line description; FileNotFoundError when no platform plugin is present."""
    plugins = Path(QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.PluginsPath))
    platforms = sorted(p.name for p in (plugins / "platforms").glob("*"))
    if not platforms:
        raise FileNotFoundError(f"no Qt platform plugins in {plugins / 'platforms'}")
    return f"PySide6 {QtCore.qVersion()}, {len(platforms)} platform plugins"
