"""Before `make run` on Linux: are the system libraries Qt's X11 (xcb) plugin loads present?

Qt 6.5+ loads libxcb-cursor, libxcb-icccm and libxcb-keysyms, which pip cannot install and a
default Debian/Ubuntu/Fedora desktop lacks; without them the app aborts with "could not load
the Qt platform plugin xcb" (exit 134). This asks the dynamic linker (ldd on the installed
plugin) what is missing, installs it where that needs no password (root, or sudo -n), and
otherwise prints the one command to run and exits 1.

Standard library only, and never imports Qt (importing it is what aborts). Environment:
MEDREC_NO_AUTO_INSTALL=1 never installs; QT_QPA_PLATFORM naming another platform than xcb
(offscreen, wayland, ...) skips the check. ``--dry-run`` prints the install command it would
run instead of running it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

# Library (soname) -> (Debian/Ubuntu package, Fedora/RHEL package). The first three are the
# ones missing on a default desktop; the rest are other xcb pieces the plugin links to.
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
}
MANAGERS = ("apt-get", "dnf")


def qt_xcb_libraries() -> list[Path]:
    """The installed xcb plugin and the Qt library behind it, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return []
    qt = Path(next(iter(spec.submodule_search_locations))) / "Qt"
    candidates = [qt / "plugins" / "platforms" / "libqxcb.so", *qt.glob("lib/libQt6XcbQpa.so*")]
    return [p for p in candidates if p.is_file()]


def missing_libraries(libraries: list[Path]) -> list[str]:
    """Sonames the dynamic linker cannot find for ``libraries``, in a stable order."""
    missing: set[str] = set()
    ldd = shutil.which("ldd")
    if ldd is None:  # no ldd (unusual): ask the linker cache about the libraries we know
        cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
        return [name for name in list(PACKAGES)[:3] if name not in cache]
    for lib in libraries:
        out = subprocess.run([ldd, str(lib)], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if "=> not found" in line:
                missing.add(line.split("=>")[0].strip())
    return sorted(missing, key=lambda name: (name not in PACKAGES, name))


def manager() -> str | None:
    return next((m for m in MANAGERS if shutil.which(m)), None)


def packages_for(missing: list[str], which: str) -> list[str]:
    column = 0 if which == "apt-get" else 1
    names = [PACKAGES[lib][column] for lib in missing if lib in PACKAGES]
    return list(dict.fromkeys(names))


def install_command(missing: list[str], which: str) -> list[str]:
    return [which, "install", "-y", *packages_for(missing, which)]


def privilege() -> list[str] | None:
    """How to run the installer without a password prompt: [] as root, sudo -n, else None."""
    if os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if sudo and subprocess.run([sudo, "-n", "true"], capture_output=True).returncode == 0:
        return [sudo, "-n"]
    return None


def advice(missing: list[str], which: str | None) -> str:
    lines = [
        "medrec-desktop cannot open its window yet: Qt's X11 platform plugin needs system "
        "libraries that pip cannot install and this computer lacks:",
        "    " + " ".join(missing),
    ]
    known = [lib for lib in missing if lib in PACKAGES]
    if known:
        lines.append("Install them with (then run 'make run' again):")
        for each in [which] if which else list(MANAGERS):
            lines.append("    sudo " + " ".join(install_command(known, each)))
    unknown = [lib for lib in missing if lib not in PACKAGES]
    if unknown:
        lines.append(
            "Install your distribution's package that provides: " + " ".join(unknown) + "."
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    dry_run = "--dry-run" in argv
    if not sys.platform.startswith("linux"):
        return 0  # Windows and macOS wheels carry what Qt needs
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and platform.split(":")[0] != "xcb":
        return 0  # offscreen, wayland, ...: the xcb plugin is not loaded
    libraries = qt_xcb_libraries()
    if not libraries:
        return 0  # PySide6 not installed yet: pip's own error will say so
    missing = missing_libraries(libraries)
    if not missing:
        return 0
    which = manager()
    how = None if os.environ.get("MEDREC_NO_AUTO_INSTALL") else privilege()
    if which is None or how is None or not packages_for(missing, which):
        print(advice(missing, which), file=sys.stderr)
        return 1
    command = [*how, *install_command(missing, which)]
    if dry_run:
        print("Would install what Qt needs with: " + " ".join(command), file=sys.stderr)
        return 0
    print("Installing the system libraries Qt needs: " + " ".join(command), file=sys.stderr)
    done = subprocess.run(command)
    if done.returncode != 0 and which == "apt-get":
        # A fresh machine (or container) may have no package lists yet.
        subprocess.run([*how, "apt-get", "update"])
        done = subprocess.run(command)
    still = missing_libraries(libraries)
    if done.returncode != 0 or still:
        print(advice(still or missing, which), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
