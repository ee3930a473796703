"""Choosing a file to read or a file to write, without the operating system remembering it.

The system's own file dialogs add what is chosen to the desktop's "recent files" (Windows'
Recent Items and jump lists, GNOME's recently-used list, macOS's recent documents). A scan is
often named for the patient ("smith-john-referral.pdf"), and an export is patient data: such a
list is PHI kept outside the encrypted database, readable by anyone at the desktop and never
cleaned up. Qt's own dialog (``DontUseNativeDialog``) records nothing there. It does keep the
last few *folders* visited in Qt's settings, as any folder browser would; file names never.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

#: the option every dialog here carries (see the module's note: no "recent files" entry)
PRIVATE = QFileDialog.Option.DontUseNativeDialog


def private_dialog(
    parent: QWidget | None,
    caption: str,
    *,
    save: bool,
    name_filter: str = "",
    start: str = "",
) -> QFileDialog:
    """A Qt (not the system's) file dialog, to open a file (``save`` False) or save one."""
    dialog = QFileDialog(parent, caption, start)
    dialog.setOption(PRIVATE, True)
    if name_filter:
        dialog.setNameFilter(name_filter)
    if save:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    else:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    return dialog


def _chosen(dialog: QFileDialog) -> Path | None:
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        files = dialog.selectedFiles()
        return Path(files[0]) if files else None
    finally:
        dialog.deleteLater()


def open_file_path(
    parent: QWidget | None, caption: str, name_filter: str = "", start: str = ""
) -> Path | None:
    """The file the user chose to read, or None."""
    return _chosen(
        private_dialog(parent, caption, save=False, name_filter=name_filter, start=start)
    )


def save_file_path(
    parent: QWidget | None, caption: str, name_filter: str = "", start: str = ""
) -> Path | None:
    """Where the user chose to write a file, or None (Qt's dialog asks before replacing)."""
    return _chosen(private_dialog(parent, caption, save=True, name_filter=name_filter, start=start))
